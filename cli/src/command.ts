import type { OptionSpecs, ParsedArgs } from './args.js';

/** One `nucleilens <name>` sub-command. Each lives in its own file under commands/. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: OptionSpecs;
  /** Runs the command; resolves to the process exit code. User errors are thrown as NucleiLensError. */
  run(args: ParsedArgs): Promise<number>;
}
