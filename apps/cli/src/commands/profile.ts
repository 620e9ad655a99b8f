/**
 * `dlms profile <url> <obis> [--from <time>] [--to <time>]`: reads a Profile generic buffer (by capture
 * time when a range is given) and prints it as a table, CSV (`--csv`) or JSON (`--json`). While blocks
 * arrive a progress line is drawn on standard error. For the table and JSON the scaler_unit of each
 * register column is read too: the table shows those columns scaled with the unit in the header, the
 * JSON gives each such column its `scalerUnit` (rows stay raw and typed); CSV stays raw.
 */
import type { Command } from 'commander';
import {
  applyScaler,
  dateTimeFromData,
  numericValue,
  readProfile,
  scalerUnitFromData,
  unitSymbol,
  type AttributeTarget,
  type DlmsClient,
  type ProfileColumn,
  type ProfileReading,
  type ScalerUnit,
} from '@meteringlab/cosem-objects';
import { cosemDateTimeToIso, type BlockProgress, type Data } from '@meteringlab/dlms-core';
import {
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  addCommonOptions,
  clientErrorLine,
  dataJson,
  dataText,
  runSession,
  type CommandIo,
  type CommonOptions,
} from './client-common.js';
import { scalerUnitAttributeOf } from './get-view.js';
import { table } from './objects.js';

interface ProfileOptions extends CommonOptions {
  readonly from?: string;
  readonly to?: string;
  readonly csv?: boolean;
}

function parseTime(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime()))
    throw new UsageError(
      `${name} must be a date-time such as 2024-01-01T00:00:00Z, not ${JSON.stringify(text)}`,
    );
  return d;
}

/** A cell: date-times as ISO, numbers as their raw value (scaled when `su` is given), anything else in its short text form. */
function cell(d: Data | undefined, su?: ScalerUnit): string {
  if (d === undefined) return '';
  const dt = dateTimeFromData(d);
  if (dt !== undefined) return cosemDateTimeToIso(dt) ?? dataText(d);
  const n = numericValue(d);
  if (n !== undefined) return su === undefined ? String(n) : String(applyScaler(n, su.scaler));
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
  const bar =
    p.totalBlocks === undefined
      ? '#'.repeat(Math.min(30, p.blockNumber))
      : '#'.repeat(Math.round((30 * p.blockNumber) / p.totalBlocks)).padEnd(30, '.');
  return `\r${p.direction} block ${p.blockNumber}${total} ${kib} KiB [${bar}]`;
}

/**
 * The scaler_unit of each register column (Register/Extended register value, Demand register
 * averages), read in one GET (with-list when negotiated); a refused or malformed one is left out and
 * its column stays raw.
 */
async function columnScalers(client: DlmsClient, p: ProfileReading): Promise<Map<string, ScalerUnit>> {
  const wanted: { key: string; target: AttributeTarget }[] = [];
  for (const c of p.columns) {
    const o = c.captureObject;
    const su = o.dataIndex === 0 ? scalerUnitAttributeOf(o.classId, o.attributeIndex) : undefined;
    if (su !== undefined)
      wanted.push({ key: c.key, target: { classId: o.classId, logicalName: o.logicalName, attribute: su } });
  }
  const out = new Map<string, ScalerUnit>();
  if (wanted.length === 0) return out;
  const results = await client.get(wanted.map((w) => w.target));
  results.forEach((r, i) => {
    const su = r.type === 'data' ? scalerUnitFromData(r.data) : undefined;
    if (su !== undefined) out.set(wanted[i]!.key, su);
  });
  return out;
}

/** A column header: its label, with the unit of a scaled column (`Active energy import (+A), total [Wh]`). */
function header(c: ProfileColumn, su: ScalerUnit | undefined): string {
  if (su === undefined) return c.label;
  const sym = unitSymbol(su.unit);
  return sym === undefined ? `${c.label} [unit ${su.unit}]` : sym === '' ? c.label : `${c.label} [${sym}]`;
}

export function registerProfile(program: Command, io: CommandIo, setCode: (c: number) => void): void {
  addCommonOptions(
    program
      .command('profile')
      .summary('read a load profile')
      .description(
        'Read a Profile generic (class 7) buffer, optionally restricted to capture times --from .. --to (inclusive).',
      )
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
          const p = await readProfile(
            client,
            obis,
            from !== undefined && to !== undefined ? { from, to } : {},
          );
          if (drawn) io.stderr.write('\n');
          if (o.csv) {
            io.stdout.write(profileCsv(p));
            return EXIT_OK;
          }
          const scalers = await columnScalers(client, p);
          if (o.json) {
            const rows = p.rows.map((r) =>
              Object.fromEntries(Object.entries(r).map(([k, v]) => [k, dataJson(v)])),
            );
            // Rows keep the raw typed values; a register column carries its scaler_unit for the caller to apply.
            const columns = p.columns.map((c) => {
              const su = scalers.get(c.key);
              return su === undefined
                ? c
                : {
                    ...c,
                    scalerUnit: { scaler: su.scaler, unit: su.unit, unitSymbol: unitSymbol(su.unit) ?? null },
                  };
            });
            io.stdout.write(
              JSON.stringify(
                { logicalName: p.logicalName, capturePeriodS: p.capturePeriodS, columns, rows },
                null,
                2,
              ) + '\n',
            );
          } else {
            const keys = p.columns.map((c) => c.key);
            io.stdout.write(
              table([
                p.columns.map((c) => header(c, scalers.get(c.key))),
                ...p.rows.map((r) => keys.map((k) => cell(r[k], scalers.get(k)))),
              ]),
            );
          }
          return EXIT_OK;
        },
        { onProgress },
      ),
    );
  });
}
