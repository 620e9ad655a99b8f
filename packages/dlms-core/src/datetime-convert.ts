/**
 * Conversions of COSEM date-time values (raw fields, see `datetime.ts`) to and from ISO 8601 strings and
 * JS `Date`s, clock status flags by name, and a readable formatter that shows wildcards.
 *
 * Deviation. IEC 62056-6-2 / Blue Book 4.1.6.1 defines `deviation` as a long, "range −720…+720 in
 * minutes of local time to UTC, 0x8000 = not specified". As written in the Blue Book (checked against
 * Ed. 12.2) and as meters implement it, this is the number of minutes to ADD to the local wall-clock
 * fields to get UTC: `UTC = local + deviation`, i.e. `local = UTC − deviation`. Central European Time
 * (UTC+01:00) is therefore −60, CEST −120; a Kaifa MA309 push in CEST carries −120 (FF88), and the OSGP
 * interface documentation asks for −120 in CEST. This is also the sign of JavaScript's
 * `Date.prototype.getTimezoneOffset()`. It is the OPPOSITE of the ISO 8601 offset (`+01:00`). Some
 * meters use the ISO sign instead; every function here takes `convention: 'local-minus-utc'` for them.
 * We could not confirm from sources at hand whether a later edition changed the rule, hence the option.
 * A deviation of 0x8000 (−32768 here) means "not specified": the fields are local time of an unknown
 * zone. ISO strings then carry no offset; a `Date` needs an explicit `unspecifiedDeviation`.
 *
 * Wildcards. 0xFF in a field (0xFFFF for the year), months 0xFD/0xFE (end/begin of DST) and days
 * 0xFD/0xFE (second last/last day) describe recurring or partial dates, not an instant: such values do
 * not convert, and the `…ToDate`/`…ToIso` functions return `undefined` (a value, not an error, because
 * meters send them routinely; the readable formatter shows them). Two wildcards are harmless and
 * accepted: hundredths 0xFF (read as 0) and day of week 0xFF (the day of week is never needed to locate
 * an instant; a specified but wrong day of week is ignored too, as meters get it wrong).
 *
 * Nothing here reads the host's time zone or clock: every input is an argument.
 */
import { ArgumentError } from './errors.js';
import {
  CLOCK_STATUS_NOT_SPECIFIED,
  ClockStatus,
  DAY_LAST,
  DAY_SECOND_LAST,
  DEVIATION_NOT_SPECIFIED,
  MONTH_DST_BEGIN,
  MONTH_DST_END,
  NOT_SPECIFIED,
  YEAR_NOT_SPECIFIED,
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
} from './datetime.js';

/**
 * Meaning of the deviation's sign: `'utc-minus-local'` (the Blue Book's, CET = −60, the default) or
 * `'local-minus-utc'` (the ISO 8601 sign, CET = +60, used by some meters).
 */
export type DeviationConvention = 'utc-minus-local' | 'local-minus-utc';

/** Options of the conversions. */
export interface DateTimeConvertOptions {
  /** Sign convention of `deviation`. Default `'utc-minus-local'`. */
  readonly convention?: DeviationConvention;
}

/** Options of {@link cosemDateTimeToDate}. */
export interface CosemDateTimeToDateOptions extends DateTimeConvertOptions {
  /**
   * Deviation (in the same convention) to assume when the value's deviation is not specified
   * (0x8000), e.g. the meter's configured zone. Without it such values give `undefined`.
   */
  readonly unspecifiedDeviation?: number;
}

/** Options of {@link cosemDateTimeFromDate}. */
export interface CosemDateTimeFromDateOptions extends DateTimeConvertOptions {
  /**
   * Deviation in minutes (−720…+720) of the local time to produce; default 0 (the fields are UTC).
   * For the host's local time in the default convention pass `date.getTimezoneOffset()`.
   */
  readonly deviation?: number;
  /** Clock status byte; default 0 (valid, no flag). */
  readonly clockStatus?: number;
}

/** Options of {@link cosemDateTimeFromIso}. */
export interface CosemDateTimeFromIsoOptions extends DateTimeConvertOptions {
  /** Clock status byte; default 0. */
  readonly clockStatus?: number;
}

/** The clock status byte as named flags (Blue Book 4.1.6.1). */
export interface ClockStatusFlags {
  /** Bit 0: the time could not be recovered after an incident. */
  readonly invalidValue: boolean;
  /** Bit 1: the time could be recovered but its value is not guaranteed. */
  readonly doubtfulValue: boolean;
  /** Bit 2: the clock base is not the one specified by the clock object. */
  readonly differentClockBase: boolean;
  /** Bit 3: the status itself is not reliable. */
  readonly invalidClockStatus: boolean;
  /** Bit 7: daylight saving time is active. */
  readonly daylightSavingActive: boolean;
  /** Bits 4–6 (reserved), in place (mask 0x70); normally 0. */
  readonly reserved: number;
}

