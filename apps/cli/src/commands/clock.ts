/**
 * `dlms clock <url> [--sync]`: reads the meter's clock (0-0:1.0.0.255) and, with `--sync`, sets it to
 * this computer's time first and reads it back. The time prints as ISO 8601 (wildcards as `*` when it
 * names no instant), the time zone with the UTC offset it means, the status with its flags by name.
 */
import type { Command } from 'commander';
import { readClock, syncClock, type ClockReading } from '@meteringlab/cosem-objects';
import type { ClockStatusFlags } from '@meteringlab/dlms-core';
import {
  EXIT_FAILED,
  EXIT_OK,
  addCommonOptions,
  runSession,
  type CommandIo,
  type CommonOptions,
} from './client-common.js';
import { dateTimeText } from './get-view.js';

interface ClockOptions extends CommonOptions {
  readonly sync?: boolean;
}

/** The status flags by name (Blue Book 4.5.1 clock_status), `ok` when none is set. */
function statusText(f: ClockStatusFlags | undefined): string {
  if (f === undefined) return 'not specified';
  const names: string[] = [];
  if (f.invalidValue) names.push('invalid value');
  if (f.doubtfulValue) names.push('doubtful value');
  if (f.differentClockBase) names.push('different clock base');
  if (f.invalidClockStatus) names.push('invalid status');
  if (f.reserved !== 0) names.push(`reserved bits 0x${f.reserved.toString(16).padStart(2, '0')}`);
  if (f.daylightSavingActive) names.push('daylight saving active');
  return names.length === 0 ? 'ok' : names.join(', ');
}

/** `UTC+01:00` for a time_zone of −60 (Blue Book sign: local = UTC − time_zone). */
function zoneText(minutes: number): string {
  const off = -minutes;
  const a = Math.abs(off);
  return `UTC${off < 0 ? '-' : '+'}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The clock for people, one attribute per line under its Blue Book name, the raw numbers kept. */
export function clockText(c: ClockReading): string {
  const lines = [`time: ${dateTimeText(c.time)}`];
  if (c.timeZone !== undefined)
    lines.push(`time_zone: ${c.timeZone} min (local time ${zoneText(c.timeZone)})`);
  if (c.status !== undefined)
    lines.push(`status: 0x${c.status.toString(16).padStart(2, '0')} (${statusText(c.statusFlags)})`);
  return lines.join('\n') + '\n';
}

export function registerClock(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('clock')
      .summary("read (or set) the meter's clock")
      .description(
        "Read the Clock (class 8, 0-0:1.0.0.255); --sync sets it to this computer's time (UTC fields) first.",
      )
      .argument('<url>', 'the meter (see dlms get --help)')
      .option('--sync', "set the meter's clock to this computer's time"),
  ).action(async (url: string, o: ClockOptions) => {
    setCode(
      await runSession(url, o, io, async (client) => {
        let result: string | number | undefined;
        if (o.sync) result = await syncClock(client);
        const c = await readClock(client);
        if (o.json)
          io.stdout.write(
            JSON.stringify({ ...(result === undefined ? {} : { sync: result }), ...c }, null, 2) + '\n',
          );
        else io.stdout.write((result === undefined ? '' : `sync: ${String(result)}\n`) + clockText(c));
        return result === undefined || result === 'success' ? EXIT_OK : EXIT_FAILED;
      }),
    );
  });
}
