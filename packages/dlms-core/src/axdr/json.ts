/**
 * The lossless typed JSON form of COSEM Data (what `dlms decode --json` prints), and its inverse.
 *
 * Every node is `{ "type": <Data type name>, "value": … }`, with the value in a form `JSON.stringify`
 * keeps exactly:
 * - integers as JSON numbers; the 64-bit types as numbers when they are safe integers (|v| ≤ 2^53 − 1)
 *   and as decimal strings beyond (`"18446744073709551615"`);
 * - floats as numbers, except `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"` (which JSON cannot
 *   carry), plus `"raw"` (upper-case hex) for a NaN with non-canonical bits;
 * - octet strings as upper-case hex (`"0100010800FF"`); visible and UTF-8 strings as JSON strings;
 * - bit strings as a string of `0`/`1` of the bit length, plus `"unused"` (the padding bits of the last
 *   byte, as `0`/`1`) when they are not all zero;
 * - booleans as `true`/`false`, plus `"raw"` for a byte other than 0/1;
 * - date, time and date-time as their raw fields (wildcards included), plus a readable `"text"` and,
 *   for date-times that denote an instant, an `"iso"` string. These extras are for people: the
 *   inverse reads the fields only;
 * - arrays and structures as JSON arrays of nodes; compact arrays with their `"description"` (the
 *   TypeDescription as plain JSON: `{type}`, `{type:"array",count,element}`,
 *   `{type:"structure",elements}`).
 *
 * `dataFromJson(dataToJson(d))` deep-equals `d` for every Data value, including after a trip through
 * `JSON.stringify`/`JSON.parse`. `dataFromJson` validates everything and throws an
 * {@link ArgumentError} naming the JSON path of the first problem.
 */
import { ArgumentError } from '../errors.js';
import { fromHex, toHex } from '../hex.js';
import { Writer } from '../writer.js';
import type { CosemDate, CosemDateTime, CosemTime } from '../datetime.js';
import {
  cosemDateTimeToIso,
  formatCosemDate,
  formatCosemDateTime,
  formatCosemTime,
} from '../datetime-convert.js';
import { encodeData } from './data.js';
import { DataTag, type Data, type SimpleDataType, type TypeDescription } from './types.js';

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** The JSON form of a type description (same shape as {@link TypeDescription}). */
export type TypeDescriptionJson =
  | { readonly type: 'array'; readonly count: number; readonly element: TypeDescriptionJson }
  | { readonly type: 'structure'; readonly elements: readonly TypeDescriptionJson[] }
  | { readonly type: SimpleDataType };

/** The JSON form of one Data value (see the module header). */
export type DataJson =
  | { readonly type: 'null-data' | 'dont-care' }
  | { readonly type: 'array' | 'structure'; readonly value: readonly DataJson[] }
  | {
      readonly type: 'compact-array';
      readonly description: TypeDescriptionJson;
      readonly value: readonly DataJson[];
    }
  | { readonly type: 'boolean'; readonly value: boolean; readonly raw?: number }
  | { readonly type: 'bit-string'; readonly value: string; readonly unused?: string }
  | { readonly type: 'long64' | 'long64-unsigned'; readonly value: number | string }
  | { readonly type: 'float32' | 'float64'; readonly value: number | string; readonly raw?: string }
  | { readonly type: 'octet-string' | 'visible-string' | 'utf8-string'; readonly value: string }
  | {
      readonly type: 'date-time';
      readonly value: CosemDateTime;
      readonly text: string;
      readonly iso?: string;
    }
  | { readonly type: 'date'; readonly value: CosemDate; readonly text: string }
  | { readonly type: 'time'; readonly value: CosemTime; readonly text: string }
  | { readonly type: IntegerJsonType; readonly value: number };

type IntegerJsonType =
  | 'double-long'
  | 'double-long-unsigned'
  | 'integer'
  | 'long'
  | 'unsigned'
  | 'long-unsigned'
  | 'enum'
  | 'bcd'
  | 'delta-integer'
  | 'delta-long'
  | 'delta-double-long'
  | 'delta-unsigned'
  | 'delta-long-unsigned'
  | 'delta-double-long-unsigned';

function bitsToText(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += (bytes[i >> 3]! >> (7 - (i & 7))) & 1 ? '1' : '0';
  return s;
}

function floatToJson(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (Object.is(v, -0)) return '-0';
  return v;
}

