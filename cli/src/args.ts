/**
 * A small typed argument parser for the CLI: `--name value`, `--flag`, and positionals.
 * Each command declares its options; unknown options are user errors (exit 2).
 */
import { InvalidArgumentError } from '@nucleilens/pipeline';

export interface OptionSpec {
  /** Takes a value (`--out FILE`) or is a boolean flag (`--json`). */
  readonly kind: 'string' | 'number' | 'flag';
  readonly description: string;
  /** Shown in help; commands apply their own defaults. */
  readonly placeholder?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface ParsedArgs {
  readonly strings: ReadonlyMap<string, string>;
  readonly numbers: ReadonlyMap<string, number>;
  readonly flags: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

/** Parses argv against the command's specs. @throws {InvalidArgumentError} on unknown or malformed options. */
export function parseArgs(argv: readonly string[], specs: OptionSpecs): ParsedArgs {
  const strings = new Map<string, string>();
  const numbers = new Map<string, number>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    let name = token.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = specs[name];
    if (!spec) throw new InvalidArgumentError(`unknown option --${name}`);
    if (spec.kind === 'flag') {
      flags.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new InvalidArgumentError(`--${name} needs a value`);
    if (spec.kind === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`--${name} must be a number, got "${value}"`);
      numbers.set(name, n);
    } else {
      strings.set(name, value);
    }
  }
  return { strings, numbers, flags, positionals };
}

/** The value of a required string option. @throws {InvalidArgumentError} when absent. */
export function requireString(args: ParsedArgs, name: string): string {
  const v = args.strings.get(name);
  if (v === undefined) throw new InvalidArgumentError(`missing required option --${name}`);
  return v;
}

/** The value of a required number option. @throws {InvalidArgumentError} when absent. */
export function requireNumber(args: ParsedArgs, name: string): number {
  const v = args.numbers.get(name);
  if (v === undefined) throw new InvalidArgumentError(`missing required option --${name}`);
  return v;
}

/** Formats the option list for `--help`. */
export function formatOptions(specs: OptionSpecs): string {
  return Object.entries(specs)
    .map(([name, s]) => {
      const left = s.kind === 'flag' ? `--${name}` : `--${name} ${s.placeholder ?? (s.kind === 'number' ? 'N' : 'VALUE')}`;
      return `  ${left.padEnd(30)} ${s.description}`;
    })
    .join('\n');
}
