/**
 * Byte helpers for codecs, tests, fixtures and CLIs: hex in and out (`fromHex` accepts upper or lower
 * case and ignores white space, colons and dashes between bytes; anything else is an
 * {@link ArgumentError}), equality, and joining byte strings with one allocation.
 */
import { ArgumentError } from './errors.js';

const HEX = '0123456789ABCDEF';
const BYTE_TO_HEX: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >> 4]! + HEX[i & 15]!);

/** Upper-case hex of `b`, with `sep` between bytes (none by default). */
export function toHex(b: Uint8Array, sep = ''): string {
  let s = '';
  for (let i = 0; i < b.length; i++) {
    if (i > 0 && sep) s += sep;
    s += BYTE_TO_HEX[b[i]!]!;
  }
  return s;
}

/** Bytes of a hex string; white space, `:` and `-` are ignored. */
export function fromHex(s: string): Uint8Array {
  const clean = s.replace(/[\s:-]/g, '');
  if (clean.length % 2 !== 0) throw new ArgumentError('hex string has an odd number of digits');
  if (!/^[0-9a-fA-F]*$/.test(clean)) {
    const bad = clean.search(/[^0-9a-fA-F]/);
    throw new ArgumentError(`hex string has a non-hex character at position ${bad}`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

/** True when both byte strings are equal. Not constant-time: use the security module for secrets. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The byte strings one after the other, in one new buffer (one allocation, one copy of each part). */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
