/**
 * A-XDR encoding and decoding of COSEM `Data` (IEC 62056-6-2 4.1.5, IEC 61334-6).
 *
 * Decoding is one pass over a {@link Reader}: octet strings are views into the input (no copy),
 * element counts are checked against the bytes left before anything is allocated, nesting depth and
 * the total number of values are capped ({@link DataLimits}). Every malformed input ends in a
 * {@link DecodeError}: `TRUNCATED` when the input ends early (including a count larger than the bytes
 * left), `UNKNOWN_TAG`, `INVALID_VALUE` (bad UTF-8, indefinite or non-shortest length in canonical
 * mode, compact-array of zero-size elements), `LIMIT_EXCEEDED` (depth, value count, length > 2^32).
 * Encoding writes into a growable {@link Writer} and rejects values the wire cannot carry with an
 * {@link ArgumentError}.
 *
 * Round trips: `decode(encode(x))` deep-equals `x` for every valid `x`, and `encode(decode(b))`
 * equals `b` for every `b` decoded with `canonical: true` (without it, lengths are re-encoded in their
 * shortest form). Floats are exact; a NaN keeps its wire bits in `raw` when they are not the
 * canonical quiet NaN (see {@link FloatData}).
 *
 * The decoder is written for speed: it reads the reader's bytes directly, builds one object shape
 * per type (`{type, value}`), and allocates nothing per node beyond the value itself.
 *
 * This module does not interpret values (no scaling, no OBIS lookup): that belongs to cosem-objects.
 */
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ArgumentError, DecodeError } from '../errors.js';
import { decodeLongLength, encodeLength } from './length.js';
import { encodeCosemDate, encodeCosemDateTime, encodeCosemTime } from '../datetime.js';
import type { CosemDate, CosemDateTime, CosemTime } from '../datetime.js';
import {
  DataTag,
  DataTypeByTag,
  type Data,
  type DataType,
  type FloatData,
  type TypeDescription,
} from './types.js';

/** Limits on what a peer controls while decoding Data, and how strict the decoder is. */
export interface DataLimits {
  /**
   * Maximum nesting of arrays, structures and compact arrays (and type descriptions). Default 32,
   * at most {@link MAX_DATA_DEPTH} (the decoder recurses; deeper would risk the call stack).
   */
  readonly maxDepth?: number;
  /** Maximum number of Data values (and type-description nodes) in one decode, all levels. Default 1,000,000. */
  readonly maxValues?: number;
  /**
   * Reject encodings that do not re-encode to the same bytes: lengths and counts in a longer form
   * than needed (`INVALID_VALUE`). Default false: such lengths are accepted, since meters send them.
   */
  readonly canonical?: boolean;
}

const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_VALUES = 1_000_000;
/** The largest `maxDepth` accepted: the recursive decoder stays far from the engine's stack limit. */
export const MAX_DATA_DEPTH = 1000;

const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decoding state shared down one Data tree (one object per decode, never per node). */
interface DecodeState {
  budget: number;
  readonly maxDepth: number;
  readonly canonical: boolean;
  /** The input's buffer and byte offset, read once: the getters cost more than the view itself. */
  readonly buffer: ArrayBufferLike;
  readonly byteOffset: number;
}

function truncated(r: Reader, at: number, need: number): DecodeError {
  return r.error('TRUNCATED', `needed ${need} byte(s) but only ${r.end - at} left`, at);
}

function tooMany(r: Reader, at: number): DecodeError {
  return r.error('LIMIT_EXCEEDED', 'too many Data values', at);
}

function tooDeep(r: Reader, s: DecodeState, at: number): DecodeError {
  return r.error('LIMIT_EXCEEDED', `nesting deeper than ${s.maxDepth}`, at);
}

/** Reads a length or count: the one-byte form inline, the long form out of line. */
function readLength(r: Reader, s: DecodeState): number {
  const p = r.pos;
  if (p >= r.end) throw truncated(r, p, 1);
  const first = r.bytes[p]!;
  r.pos = p + 1;
  return first < 0x80 ? first : decodeLongLength(r, first, s.canonical);
}

