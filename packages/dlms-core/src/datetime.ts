/**
 * COSEM date, time and date-time (IEC 62056-6-2, 4.1.6.1): the raw fields exactly as on the wire,
 * so that any received value (including "not specified" wildcards and reserved values) re-encodes to
 * the same bytes. Conversions to and from ISO strings and `Date` live in `datetime-convert.ts`.
 *
 * Wire layout: date = year(2) month dayOfMonth dayOfWeek; time = hour minute second hundredths;
 * date-time = date time deviation(2, signed minutes, 0x8000 = not specified) clockStatus.
 */
import type { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** `0xFF` in a one-byte field, `0xFFFF` for the year: the field is not specified. */
export const NOT_SPECIFIED = 0xff;
/** Year value meaning "not specified". */
export const YEAR_NOT_SPECIFIED = 0xffff;
/** Deviation value meaning "not specified" (the wire value 0x8000). */
export const DEVIATION_NOT_SPECIFIED = -0x8000;
/** Month 0xFD: end of daylight saving time. */
export const MONTH_DST_END = 0xfd;
/** Month 0xFE: begin of daylight saving time. */
export const MONTH_DST_BEGIN = 0xfe;
/** Day of month 0xFD: second last day of the month. */
export const DAY_SECOND_LAST = 0xfd;
/** Day of month 0xFE: last day of the month. */
export const DAY_LAST = 0xfe;

/** A COSEM date (5 bytes). Every field keeps its raw wire value. */
export interface CosemDate {
  readonly year: number;
  readonly month: number;
  readonly dayOfMonth: number;
  readonly dayOfWeek: number;
}

/** A COSEM time (4 bytes). Every field keeps its raw wire value. */
export interface CosemTime {
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly hundredths: number;
}

/** A COSEM date-time (12 bytes). `deviation` is in minutes, signed; see {@link DEVIATION_NOT_SPECIFIED}. */
export interface CosemDateTime extends CosemDate, CosemTime {
  readonly deviation: number;
  readonly clockStatus: number;
}

/**
 * Clock status bits (IEC 62056-6-2 / Blue Book 4.1.6.1): bit 0 invalid value, bit 1 doubtful value,
 * bit 2 different clock base, bit 3 invalid clock status, bits 4–6 reserved, bit 7 daylight saving
 * active. The whole byte 0xFF means "not specified". Decoded to named flags by `decodeClockStatus`.
 */
export const ClockStatus = {
  invalidValue: 0x01,
  doubtfulValue: 0x02,
  differentClockBase: 0x04,
  invalidClockStatus: 0x08,
  daylightSavingActive: 0x80,
} as const;

/** Clock status value meaning "not specified". */
export const CLOCK_STATUS_NOT_SPECIFIED = 0xff;

/** Reads a 5-byte COSEM date (raw fields, wildcards kept). */
export function decodeCosemDate(r: Reader): CosemDate {
  r.require(5);
  const year = r.u16();
  return { year, month: r.u8(), dayOfMonth: r.u8(), dayOfWeek: r.u8() };
}

/** Writes a 5-byte COSEM date; a field out of its byte range is an `ArgumentError`. */
export function encodeCosemDate(w: Writer, d: CosemDate): void {
  w.u16(d.year).u8(d.month).u8(d.dayOfMonth).u8(d.dayOfWeek);
}

/** Reads a 4-byte COSEM time (raw fields, wildcards kept). */
export function decodeCosemTime(r: Reader): CosemTime {
  r.require(4);
  return { hour: r.u8(), minute: r.u8(), second: r.u8(), hundredths: r.u8() };
}

/** Writes a 4-byte COSEM time; a field out of its byte range is an `ArgumentError`. */
export function encodeCosemTime(w: Writer, t: CosemTime): void {
  w.u8(t.hour).u8(t.minute).u8(t.second).u8(t.hundredths);
}

/** Reads a 12-byte COSEM date-time (raw fields, wildcards kept; deviation as a signed 16-bit value). */
export function decodeCosemDateTime(r: Reader): CosemDateTime {
  r.require(12);
  const b = r.bytes;
  const p = r.pos;
  r.pos = p + 12;
  const dev = (b[p + 9]! << 8) | b[p + 10]!;
  return {
    year: (b[p]! << 8) | b[p + 1]!,
    month: b[p + 2]!,
    dayOfMonth: b[p + 3]!,
    dayOfWeek: b[p + 4]!,
    hour: b[p + 5]!,
    minute: b[p + 6]!,
    second: b[p + 7]!,
    hundredths: b[p + 8]!,
    deviation: dev > 0x7fff ? dev - 0x10000 : dev,
    clockStatus: b[p + 11]!,
  };
}

/** Writes a 12-byte COSEM date-time; a field out of its range is an `ArgumentError`. */
export function encodeCosemDateTime(w: Writer, d: CosemDateTime): void {
  encodeCosemDate(w, d);
  encodeCosemTime(w, d);
  w.i16(d.deviation).u8(d.clockStatus);
}
