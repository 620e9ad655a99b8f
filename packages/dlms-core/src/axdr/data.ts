/**
 * A-XDR encoding and decoding of COSEM `Data` (IEC 62056-6-2 4.1.5, IEC 61334-6).
 *
 * Decoding is one pass over a {@link Reader}: octet strings are views into the input, element counts
 * are checked against the bytes left before anything is allocated, nesting depth and the total number
 * of values are capped ({@link DataLimits}). Encoding writes into a growable {@link Writer}.
 *
 * This module does not interpret values (no scaling, no OBIS lookup): that belongs to cosem-objects.
 */
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ArgumentError, DecodeError } from '../errors.js';
import { decodeLength, encodeLength } from './length.js';
import {
  decodeCosemDate,
  decodeCosemDateTime,
  decodeCosemTime,
  encodeCosemDate,
  encodeCosemDateTime,
  encodeCosemTime,
} from '../datetime.js';
import { DataTag, DataTypeByTag, type Data, type DataType, type TypeDescription } from './types.js';

/** Limits on what a peer controls while decoding Data. */
export interface DataLimits {
  /** Maximum nesting of arrays, structures and compact arrays. Default 32. */
  readonly maxDepth?: number;
  /** Maximum number of Data values in one decode (all levels). Default 1,000,000. */
  readonly maxValues?: number;
}

const DEFAULT_MAX_DEPTH = 32;
const DEFAULT_MAX_VALUES = 1_000_000;

const latin1 = new TextDecoder('latin1');
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

/** Decoding state shared down one Data tree. */
class DataDecoder {
  budget: number;
  constructor(
    readonly r: Reader,
    readonly maxDepth: number,
    maxValues: number,
  ) {
    this.budget = maxValues;
  }

  spend(n: number, at: number): void {
    this.budget -= n;
    if (this.budget < 0) throw this.r.error('LIMIT_EXCEEDED', 'too many Data values', at);
  }

  data(depth: number): Data {
    const r = this.r;
    const at = r.pos;
    const tag = r.u8();
    if (--this.budget < 0) throw r.error('LIMIT_EXCEEDED', 'too many Data values', at);
    return this.afterTag(tag, depth, at);
  }

  /** The value whose tag (read at `at`, or implied by a compact-array description) is `tag`. */
  afterTag(tag: number, depth: number, at: number): Data {
    const r = this.r;
    switch (tag) {
      case 0:
        return { type: 'null-data' };
      case 1:
      case 2: {
        if (depth >= this.maxDepth) throw r.error('LIMIT_EXCEEDED', `nesting deeper than ${this.maxDepth}`, at);
        const n = decodeLength(r);
        if (n > r.end - r.pos) {
          throw r.error('TRUNCATED', `${n} elements announced but only ${r.end - r.pos} byte(s) left`, at);
        }
        const items: Data[] = new Array<Data>(n);
        for (let i = 0; i < n; i++) items[i] = this.data(depth + 1);
        return tag === 1 ? { type: 'array', value: items } : { type: 'structure', value: items };
      }
      case 3: {
        const b = r.u8();
        return b === 0 || b === 1 ? { type: 'boolean', value: b === 1 } : { type: 'boolean', value: true, raw: b };
      }
      case 4: {
        const bits = decodeLength(r);
        const bytes = r.bytesView(Math.ceil(bits / 8));
        return { type: 'bit-string', value: { length: bits, bytes } };
      }
      case 5:
        return { type: 'double-long', value: r.i32() };
      case 6:
        return { type: 'double-long-unsigned', value: r.u32() };
      case 9: {
        const n = decodeLength(r);
        return { type: 'octet-string', value: r.bytesView(n) };
      }
      case 10: {
        const n = decodeLength(r);
        return { type: 'visible-string', value: latin1.decode(r.bytesView(n)) };
      }
      case 12: {
        const n = decodeLength(r);
        const start = r.pos;
        const bytes = r.bytesView(n);
        try {
          return { type: 'utf8-string', value: utf8Strict.decode(bytes) };
        } catch (e) {
          throw new DecodeError('INVALID_VALUE', 'utf8-string is not valid UTF-8', start - r.base, { cause: e });
        }
      }
      case 13:
        return { type: 'bcd', value: r.u8() };
      case 15:
        return { type: 'integer', value: r.i8() };
      case 16:
        return { type: 'long', value: r.i16() };
      case 17:
        return { type: 'unsigned', value: r.u8() };
      case 18:
        return { type: 'long-unsigned', value: r.u16() };
      case 19:
        return this.compactArray(depth, at);
      case 20:
        return { type: 'long64', value: r.i64() };
      case 21:
        return { type: 'long64-unsigned', value: r.u64() };
      case 22:
        return { type: 'enum', value: r.u8() };
      case 23:
        return { type: 'float32', value: r.f32() };
      case 24:
        return { type: 'float64', value: r.f64() };
      case 25:
        return { type: 'date-time', value: decodeCosemDateTime(r) };
      case 26:
        return { type: 'date', value: decodeCosemDate(r) };
      case 27:
        return { type: 'time', value: decodeCosemTime(r) };
      case 28:
        return { type: 'delta-integer', value: r.i8() };
      case 29:
        return { type: 'delta-long', value: r.i16() };
      case 30:
        return { type: 'delta-double-long', value: r.i32() };
      case 31:
        return { type: 'delta-unsigned', value: r.u8() };
      case 32:
        return { type: 'delta-long-unsigned', value: r.u16() };
      case 33:
        return { type: 'delta-double-long-unsigned', value: r.u32() };
      case 255:
        return { type: 'dont-care' };
      default:
        throw r.error('UNKNOWN_TAG', `unknown Data tag ${tag}`, at);
    }
  }

