import type { Command } from '../command.ts';
import { autoCommand } from './auto.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { models } from './models.ts';
import { partition } from './partition.ts';
import { show } from './show.ts';
import { simulateCommand } from './simulate.ts';

/** Every `shardlab` command, in the order `shardlab --help` lists them. A new command is a
 *  file in this folder and one line here. */
export const COMMANDS: readonly Command[] = [
  models,
  show,
  partition,
  simulateCommand,
  importCommand,
  exportCommand,
  autoCommand,
];
