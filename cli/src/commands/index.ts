/** The explicit list of commands (no registration by import side effect). */
import type { Command } from '../command.js';
import { prepareTrainingCommand } from './prepare-training.js';

export const commands: readonly Command[] = [
  prepareTrainingCommand,
];