  typeDescription(depth: number): TypeDescription {
    const r = this.r;
    const at = r.pos;
    const tag = r.u8();
    this.spend(1, at);
    if (tag === 1) {
      if (depth >= this.maxDepth) throw r.error('LIMIT_EXCEEDED', `nesting deeper than ${this.maxDepth}`, at);
      const count = r.u16();
      const element = this.typeDescription(depth + 1);
      if (count > 0 && minSize(element) === 0) {
        throw r.error('INVALID_VALUE', 'compact-array element type occupies no bytes', at);
      }
      return { type: 'array', count, element };
    }
    if (tag === 2) {
      if (depth >= this.maxDepth) throw r.error('LIMIT_EXCEEDED', `nesting deeper than ${this.maxDepth}`, at);
      const n = decodeLength(r);
      if (n > r.end - r.pos) throw r.error('TRUNCATED', `${n} type descriptions announced`, at);
      const elements: TypeDescription[] = new Array<TypeDescription>(n);
      for (let i = 0; i < n; i++) elements[i] = this.typeDescription(depth + 1);
      return { type: 'structure', elements };
    }
    const type = DataTypeByTag.get(tag);
    if (type === undefined || type === 'compact-array' || type === 'array' || type === 'structure') {
      throw r.error('UNKNOWN_TAG', `unknown type description tag ${tag}`, at);
    }
    return { type } as TypeDescription;
  }

  compactArray(depth: number, at: number): Data {
    const r = this.r;
    if (depth >= this.maxDepth) throw r.error('LIMIT_EXCEEDED', `nesting deeper than ${this.maxDepth}`, at);
    const description = this.typeDescription(depth + 1);
    const size = decodeLength(r);
    const contents = r.sub(size);
    if (size > 0 && minSize(description) === 0) {
      throw r.error('INVALID_VALUE', 'compact-array element type occupies no bytes', at);
    }
    const inner = new DataDecoder(contents, this.maxDepth, 0);
    inner.budget = this.budget;
    const items: Data[] = [];
    while (!contents.done) items.push(inner.untagged(description, depth + 1));
    this.budget = inner.budget;
    return { type: 'compact-array', description, value: items };
  }

