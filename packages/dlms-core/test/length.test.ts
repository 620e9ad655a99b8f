/**
 * A-XDR lengths and counts (IEC 61334-6 5.2): one byte below 0x80, else 0x80 | n and n big-endian
 * bytes. Fixtures built by hand from that rule; two of them also appear as examples in a public Gurux
 * forum answer (240 → 81 F0, 287 → 82 01 1F).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ArgumentError,
  DecodeError,
  Reader,
  Writer,
  decodeLength,
  encodeLength,
  fromHex,
  lengthSize,
  toHex,
} from '../src/index.js';

const FIXTURES: [number, string][] = [
  [0, '00'],
  [1, '01'],
  [0x7f, '7F'], // last one-byte form
  [0x80, '81 80'], // first long form
  [0xf0, '81 F0'], // 240: example in a Gurux forum answer on array counts
  [0xff, '81 FF'],
  [0x100, '82 01 00'],
  [0x11f, '82 01 1F'], // 287: same source
  [0xffff, '82 FF FF'],
  [0x10000, '83 01 00 00'],
  [0xffffff, '83 FF FF FF'],
  [0x1000000, '84 01 00 00 00'],
  [0xffffffff, '84 FF FF FF FF'],
];

function decode(hex: string, canonical = false): number {
  const r = new Reader(fromHex(hex));
  const n = decodeLength(r, canonical);
  r.expectEnd();
  return n;
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('A-XDR length', () => {
  for (const [n, hex] of FIXTURES) {
    it(`${n} ⇄ ${hex}`, () => {
      const w = new Writer();
      encodeLength(w, n);
      expect(toHex(w.toBytes(), ' ')).toBe(hex);
      expect(lengthSize(n)).toBe(w.length);
      expect(decode(hex)).toBe(n);
      expect(decode(hex, true)).toBe(n);
      const bytes = fromHex(hex);
      for (let k = 0; k < bytes.length; k++) {
        expect(codeOf(() => decodeLength(new Reader(bytes.subarray(0, k))))).toBe('TRUNCATED');
      }
    });
  }

  it('accepts non-shortest forms unless canonical', () => {
    for (const [hex, n] of [
      ['81 05', 5],
      ['82 00 80', 0x80],
      ['83 00 FF FF', 0xffff],
      ['84 00 00 00 00', 0],
      ['84 00 FF FF FF', 0xffffff],
    ] as const) {
      expect(decode(hex)).toBe(n);
      expect(codeOf(() => decode(hex, true))).toBe('INVALID_VALUE');
    }
  });

  it('rejects the indefinite form and more than 4 length bytes', () => {
    expect(codeOf(() => decode('80'))).toBe('INVALID_VALUE');
    expect(codeOf(() => decode('85 00 00 00 00 01'))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decode('FF'))).toBe('LIMIT_EXCEEDED');
  });

  it('reports the offset of the length', () => {
    const r = new Reader(fromHex('AA 80'), 1);
    try {
      decodeLength(r);
      expect.unreachable();
    } catch (e) {
      expect((e as DecodeError).offset).toBe(0);
    }
  });

  it('rejects lengths it cannot encode', () => {
    for (const bad of [-1, 1.5, 2 ** 32, NaN, Infinity])
      expect(() => encodeLength(new Writer(), bad)).toThrow(ArgumentError);
  });

  it('round-trips every length in the shortest form', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 300 }), fc.integer({ min: 0, max: 0xffffffff })), (n) => {
        const w = new Writer(1);
        encodeLength(w, n);
        expect(w.length).toBe(lengthSize(n));
        const r = new Reader(w.toBytes());
        expect(decodeLength(r, true)).toBe(n);
        expect(r.done).toBe(true);
      }),
    );
  });
});
