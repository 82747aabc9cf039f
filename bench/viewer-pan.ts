/**
 * Viewer pan frames: how fast the `/view/:id` page redraws while the view is panned, with
 * the page's OpenSeadragon drawer (`canvas`) against OpenSeadragon's own first choice, WebGL
 * (`?drawer=webgl`), as the reference in the same browser. Headless chromium with
 * --disable-gpu has WebGL only in software (SwiftShader), as a browser on a machine without
 * a GPU does. At mid zoom (the server's overlay tiles over the slide) and at nucleus zoom
 * (the vector outlines over the slide), rounds alternating the two drawers; each round pans
 * back and forth for FRAMES animation frames (one small `panBy` per frame) and records
 *   - the frame interval (median and 90th percentile): 16.7 ms is the display's 60 Hz,
 *   - CPU per frame summed over every chromium process (from /proc; Linux only).
 * Each round has a browser of its own: a closed WebGL page left SwiftShader's threads busy,
 * which the last line measures: the idle CPU of a second viewer page opened in the same
 * browser after the first was closed, for each drawer.
 * Skips when /usr/bin/chromium is absent.
 * Usage: node build/bench/viewer-pan.js [--frames N] [--rounds N]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chromiumMissing, launchChromium } from '../test/e2e/chromium.js';
import { startViewerServer } from '../test/e2e/viewer-server.js';
import { summarize } from './timing.js';

const numberArg = (name: string, fallback: number): number =>
  process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback;
const FRAMES = numberArg('--frames', 120);
const ROUNDS = numberArg('--rounds', 3);
const VIEW = { width: 1280, height: 800 };
type Drawer = 'canvas' | 'webgl';

/** CPU ms used so far by every process whose command line names chromium; undefined without /proc. */
function chromiumCpuMs(): number | undefined {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('chrom')) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(fields[11]) + Number(fields[12]);
      } catch {
        // The process ended between listing and reading.
      }
    }
  } catch {
    return undefined;
  }
  // USER_HZ is 100 on Linux.
  return ticks * 10;
}

