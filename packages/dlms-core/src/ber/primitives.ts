/**
 * Contents of the BER universal types the ACSE APDUs use (ITU-T X.690, 8.3, 8.6, 8.19): INTEGER, BIT
 * STRING and OBJECT IDENTIFIER. Each decoder takes a reader over exactly the contents of one TLV
 * (from `readBerTlv`) and consumes all of it; each encoder writes contents only.
 *
 * INTEGER is limited to six content octets (safe JavaScript integers) and must be minimal, as X.690
 * 8.3.2 requires; OBJECT IDENTIFIER arcs are limited to 2^32 - 1. Constructed string forms are not
 * supported (DLMS never sends them). OCTET STRING contents need no codec: they are the raw bytes.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';

/** A BER BIT STRING: `bytes` hold the bits, first bit in the MSB; `unusedBits` (0..7) of the last byte are padding. */
export interface BerBitString {
  readonly bytes: Uint8Array;
  readonly unusedBits: number;
}

/** A dotted OBJECT IDENTIFIER such as `'2.16.756.5.8.1.1'`. */
export type ObjectIdentifier = `${number}.${number}${string}`;

const MAX_INTEGER_OCTETS = 6;
const MAX_ARC = 0xffffffff;

/** Decodes INTEGER contents (two's complement, big-endian). */
export function decodeBerInteger(c: Reader): number {
  const n = c.remaining;
  if (n === 0) throw c.error('INVALID_VALUE', 'empty INTEGER');
  if (n > MAX_INTEGER_OCTETS) {
    throw c.error('LIMIT_EXCEEDED', `INTEGER of ${n} octets is beyond the supported ${MAX_INTEGER_OCTETS}`);
  }
  const at = c.pos;
  const first = c.u8();
  if (n > 1) {
    const second = c.peekU8();
    // X.690 8.3.2: the first nine bits are never all zero or all one.
    if ((first === 0 && second < 0x80) || (first === 0xff && second >= 0x80)) {
      throw c.error('INVALID_VALUE', 'INTEGER is not in its minimal form', at);
    }
  }
  let v = first >= 0x80 ? first - 256 : first;
  for (let i = 1; i < n; i++) v = v * 256 + c.u8();
  return v;
}

/** Writes the minimal INTEGER contents of `v`. */
export function encodeBerInteger(w: Writer, v: number): void {
  if (!Number.isSafeInteger(v) || v < -(2 ** 47) || v >= 2 ** 47) {
    throw new ArgumentError(`${v} is not an INTEGER of at most ${MAX_INTEGER_OCTETS} octets`);
  }
  let n = 1;
  while (n < MAX_INTEGER_OCTETS && (v < -(2 ** (8 * n - 1)) || v >= 2 ** (8 * n - 1))) n++;
  const u = v < 0 ? v + 2 ** (8 * n) : v;
  for (let i = n - 1; i >= 0; i--) w.u8(Math.floor(u / 2 ** (8 * i)) & 0xff);
}

/** Decodes BIT STRING contents (primitive form): the unused-bits octet, then the bits. */
export function decodeBerBitString(c: Reader): BerBitString {
  const at = c.pos;
  const unusedBits = c.u8();
  if (unusedBits > 7) throw c.error('INVALID_VALUE', `BIT STRING with ${unusedBits} unused bits`, at);
  if (c.done && unusedBits !== 0) throw c.error('INVALID_VALUE', 'empty BIT STRING with unused bits', at);
  return { bytes: c.rest(), unusedBits };
}

/** Writes BIT STRING contents. */
export function encodeBerBitString(w: Writer, v: BerBitString): void {
  const u = v.unusedBits;
  if (!Number.isInteger(u) || u < 0 || u > 7 || (v.bytes.length === 0 && u !== 0)) {
    throw new ArgumentError(`${u} unused bits is not valid for a BIT STRING of ${v.bytes.length} byte(s)`);
  }
  w.u8(u).bytes(v.bytes);
}

/** Decodes OBJECT IDENTIFIER contents (X.690 8.19) into dotted form. */
export function decodeBerObjectIdentifier(c: Reader): ObjectIdentifier {
  if (c.done) throw c.error('INVALID_VALUE', 'empty OBJECT IDENTIFIER');
  const arcs: number[] = [];
  while (!c.done) {
    const at = c.pos;
    let v = 0;
    let b = c.u8();
    if (b === 0x80) {
      throw c.error('INVALID_VALUE', 'OBJECT IDENTIFIER sub-identifier with a leading zero group', at);
    }
    for (;;) {
      v = v * 128 + (b & 0x7f);
      if (v > MAX_ARC * 128) throw c.error('LIMIT_EXCEEDED', 'OBJECT IDENTIFIER arc too large', at);
      if ((b & 0x80) === 0) break;
      if (c.done) throw c.error('INVALID_VALUE', 'OBJECT IDENTIFIER ends inside a sub-identifier', at);
      b = c.u8();
    }
    if (arcs.length === 0) {
      // X.690 8.19.4: the first sub-identifier packs the first two arcs as 40 * X + Y.
      const x = v < 40 ? 0 : v < 80 ? 1 : 2;
      arcs.push(x, v - 40 * x);
    } else {
      arcs.push(v);
    }
    if (arcs[arcs.length - 1]! > MAX_ARC) {
      throw c.error('LIMIT_EXCEEDED', 'OBJECT IDENTIFIER arc too large', at);
    }
  }
  return arcs.join('.') as ObjectIdentifier;
}

/** Parses a dotted OBJECT IDENTIFIER, throwing {@link ArgumentError} when it is not valid. */
export function parseObjectIdentifier(oid: string): number[] {
  if (!/^\d+(\.\d+)+$/.test(oid)) throw new ArgumentError(`'${oid}' is not a dotted OBJECT IDENTIFIER`);
  const arcs = oid.split('.').map(Number);
  const [x, y] = arcs as [number, number];
  if (x > 2 || (x < 2 && y > 39) || arcs.some((a) => a > MAX_ARC)) {
    throw new ArgumentError(`'${oid}' is not a valid OBJECT IDENTIFIER`);
  }
  return arcs;
}

/** Writes OBJECT IDENTIFIER contents for a dotted OID. */
export function encodeBerObjectIdentifier(w: Writer, oid: string): void {
  const arcs = parseObjectIdentifier(oid);
  writeSubIdentifier(w, arcs[0]! * 40 + arcs[1]!);
  for (let i = 2; i < arcs.length; i++) writeSubIdentifier(w, arcs[i]!);
}

function writeSubIdentifier(w: Writer, v: number): void {
  let n = 1;
  while (v >= 2 ** (7 * n)) n++;
  for (let i = n - 1; i >= 0; i--) {
    const group = Math.floor(v / 2 ** (7 * i)) & 0x7f;
    w.u8(i > 0 ? group | 0x80 : group);
  }
}
