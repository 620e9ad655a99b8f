/**
 * Small helpers shared by the codec tests: decode a whole input (trailing bytes are an error), encode
 * to hex, the stable code of what a call throws, and the properties every ACSE APDU codec has.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
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

/** What {@link berApduProperties} checks of one BER-coded ACSE APDU. */
export interface BerApduCodec<T> {
  readonly arbitrary: fc.Arbitrary<T>;
  readonly encode: (w: Writer, v: T) => void;
  /** Decodes a whole APDU (trailing bytes are an error). */
  readonly whole: (b: Uint8Array) => T;
  /** The APDU's tag, written in front of arbitrary bytes with a length that fits them. */
  readonly tag: number;
  readonly maxLength: number;
  /** Encodings to mutate one byte at a time. */
  readonly fixtures?: readonly Uint8Array[];
}

/**
 * The properties every ACSE APDU codec has, as `it` blocks of the current `describe`: decoding what was
 * encoded gives it back; arbitrary bytes behind the right tag and length, and fixtures with one byte
 * changed, decode or throw a `DlmsError` (never another error).
 */
export function berApduProperties<T>(c: BerApduCodec<T>): void {
  const decodesOrThrowsDlmsError = (b: Uint8Array) => {
    const code = codeOf(() => c.whole(b));
    expect(code === undefined || !code.startsWith('not a')).toBe(true);
  };

  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(c.arbitrary, (v) => {
        const w = new Writer(8);
        c.encode(w, v);
        expect(c.whole(w.toBytes())).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes decode or throw a DlmsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: c.maxLength }), (b) => {
        if (b.length > 1) {
          b[0] = c.tag;
          b[1] = b.length - 2;
        }
        decodesOrThrowsDlmsError(b);
      }),
      { numRuns: 3000 },
    );
  });

  const fixtures = c.fixtures;
  if (fixtures === undefined || fixtures.length === 0) return;
  it('mutated fixtures decode or throw a DlmsError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, byte) => {
        const b = f.slice();
        b[at % b.length] = byte;
        decodesOrThrowsDlmsError(b);
      }),
      { numRuns: 3000 },
    );
  });
}
