#!/usr/bin/env node
/**
 * `nucleilens` entry point. User errors (NucleiLensError) print one line to stderr and
 * exit 2; anything else is a bug and prints its stack. `--debug` prints stacks always.
 */
import { isNucleiLensError } from '@nucleilens/pipeline';
import { parseArgs, formatOptions } from './args.js';
import { commands } from './commands/index.js';

function printHelp(): void {
  const lines = ['usage: nucleilens <command> [options]', '', 'commands:'];
  for (const c of commands) lines.push(`  ${c.name.padEnd(14)} ${c.summary}`);
  lines.push('', 'Run `nucleilens <command> --help` for its options. Add --debug to any command for stack traces.');
  process.stdout.write(lines.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const rest = argv.filter((a) => a !== '--debug');
  const [name, ...commandArgs] = rest;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    printHelp();
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nucleilens: unknown command "${name}" (try --help)\n`);
    return 2;
  }
  if (commandArgs.includes('--help') || commandArgs.includes('-h')) {
    process.stdout.write(`usage: ${command.usage}\n\n${command.summary}\n\noptions:\n${formatOptions(command.options)}\n`);
    return 0;
  }
  try {
    return await command.run(parseArgs(commandArgs, command.options));
  } catch (err) {
    if (isNucleiLensError(err) && !debug) {
      process.stderr.write(`nucleilens ${name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`nucleilens ${name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return isNucleiLensError(err) ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`nucleilens: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