  /** A value without its tag, its type given by a compact array's description. */
  untagged(td: TypeDescription, depth: number): Data {
    const r = this.r;
    const at = r.pos;
    if (--this.budget < 0) throw r.error('LIMIT_EXCEEDED', 'too many Data values', at);
    switch (td.type) {
      case 'array': {
        const items: Data[] = new Array<Data>(td.count);
        for (let i = 0; i < td.count; i++) items[i] = this.untagged(td.element, depth + 1);
        return { type: 'array', value: items };
      }
      case 'structure': {
        const items: Data[] = new Array<Data>(td.elements.length);
        for (let i = 0; i < td.elements.length; i++) items[i] = this.untagged(td.elements[i]!, depth + 1);
        return { type: 'structure', value: items };
      }
      default:
        return this.afterTag(DataTag[td.type], depth, at);
    }
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

/** Minimum number of bytes one untagged value of this description occupies. */
export function minSize(td: TypeDescription): number {
  switch (td.type) {
    case 'array':
      return td.count * minSize(td.element);
    case 'structure': {
      let s = 0;
      for (const e of td.elements) s += minSize(e);
      return s;
    }
    default:
      return SIMPLE_MIN_SIZE[td.type] ?? 0;
  }
}

/** Decodes one Data value at the reader's position (the reader moves past it). */
export function decodeData(r: Reader, limits?: DataLimits): Data {
  const d = new DataDecoder(r, limits?.maxDepth ?? DEFAULT_MAX_DEPTH, limits?.maxValues ?? DEFAULT_MAX_VALUES);
  return d.data(0);
}

/** Decodes a complete byte string holding exactly one Data value. */
export function decodeDataBytes(bytes: Uint8Array, limits?: DataLimits): Data {
  const r = new Reader(bytes);
  const v = decodeData(r, limits);
  r.expectEnd('Data value');
  return v;
}

function checkType(d: Data, expected: DataType): void {
  if (d.type !== expected) throw new ArgumentError(`compact-array element of type ${d.type}, expected ${expected}`);
}

/** Writes one Data value (tag and content). */
export function encodeData(w: Writer, d: Data): void {
  switch (d.type) {
    case 'null-data':
      w.u8(0);
      return;
    case 'dont-care':
      w.u8(255);
      return;
    case 'array':
    case 'structure':
      w.u8(d.type === 'array' ? 1 : 2);
      encodeLength(w, d.value.length);
      for (const item of d.value) encodeData(w, item);
      return;
    case 'compact-array':
      w.u8(19);
      encodeTypeDescription(w, d.description);
      encodeCompactContents(w, d.description, d.value);
      return;
    default:
      w.u8(DataTag[d.type]);
      encodeUntagged(w, d);
  }
}

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
    default:
      w.u8(DataTag[td.type]);
  }
}

function encodeCompactContents(w: Writer, td: TypeDescription, items: readonly Data[]): void {
  const inner = new Writer(64);
  for (const item of items) encodeByDescription(inner, td, item);
  encodeLength(w, inner.length);
  w.bytes(inner.view());
}

function encodeByDescription(w: Writer, td: TypeDescription, d: Data): void {
  switch (td.type) {
    case 'array': {
      if (d.type !== 'array') throw new ArgumentError(`compact-array element of type ${d.type}, expected array`);
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
        throw new ArgumentError(`compact-array structure has ${d.value.length} items, expected ${td.elements.length}`);
      }
      for (let i = 0; i < td.elements.length; i++) encodeByDescription(w, td.elements[i]!, d.value[i]!);
      return;
    }
    default:
      checkType(d, td.type);
      encodeUntagged(w, d);
  }
}

/** Writes the content of a simple value, without its tag. */
function encodeUntagged(w: Writer, d: Data): void {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return;
    case 'boolean':
      w.u8(d.raw ?? (d.value ? 1 : 0));
      return;
    case 'bit-string': {
      const { length, bytes } = d.value;
      if (bytes.length !== Math.ceil(length / 8)) {
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
      encodeLength(w, d.value.length);
      w.bytes(d.value);
      return;
    case 'visible-string': {
      const s = d.value;
      encodeLength(w, s.length);
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw new ArgumentError('visible-string holds a character above U+00FF');
        w.u8(c);
      }
      return;
    }
    case 'utf8-string': {
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
      w.f32(d.value);
      return;
    case 'float64':
      w.f64(d.value);
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
  }
}
