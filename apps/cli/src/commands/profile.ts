/**
 * `dlms profile <url> <obis> [--from <time>] [--to <time>]`: reads a Profile generic buffer (by capture
 * time when a range is given) and prints it as a table, CSV (`--csv`) or JSON (`--json`). While blocks
 * arrive a progress line is drawn on standard error.
 */
import type { Command } from 'commander';
import { dateTimeFromData, numericValue, readProfile, type ProfileReading } from '@meteringlab/cosem-objects';
import { cosemDateTimeToIso, type BlockProgress, type Data } from '@meteringlab/dlms-core';
import { EXIT_OK, EXIT_USAGE, UsageError, addCommonOptions, clientErrorLine, dataJson, dataText, runSession, type CommandIo, type CommonOptions } from './client-common.js';
import { table } from './objects.js';

interface ProfileOptions extends CommonOptions {
  readonly from?: string;
  readonly to?: string;
  readonly csv?: boolean;
}

function parseTime(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new UsageError(`${name} must be a date-time such as 2024-01-01T00:00:00Z, not ${JSON.stringify(text)}`);
  return d;
}

/** A cell: date-times as ISO, numbers as their raw value, anything else in its short text form. */
function cell(d: Data | undefined): string {
  if (d === undefined) return '';
  const dt = dateTimeFromData(d);
  if (dt !== undefined) return cosemDateTimeToIso(dt) ?? dataText(d);
  const n = numericValue(d);
  if (n !== undefined) return String(n);
  if (d.type === 'null-data') return '';
  return dataText(d);
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The profile as CSV: a header of column keys, one line per entry. */
export function profileCsv(p: ProfileReading): string {
  const keys = p.columns.map((c) => c.key);
  const lines = [keys.map(csvField).join(',')];
  for (const row of p.rows) lines.push(keys.map((k) => csvField(cell(row[k]))).join(','));
  return lines.join('\n') + '\n';
}

/** A progress bar line for block transfers (redrawn in place with a carriage return). */
export function progressLine(p: BlockProgress): string {
  const kib = (p.bytes / 1024).toFixed(1);
  const total = p.totalBlocks === undefined ? '' : `/${p.totalBlocks}`;
  const bar = p.totalBlocks === undefined ? '#'.repeat(Math.min(30, p.blockNumber)) : '#'.repeat(Math.round((30 * p.blockNumber) / p.totalBlocks)).padEnd(30, '.');
  return `\r${p.direction} block ${p.blockNumber}${total} ${kib} KiB [${bar}]`;
}

export function registerProfile(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('profile')
      .summary('read a load profile')
      .description('Read a Profile generic (class 7) buffer, optionally restricted to capture times --from .. --to (inclusive).')
      .argument('<url>', 'the meter (see dlms get --help)')
      .argument('<obis>', 'logical name of the profile, e.g. 1.0.99.1.0.255')
      .option('--from <time>', 'first capture time (ISO 8601, e.g. 2024-01-01T00:00:00Z)')
      .option('--to <time>', 'last capture time (ISO 8601)')
      .option('--csv', 'print CSV'),
  ).action(async (url: string, obis: string, o: ProfileOptions) => {
    let from: Date | undefined;
    let to: Date | undefined;
    try {
      from = parseTime('--from', o.from);
      to = parseTime('--to', o.to);
      if ((from === undefined) !== (to === undefined)) throw new UsageError('--from and --to go together');
      if (o.csv && o.json) throw new UsageError('--csv and --json exclude each other');
    } catch (e) {
      io.stderr.write(`dlms: ${clientErrorLine(e)} (see dlms profile --help)\n`);
      return setCode(EXIT_USAGE);
    }
    let drawn = false;
    const onProgress = (p: BlockProgress): void => {
      drawn = true;
      io.stderr.write(progressLine(p));
    };
    setCode(
      await runSession(
        url,
        o,
        io,
        async (client) => {
          const p = await readProfile(client, obis, from !== undefined && to !== undefined ? { from, to } : {});
          if (drawn) io.stderr.write('\n');
          if (o.json) {
            const rows = p.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, dataJson(v)])));
            io.stdout.write(JSON.stringify({ logicalName: p.logicalName, capturePeriodS: p.capturePeriodS, columns: p.columns, rows }, null, 2) + '\n');
          } else if (o.csv) {
            io.stdout.write(profileCsv(p));
          } else {
            const keys = p.columns.map((c) => c.key);
            io.stdout.write(table([p.columns.map((c) => c.label), ...p.rows.map((r) => keys.map((k) => cell(r[k])))]));
          }
          return EXIT_OK;
        },
        { onProgress },
      ),
    );
  });
}