const MINUTES_MAX = 720;

/** Days in `month` (1–12) of `year` in the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** COSEM day of week (1 = Monday … 7 = Sunday) of a calendar date. */
export function cosemDayOfWeek(year: number, month: number, dayOfMonth: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, dayOfMonth);
  const dow = d.getUTCDay();
  return dow === 0 ? 7 : dow;
}

/** Named flags of a clock status byte, or `undefined` for 0xFF (not specified). */
export function decodeClockStatus(status: number): ClockStatusFlags | undefined {
  if (!Number.isInteger(status) || status < 0 || status > 0xff) {
    throw new ArgumentError(`${status} is not a clock status byte`);
  }
  if (status === CLOCK_STATUS_NOT_SPECIFIED) return undefined;
  return {
    invalidValue: (status & ClockStatus.invalidValue) !== 0,
    doubtfulValue: (status & ClockStatus.doubtfulValue) !== 0,
    differentClockBase: (status & ClockStatus.differentClockBase) !== 0,
    invalidClockStatus: (status & ClockStatus.invalidClockStatus) !== 0,
    daylightSavingActive: (status & ClockStatus.daylightSavingActive) !== 0,
    reserved: status & 0x70,
  };
}

/** The clock status byte of named flags (missing flags are false, `reserved` 0). */
export function encodeClockStatus(flags: Partial<ClockStatusFlags>): number {
  const reserved = flags.reserved ?? 0;
  if (!Number.isInteger(reserved) || (reserved & ~0x70) !== 0) {
    throw new ArgumentError('reserved clock status bits must be within mask 0x70');
  }
  return (
    (flags.invalidValue ? ClockStatus.invalidValue : 0) |
    (flags.doubtfulValue ? ClockStatus.doubtfulValue : 0) |
    (flags.differentClockBase ? ClockStatus.differentClockBase : 0) |
    (flags.invalidClockStatus ? ClockStatus.invalidClockStatus : 0) |
    (flags.daylightSavingActive ? ClockStatus.daylightSavingActive : 0) |
    reserved
  );
}

/** Offset of local time from UTC in minutes (ISO sign) for a deviation in `convention`. */
function isoOffset(deviation: number, convention: DeviationConvention | undefined): number {
  return convention === 'local-minus-utc' ? deviation : -deviation;
}

function checkConvention(convention: unknown): void {
  if (convention !== undefined && convention !== 'utc-minus-local' && convention !== 'local-minus-utc') {
    throw new ArgumentError(`unknown deviation convention ${String(convention)}`);
  }
}

/** True when the wall-clock fields name one instant of local time (wildcards rules in the header). */
function wallClockDefined(dt: CosemDate & CosemTime): boolean {
  const { year, month, dayOfMonth, hour, minute, second, hundredths } = dt;
  return (
    year !== YEAR_NOT_SPECIFIED &&
    month >= 1 &&
    month <= 12 &&
    dayOfMonth >= 1 &&
    dayOfMonth <= daysInMonth(year, month) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    (hundredths <= 99 || hundredths === NOT_SPECIFIED)
  );
}

/** Milliseconds since the epoch of the wall-clock fields read as UTC. */
function wallClockMs(dt: CosemDate & CosemTime): number {
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  d.setUTCFullYear(dt.year, dt.month - 1, dt.dayOfMonth);
  d.setUTCHours(dt.hour, dt.minute, dt.second, dt.hundredths === NOT_SPECIFIED ? 0 : dt.hundredths * 10);
  return d.getTime();
}

/**
 * The instant a COSEM date-time denotes, or `undefined` when it denotes none: a wildcard or
 * out-of-range field (see the module header), or a deviation that is not specified (unless
 * `unspecifiedDeviation` is given) or beyond ±720 minutes. The clock status is not consulted.
 */
export function cosemDateTimeToDate(
  dt: CosemDateTime,
  options: CosemDateTimeToDateOptions = {},
): Date | undefined {
  checkConvention(options.convention);
  if (!wallClockDefined(dt)) return undefined;
  let deviation = dt.deviation;
  if (deviation === DEVIATION_NOT_SPECIFIED) {
    if (options.unspecifiedDeviation === undefined) return undefined;
    deviation = options.unspecifiedDeviation;
  }
  if (!Number.isInteger(deviation) || Math.abs(deviation) > MINUTES_MAX) return undefined;
  return new Date(wallClockMs(dt) - isoOffset(deviation, options.convention) * 60_000);
}

const pad2 = (n: number) => (n < 10 ? '0' : '') + n;

function isoYear(year: number): string {
  return year <= 9999 ? String(year).padStart(4, '0') : '+' + String(year).padStart(6, '0');
}

