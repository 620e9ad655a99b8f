/**
 * The commands of `dlms` that talk to a meter: get, set, action, objects, profile, clock. `main.ts`
 * registers them all with {@link registerClientCommands}.
 */
import type { Command } from 'commander';
import type { CommandIo } from './client-common.js';
import { registerAction } from './action.js';
import { registerClock } from './clock.js';
import { registerGet } from './get.js';
import { registerObjects } from './objects.js';
import { registerProfile } from './profile.js';
import { registerSet } from './set.js';

export type { CommandIo } from './client-common.js';

/** Adds get, set, action, objects, profile and clock to `program`; `setCode` receives each exit code. */
export function registerClientCommands(
  program: Command,
  io: CommandIo,
  setCode: (code: number) => void,
): Command {
  registerGet(program, io, setCode);
  registerSet(program, io, setCode);
  registerAction(program, io, setCode);
  registerObjects(program, io, setCode);
  registerProfile(program, io, setCode);
  registerClock(program, io, setCode);
  return program;
}