/** Code points 0–255 of the bytes `[p, p + n)`: visible-string is carried as latin1 (one char per byte). */
function latin1(b: Uint8Array, p: number, n: number): string {
  if (n <= 64) {
    let str = '';
    for (let i = 0; i < n; i++) str += String.fromCharCode(b[p + i]!);
    return str;
  }
  let str = '';
  for (let i = 0; i < n; i += 4096) {
    const chunk = b.subarray(p + i, p + Math.min(n, i + 4096));
    str += String.fromCharCode.apply(null, chunk as unknown as number[]);
  }
  return str;
}

/** A view of `[p, p + n)` of the input: the constructor is cheaper than `subarray` (no species lookup). */
function view(s: DecodeState, p: number, n: number): Uint8Array {
  return new Uint8Array(s.buffer, s.byteOffset + p, n);
}

function readDate(b: Uint8Array, p: number): CosemDate {
  return { year: (b[p]! << 8) | b[p + 1]!, month: b[p + 2]!, dayOfMonth: b[p + 3]!, dayOfWeek: b[p + 4]! };
}

function readTime(b: Uint8Array, p: number): CosemTime {
  return { hour: b[p]!, minute: b[p + 1]!, second: b[p + 2]!, hundredths: b[p + 3]! };
}

function readDateTime(b: Uint8Array, p: number): CosemDateTime {
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

const F32 = new Float32Array(1);
const F32_BYTES = new Uint8Array(F32.buffer);
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
/** True when typed arrays use little-endian byte order (then the wire's big-endian bytes are reversed). */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function readFloat32(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) {
    F32_BYTES[0] = b[p + 3]!;
    F32_BYTES[1] = b[p + 2]!;
    F32_BYTES[2] = b[p + 1]!;
    F32_BYTES[3] = b[p]!;
  } else {
    for (let i = 0; i < 4; i++) F32_BYTES[i] = b[p + i]!;
  }
  return F32[0]!;
}

function readFloat64(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) {
    for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + 7 - i]!;
  } else {
    for (let i = 0; i < 8; i++) F64_BYTES[i] = b[p + i]!;
  }
  return F64[0]!;
}

/** Canonical quiet NaN bytes: what a plain `NaN` encodes to, and what decodes without `raw`. */
const NAN32 = Uint8Array.of(0x7f, 0xc0, 0, 0);
const NAN64 = Uint8Array.of(0x7f, 0xf8, 0, 0, 0, 0, 0, 0);

function isCanonicalNaN(b: Uint8Array, p: number, canon: Uint8Array): boolean {
  for (let i = 0; i < canon.length; i++) if (b[p + i] !== canon[i]) return false;
  return true;
}

function floatValue(type: 'float32' | 'float64', b: Uint8Array, p: number): FloatData {
  const size = type === 'float32' ? 4 : 8;
  const value = size === 4 ? readFloat32(b, p) : readFloat64(b, p);
  // A NaN's sign and payload are not observable in a JS number (engines may canonicalise them), so
  // bits other than the canonical quiet NaN are kept as bytes to make the round trip exact.
  if (value !== value && !isCanonicalNaN(b, p, size === 4 ? NAN32 : NAN64)) {
    return { type, value, raw: b.slice(p, p + size) };
  }
  return { type, value };
}

/** Fixed content sizes by tag (0 = variable or container). */
const FIXED_SIZE = new Uint8Array(256);
for (const [tag, size] of [
  [3, 1],
  [5, 4],
  [6, 4],
  [13, 1],
  [15, 1],
  [16, 2],
  [17, 1],
  [18, 2],
  [20, 8],
  [21, 8],
  [22, 1],
  [23, 4],
  [24, 8],
  [25, 12],
  [26, 5],
  [27, 4],
  [28, 1],
  [29, 2],
  [30, 4],
  [31, 1],
  [32, 2],
  [33, 4],
] as const) {
  FIXED_SIZE[tag] = size;
}

/** One tagged value at `r.pos`. Small on purpose, so that the engine inlines it into the container loop. */
function readData(r: Reader, s: DecodeState, depth: number): Data {
  const at = r.pos;
  if (at >= r.end) throw truncated(r, at, 1);
  const tag = r.bytes[at]!;
  r.pos = at + 1;
  const size = FIXED_SIZE[tag]!;
  if (size !== 0) return readFixed(r, tag, size);
  if (tag === 2 || tag === 1) return readContainer(r, s, tag, depth, at);
  if (tag === 9) return readOctetString(r, s);
  return readOther(r, s, tag, depth, at);
}