function isoOffsetText(offsetMinutes: number): string {
  if (offsetMinutes === 0) return 'Z';
  const a = Math.abs(offsetMinutes);
  return (offsetMinutes < 0 ? '-' : '+') + pad2(Math.floor(a / 60)) + ':' + pad2(a % 60);
}

/**
 * ISO 8601 text of a COSEM date-time: `YYYY-MM-DDTHH:mm:ss.hh` followed by its offset (`Z`, `+01:00`),
 * or no offset when the deviation is not specified (local time of an unknown zone). The fraction is
 * left out when hundredths are not specified; years above 9999 use the expanded form `+YYYYYY`.
 * `undefined` when the value denotes no instant (wildcards, out-of-range fields or deviation).
 */
export function cosemDateTimeToIso(
  dt: CosemDateTime,
  options: DateTimeConvertOptions = {},
): string | undefined {
  checkConvention(options.convention);
  if (!wallClockDefined(dt)) return undefined;
  let text =
    `${isoYear(dt.year)}-${pad2(dt.month)}-${pad2(dt.dayOfMonth)}` +
    `T${pad2(dt.hour)}:${pad2(dt.minute)}:${pad2(dt.second)}`;
  if (dt.hundredths !== NOT_SPECIFIED) text += '.' + pad2(dt.hundredths);
  if (dt.deviation === DEVIATION_NOT_SPECIFIED) return text;
  if (!Number.isInteger(dt.deviation) || Math.abs(dt.deviation) > MINUTES_MAX) return undefined;
  return text + isoOffsetText(isoOffset(dt.deviation, options.convention));
}

const ISO_RE =
  /^(\d{4}|[+]\d{6})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * A COSEM date-time from ISO 8601 text `YYYY-MM-DDTHH:mm:ss[.fraction][Z|±HH:MM]` (also `+YYYYYY`
 * years). The fields are the text's wall-clock fields; the offset becomes the deviation (in
 * `convention`), and a missing offset gives deviation 0x8000 (not specified). The fraction is cut to
 * hundredths (0 when absent); the day of week is computed.
 *
 * @throws ArgumentError when the text is not of that form, a field is out of range (month, day of the
 *   month, hour, minute, second 0–59), or the offset is beyond ±12:00.
 */
