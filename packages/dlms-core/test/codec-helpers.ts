/**
 * Small helpers shared by the codec tests: decode a whole input (trailing bytes are an error), encode
 * to hex, and the stable code of what a call throws.
 */
import { Reader, Writer, isDlmsError, toHex } from '../src/index.js';

/** Decodes `b` with `decode` and requires every byte to be consumed (`TRAILING_BYTES` otherwise). */
export function decodeWhole<T>(decode: (r: Reader) => T, b: Uint8Array): T {
  const r = new Reader(b);
  const v = decode(r);
  r.expectEnd();
  return v;
}

/** Encodes `v` with `encode` and returns upper-case hex. */
export function encodeHex<T>(encode: (w: Writer, v: T) => void, v: T): string {
  const w = new Writer(16);
  encode(w, v);
  return toHex(w.toBytes());
}

/** The `code` of the DlmsError `f` throws, `undefined` when it returns; another error shows as text. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDlmsError(e) ? e.code : `not a DlmsError: ${String(e)}`;
  }
  return undefined;
}