/** The content of a value whose tag is `tag` (read at `at`, or implied by a compact-array description). */
function readContent(r: Reader, s: DecodeState, tag: number, depth: number, at: number): Data {
  const size = FIXED_SIZE[tag]!;
  if (size !== 0) return readFixed(r, tag, size);
  if (tag === 9) return readOctetString(r, s);
  return readOther(r, s, tag, depth, at);
}

/** An array (tag 1) or a structure (tag 2). */
function readContainer(r: Reader, s: DecodeState, tag: number, depth: number, at: number): Data {
  if (depth >= s.maxDepth) throw tooDeep(r, s, at);
  const n = readLength(r, s);
  // Every element takes at least its tag byte: a count beyond the bytes left cannot be satisfied,
  // and is refused before the array is allocated.
  if (n > r.end - r.pos) {
    throw r.error('TRUNCATED', `${n} elements announced but only ${r.end - r.pos} byte(s) left`, at);
  }
  // The value budget is spent for all elements at once, before any is decoded.
  if ((s.budget -= n) < 0) throw tooMany(r, at);
  const items = new Array<Data>(n);
  for (let i = 0; i < n; i++) items[i] = readData(r, s, depth + 1);
  return tag === 1 ? { type: 'array', value: items } : { type: 'structure', value: items };
}

function readOctetString(r: Reader, s: DecodeState): Data {
  const n = readLength(r, s);
  const p = r.pos;
  if (r.end - p < n) throw truncated(r, p, n);
  r.pos = p + n;
  return { type: 'octet-string', value: view(s, p, n) };
}

/** The less frequent variable-size types, and the errors. */
function readOther(r: Reader, s: DecodeState, tag: number, depth: number, at: number): Data {
  switch (tag) {
    case 0:
      return { type: 'null-data' };
    case 255:
      return { type: 'dont-care' };
    case 1:
    case 2:
      return readContainer(r, s, tag, depth, at);
    case 4: {
      const bits = readLength(r, s);
      const n = Math.ceil(bits / 8);
      const p = r.pos;
      if (r.end - p < n) throw truncated(r, p, n);
      r.pos = p + n;
      return { type: 'bit-string', value: { length: bits, bytes: view(s, p, n) } };
    }
    case 10: {
      const n = readLength(r, s);
      const p = r.pos;
      if (r.end - p < n) throw truncated(r, p, n);
      r.pos = p + n;
      return { type: 'visible-string', value: latin1(r.bytes, p, n) };
    }
    case 12: {
      const n = readLength(r, s);
      const p = r.pos;
      if (r.end - p < n) throw truncated(r, p, n);
      r.pos = p + n;
      try {
        return { type: 'utf8-string', value: utf8Strict.decode(view(s, p, n)) };
      } catch (e) {
        throw new DecodeError('INVALID_VALUE', 'utf8-string is not valid UTF-8', p - r.base, { cause: e });
      }
    }
    case 19:
      return readCompactArray(r, s, depth, at);
    default:
      throw r.error('UNKNOWN_TAG', `unknown Data tag ${tag}`, at);
  }
}

