/**
 * The model card: the JSON file that travels with every ONNX model (`models/<name>.json`,
 * written by models/training/export.py) and says how to feed it and read it. The card is
 * validated once, when it is read, so inference never meets a half-formed IO config.
 * Node-only (reads files).
 */
import { readFile } from 'node:fs/promises';
import { ModelError, NotFoundError } from '../errors/index.js';

/** How the network's input tensor is laid out. */
export interface ModelCardInput {
  /** Graph input name (export.py: `image`). */
  readonly name: string;
  /** Every spatial side fed to the graph must be a multiple of this (32: five stride-2 stages). */
  readonly sideMultiple: number;
}

/** Where the two probability maps are in the output tensor. */
export interface ModelCardOutputs {
  /** Graph output name (export.py: `probs`), shape [N, 2, H, W]. */
  readonly name: string;
  /** Channel index of the nucleus-mask probability. */
  readonly maskChannel: number;
  /** Channel index of the shape-marker probability. */
  readonly markerChannel: number;
}

/** Post-processing defaults the model was tuned with; `null` where the card leaves them open. */
export interface ModelCardThresholds {
  readonly mask: number | null;
  readonly marker: number | null;
  readonly minMaskArea: number | null;
  readonly minMarkerArea: number | null;
  /** Radius (px) of the final per-instance dilation. */
  readonly dilateRadius: number | null;
  readonly recipe: string | null;
}

/** A validated model card. Fields the product does not interpret are kept in `extra`. */
export interface ModelCard {
  /** Short name, e.g. `use-net-r18`; `nucleilens segment --model NAME` finds `models/NAME.json`. */
  readonly name: string;
  /** The ONNX file, relative to the card's folder. */
  readonly file: string;
  /** Network architecture, e.g. `se_resnet50`. */
  readonly arch: string;
  readonly input: ModelCardInput;
  readonly outputs: ModelCardOutputs;
  /** Microns per pixel of the images the model was trained on (MoNuSeg 40x: about 0.25). */
  readonly mppExpected: number;
  /** Default core tile side for tiled inference, a multiple of `input.sideMultiple`. */
  readonly tile: number;
  /** Default halo on each side of a core tile, a multiple of `input.sideMultiple`. */
  readonly halo: number;
  readonly thresholds: ModelCardThresholds;
  /** Training facts, verification figures and anything else the card carries, as read. */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** The IO config of export.py's graphs, used for a bare `.onnx` that has no card beside it. */
export const DEFAULT_MODEL_IO = {
  input: { name: 'image', sideMultiple: 32 },
  outputs: { name: 'probs', maskChannel: 0, markerChannel: 1 },
  mppExpected: 0.25,
  tile: 512,
  halo: 64,
} as const;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class CardReader {
  constructor(private readonly source: string) {}

  fail(path: string, want: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60);
    throw new ModelError(`${this.source}: model card field "${path}" must be ${want}, got ${shown}`);
  }

  object(obj: Json, key: string, path: string): Json {
    const v = obj[key];
    if (!isObject(v)) this.fail(path, 'an object', v);
    return v;
  }

  string(obj: Json, key: string, path: string, fallback?: string): string {
    const v = obj[key] ?? fallback;
    if (typeof v !== 'string' || v.length === 0) this.fail(path, 'a non-empty string', v);
    return v;
  }

  positiveInt(obj: Json, key: string, path: string, fallback?: number): number {
    const v = obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) this.fail(path, 'a positive integer', v);
    return v;
  }

  multipleOf(obj: Json, key: string, path: string, multiple: number, min: number, fallback: number): number {
    const v = obj[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v % multiple !== 0) {
      this.fail(path, `an integer >= ${min} and a multiple of ${multiple}`, v);
    }
    return v;
  }

  nullableNumber(obj: Json, key: string, path: string, min: number, max: number): number | null {
    const v = obj[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'number' || !(v >= min && v <= max)) this.fail(path, `null or a number in [${min}, ${max}]`, v);
    return v;
  }
}

