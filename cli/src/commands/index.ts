/** The explicit list of commands (no registration by import side effect). */
import type { Command } from '../command.js';
import { prepareTrainingCommand } from './prepare-training.js';
import { postprocessCommand } from './postprocess.js';
import { evalCommand } from './eval.js';
import { segmentCommand } from './segment.js';
import { infoCommand } from './info.js';
import { evalMonusegCommand } from './eval-monuseg.js';
import { calibrateCommand } from './calibrate.js';
import { gtCommand } from './gt.js';
import { normalizeCommand } from './normalize.js';
import { measureCommand } from './measure.js';
import { convertCommand } from './convert.js';
import { serveCommand } from './serve.js';

export const commands: readonly Command[] = [
  prepareTrainingCommand,
  postprocessCommand,
  evalCommand,
  segmentCommand,
  infoCommand,
  evalMonusegCommand,
  calibrateCommand,
  gtCommand,
  normalizeCommand,
  measureCommand,
  convertCommand,
  serveCommand,
];