function bigToJson(v: bigint): number | string {
  return v >= -BigInt(Number.MAX_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(v)
    : v.toString();
}

function dateTimeFields(v: CosemDateTime): CosemDateTime {
  return {
    year: v.year,
    month: v.month,
    dayOfMonth: v.dayOfMonth,
    dayOfWeek: v.dayOfWeek,
    hour: v.hour,
    minute: v.minute,
    second: v.second,
    hundredths: v.hundredths,
    deviation: v.deviation,
    clockStatus: v.clockStatus,
  };
}

/** The typed JSON form of a Data value (a fresh plain object, safe for `JSON.stringify`). */
export function dataToJson(d: Data): DataJson {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return { type: d.type };
    case 'array':
    case 'structure':
      return { type: d.type, value: d.value.map(dataToJson) };
    case 'compact-array':
      return {
        type: 'compact-array',
        description: typeDescriptionToJson(d.description),
        value: d.value.map(dataToJson),
      };
    case 'boolean':
      return d.raw === undefined
        ? { type: 'boolean', value: d.value }
        : { type: 'boolean', value: d.value, raw: d.raw };
    case 'bit-string': {
      const { length, bytes } = d.value;
      const value = bitsToText(bytes, 0, length);
      const unused = bitsToText(bytes, length, bytes.length * 8);
      return unused.includes('1') ? { type: 'bit-string', value, unused } : { type: 'bit-string', value };
    }
    case 'long64':
    case 'long64-unsigned':
      return { type: d.type, value: bigToJson(d.value) };
    case 'float32':
    case 'float64':
      return d.raw === undefined
        ? { type: d.type, value: floatToJson(d.value) }
        : { type: d.type, value: floatToJson(d.value), raw: toHex(d.raw) };
    case 'octet-string':
      return { type: 'octet-string', value: toHex(d.value) };
    case 'visible-string':
    case 'utf8-string':
      return { type: d.type, value: d.value };
    case 'date-time': {
      const iso = cosemDateTimeToIso(d.value);
      const value = dateTimeFields(d.value);
      const text = formatCosemDateTime(d.value);
      return iso === undefined ? { type: 'date-time', value, text } : { type: 'date-time', value, text, iso };
    }
    case 'date': {
      const { year, month, dayOfMonth, dayOfWeek } = d.value;
      return { type: 'date', value: { year, month, dayOfMonth, dayOfWeek }, text: formatCosemDate(d.value) };
    }
    case 'time': {
      const { hour, minute, second, hundredths } = d.value;
      return { type: 'time', value: { hour, minute, second, hundredths }, text: formatCosemTime(d.value) };
    }
    default:
      return { type: d.type, value: d.value };
  }
}

/** The JSON form of a type description. */
export function typeDescriptionToJson(td: TypeDescription): TypeDescriptionJson {
  switch (td.type) {
    case 'array':
      return { type: 'array', count: td.count, element: typeDescriptionToJson(td.element) };
    case 'structure':
      return { type: 'structure', elements: td.elements.map(typeDescriptionToJson) };
    default:
      return { type: td.type };
  }
}

/** Ranges of the integer types carried as numbers. */
const INTEGER_RANGES: Readonly<Record<IntegerJsonType, readonly [number, number]>> = {
  'double-long': [-0x80000000, 0x7fffffff],
  'double-long-unsigned': [0, 0xffffffff],
  integer: [-0x80, 0x7f],
  long: [-0x8000, 0x7fff],
  unsigned: [0, 0xff],
  'long-unsigned': [0, 0xffff],
  enum: [0, 0xff],
  bcd: [0, 0xff],
  'delta-integer': [-0x80, 0x7f],
  'delta-long': [-0x8000, 0x7fff],
  'delta-double-long': [-0x80000000, 0x7fffffff],
  'delta-unsigned': [0, 0xff],
  'delta-long-unsigned': [0, 0xffff],
  'delta-double-long-unsigned': [0, 0xffffffff],
};

const DATE_FIELDS = ['year', 'month', 'dayOfMonth', 'dayOfWeek'] as const;
const TIME_FIELDS = ['hour', 'minute', 'second', 'hundredths'] as const;