export function cosemDateTimeFromIso(iso: string, options: CosemDateTimeFromIsoOptions = {}): CosemDateTime {
  checkConvention(options.convention);
  const m = typeof iso === 'string' ? ISO_RE.exec(iso) : null;
  if (!m) throw new ArgumentError(`not an ISO 8601 date-time: ${String(iso)}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const dayOfMonth = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  const hundredths = m[7] === undefined ? 0 : Number(m[7].padEnd(2, '0').slice(0, 2));
  if (year > 0xfffe) throw new ArgumentError(`year ${year} does not fit a COSEM date`);
  if (month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysInMonth(year, month)) {
    throw new ArgumentError(`no such date: ${iso}`);
  }
  if (hour > 23 || minute > 59 || second > 59) throw new ArgumentError(`no such time: ${iso}`);
  let deviation = DEVIATION_NOT_SPECIFIED;
  const z = m[8];
  if (z !== undefined) {
    let offset = 0;
    if (z !== 'Z') {
      const oh = Number(z.slice(1, 3));
      const om = Number(z.slice(4, 6));
      if (om > 59) throw new ArgumentError(`bad offset in ${iso}`);
      offset = (z[0] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    if (Math.abs(offset) > MINUTES_MAX) throw new ArgumentError(`offset beyond ±12:00 in ${iso}`);
    // The deviation is the ISO offset in the 'local-minus-utc' convention and its negation otherwise.
    deviation = options.convention === 'local-minus-utc' ? offset : -offset;
    if (deviation === 0) deviation = 0; // no -0
  }
  return {
    year,
    month,
    dayOfMonth,
    dayOfWeek: cosemDayOfWeek(year, month, dayOfMonth),
    hour,
    minute,
    second,
    hundredths,
    deviation,
    clockStatus: checkStatus(options.clockStatus ?? 0),
  };
}

function checkStatus(status: number): number {
  if (!Number.isInteger(status) || status < 0 || status > 0xff) {
    throw new ArgumentError(`${status} is not a clock status byte`);
  }
  return status;
}

/**
 * The COSEM date-time of an instant, as local time of the given deviation (default 0: the fields are
 * UTC). Hundredths are the milliseconds cut to hundredths; the day of week is computed.
 *
 * @throws ArgumentError for an invalid `Date`, a deviation not an integer within ±720, a year outside
 *   0–65534 in that local time, or a clock status that is not a byte.
 */
export function cosemDateTimeFromDate(date: Date, options: CosemDateTimeFromDateOptions = {}): CosemDateTime {
  checkConvention(options.convention);
  const t = date instanceof Date ? date.getTime() : NaN;
  if (Number.isNaN(t)) throw new ArgumentError('not a valid Date');
  const deviation = options.deviation ?? 0;
  if (!Number.isInteger(deviation) || Math.abs(deviation) > MINUTES_MAX) {
    throw new ArgumentError(`deviation ${deviation} is not an integer within ±720 minutes`);
  }
  const local = new Date(t + isoOffset(deviation, options.convention) * 60_000);
  const year = local.getUTCFullYear();
  if (year < 0 || year > 0xfffe) throw new ArgumentError(`year ${year} does not fit a COSEM date`);
  const dow = local.getUTCDay();
  return {
    year,
    month: local.getUTCMonth() + 1,
    dayOfMonth: local.getUTCDate(),
    dayOfWeek: dow === 0 ? 7 : dow,
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    hundredths: Math.floor(local.getUTCMilliseconds() / 10),
    deviation: deviation === 0 ? 0 : deviation,
    clockStatus: checkStatus(options.clockStatus ?? 0),
  };
}

const DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** A one-byte field: its digits, `*` (repeated to the width) when not specified, `?XX` when out of range. */
function field(v: number, max: number, width: number, min = 0): string {
  if (v === NOT_SPECIFIED) return '*'.repeat(width);
  if (v < min || v > max) return '?' + hex2(v);
  return String(v).padStart(width, '0');
}

/**
 * Readable text of a COSEM date: `2026-11-21 Sat`, with `*` for fields not specified (`****-**-21 *`),
 * `dst-begin`/`dst-end` months, `last`/`second-last` days, and `?XX` (hex) for reserved values.
 */
export function formatCosemDate(d: CosemDate): string {
  const year = d.year === YEAR_NOT_SPECIFIED ? '****' : String(d.year).padStart(4, '0');
  const month =
    d.month === MONTH_DST_BEGIN
      ? 'dst-begin'
      : d.month === MONTH_DST_END
        ? 'dst-end'
        : field(d.month, 12, 2, 1);
  const day =
    d.dayOfMonth === DAY_LAST
      ? 'last'
      : d.dayOfMonth === DAY_SECOND_LAST
        ? 'second-last'
        : field(d.dayOfMonth, 31, 2, 1);
  const dow =
    d.dayOfWeek === NOT_SPECIFIED
      ? '*'
      : d.dayOfWeek >= 1 && d.dayOfWeek <= 7
        ? DAY_NAMES[d.dayOfWeek]!
        : '?' + hex2(d.dayOfWeek);
  return `${year}-${month}-${day} ${dow}`;
}

/** Readable text of a COSEM time: `08:15:00.00`, with `**` for fields not specified. */
export function formatCosemTime(t: CosemTime): string {
  return `${field(t.hour, 23, 2)}:${field(t.minute, 59, 2)}:${field(t.second, 59, 2)}.${field(t.hundredths, 99, 2)}`;
}

/**
 * Readable text of a COSEM date-time for CLIs and logs, e.g.
 * `2026-11-21 Sat 08:15:00.00 UTC+01:00 (deviation -60) [dst]`: the date and time as
 * {@link formatCosemDate}/{@link formatCosemTime}, the offset as UTC±HH:MM (in `convention`) with the raw
 * deviation, `local` when it is not specified, then the clock status flags by name
 * (`invalid`, `doubtful`, `different-clock-base`, `invalid-status`, `reserved-XX`, `dst`) or
 * `status *` when the status is not specified. Not meant to be parsed.
 */
export function formatCosemDateTime(dt: CosemDateTime, options: DateTimeConvertOptions = {}): string {
  checkConvention(options.convention);
  let text = `${formatCosemDate(dt)} ${formatCosemTime(dt)}`;
  if (dt.deviation === DEVIATION_NOT_SPECIFIED) {
    text += ' local';
  } else {
    const off = isoOffset(dt.deviation, options.convention);
    const a = Math.abs(off);
    text += ` UTC${off < 0 ? '-' : '+'}${pad2(Math.floor(a / 60))}:${pad2(a % 60)} (deviation ${dt.deviation})`;
  }
  const flags = decodeClockStatus(dt.clockStatus);
  if (flags === undefined) return text + ' status *';
  const names: string[] = [];
  if (flags.invalidValue) names.push('invalid');
  if (flags.doubtfulValue) names.push('doubtful');
  if (flags.differentClockBase) names.push('different-clock-base');
  if (flags.invalidClockStatus) names.push('invalid-status');
  if (flags.reserved) names.push(`reserved-${hex2(flags.reserved)}`);
  if (flags.daylightSavingActive) names.push('dst');
  return names.length > 0 ? `${text} [${names.join(' ')}]` : text;
}
