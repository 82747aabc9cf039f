/**
 * The MoNuSeg 2018 test set: its 14 images, the organ each comes from, and the published
 * figures NucleiLens compares itself with.
 *
 * Organs follow from each image's TCGA barcode (TCGA-<tissue source site>-...): the tissue
 * source site code names the TCGA study the slide was collected for (GDC "TCGA Code Tables",
 * tissue source site table), and the study names the organ. 7 organs: kidney 3, lung 2,
 * breast 2, prostate 2, bladder 2, brain 2, colon 1, as the challenge describes its test set
 * (Kumar et al., IEEE TMI 39(5) 2020, DOI 10.1109/TMI.2019.2947628).
 */

/** Organ of each test image, from its tissue source site code; see the module comment. */
export const MONUSEG_TEST_ORGANS: Readonly<Record<string, { readonly site: string; readonly study: string; readonly organ: string }>> = {
  'TCGA-2Z-A9J9-01A-01-TS1': { site: '2Z', study: 'KIRP', organ: 'kidney' },
  'TCGA-44-2665-01B-06-BS6': { site: '44', study: 'LUAD', organ: 'lung' },
  'TCGA-69-7764-01A-01-TS1': { site: '69', study: 'LUAD', organ: 'lung' },
  'TCGA-A6-6782-01A-01-BS1': { site: 'A6', study: 'COAD', organ: 'colon' },
  'TCGA-AC-A2FO-01A-01-TS1': { site: 'AC', study: 'BRCA', organ: 'breast' },
  'TCGA-AO-A0J2-01A-01-BSA': { site: 'AO', study: 'BRCA', organ: 'breast' },
  'TCGA-CU-A0YN-01A-02-BSB': { site: 'CU', study: 'BLCA', organ: 'bladder' },
  'TCGA-EJ-A46H-01A-03-TSC': { site: 'EJ', study: 'PRAD', organ: 'prostate' },
  'TCGA-FG-A4MU-01B-01-TS1': { site: 'FG', study: 'LGG', organ: 'brain' },
  'TCGA-GL-6846-01A-01-BS1': { site: 'GL', study: 'KIRP', organ: 'kidney' },
  'TCGA-HC-7209-01A-01-TS1': { site: 'HC', study: 'PRAD', organ: 'prostate' },
  'TCGA-HT-8564-01Z-00-DX1': { site: 'HT', study: 'LGG', organ: 'brain' },
  'TCGA-IZ-8196-01A-01-BS1': { site: 'IZ', study: 'KIRP', organ: 'kidney' },
  'TCGA-ZF-A9R5-01A-01-TS1': { site: 'ZF', study: 'BLCA', organ: 'bladder' },
};

/** Mean AJI on these 14 images as published (the challenge's AJI v1.0). */
export const PUBLISHED_MEAN_AJI: readonly { readonly method: string; readonly aji: number; readonly source: string }[] = [
  { method: 'challenge winner (CUHK&IMSIGHT)', aji: 0.6907, source: 'Kumar et al. 2020, via Rahmon et al. 2021 Table III' },
  { method: 'USE-Net (SE-ResNet-50)', aji: 0.6587, source: 'Rahmon et al. 2021, Table II, Exp 9' },
  { method: 'USE-Net, ResNet-18 backbone', aji: 0.6189, source: 'Rahmon et al. 2021, Table II, Exp 7' },
];
