/**
 * `dlms clock <url> [--sync]`: reads the meter's clock (0-0:1.0.0.255) and, with `--sync`, sets it to
 * this computer's time first and reads it back.
 */
import type { Command } from 'commander';
import { readClock, syncClock, type ClockReading } from '@meteringlab/cosem-objects';
import { EXIT_FAILED, EXIT_OK, addCommonOptions, runSession, type CommandIo, type CommonOptions } from './client-common.js';

interface ClockOptions extends CommonOptions {
  readonly sync?: boolean;
}

function clockText(c: ClockReading): string {
  const lines = [`time: ${c.iso ?? JSON.stringify(c.time)}`];
  if (c.timeZone !== undefined) lines.push(`time zone: ${c.timeZone} min`);
  if (c.status !== undefined) lines.push(`status: 0x${c.status.toString(16).padStart(2, '0')}`);
  return lines.join('\n') + '\n';
}

export function registerClock(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('clock')
      .summary("read (or set) the meter's clock")
      .description("Read the Clock (class 8, 0-0:1.0.0.255); --sync sets it to this computer's time (UTC fields) first.")
      .argument('<url>', 'the meter (see dlms get --help)')
      .option('--sync', "set the meter's clock to this computer's time"),
  ).action(async (url: string, o: ClockOptions) => {
    setCode(
      await runSession(url, o, io, async (client) => {
        let result: string | number | undefined;
        if (o.sync) result = await syncClock(client);
        const c = await readClock(client);
        if (o.json) io.stdout.write(JSON.stringify({ ...(result === undefined ? {} : { sync: result }), ...c }, null, 2) + '\n');
        else io.stdout.write((result === undefined ? '' : `sync: ${String(result)}\n`) + clockText(c));
        return result === undefined || result === 'success' ? EXIT_OK : EXIT_FAILED;
      }),
    );
  });
}