function fail(path: string, what: string): never {
  throw new ArgumentError(`${path}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function intIn(v: unknown, min: number, max: number, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(path, `expected an integer ${min}…${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, `expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function hexBytes(v: unknown, path: string): Uint8Array {
  const s = str(v, path);
  if (!/^(?:[0-9A-Fa-f]{2})*$/.test(s)) fail(path, 'expected hex digits in pairs');
  return fromHex(s);
}

function bitText(v: unknown, path: string): string {
  const s = str(v, path);
  if (!/^[01]*$/.test(s)) fail(path, "expected a string of '0' and '1'");
  return s;
}

function bigFromJson(v: unknown, min: bigint, max: bigint, path: string): bigint {
  let b: bigint;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) fail(path, 'a 64-bit value beyond ±2^53 must be a decimal string');
    b = BigInt(v);
  } else if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) {
    b = BigInt(v);
  } else {
    fail(path, `expected an integer or a decimal string, got ${JSON.stringify(v)}`);
  }
  if (b < min || b > max) fail(path, `${b} is out of range`);
  return b;
}

function floatFromJson(v: unknown, path: string): number {
  if (typeof v === 'number') return v;
  switch (v) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
    default:
      return fail(
        path,
        `expected a number or "NaN", "Infinity", "-Infinity", "-0"; got ${JSON.stringify(v)}`,
      );
  }
}

function fields<K extends string>(v: unknown, keys: readonly K[], path: string): Record<K, number> {
  if (!isObject(v)) fail(path, 'expected an object of fields');
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = intIn(v[k], 0, k === 'year' ? 0xffff : 0xff, `${path}.${k}`);
  return out;
}

function list(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  return v;
}

/** The type description of its JSON form. @throws ArgumentError with the path of the first problem. */
export function typeDescriptionFromJson(json: unknown, path = '$'): TypeDescription {
  if (!isObject(json)) fail(path, 'expected a type description object');
  const type = json.type;
  if (type === 'array') {
    return {
      type: 'array',
      count: intIn(json.count, 0, 0xffff, `${path}.count`),
      element: typeDescriptionFromJson(json.element, `${path}.element`),
    };
  }
  if (type === 'structure') {
    const elements = list(json.elements, `${path}.elements`).map((e, i) =>
      typeDescriptionFromJson(e, `${path}.elements[${i}]`),
    );
    return { type: 'structure', elements };
  }
  if (typeof type !== 'string' || !(type in DataTag) || type === 'compact-array') {
    fail(`${path}.type`, `not a type description: ${JSON.stringify(type)}`);
  }
  return { type: type as SimpleDataType };
}

function fromJson(json: unknown, path: string): Data {
  if (!isObject(json)) fail(path, 'expected a Data object with a type');
  const type = json.type;
  const value = json.value;
  const vp = `${path}.value`;
  switch (type) {
    case 'null-data':
    case 'dont-care':
      return { type };
    case 'array':
    case 'structure':
      return { type, value: list(value, vp).map((e, i) => fromJson(e, `${vp}[${i}]`)) };
    case 'compact-array':
      return {
        type,
        description: typeDescriptionFromJson(json.description, `${path}.description`),
        value: list(value, vp).map((e, i) => fromJson(e, `${vp}[${i}]`)),
      };
    case 'boolean': {
      if (typeof value !== 'boolean') fail(vp, 'expected true or false');
      if (json.raw === undefined) return { type, value };
      if (value !== true) fail(`${path}.raw`, 'a raw boolean byte comes with the value true');
      return { type, value, raw: intIn(json.raw, 2, 255, `${path}.raw`) };
    }
    case 'bit-string': {
      const bits = bitText(value, vp);
      const unused = json.unused === undefined ? '' : bitText(json.unused, `${path}.unused`);
      const padding = (8 - (bits.length % 8)) % 8;
      if (json.unused !== undefined && unused.length !== padding) {
        fail(`${path}.unused`, `expected ${padding} padding bit(s)`);
      }
      const all = bits + (unused || '0'.repeat(padding));
      const bytes = new Uint8Array(all.length / 8);
      for (let i = 0; i < all.length; i++) if (all[i] === '1') bytes[i >> 3]! |= 0x80 >> (i & 7);
      return { type, value: { length: bits.length, bytes } };
    }
    case 'long64':
      return { type, value: bigFromJson(value, -(1n << 63n), (1n << 63n) - 1n, vp) };
    case 'long64-unsigned':
      return { type, value: bigFromJson(value, 0n, (1n << 64n) - 1n, vp) };
    case 'float32':
    case 'float64': {
      const v = floatFromJson(value, vp);
      if (type === 'float32' && Number.isFinite(v) && Math.fround(v) !== v) {
        fail(vp, `${v} is not exactly representable as a float32`);
      }
      if (json.raw === undefined) return { type, value: v };
      const raw = hexBytes(json.raw, `${path}.raw`);
      return { type, value: v, raw };
    }
    case 'octet-string':
      return { type, value: hexBytes(value, vp) };
    case 'visible-string':
    case 'utf8-string':
      return { type, value: str(value, vp) };
    case 'date-time': {
      const date = fields(value, DATE_FIELDS, vp);
      const time = fields(value, TIME_FIELDS, vp);
      const v = value as Record<string, unknown>;
      return {
        type,
        value: {
          ...date,
          ...time,
          deviation: intIn(v.deviation, -0x8000, 0x7fff, `${vp}.deviation`),
          clockStatus: intIn(v.clockStatus, 0, 0xff, `${vp}.clockStatus`),
        },
      };
    }
    case 'date':
      return { type, value: fields(value, DATE_FIELDS, vp) };
    case 'time':
      return { type, value: fields(value, TIME_FIELDS, vp) };
    default: {
      if (typeof type !== 'string' || !Object.hasOwn(INTEGER_RANGES, type)) {
        fail(`${path}.type`, `unknown Data type ${JSON.stringify(type)}`);
      }
      const [min, max] = INTEGER_RANGES[type as IntegerJsonType];
      return { type: type as IntegerJsonType, value: intIn(value, min, max, vp) };
    }
  }
}

/**
 * The Data value of its typed JSON form (as produced by {@link dataToJson}, possibly after
 * `JSON.stringify`/`JSON.parse`). Unknown extra members (`text`, `iso`) are ignored.
 *
 * @throws ArgumentError naming the JSON path (`$.value[2].value`) of the first invalid member, or when
 *   the whole value cannot be encoded (e.g. compact-array elements that do not match the description).
 */
export function dataFromJson(json: unknown): Data {
  const d = fromJson(json, '$');
  // The checks above are per node; encoding checks what spans nodes (compact-array elements against
  // their description, NaN raw bytes), so that whatever is returned can be sent.
  encodeData(new Writer(256), d);
  return d;
}
