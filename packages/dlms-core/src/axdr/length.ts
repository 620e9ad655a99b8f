/**
 * The A-XDR variable-length integer used for lengths and element counts (IEC 61334-6, 5.2):
 * one byte below 0x80, else 0x80 | n followed by n big-endian bytes.
 *
 * Decoding rejects the indefinite form 0x80 and more than four length bytes (the stack never needs
 * lengths of 2^32 or more), and checks nothing against the input size: callers check the value
 * against what is left, because only they know the minimum size of one element. A length sent in a
 * longer form than needed (`81 05` for 5) is accepted unless `canonical` is asked for, because meters
 * are known to send them; encoding always writes the shortest form.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';

/**
 * Reads an A-XDR length or count.
 *
 * @param canonical - when true, a length in a longer form than needed is a `DecodeError`
 *   `INVALID_VALUE` (so that any accepted input re-encodes to the same bytes).
 */
export function decodeLength(r: Reader, canonical = false): number {
  const first = r.u8();
  if (first < 0x80) return first;
  return decodeLongLength(r, first, canonical);
}

/** The long form, after its first byte `first` (≥ 0x80) has been read. */
export function decodeLongLength(r: Reader, first: number, canonical: boolean): number {
  const at = r.pos - 1;
  const n = first & 0x7f;
  if (n === 0) throw r.error('INVALID_VALUE', 'indefinite length form 0x80 is not allowed', at);
  if (n > 4) throw r.error('LIMIT_EXCEEDED', `length of ${n} bytes is beyond the supported 4`, at);
  r.require(n);
  const b = r.bytes;
  let p = r.pos;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[p++]!;
  r.pos = p;
  if (canonical && (n === 1 ? v < 0x80 : v < 2 ** (8 * (n - 1)))) {
    throw r.error('INVALID_VALUE', `length ${v} is not in its shortest form`, at);
  }
  return v;
}

/** Writes an A-XDR length or count in its shortest form. */
export function encodeLength(w: Writer, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new ArgumentError(`${n} is not a valid length`);
  if (n < 0x80) {
    w.u8(n);
  } else if (n <= 0xff) {
    w.u8(0x81).u8(n);
  } else if (n <= 0xffff) {
    w.u8(0x82).u16(n);
  } else if (n <= 0xffffff) {
    w.u8(0x83)
      .u8(n >>> 16)
      .u16(n & 0xffff);
  } else {
    w.u8(0x84).u32(n);
  }
}

/** Number of bytes {@link encodeLength} writes for `n`. */
export function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
}
