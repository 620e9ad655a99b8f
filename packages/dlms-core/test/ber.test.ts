import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BER_CLASS_APPLICATION,
  BER_CLASS_CONTEXT,
  BER_CLASS_UNIVERSAL,
  Reader,
  Writer,
  beginBerTlv,
  berTag,
  berTagClass,
  berTagIsConstructed,
  decodeBerBitString,
  decodeBerInteger,
  decodeBerObjectIdentifier,
  encodeBerBitString,
  encodeBerInteger,
  encodeBerObjectIdentifier,
  endBerTlv,
  fromHex,
  isDlmsError,
  peekBerTag,
  readBerLength,
  readBerTag,
  readBerTlv,
  toHex,
  writeBerLength,
  writeBerTag,
} from '../src/index.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isDlmsError(e) ? e.code : `not a DlmsError: ${String(e)}`;
  }
  return undefined;
}

function hexOf(f: (w: Writer) => void): string {
  const w = new Writer(4);
  f(w);
  return toHex(w.toBytes());
}

describe('BER tags', () => {
  // X.690 8.1.2: class bits, constructed bit, number (high-tag-number form from 31 on).
  const TAGS: [string, number, number, number, boolean][] = [
    ['02', 0x02, BER_CLASS_UNIVERSAL, 2, false], // INTEGER
    ['60', 0x60, BER_CLASS_APPLICATION, 0, true], // AARQ
    ['BE', 0xbe, BER_CLASS_CONTEXT, 30, true], // user-information
    ['9D', 0x9d, BER_CLASS_CONTEXT, 29, false], // implementation-information
    ['5F1F', 0x5f1f, BER_CLASS_APPLICATION, 31, false], // conformance block
    ['7F8148', 0x7f8148, BER_CLASS_APPLICATION, 200, true],
    ['9FFFFF7F', 0x9fffff7f, BER_CLASS_CONTEXT, 2 ** 21 - 1, false],
  ];

  it.each(TAGS)('%s reads, writes and is built from its parts', (hex, tag, cls, number, constructed) => {
    const r = new Reader(fromHex(hex));
    expect(peekBerTag(r)).toBe(tag);
    expect(r.offset).toBe(0);
    expect(readBerTag(r)).toBe(tag);
    expect(r.done).toBe(true);
    expect(hexOf((w) => writeBerTag(w, tag))).toBe(hex);
    expect(berTag(cls, number, constructed)).toBe(tag);
    expect(berTagClass(tag)).toBe(cls);
    expect(berTagIsConstructed(tag)).toBe(constructed);
  });

  it('rejects tags of more than four octets, non-minimal and low numbers in the long form', () => {
    expect(codeOf(() => readBerTag(new Reader(fromHex('5F81818101'))))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => readBerTag(new Reader(fromHex('5F801F'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => readBerTag(new Reader(fromHex('5F1E'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => readBerTag(new Reader(fromHex('5F81'))))).toBe('TRUNCATED');
    expect(codeOf(() => readBerTag(new Reader(fromHex(''))))).toBe('TRUNCATED');
    expect(peekBerTag(new Reader(new Uint8Array(0)))).toBeUndefined();
  });
});

describe('BER lengths', () => {
  // X.690 8.1.3: short form below 128, else 0x80 | number of length octets.
  const LENGTHS: [number, string][] = [
    [0, '00'],
    [127, '7F'],
    [128, '8180'],
    [255, '81FF'],
    [256, '820100'],
    [65535, '82FFFF'],
    [65536, '83010000'],
    [0x1000000, '8401000000'],
  ];

  it.each(LENGTHS)('%i is written as %s and read back when that many bytes follow', (n, hex) => {
    expect(hexOf((w) => writeBerLength(w, n))).toBe(hex);
    const b = new Uint8Array(hex.length / 2 + n);
    b.set(fromHex(hex));
    const r = new Reader(b);
    expect(readBerLength(r)).toBe(n);
    expect(r.remaining).toBe(n);
  });

  it('accepts a non-minimal long form (BER, not DER)', () => {
    expect(readBerLength(new Reader(fromHex('820003AABBCC')))).toBe(3);
  });

  it('rejects the indefinite form 0x80 with INVALID_VALUE', () => {
    expect(codeOf(() => readBerLength(new Reader(fromHex('80000000'))))).toBe('INVALID_VALUE');
  });

  it.each([0x85, 0x86, 0x88, 0xfe, 0xff])(
    'rejects the length-of-length byte %i (0x85 and up) with LIMIT_EXCEEDED',
    (first) => {
      const b = new Uint8Array(300);
      b[0] = first;
      expect(codeOf(() => readBerLength(new Reader(b)))).toBe('LIMIT_EXCEEDED');
    },
  );

  it('reports a length beyond the input as TRUNCATED', () => {
    expect(codeOf(() => readBerLength(new Reader(fromHex('03AABB'))))).toBe('TRUNCATED');
    expect(codeOf(() => readBerLength(new Reader(fromHex('84FFFFFFFF00'))))).toBe('TRUNCATED');
    expect(codeOf(() => readBerLength(new Reader(fromHex('82FF'))))).toBe('TRUNCATED');
    expect(codeOf(() => readBerTlv(new Reader(fromHex('0405AABB')), 0x04, 'OCTET STRING'))).toBe('TRUNCATED');
  });

  it('beginBerTlv/endBerTlv write the same bytes as a length written up front', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 1000, 65535, 65536]) {
      const content = new Uint8Array(n).fill(0x5a);
      const viaMark = hexOf((w) => {
        w.u8(0xee);
        const m = beginBerTlv(w, 0xbe);
        w.bytes(content);
        endBerTlv(w, m);
        w.u8(0xff);
      });
      const direct = hexOf((w) => {
        w.u8(0xee);
        writeBerTag(w, 0xbe);
        writeBerLength(w, n);
        w.bytes(content);
        w.u8(0xff);
      });
      expect(viaMark).toBe(direct);
    }
  });

  it('readBerTlv checks the tag and returns exactly the contents', () => {
    const r = new Reader(fromHex('A203020100FF'));
    const c = readBerTlv(r, 0xa2, 'result');
    expect(toHex(c.rest())).toBe('020100');
    expect(r.remaining).toBe(1);
    const e = (() => {
      try {
        readBerTlv(new Reader(fromHex('00A2030201')), 0xa2, 'result');
      } catch (x) {
        return x;
      }
    })();
    expect(isDlmsError(e, 'UNKNOWN_TAG')).toBe(true);
  });
});

describe('BER INTEGER', () => {
  const INTEGERS: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7F'],
    [128, '0080'],
    [-1, 'FF'],
    [-128, '80'],
    [-129, 'FF7F'],
    [256, '0100'],
    [2 ** 31 - 1, '7FFFFFFF'],
    [-(2 ** 31), '80000000'],
    [0xffffffff, '00FFFFFFFF'],
    [2 ** 47 - 1, '7FFFFFFFFFFF'],
    [-(2 ** 47), '800000000000'],
  ];

  it.each(INTEGERS)('%i <-> %s', (n, hex) => {
    expect(hexOf((w) => encodeBerInteger(w, n))).toBe(hex);
    expect(decodeBerInteger(new Reader(fromHex(hex)))).toBe(n);
  });

  it('rejects empty, non-minimal and too long contents', () => {
    expect(codeOf(() => decodeBerInteger(new Reader(new Uint8Array(0))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerInteger(new Reader(fromHex('0001'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerInteger(new Reader(fromHex('FF80'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerInteger(new Reader(fromHex('01000000000000'))))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => hexOf((w) => encodeBerInteger(w, 2 ** 47)))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => hexOf((w) => encodeBerInteger(w, 1.5)))).toBe('INVALID_ARGUMENT');
  });

  it('round-trips every six-octet integer', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 47), max: 2 ** 47 - 1 }), (n) => {
        const w = new Writer();
        encodeBerInteger(w, n);
        expect(decodeBerInteger(new Reader(w.toBytes()))).toBe(n);
      }),
    );
  });
});

