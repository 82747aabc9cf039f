/**
 * `nucleilens info`: versions, the execution provider inference would run on (and why, when
 * CUDA was asked for but is not there), the thread count, and the installed models.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { InvalidArgumentError, defaultModelDirs, listModels, probeExecutionProvider } from '@nucleilens/pipeline';
import type { Command } from '../command.js';

async function packageVersion(url: URL): Promise<string> {
  try {
    return (JSON.parse(await readFile(url, 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

async function sharpVersion(): Promise<string> {
  const sharp = (await import('sharp')).default as unknown as { versions?: { sharp?: string; vips?: string } };
  return `${sharp.versions?.sharp ?? 'unknown'} (libvips ${sharp.versions?.vips ?? 'unknown'})`;
}

export const infoCommand: Command = {
  name: 'info',
  summary: 'Show versions, the execution provider and threads inference would use, and the installed models',
  usage: 'nucleilens info [--provider auto|cuda|cpu] [--threads N] [--json]',
  options: {
    provider: { kind: 'string', description: 'provider preference to probe (default auto)', placeholder: 'auto|cuda|cpu' },
    threads: { kind: 'number', description: 'thread count to report (default: all cores)', placeholder: 'N' },
    json: { kind: 'flag', description: 'print JSON instead of text' },
  },
  async run(args) {
    const preference = args.strings.get('provider') ?? 'auto';
    if (preference !== 'auto' && preference !== 'cuda' && preference !== 'cpu') {
      throw new InvalidArgumentError(`--provider must be auto, cuda or cpu, got "${preference}"`);
    }
    const probe = await probeExecutionProvider(preference);
    const dirs = defaultModelDirs();
    const models = (await listModels(dirs)).map((m) =>
      'error' in m.model
        ? { name: m.name, card: m.cardPath, error: m.model.error }
        : {
            name: m.name,
            card: m.cardPath,
            onnx: m.model.onnxPath,
            arch: m.model.card.arch,
            tile: m.model.card.tile,
            halo: m.model.card.halo,
            mppExpected: m.model.card.mppExpected,
          },
    );
    const report = {
      nucleilens: await packageVersion(new URL('../../package.json', import.meta.url)),
      pipeline: await packageVersion(new URL('../package.json', import.meta.resolve('@nucleilens/pipeline'))),
      node: process.versions.node,
      onnxruntimeNode: probe.onnxruntimeVersion,
      sharp: await sharpVersion(),
      executionProvider: { requested: preference, running: probe.provider, fallbackReason: probe.fallbackReason },
      threads: args.numbers.get('threads') ?? availableParallelism(),
      cpu: `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`,
      modelDirs: dirs,
      models,
    };
    if (args.flags.has('json')) {
      process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      return 0;
    }
    const lines = [
      `nucleilens        ${report.nucleilens}`,
      `pipeline          ${report.pipeline}`,
      `node              ${report.node}`,
      `onnxruntime-node  ${report.onnxruntimeNode}`,
      `sharp             ${report.sharp}`,
      `provider          ${probe.provider} (requested ${preference})`,
    ];
    if (probe.fallbackReason) lines.push(`                  ${probe.fallbackReason}`);
    lines.push(`threads           ${report.threads}`, `cpu               ${report.cpu}`, `model folders     ${dirs.join(', ')}`, 'models:');
    if (models.length === 0) lines.push('  (none installed)');
    for (const m of models) {
      lines.push('error' in m ? `  ${m.name.padEnd(16)} unusable: ${m.error}` : `  ${m.name.padEnd(16)} ${m.arch}, tile ${m.tile} + halo ${m.halo}, ${m.mppExpected} µm/px -> ${m.onnx}`);
    }
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  },
};
