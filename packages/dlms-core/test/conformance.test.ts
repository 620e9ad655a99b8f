import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CONFORMANCE_BITS,
  Reader,
  Writer,
  conformanceBit,
  conformanceFromNames,
  conformanceToNames,
  decodeConformance,
  encodeConformance,
  fromHex,
  isDlmsError,
  toHex,
  type ConformanceBit,
} from '../src/index.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDlmsError(e) ? e.code : `not a DlmsError: ${String(e)}`;
  }
  return undefined;
}

describe('conformance block', () => {
  it('numbers the 24 bits as the standard does: bit 0 is the MSB, bit 23 the LSB', () => {
    expect(CONFORMANCE_BITS).toHaveLength(24);
    expect(conformanceBit('reserved-zero')).toBe(0x800000);
    expect(conformanceBit('general-protection')).toBe(0x400000);
    expect(conformanceBit('general-block-transfer')).toBe(0x200000);
    expect(conformanceBit('delta-value-encoding')).toBe(0x020000);
    expect(conformanceBit('attribute0-supported-with-set')).toBe(0x008000);
    expect(conformanceBit('information-report')).toBe(0x000100);
    expect(conformanceBit('data-notification')).toBe(0x000080);
    expect(conformanceBit('access')).toBe(0x000040);
    expect(conformanceBit('get')).toBe(0x000010);
    expect(conformanceBit('action')).toBe(0x000001);
  });

  // Values and meanings as stated for the Green Book AARQ/AARE examples (public vectors gb-aarq-*, gb-aare-*).
  const KNOWN: [number, ConformanceBit[]][] = [
    [
      0x007e1f,
      [
        'priority-mgmt-supported',
        'attribute0-supported-with-get',
        'block-transfer-with-get-or-read',
        'block-transfer-with-set-or-write',
        'block-transfer-with-action',
        'multiple-references',
        'get',
        'set',
        'selective-access',
        'event-notification',
        'action',
      ],
    ],
    [
      0x00501f,
      [
        'priority-mgmt-supported',
        'block-transfer-with-get-or-read',
        'get',
        'set',
        'selective-access',
        'event-notification',
        'action',
      ],
    ],
    [
      0x001e1d,
      [
        'block-transfer-with-get-or-read',
        'block-transfer-with-set-or-write',
        'block-transfer-with-action',
        'multiple-references',
        'get',
        'set',
        'selective-access',
        'action',
      ],
    ],
    [0, []],
  ];

  it.each(KNOWN)('block %i has the stated bits', (n, names) => {
    expect(conformanceToNames(n)).toEqual(names);
    expect(conformanceFromNames(names)).toBe(n);
  });

  it('names and numbers round-trip for every block', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), (n) => {
        expect(conformanceFromNames(conformanceToNames(n))).toBe(n);
      }),
    );
  });

  it('is encoded as 5F 1F 04 00 and three bytes', () => {
    const w = new Writer();
    encodeConformance(w, 0x007e1f);
    expect(toHex(w.toBytes())).toBe('5F1F0400007E1F');
    const r = new Reader(fromHex('5F1F0400007E1F'));
    expect(decodeConformance(r)).toBe(0x007e1f);
    expect(r.done).toBe(true);
  });

  it('every prefix of the encoding is TRUNCATED', () => {
    const b = fromHex('5F1F0400007E1F');
    for (let n = 0; n < b.length; n++)
      expect(codeOf(() => decodeConformance(new Reader(b.subarray(0, n))))).toBe('TRUNCATED');
  });

  it('rejects another tag, another length, unused bits and unknown names or values', () => {
    expect(codeOf(() => decodeConformance(new Reader(fromHex('030400007E1F'))))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => decodeConformance(new Reader(fromHex('5F1F050000007E1F'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeConformance(new Reader(fromHex('5F1F0403007E18'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => conformanceFromNames(['gett' as ConformanceBit]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => conformanceToNames(0x1000000))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeConformance(new Writer(), -1))).toBe('INVALID_ARGUMENT');
  });
});