/** A value of fixed size `size` (tags of {@link FIXED_SIZE}). */
function readFixed(r: Reader, tag: number, size: number): Data {
  const p = r.pos;
  if (r.end - p < size) throw truncated(r, p, size);
  r.pos = p + size;
  const b = r.bytes;
  switch (tag) {
    case 3: {
      const v = b[p]!;
      return v <= 1 ? { type: 'boolean', value: v === 1 } : { type: 'boolean', value: true, raw: v };
    }
    case 5:
      return { type: 'double-long', value: (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]! };
    case 6:
      return { type: 'double-long-unsigned', value: u32(b, p) };
    case 13:
      return { type: 'bcd', value: b[p]! };
    case 15:
      return { type: 'integer', value: (b[p]! << 24) >> 24 };
    case 16:
      return { type: 'long', value: (((b[p]! << 8) | b[p + 1]!) << 16) >> 16 };
    case 17:
      return { type: 'unsigned', value: b[p]! };
    case 18:
      return { type: 'long-unsigned', value: (b[p]! << 8) | b[p + 1]! };
    case 20:
      return { type: 'long64', value: BigInt.asIntN(64, (BigInt(u32(b, p)) << 32n) | BigInt(u32(b, p + 4))) };
    case 21:
      return { type: 'long64-unsigned', value: (BigInt(u32(b, p)) << 32n) | BigInt(u32(b, p + 4)) };
    case 22:
      return { type: 'enum', value: b[p]! };
    case 23:
      return floatValue('float32', b, p);
    case 24:
      return floatValue('float64', b, p);
    case 25:
      return { type: 'date-time', value: readDateTime(b, p) };
    case 26:
      return { type: 'date', value: readDate(b, p) };
    case 27:
      return { type: 'time', value: readTime(b, p) };
    case 28:
      return { type: 'delta-integer', value: (b[p]! << 24) >> 24 };
    case 29:
      return { type: 'delta-long', value: (((b[p]! << 8) | b[p + 1]!) << 16) >> 16 };
    case 30:
      return {
        type: 'delta-double-long',
        value: (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!,
      };
    case 31:
      return { type: 'delta-unsigned', value: b[p]! };
    case 32:
      return { type: 'delta-long-unsigned', value: (b[p]! << 8) | b[p + 1]! };
    default:
      return { type: 'delta-double-long-unsigned', value: u32(b, p) };
  }
}

function u32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** A type description (IEC 62056-6-2 4.1.5, TypeDescription CHOICE). */
function readTypeDescription(r: Reader, s: DecodeState, depth: number): TypeDescription {
  const at = r.pos;
  if (at >= r.end) throw truncated(r, at, 1);
  if (--s.budget < 0) throw tooMany(r, at);
  const tag = r.bytes[at]!;
  r.pos = at + 1;
  if (tag === 1) {
    if (depth >= s.maxDepth) throw tooDeep(r, s, at);
    // array: number-of-elements is an Unsigned16, not an A-XDR length.
    const p = r.pos;
    if (r.end - p < 2) throw truncated(r, p, 2);
    r.pos = p + 2;
    const count = (r.bytes[p]! << 8) | r.bytes[p + 1]!;
    const element = readTypeDescription(r, s, depth + 1);
    return { type: 'array', count, element };
  }
  if (tag === 2) {
    if (depth >= s.maxDepth) throw tooDeep(r, s, at);
    const n = readLength(r, s);
    if (n > r.end - r.pos) {
      throw r.error(
        'TRUNCATED',
        `${n} type descriptions announced but only ${r.end - r.pos} byte(s) left`,
        at,
      );
    }
    const elements = new Array<TypeDescription>(n);
    for (let i = 0; i < n; i++) elements[i] = readTypeDescription(r, s, depth + 1);
    return { type: 'structure', elements };
  }
  const type = DataTypeByTag.get(tag);
  if (type === undefined || type === 'compact-array') {
    throw r.error('UNKNOWN_TAG', `unknown type description tag ${tag}`, at);
  }
  return { type } as TypeDescription;
}

/**
 * compact-array ::= SEQUENCE { contents-description [0] TypeDescription, array-contents [1] IMPLICIT
 * OCTET STRING } (IEC 62056-6-2 4.1.5): the elements are concatenated without tags inside an octet
 * string, so their number follows from its length. An element type that occupies no bytes (null-data,
 * dont-care, empty structures or arrays of them) would make that number undefined: it is refused unless
 * the contents are empty.
 */
function readCompactArray(r: Reader, s: DecodeState, depth: number, at: number): Data {
  if (depth >= s.maxDepth) throw tooDeep(r, s, at);
  const description = readTypeDescription(r, s, depth + 1);
  const size = readLength(r, s);
  const p = r.pos;
  if (r.end - p < size) throw truncated(r, p, size);
  const elementSize = minSize(description);
  if (size > 0 && elementSize === 0) {
    throw r.error('INVALID_VALUE', 'compact-array element type occupies no bytes', at);
  }
  const contents = new Reader(r.bytes, p, p + size, r.base);
  r.pos = p + size;
  const items: Data[] = [];
  while (contents.pos < contents.end) {
    if (--s.budget < 0) throw tooMany(r, contents.pos);
    items.push(readUntagged(contents, s, description, depth + 1));
  }
  return { type: 'compact-array', description, value: items };
}

/** A value without its tag, its type given by a compact array's description (its budget already spent). */
function readUntagged(r: Reader, s: DecodeState, td: TypeDescription, depth: number): Data {
  const at = r.pos;
  switch (td.type) {
    case 'array': {
      if ((s.budget -= td.count) < 0) throw tooMany(r, at);
      const items = new Array<Data>(td.count);
      for (let i = 0; i < td.count; i++) items[i] = readUntagged(r, s, td.element, depth + 1);
      return { type: 'array', value: items };
    }
    case 'structure': {
      const n = td.elements.length;
      if ((s.budget -= n) < 0) throw tooMany(r, at);
      const items = new Array<Data>(n);
      for (let i = 0; i < n; i++) items[i] = readUntagged(r, s, td.elements[i]!, depth + 1);
      return { type: 'structure', value: items };
    }
    default:
      return readContent(r, s, DataTag[td.type], depth, at);
  }
}

/** Fixed wire size of a simple type, or the minimum for variable-length ones. */
const SIMPLE_MIN_SIZE: Readonly<Record<string, number>> = {
  'null-data': 0,
  'dont-care': 0,
  boolean: 1,
  'bit-string': 1,
  'double-long': 4,
  'double-long-unsigned': 4,
  'octet-string': 1,
  'visible-string': 1,
  'utf8-string': 1,
  bcd: 1,
  integer: 1,
  long: 2,
  unsigned: 1,
  'long-unsigned': 2,
  long64: 8,
  'long64-unsigned': 8,
  enum: 1,
  float32: 4,
  float64: 8,
  'date-time': 12,
  date: 5,
  time: 4,
  'delta-integer': 1,
  'delta-long': 2,
  'delta-double-long': 4,
  'delta-unsigned': 1,
  'delta-long-unsigned': 2,
  'delta-double-long-unsigned': 4,
};

/** Minimum number of bytes one untagged value of this description occupies (inside a compact array). */
export function minSize(td: TypeDescription): number {
  switch (td.type) {
    case 'array':
      return td.count === 0 ? 0 : td.count * minSize(td.element);
    case 'structure': {
      let s = 0;
      for (const e of td.elements) s += minSize(e);
      return s;
    }
    default:
      return SIMPLE_MIN_SIZE[td.type] ?? 0;
  }
}

/**
 * Decodes one Data value at the reader's position (the reader moves past it). Octet strings and bit
 * strings in the result are views into the reader's bytes: copy them to keep them beyond the input.
 *
 * @throws DecodeError `TRUNCATED`, `UNKNOWN_TAG`, `INVALID_VALUE` or `LIMIT_EXCEEDED`, with the offset;
 *   ArgumentError for limits out of range.
 */
export function decodeData(r: Reader, limits?: DataLimits): Data {
  const maxDepth = limits?.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxValues = limits?.maxValues ?? DEFAULT_MAX_VALUES;
  if (!Number.isInteger(maxDepth) || maxDepth < 0 || maxDepth > MAX_DATA_DEPTH) {
    throw new ArgumentError(`maxDepth must be an integer 0–${MAX_DATA_DEPTH}, got ${maxDepth}`);
  }
  if (!(maxValues >= 0)) throw new ArgumentError(`maxValues must be a non-negative number, got ${maxValues}`);
  const s: DecodeState = {
    budget: maxValues,
    maxDepth,
    canonical: limits?.canonical ?? false,
    buffer: r.bytes.buffer,
    byteOffset: r.bytes.byteOffset,
  };
  // One value at the top; containers spend for their elements.
  s.budget--;
  if (s.budget < 0) throw tooMany(r, r.pos);
  return readData(r, s, 0);
}

/**
 * Decodes a complete byte string holding exactly one Data value.
 *
 * @throws DecodeError as {@link decodeData}, and `TRAILING_BYTES` when bytes follow the value.
 */
export function decodeDataBytes(bytes: Uint8Array, limits?: DataLimits): Data {
  const r = new Reader(bytes);
  const v = decodeData(r, limits);
  r.expectEnd('Data value');
  return v;
}

/**
 * Writes one Data value (tag and content).
 *
 * @throws ArgumentError when a value does not fit its type (range, length, unknown type, a compact-array
 *   element that does not match the description, a lone surrogate in a utf8-string, a visible-string
 *   character above U+00FF).
 */
export function encodeData(w: Writer, d: Data): void {
  switch (d.type) {
    case 'array':
    case 'structure': {
      const items = d.value;
      if (!Array.isArray(items)) throw new ArgumentError(`${d.type} value is not an array`);
      w.u8(d.type === 'array' ? 1 : 2);
      encodeLength(w, items.length);
      for (let i = 0; i < items.length; i++) encodeData(w, items[i]!);
      return;
    }
    case 'compact-array':
      w.u8(19);
      encodeTypeDescription(w, d.description);
      encodeCompactContents(w, d.description, d.value);
      return;
    default: {
      const tag = simpleTag(d.type);
      if (tag < 0) throw new ArgumentError(`unknown Data type ${String((d as { type: unknown }).type)}`);
      w.u8(tag);
      encodeUntagged(w, d);
    }
  }
}

/**
 * Tag of a simple type, −1 if unknown. A switch, most frequent types first: compares of interned
 * strings beat both a Map lookup and a keyed load on the `DataTag` object.
 */
function simpleTag(type: string): number {
  switch (type) {
    case 'octet-string':
      return 9;
    case 'double-long-unsigned':
      return 6;
    case 'long-unsigned':
      return 18;
    case 'unsigned':
      return 17;
    case 'integer':
      return 15;
    case 'enum':
      return 22;
    case 'date-time':
      return 25;
    case 'double-long':
      return 5;
    case 'long':
      return 16;
    case 'long64':
      return 20;
    case 'long64-unsigned':
      return 21;
    case 'boolean':
      return 3;
    case 'visible-string':
      return 10;
    case 'null-data':
      return 0;
    default: {
      const tag = TAG_BY_TYPE.get(type);
      return tag === undefined || tag === 1 || tag === 2 || tag === 19 ? -1 : tag;
    }
  }
}

/** Tags by type name, as a Map: a keyed lookup on the `DataTag` object literal is much slower. */
const TAG_BY_TYPE: ReadonlyMap<string, number> = new Map(Object.entries(DataTag));

/** Encodes a value as a byte string. */
export function encodeDataBytes(d: Data): Uint8Array {
  const w = new Writer(64);
  encodeData(w, d);
  return w.toBytes();
}

/** Writes a compact-array type description. */
export function encodeTypeDescription(w: Writer, td: TypeDescription): void {
  switch (td.type) {
    case 'array':
      w.u8(1).u16(td.count);
      encodeTypeDescription(w, td.element);
      return;
    case 'structure':
      w.u8(2);
      encodeLength(w, td.elements.length);
      for (const e of td.elements) encodeTypeDescription(w, e);
      return;
    default: {
      const tag = TAG_BY_TYPE.get(td.type);
      if (tag === undefined || tag === 19 || tag === 1 || tag === 2) {
        throw new ArgumentError(`${String(td.type)} cannot appear in a type description`);
      }
      w.u8(tag);
    }
  }
}

function encodeCompactContents(w: Writer, td: TypeDescription, items: readonly Data[]): void {
  if (items.length > 0 && minSize(td) === 0) {
    // The decoder could not tell how many zero-size elements there were.
    throw new ArgumentError('compact-array elements of a type that occupies no bytes cannot be encoded');
  }
  const inner = new Writer(64);
  for (const item of items) encodeByDescription(inner, td, item);
  encodeLength(w, inner.length);
  w.bytes(inner.view());
}

function encodeByDescription(w: Writer, td: TypeDescription, d: Data): void {
  switch (td.type) {
    case 'array': {
      if (d.type !== 'array')
        throw new ArgumentError(`compact-array element of type ${d.type}, expected array`);
      if (d.value.length !== td.count) {
        throw new ArgumentError(`compact-array element has ${d.value.length} items, expected ${td.count}`);
      }
      for (const item of d.value) encodeByDescription(w, td.element, item);
      return;
    }
    case 'structure': {
      if (d.type !== 'structure') {
        throw new ArgumentError(`compact-array element of type ${d.type}, expected structure`);
      }
      if (d.value.length !== td.elements.length) {
        throw new ArgumentError(
          `compact-array structure has ${d.value.length} items, expected ${td.elements.length}`,
        );
      }
      for (let i = 0; i < td.elements.length; i++) encodeByDescription(w, td.elements[i]!, d.value[i]!);
      return;
    }
    default:
      checkType(d, td.type);
      encodeUntagged(w, d);
  }
}

function checkType(d: Data, expected: DataType): void {
  if (d.type !== expected)
    throw new ArgumentError(`compact-array element of type ${d.type}, expected ${expected}`);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function encodeFloat(w: Writer, d: FloatData, size: 4 | 8): void {
  if (typeof d.value !== 'number') throw new ArgumentError(`${d.type} value is not a number`);
  if (d.raw !== undefined) {
    if (!(d.raw instanceof Uint8Array) || d.raw.length !== size || !Number.isNaN(d.value)) {
      throw new ArgumentError(`${d.type} raw bytes must be ${size} bytes and come with a NaN value`);
    }
    const nan = size === 4 ? readFloat32(d.raw, 0) : readFloat64(d.raw, 0);
    if (nan === nan) throw new ArgumentError(`${d.type} raw bytes are not a NaN`);
    w.bytes(d.raw);
  } else if (d.value !== d.value) {
    w.bytes(size === 4 ? NAN32 : NAN64);
  } else if (size === 4) {
    w.f32(d.value);
  } else {
    w.f64(d.value);
  }
}

/** Writes the content of a simple value, without its tag. */
function encodeUntagged(w: Writer, d: Data): void {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return;
    case 'boolean':
      if (d.raw !== undefined) {
        if (!Number.isInteger(d.raw) || d.raw < 2 || d.raw > 255 || d.value !== true) {
          throw new ArgumentError('boolean raw byte must be 2–255 and come with the value true');
        }
        w.u8(d.raw);
      } else {
        w.u8(d.value ? 1 : 0);
      }
      return;
    case 'bit-string': {
      const { length, bytes } = d.value;
      if (!(bytes instanceof Uint8Array) || bytes.length !== Math.ceil(length / 8)) {
        throw new ArgumentError(`bit-string of ${length} bits needs ${Math.ceil(length / 8)} bytes`);
      }
      encodeLength(w, length);
      w.bytes(bytes);
      return;
    }
    case 'double-long':
    case 'delta-double-long':
      w.i32(d.value);
      return;
    case 'double-long-unsigned':
    case 'delta-double-long-unsigned':
      w.u32(d.value);
      return;
    case 'octet-string':
      if (!(d.value instanceof Uint8Array)) throw new ArgumentError('octet-string value is not a Uint8Array');
      encodeLength(w, d.value.length);
      w.bytes(d.value);
      return;
    case 'visible-string': {
      const s = d.value;
      if (typeof s !== 'string') throw new ArgumentError('visible-string value is not a string');
      encodeLength(w, s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw new ArgumentError('visible-string holds a character above U+00FF');
        w.u8(c);
      }
      return;
    }
    case 'utf8-string': {
      if (typeof d.value !== 'string') throw new ArgumentError('utf8-string value is not a string');
      // A lone surrogate would be replaced by U+FFFD on the wire and not come back.
      if (LONE_SURROGATE.test(d.value)) throw new ArgumentError('utf8-string holds a lone surrogate');
      const b = utf8Encoder.encode(d.value);
      encodeLength(w, b.length);
      w.bytes(b);
      return;
    }
    case 'bcd':
    case 'unsigned':
    case 'enum':
    case 'delta-unsigned':
      w.u8(d.value);
      return;
    case 'integer':
    case 'delta-integer':
      w.i8(d.value);
      return;
    case 'long':
    case 'delta-long':
      w.i16(d.value);
      return;
    case 'long-unsigned':
    case 'delta-long-unsigned':
      w.u16(d.value);
      return;
    case 'long64':
      w.i64(d.value);
      return;
    case 'long64-unsigned':
      w.u64(d.value);
      return;
    case 'float32':
      encodeFloat(w, d, 4);
      return;
    case 'float64':
      encodeFloat(w, d, 8);
      return;
    case 'date-time':
      encodeCosemDateTime(w, d.value);
      return;
    case 'date':
      encodeCosemDate(w, d.value);
      return;
    case 'time':
      encodeCosemTime(w, d.value);
      return;
    case 'array':
    case 'structure':
    case 'compact-array':
      throw new ArgumentError(`${d.type} cannot be encoded without its tag here`);
    default:
      throw new ArgumentError(`unknown Data type ${String((d as { type: unknown }).type)}`);
  }
}