interface Round {
  intervalMedian: number;
  intervalP90: number;
  cpuPerFrame: number | undefined;
  drawerType: string;
}

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.log(`viewer-pan: skipped, ${missing}`);
    return;
  }
  const server = await startViewerServer({ width: 2048, height: 1536, spacing: 26, model: 'models/default.json' });
  const launch = () => launchChromium({ width: VIEW.width + 330, height: VIEW.height + 44 });
  type Browser = Awaited<ReturnType<typeof launch>>;
  /** A viewer page with its slide loaded, the overlay idle and the background runs over. */
  const openViewer = async (browser: Browser, drawer: Drawer, z: number) => {
    const page = await browser.context.newPage();
    await page.goto(`${server.base}/view/${server.slide}?x=1024&y=768&z=${z}${drawer === 'webgl' ? '&drawer=webgl' : ''}`);
    await page.evaluate(async () => {
          type Overlay = { state(): { pending: number; ready: boolean }; whenIdle(): Promise<void> };
          const { overlay } = (globalThis as unknown as { nucleiLens: { overlay: Overlay } }).nucleiLens;
          const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
          for (let i = 0; i < 1200 && !(overlay.state().ready && overlay.state().pending === 0); i++) await sleep(100);
          await overlay.whenIdle();
      // The workers' background runs and the last tiles' fade-in end before timing.
      await sleep(1500);
    });
    return page;
  };
  try {
    const round = async (drawer: Drawer, z: number): Promise<Round> => {
      const browser = await launch();
      try {
        const page = await openViewer(browser, drawer, z);
        const cpu0 = chromiumCpuMs();
        const r = await page.evaluate(async (frames) => {
          type Point = { x: number; y: number };
          const g = globalThis as unknown as {
            requestAnimationFrame(cb: () => void): number;
            OpenSeadragon: { Point: new (x: number, y: number) => Point };
            nucleiLens: { viewer: { viewport: { panBy(p: Point, immediately: boolean): void }; drawer: { getType(): string } } };
          };
          const { viewer } = g.nucleiLens;
          const intervals: number[] = [];
          let last = performance.now();
          for (let i = 0; i < frames; i++) {
            await new Promise<void>((resolve) => g.requestAnimationFrame(() => resolve()));
            const now = performance.now();
            intervals.push(now - last);
            last = now;
            // 40 px right, then back: the view never leaves the slide.
            viewer.viewport.panBy(new g.OpenSeadragon.Point(((i % 60) < 30 ? 1 : -1) * 0.004, 0), true);
          }
          intervals.sort((a, b) => a - b);
          return { median: intervals[intervals.length >> 1], p90: intervals[Math.floor(intervals.length * 0.9)], type: viewer.drawer.getType() };
        }, FRAMES);
        const cpu1 = chromiumCpuMs();
        return {
          intervalMedian: r.median,
          intervalP90: r.p90,
          cpuPerFrame: cpu0 === undefined || cpu1 === undefined ? undefined : (cpu1 - cpu0) / FRAMES,
          drawerType: r.type,
        };
      } finally {
        await browser.close();
      }
    };
    /** Chromium's CPU ms per second while a second viewer page, opened after the first closed, sits idle. */
    const idleSecondPage = async (drawer: Drawer): Promise<number | undefined> => {
      const browser = await launch();
      try {
        await (await openViewer(browser, drawer, 1)).close();
        await openViewer(browser, drawer, 1);
        const cpu0 = chromiumCpuMs();
        await new Promise((r) => setTimeout(r, 2000));
        const cpu1 = chromiumCpuMs();
        return cpu0 === undefined || cpu1 === undefined ? undefined : (cpu1 - cpu0) / 2;
      } finally {
        await browser.close();
      }
    };
    console.log(`viewer pan frames: ${VIEW.width}x${VIEW.height} view, ${FRAMES} frames per round, ${ROUNDS} rounds per drawer alternating, headless chromium --disable-gpu`);
    for (const [label, z] of [
      ['mid zoom (overlay tiles), z 0.25', 0.25],
      ['nucleus zoom (vector outlines), z 1', 1],
    ] as const) {
      const rounds: Record<Drawer, Round[]> = { canvas: [], webgl: [] };
      for (let i = 0; i < ROUNDS; i++) for (const d of i % 2 === 0 ? (['canvas', 'webgl'] as const) : (['webgl', 'canvas'] as const)) rounds[d].push(await round(d, z));
      console.log(label);
      const cpu: Partial<Record<Drawer, number>> = {};
      for (const d of ['canvas', 'webgl'] as const) {
        const list = rounds[d];
        const median = summarize(list.map((r) => r.intervalMedian)).median;
        const p90 = summarize(list.map((r) => r.intervalP90)).median;
        const perFrame = list.every((r) => r.cpuPerFrame !== undefined) ? summarize(list.map((r) => r.cpuPerFrame as number)).median : undefined;
        cpu[d] = perFrame;
        const name = d === 'canvas' ? 'page default' : '?drawer=webgl';
        console.log(
          `  ${name.padEnd(14)} drawer ${list[0].drawerType.padEnd(7)} frame interval median ${median.toFixed(1).padStart(6)} ms, p90 ${p90.toFixed(1).padStart(6)} ms; ` +
            `CPU per frame ${perFrame === undefined ? 'n/a (no /proc)' : `${perFrame.toFixed(1)} ms`}`,
        );
      }
      if (cpu.canvas !== undefined && cpu.webgl !== undefined && cpu.webgl > 0) console.log(`  ratio CPU per frame, page default / webgl ${(cpu.canvas / cpu.webgl).toFixed(2)}`);
    }
    const idle = { canvas: await idleSecondPage('canvas'), webgl: await idleSecondPage('webgl') };
    const fmtIdle = (v: number | undefined) => (v === undefined ? 'n/a (no /proc)' : `${v.toFixed(0)} ms`);
    console.log(`second viewer page in the same browser, idle: chromium CPU per second ${fmtIdle(idle.canvas)} (page default), ${fmtIdle(idle.webgl)} (?drawer=webgl)`);
  } finally {
    await server.close();
  }
}

await main();
