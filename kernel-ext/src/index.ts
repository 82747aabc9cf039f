/**
 * NucleiLens in the tslab Jupyter kernel. Every pipeline stage is a call whose result
 * displays itself (PNG with a scale bar, colour-mapped probabilities, label overlays, HTML
 * tables, plotly figures), keeps its inputs, and says how long it took:
 *
 * ```ts
 * import { open, region, pipeline, tune } from '@nucleilens/kernel-ext';
 * const slide = await open('slide.svs');
 * const run = await pipeline(await region(slide, { x: 0, y: 0, width: 1024, height: 1024 }));
 * await tune(run.stages.probabilities);
 * ```
 */
export type { MimeBundle, DisplaySink } from './display/mime-bundle.js';
export { setDisplaySink, publish, tslabSink, textSink } from './display/display-sink.js';
export { RichValue, show } from './display/rich-value.js';
export { resetPlotlyLoader } from './render/plotly-html.js';
export { htmlTable, textTable, escapeHtml, formatCell, type TableRow, type CellValue } from './render/html-table.js';
export { scaleBarMicrons, drawScaleBarInPlace } from './render/scale-bar.js';
export { colourizeProbability, colourBar, VIRIDIS } from './render/colormap.js';
export { overlayLabels, labelColour, type OverlayStyle } from './render/label-colours.js';
export { fitForDisplay, shrinkLabels, sideBySide } from './render/compose.js';
export { pictureBundle, DISPLAY_MAX_SIDE } from './render/picture-bundle.js';
export { tunerWorkerSource } from './tune/worker-bundle.js';
export type { TunerRequest, TunerReply } from './tune/tuner-worker.js';
export { paramsQuery } from './connect/params-query.js';
export { Picture, type PictureInfo } from './views/picture.js';
export { Slide } from './views/slide.js';
export { Probabilities, type ProbabilitiesInfo } from './views/probabilities.js';
export { Segmentation, type SegmentationInfo } from './views/segmentation.js';
export { Measurements, MEASURE_COLUMNS, type MeasureColumn } from './views/measurements.js';
export { Scores } from './views/scores.js';
export { Table, table, type TableOptions } from './views/table.js';
export { Figure, histogram, scatter, lineChart, barChart, PLOTLY_MIME, type PlotlyTrace, type FigureLabels, type Series } from './views/figure.js';
export { PipelineRun, type PipelineStages } from './views/pipeline-run.js';
export { DensityMap, density } from './views/density-map.js';
export { runStage, describeError, formatMs, type StageTiming } from './stages/stage-run.js';
export { useModel, currentModel, describeModel, FIXTURE_MODEL } from './stages/model-choice.js';
export { resolveChoice, type PostprocessChoice } from './stages/params-choice.js';
export {
  open,
  region,
  asPicture,
  normalize,
  infer,
  postprocess,
  measure,
  evaluate,
  MAX_WHOLE_PIXELS,
  type OpenOptions,
  type NormalizeOptions,
  type InferOptions,
} from './stages/stages.js';
export { pipeline, type PipelineOptions } from './stages/pipeline.js';
export { crop } from './stages/crop.js';
export {
  scoreCases,
  organMeans,
  thresholdSweep,
  SweepResult,
  type ScoreCase,
  type CaseScores,
  type SweepAxis,
  type SweepPoint,
} from './stages/benchmark.js';
export {
  monusegDir,
  monusegTestCases,
  monusegImage,
  groundTruth,
  referenceProbabilities,
  referenceCases,
  organOf,
  MONUSEG_MPP,
  type MonusegCase,
} from './data/monuseg.js';
export { tune, Tuner, MAX_TUNE_PIXELS } from './tune/tuner.js';
export { connect, ServerClient, ServerRequestError, type ServerSlideInfo } from './connect/server-client.js';
