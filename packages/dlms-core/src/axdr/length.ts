/**
 * The A-XDR variable-length integer used for lengths and element counts (IEC 61334-6, 5.2):
 * one byte below 0x80, else 0x80 | n followed by n big-endian bytes.
 *
 * Decoding rejects the indefinite form 0x80 and more than four length bytes (the stack never needs
 * lengths of 2^32 or more), and checks nothing against the input size: callers check the value
 * against what is left, because only they know the minimum size of one element.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';

/** Reads an A-XDR length or count. */
export function decodeLength(r: Reader): number {
  const first = r.u8();
  if (first < 0x80) return first;
  const n = first & 0x7f;
  if (n === 0) throw r.error('INVALID_VALUE', 'indefinite length form 0x80 is not allowed', r.pos - 1);
  if (n > 4) throw r.error('LIMIT_EXCEEDED', `length of ${n} bytes is beyond the supported 4`, r.pos - 1);
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + r.u8();
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
    w.u8(0x83).u8(n >>> 16).u16(n & 0xffff);
  } else {
    w.u8(0x84).u32(n);
  }
}

/** Number of bytes {@link encodeLength} writes for `n`. */
export function lengthSize(n: number): number {
  return n < 0x80 ? 1 : n <= 0xff ? 2 : n <= 0xffff ? 3 : n <= 0xffffff ? 4 : 5;
}
