/**
 * One reader suite run against every slide format: the same expectations for a libvips
 * pyramid, a streamed BigTIFF, an OME-TIFF with SubIFDs, an SVS-like file with
 * JPEGTables and plain PNG/JPEG/TIFF images.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AbortedError,
  CorruptInputError,
  InvalidArgumentError,
  NotFoundError,
  UnsupportedFormatError,
  createDecodedTileCache,
  cropRgb,
  openSlide,
  parseAperioDescription,
  omeMpp,
  probeSlide,
  SlideFormatRegistry,
  DEFAULT_SLIDE_FORMATS,
  downsampleRgb2x,
  levelRectFromLevel0,
  type RgbImage,
} from '@nucleilens/pipeline';
import { meanAbsDiff, writeJpeg2000Svs, writeSlideFixtures, writeTruncated, type SlideFixture } from '../fixtures/slides.js';

const made = await writeSlideFixtures();
after(() => rm(made.dir, { recursive: true, force: true }));

function crop(img: RgbImage, x: number, y: number, w: number, h: number): RgbImage {
  return cropRgb(img, x, y, w, h);
}

for (const fx of made.fixtures) {
  describe(`slide reader: ${fx.name}`, () => {
    const cache = createDecodedTileCache(8 << 20);
    let slide: Awaited<ReturnType<typeof openSlide>>;
    before(async () => {
      slide = await openSlide(fx.path, { cache });
    });
    after(() => slide.close());

    test('info: format, size, levels, scale', () => {
      const info = slide.info;
      assert.equal(info.format, fx.format);
      assert.equal(info.width, made.source.width);
      assert.equal(info.height, made.source.height);
      assert.ok(info.levels.length >= fx.minLevels, `levels: ${info.levels.length}`);
      assert.equal(info.levels[0].downsample, 1);
      for (let i = 1; i < info.levels.length; i++) {
        assert.ok(info.levels[i].downsample > info.levels[i - 1].downsample);
        assert.ok(Math.abs(info.levels[i].downsample - 2 ** i) / 2 ** i < 0.02, `level ${i}: ${info.levels[i].downsample}`);
      }
      if (fx.mpp === undefined) assert.equal(info.mpp, undefined);
      else assert.ok(Math.abs(info.mpp! - fx.mpp) < 1e-6, `mpp ${info.mpp}`);
      assert.equal(info.magnification, fx.magnification);
      assert.ok(info.tileWidth > 0 && info.tileHeight > 0);
    });

    test('level-0 region across tile borders matches the source', async () => {
      const rect = { x: 100, y: 90, width: 300, height: 200 };
      const got = await slide.readRegion(rect, 0);
      assert.equal(got.width, 300);
      assert.equal(got.height, 200);
      assert.ok(got.data instanceof Uint8Array);
      const err = meanAbsDiff(got.data, crop(made.source, 100, 90, 300, 200).data);
      assert.ok(err <= fx.tolerance, `mean abs error ${err.toFixed(2)} > ${fx.tolerance}`);
    });

    test('a region reaching outside the slide is white outside', async () => {
      const got = await slide.readRegion({ x: 650, y: -20, width: 100, height: 40 }, 0);
      assert.equal(got.width, 100);
      assert.equal(got.height, 40);
      const outside = (got.width * 5 + 70) * 3;
      assert.deepEqual([...got.data.subarray(outside, outside + 3)], [255, 255, 255]);
      assert.deepEqual([...got.data.subarray(0, 3)], [255, 255, 255]);
      const inside = (got.width * 30 + 10) * 3;
      const src = ((10 * made.source.width) + 660) * 3;
      assert.ok(Math.abs(got.data[inside] - made.source.data[src]) <= 12);
    });

    test('level 1 holds the halved image', async () => {
      const rect = { x: 0, y: 0, width: 400, height: 300 };
      const lr = levelRectFromLevel0(rect, slide.info.levels[1].downsample);
      const got = await slide.readRegion(rect, 1);
      assert.equal(got.width, lr.width);
      assert.equal(got.height, lr.height);
      const ref = crop(downsampleRgb2x(made.source), 0, 0, got.width, got.height);
      const err = meanAbsDiff(got.data, ref.data);
      assert.ok(err <= fx.tolerance + 3, `level-1 mean abs error ${err.toFixed(2)}`);
    });

    test('level regions read the same pixels as level-0 regions at level 0', async () => {
      const a = await slide.readLevelRegion({ x: 120, y: 130, width: 64, height: 48 }, 0);
      const b = await slide.readRegion({ x: 120, y: 130, width: 64, height: 48 }, 0);
      assert.deepEqual(a, b);
    });

    test('concurrent reads agree and repeated reads hit the tile cache', async () => {
      const rect = { x: 200, y: 200, width: 256, height: 256 };
      const [a, b] = await Promise.all([slide.readRegion(rect, 0), slide.readRegion(rect, 0)]);
      assert.deepEqual(a.data, b.data);
      const c = await slide.readRegion(rect, 0);
      assert.deepEqual(a.data, c.data);
      c.data.fill(0);
      const d = await slide.readRegion(rect, 0);
      assert.deepEqual(a.data, d.data, 'a caller mutating its result must not change the cache');
    });

    test('bad arguments and aborts are typed errors', async () => {
      await assert.rejects(slide.readRegion({ x: 0, y: 0, width: 10, height: 10 }, slide.info.levels.length), InvalidArgumentError);
      await assert.rejects(slide.readRegion({ x: 0, y: 0, width: -1, height: 10 }, 0), InvalidArgumentError);
      await assert.rejects(slide.readRegion({ x: 0.5, y: 0, width: 10, height: 10 }, 0), InvalidArgumentError);
      const ac = new AbortController();
      ac.abort();
      await assert.rejects(slide.readRegion({ x: 0, y: 0, width: 10, height: 10 }, 0, ac.signal), AbortedError);
    });

    test('bestLevelForDownsample picks the finest level not above the request', () => {
      assert.equal(slide.bestLevelForDownsample(1), 0);
      assert.equal(slide.bestLevelForDownsample(1.9), 0);
      assert.equal(slide.bestLevelForDownsample(2), 1);
      assert.equal(slide.bestLevelForDownsample(3.5), 1);
      assert.equal(slide.bestLevelForDownsample(1e6), slide.info.levels.length - 1);
    });
  });
}

describe('slide formats and failures', () => {
  test('tiled readers cache decoded tiles under the shared budget', async () => {
    const cache = createDecodedTileCache(1 << 20);
    const slide = await openSlide(made.fixtures[0].path, { cache });
    await slide.readRegion({ x: 0, y: 0, width: 128, height: 128 }, 0);
    const before = cache.stats();
    await slide.readRegion({ x: 0, y: 0, width: 128, height: 128 }, 0);
    const afterStats = cache.stats();
    assert.equal(afterStats.hits, before.hits + 1);
    assert.equal(afterStats.misses, before.misses);
    assert.ok(afterStats.bytes <= 1 << 20);
    await slide.close();
    assert.equal(cache.stats().entries, 0, 'closing a slide drops its tiles');
  });

  test('an SVS is also a tiled TIFF, and priority picks the SVS reader', async () => {
    const svs = made.fixtures.find((f) => f.format === 'aperio-svs')!;
    const probe = await probeSlide(svs.path);
    const registry = new SlideFormatRegistry(DEFAULT_SLIDE_FORMATS);
    const readers = registry.formats.filter((f) => f.canRead(probe)).map((f) => f.name);
    assert.deepEqual(readers, ['aperio-svs', 'tiled-tiff']);
    assert.equal(registry.formatFor(probe)?.name, 'aperio-svs');
    assert.equal(probe.tiff!.pages.length, 5, 'level 0, thumbnail, levels 1..3');
    await probe.tiff!.file.close();
  });

  test('Aperio and OME descriptions parse', () => {
    const d = parseAperioDescription('Aperio Image Library v10.0.50\r\n16000x17597 [0,100 15374x17497] (256x256) JPEG/RGB Q=30|AppMag = 20|MPP = 0.4990|Date = 11/12/09');
    assert.equal(d.mpp, 0.499);
    assert.equal(d.magnification, 20);
    assert.equal(d.fields.get('Date'), '11/12/09');
    assert.equal(parseAperioDescription('Aperio Image Library|MPP = abc').mpp, undefined);
    assert.equal(omeMpp('<OME><Image><Pixels PhysicalSizeX="250" PhysicalSizeXUnit="nm"/></Image></OME>'), 0.25);
    assert.equal(omeMpp('<OME><Image><Pixels SizeX="5"/></Image></OME>'), undefined);
  });

  test('JPEG 2000 SVS is refused with a clear message', async () => {
    const path = join(made.dir, 'jp2k.svs');
    await writeJpeg2000Svs(path);
    await assert.rejects(openSlide(path), (err: unknown) => {
      assert.ok(err instanceof UnsupportedFormatError);
      assert.match(err.message, /JPEG 2000/);
      assert.match(err.message, /33003/);
      return true;
    });
  });

  test('truncated, damaged, unknown and missing files are typed errors', async () => {
    const truncated = join(made.dir, 'truncated.tif');
    await writeTruncated(made.fixtures[0].path, truncated, 0.5);
    await assert.rejects(async () => {
      const s = await openSlide(truncated);
      try {
        // Directories may survive truncation; the missing tiles must then fail as corrupt, not decode as zeros.
        for (let y = 0; y < s.info.height; y += 128) await s.readRegion({ x: 0, y, width: s.info.width, height: 128 }, 0);
      } finally {
        await s.close();
      }
    }, CorruptInputError);
    const streamedTruncated = join(made.dir, 'streamed-truncated.tif');
    await writeTruncated(made.fixtures[2].path, streamedTruncated, 0.6);
    await assert.rejects(openSlide(streamedTruncated), CorruptInputError);
    const garbage = join(made.dir, 'garbage.tif');
    await writeFile(garbage, Buffer.concat([Buffer.from([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x0f]), Buffer.alloc(100, 7)]));
    await assert.rejects(openSlide(garbage), CorruptInputError);
    const unknown = join(made.dir, 'notes.tif');
    await writeFile(unknown, 'this is not an image at all');
    await assert.rejects(openSlide(unknown), UnsupportedFormatError);
    await assert.rejects(openSlide(join(made.dir, 'missing.tif')), NotFoundError);
  });

  test('plain images larger than the in-memory limit point to convert', async () => {
    const png = made.fixtures.find((f) => f.name === 'PNG')!;
    await assert.rejects(openSlide(png.path, { maxInMemoryPixels: 1000 }), /nucleilens convert/);
  });
});