function readChannel(reader: CardReader, outputs: Json, name: string, fallback: number): number {
  const channels = outputs.channels;
  if (channels === undefined) return fallback;
  if (!Array.isArray(channels)) reader.fail('outputs.channels', 'an array', channels);
  const entry = channels.find((c: unknown) => isObject(c) && c.name === name);
  if (!isObject(entry)) reader.fail('outputs.channels', `an array with a "${name}" entry`, channels);
  const index = entry.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 0) {
    reader.fail(`outputs.channels[${name}].index`, 'a non-negative integer', index);
  }
  return index;
}

const KNOWN_KEYS = new Set(['name', 'file', 'arch', 'input', 'outputs', 'mppExpected', 'tile', 'halo', 'thresholds']);

/**
 * Validates parsed card JSON (export.py's format) and returns the typed card.
 * @param json the parsed JSON
 * @param source where it came from, for messages (a path)
 * @throws {ModelError} naming the field that is missing or malformed.
 * @example
 * const card = parseModelCard(JSON.parse(text), 'models/use-net-r18.json');
 * card.tile; // 512
 */
export function parseModelCard(json: unknown, source: string): ModelCard {
  const r: CardReader = new CardReader(source);
  if (!isObject(json)) r.fail('(root)', 'an object', json);
  const input = r.object(json, 'input', 'input');
  const outputs = r.object(json, 'outputs', 'outputs');
  const sideMultiple = r.positiveInt(input, 'sideMultiple', 'input.sideMultiple', DEFAULT_MODEL_IO.input.sideMultiple);
  const mpp = json.mppExpected ?? DEFAULT_MODEL_IO.mppExpected;
  if (typeof mpp !== 'number' || !(mpp > 0)) r.fail('mppExpected', 'a positive number', mpp);
  const maskChannel = readChannel(r, outputs, 'mask', DEFAULT_MODEL_IO.outputs.maskChannel);
  const markerChannel = readChannel(r, outputs, 'marker', DEFAULT_MODEL_IO.outputs.markerChannel);
  if (maskChannel === markerChannel) r.fail('outputs.channels', 'two different indices for mask and marker', outputs.channels);
  const th = json.thresholds === undefined || json.thresholds === null ? {} : r.object(json, 'thresholds', 'thresholds');
  const recipe = th.recipe;
  if (recipe !== undefined && recipe !== null && typeof recipe !== 'string') r.fail('thresholds.recipe', 'null or a string', recipe);
  const extra: Json = {};
  for (const [k, v] of Object.entries(json)) if (!KNOWN_KEYS.has(k)) extra[k] = v;
  return {
    name: r.string(json, 'name', 'name'),
    file: r.string(json, 'file', 'file'),
    arch: r.string(json, 'arch', 'arch'),
    input: { name: r.string(input, 'name', 'input.name'), sideMultiple },
    outputs: { name: r.string(outputs, 'name', 'outputs.name'), maskChannel, markerChannel },
    mppExpected: mpp,
    tile: r.multipleOf(json, 'tile', 'tile', sideMultiple, sideMultiple, DEFAULT_MODEL_IO.tile),
    halo: r.multipleOf(json, 'halo', 'halo', sideMultiple, 0, DEFAULT_MODEL_IO.halo),
    thresholds: {
      mask: r.nullableNumber(th, 'mask', 'thresholds.mask', 0, 1),
      marker: r.nullableNumber(th, 'marker', 'thresholds.marker', 0, 1),
      minMaskArea: r.nullableNumber(th, 'minMaskArea', 'thresholds.minMaskArea', 0, Number.MAX_SAFE_INTEGER),
      minMarkerArea: r.nullableNumber(th, 'minMarkerArea', 'thresholds.minMarkerArea', 0, Number.MAX_SAFE_INTEGER),
      dilateRadius: r.nullableNumber(th, 'dilateRadius', 'thresholds.dilateRadius', 0, 64),
      recipe: typeof recipe === 'string' ? recipe : null,
    },
    extra,
  };
}

/**
 * Reads and validates a model card file.
 * @throws {NotFoundError} when the file does not exist; {@link ModelError} when it is not
 *   JSON or not a valid card.
 * @example
 * const card = await readModelCard('models/use-net-r18.json');
 */
export async function readModelCard(path: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`no model card at ${path}`, { cause: err });
    throw new ModelError(`${path}: model card could not be read (${(err as Error).message})`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(`${path}: model card is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return parseModelCard(json, path);
}