describe('BER OBJECT IDENTIFIER', () => {
  const OIDS: [string, string][] = [
    ['2.16.756.5.8.1.1', '608574050801 01'], // LN, no ciphering (Green Book AARQ example)
    ['2.16.756.5.8.2.5', '60857405080205'], // HLS GMAC
    ['1.2.840.113549', '2A864886F70D'], // X.690 8.19.5 example arc (RSA)
    ['0.0', '00'],
    ['2.999.3', '883703'], // X.690 8.19.5: 2.999 packs to 1079
    ['1.3.6.1.4.1.4294967295', '2B060104018FFFFFFF7F'],
  ];

  it.each(OIDS)('%s <-> %s', (oid, hex) => {
    expect(hexOf((w) => encodeBerObjectIdentifier(w, oid))).toBe(hex.replace(/ /g, ''));
    expect(decodeBerObjectIdentifier(new Reader(fromHex(hex)))).toBe(oid);
  });

  it('rejects empty contents, leading zero groups, an unfinished arc and huge arcs', () => {
    expect(codeOf(() => decodeBerObjectIdentifier(new Reader(new Uint8Array(0))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerObjectIdentifier(new Reader(fromHex('608001'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerObjectIdentifier(new Reader(fromHex('6085'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerObjectIdentifier(new Reader(fromHex('2B9080808000'))))).toBe(
      'LIMIT_EXCEEDED',
    );
    expect(codeOf(() => hexOf((w) => encodeBerObjectIdentifier(w, '3.1')))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => hexOf((w) => encodeBerObjectIdentifier(w, '1.40')))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => hexOf((w) => encodeBerObjectIdentifier(w, 'lls')))).toBe('INVALID_ARGUMENT');
  });

  it('round-trips arbitrary OIDs', () => {
    const arc = fc.integer({ min: 0, max: 0xffffffff });
    const oid = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 39 }), fc.array(arc, { maxLength: 6 }))
      .map(([x, y, rest]) => [x, y, ...rest].join('.'));
    fc.assert(
      fc.property(oid, (s) => {
        const w = new Writer();
        encodeBerObjectIdentifier(w, s);
        expect(decodeBerObjectIdentifier(new Reader(w.toBytes()))).toBe(s);
      }),
    );
  });
});

describe('BER BIT STRING', () => {
  it('reads and writes the unused-bits octet', () => {
    const v = decodeBerBitString(new Reader(fromHex('0780')));
    expect(v.unusedBits).toBe(7);
    expect(toHex(v.bytes)).toBe('80');
    expect(hexOf((w) => encodeBerBitString(w, v))).toBe('0780');
    expect(decodeBerBitString(new Reader(fromHex('00'))).bytes.length).toBe(0);
  });

  it('rejects more than 7 unused bits and unused bits in an empty string', () => {
    expect(codeOf(() => decodeBerBitString(new Reader(fromHex('0800'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerBitString(new Reader(fromHex('01'))))).toBe('INVALID_VALUE');
    expect(codeOf(() => decodeBerBitString(new Reader(new Uint8Array(0))))).toBe('TRUNCATED');
    expect(
      codeOf(() => hexOf((w) => encodeBerBitString(w, { bytes: new Uint8Array(0), unusedBits: 3 }))),
    ).toBe('INVALID_ARGUMENT');
  });
});

describe('BER robustness', () => {
  it('walking arbitrary bytes as TLVs returns or throws a DlmsError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const c = codeOf(() => {
          const r = new Reader(b);
          while (!r.done) {
            const tag = readBerTag(r);
            const content = r.sub(readBerLength(r));
            if (tag === 0x02) decodeBerInteger(content);
            else if (tag === 0x06) decodeBerObjectIdentifier(content);
            else if (tag === 0x03) decodeBerBitString(content);
          }
        });
        expect(c === undefined || !c.startsWith('not a')).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
