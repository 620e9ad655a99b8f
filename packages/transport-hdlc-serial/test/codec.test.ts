/**
 * Frame codec, CRC, addresses, control field and parameter negotiation.
 *
 * Fixtures are written by hand from IEC 62056-46 / ISO/IEC 13239 field layouts (annotated), or are the
 * public vectors of `public-vectors.json` (see vectors.test.ts). CRC check value: CRC-16/X.25 of ASCII
 * "123456789" is 0x906E (the catalogue check value of this CRC).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DlmsError, FramingError, Reader, Writer, fromHex, toHex } from '@meteringlab/dlms-core';
import {
  type HdlcAddress,
  type HdlcControl,
  type HdlcFrame,
  clientAddress,
  crc16x25,
  decodeHdlcAddress,
  decodeHdlcControl,
  decodeHdlcFrame,
  decodeHdlcParameters,
  encodeHdlcAddress,
  encodeHdlcControl,
  encodeHdlcFrame,
  encodeHdlcParameters,
  negotiateHdlcParameters,
  serverAddress,
} from '@meteringlab/transport-hdlc-serial';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof DlmsError) return e.code;
    throw e;
  }
  return undefined;
}

describe('CRC-16/X.25', () => {
  it('has the catalogue check value', () => {
    expect(crc16x25(new TextEncoder().encode('123456789'))).toBe(0x906e);
  });
});

describe('addresses', () => {
  const table: [HdlcAddress, string][] = [
    [clientAddress(16), '21'], // (16 << 1) | 1
    [clientAddress(1), '03'],
    [serverAddress(1), '03'], // 1-byte server address, upper only
    [serverAddress(1, 17), '0223'], // upper 1 (ext 0), lower 17 (ext 1)
    [serverAddress(0x4a), '95'],
    [serverAddress(1, 0x3fff, 4), '0002FEFF'], // upper 00|01 -> 00 02, lower 7F|7F -> FE FF (last byte ext 1)
    [serverAddress(0x1234, 0x0567, 4), '486814CF'], // 0x1234 -> 24|34, 0x567 -> 0A|67,
  ];
  it.each(table)('%o <-> %s', (a, hex) => {
    const w = new Writer();
    encodeHdlcAddress(w, a);
    expect(toHex(w.view())).toBe(hex);
    expect(decodeHdlcAddress(new Reader(fromHex(hex)))).toEqual(a);
  });
  it('rejects 3-byte and 5-byte address fields with BAD_FRAME', () => {
    expect(codeOf(() => decodeHdlcAddress(new Reader(fromHex('020203'))))).toBe('BAD_FRAME');
    expect(codeOf(() => decodeHdlcAddress(new Reader(fromHex('0202020203'))))).toBe('BAD_FRAME');
  });
  it('rejects values that do not fit with INVALID_ARGUMENT', () => {
    expect(codeOf(() => clientAddress(128))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => serverAddress(0x4000, 1, 4))).toBe('INVALID_ARGUMENT');
  });
});

describe('control field', () => {
  const table: [number, HdlcControl][] = [
    [0x93, { type: 'snrm', pf: true }],
    [0x73, { type: 'ua', pf: true }],
    [0x53, { type: 'disc', pf: true }],
    [0x1f, { type: 'dm', pf: true }],
    [0x97, { type: 'frmr', pf: true }],
    [0x13, { type: 'ui', pf: true }],
    [0x03, { type: 'ui', pf: false }],
    [0x10, { type: 'i', ns: 0, nr: 0, pf: true }],
    [0x96, { type: 'i', ns: 3, nr: 4, pf: true }],
    [0x32, { type: 'i', ns: 1, nr: 1, pf: true }],
    [0x31, { type: 'rr', nr: 1, pf: true }],
    [0xf5, { type: 'rnr', nr: 7, pf: true }],
    [0x19, { type: 'unknown', value: 0x19 }], // REJ: not used by DLMS
    [0x2f, { type: 'unknown', value: 0x2f }], // SABM
  ];
  it.each(table)('0x%s', (byte, c) => {
    expect(decodeHdlcControl(byte)).toEqual(c);
    expect(encodeHdlcControl(c)).toBe(byte);
  });
  it('round-trips every byte', () => {
    for (let b = 0; b < 256; b++) expect(encodeHdlcControl(decodeHdlcControl(b))).toBe(b);
  });
});

describe('frame codec', () => {
  // SNRM from client 16 to server 1/17, no information field (hence no HCS).
  const snrm = '7E A008 0223 21 93 BD64 7E';
  it('decodes and re-encodes a frame without information field', () => {
    const f = decodeHdlcFrame(fromHex(snrm));
    expect(f).toEqual({
      destination: serverAddress(1, 17),
      source: clientAddress(16),
      control: { type: 'snrm', pf: true },
      segmented: false,
      information: new Uint8Array(0),
    });
    expect(toHex(encodeHdlcFrame(f))).toBe(snrm.replace(/ /g, ''));
  });

  const sample: HdlcFrame = {
    destination: serverAddress(1, 17),
    source: clientAddress(16),
    control: { type: 'i', ns: 2, nr: 5, pf: true },
    segmented: true,
    information: fromHex('E6E6007E7D7E'),
  };

  it('cut at every prefix fails with BAD_FRAME (never anything else)', () => {
    const bytes = encodeHdlcFrame(sample);
    for (let n = 0; n < bytes.length; n++) {
      expect(codeOf(() => decodeHdlcFrame(bytes.subarray(0, n)))).toMatch(/^(BAD_FRAME|BAD_CHECKSUM)$/);
    }
  });

  it('every flipped byte is detected', () => {
    const bytes = encodeHdlcFrame(sample);
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes.slice();
      b[i] ^= 0x01;
      expect(codeOf(() => decodeHdlcFrame(b))).toMatch(/^(BAD_FRAME|BAD_CHECKSUM)$/);
    }
  });

  it('negative cases give typed errors', () => {
    const good = encodeHdlcFrame(sample);
    // missing opening / closing flag
    expect(codeOf(() => decodeHdlcFrame(good.subarray(1)))).toBe('BAD_FRAME');
    expect(codeOf(() => decodeHdlcFrame(good.subarray(0, good.length - 1)))).toBe('BAD_FRAME');
    // too short: 7E A0 05 ... 7E
    expect(codeOf(() => decodeHdlcFrame(fromHex('7EA0052193007E')))).toBe('BAD_FRAME');
    // format type 0xB instead of 0xA
    const badType = good.slice();
    badType[1] = (badType[1]! & 0x0f) | 0xb0;
    expect(codeOf(() => decodeHdlcFrame(badType))).toBe('BAD_FRAME');
    // wrong length field
    const badLen = good.slice();
    badLen[2] = badLen[2]! + 1;
    expect(codeOf(() => decodeHdlcFrame(badLen))).toBe('BAD_FRAME');
    // FCS and HCS
    const badFcs = good.slice();
    badFcs[good.length - 2] ^= 0xff;
    expect(codeOf(() => decodeHdlcFrame(badFcs))).toBe('BAD_CHECKSUM');
    // unknown address when asked to match
    expect(codeOf(() => decodeHdlcFrame(good, { destination: serverAddress(1, 18) }))).toBe(
      'UNKNOWN_ADDRESS',
    );
    expect(codeOf(() => decodeHdlcFrame(good, { source: clientAddress(1) }))).toBe('UNKNOWN_ADDRESS');
    expect(
      decodeHdlcFrame(good, { destination: serverAddress(1, 17), source: clientAddress(16) }).control.type,
    ).toBe('i');
  });

  it('rejects an HCS with a bad value and an HCS without information', () => {
    const good = encodeHdlcFrame(sample);
    // Corrupt HCS then repair the FCS so only the HCS is wrong.
    const b = good.slice();
    b[7] ^= 0xff; // HCS low byte: 7E A8 0F 02 23 21 B4 [HCS]
    const fcs = crc16x25(b, 1, b.length - 3);
    b[b.length - 3] = fcs & 0xff;
    b[b.length - 2] = fcs >>> 8;
    expect(codeOf(() => decodeHdlcFrame(b))).toBe('BAD_CHECKSUM');
    // Frame with 2 bytes between control and FCS (an HCS alone): length 0x0A.
    const w = fromHex('7EA00A02232193AABB00007E');
    const f2 = crc16x25(w, 1, w.length - 3);
    w[w.length - 3] = f2 & 0xff;
    w[w.length - 2] = f2 >>> 8;
    expect(codeOf(() => decodeHdlcFrame(w))).toBe('BAD_FRAME');
  });

  it('rejects a frame over 2047 bytes at encoding with FRAME_TOO_LONG', () => {
    expect(codeOf(() => encodeHdlcFrame({ ...sample, information: new Uint8Array(2040) }))).toBe(
      'FRAME_TOO_LONG',
    );
  });

  const arbAddress = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }).map((u) => serverAddress(u)),
    fc
      .tuple(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7f }))
      .map(([u, l]) => serverAddress(u, l, 2)),
    fc
      .tuple(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: 0, max: 0x3fff }))
      .map(([u, l]) => serverAddress(u, l, 4)),
  );
  const arbFrame = fc.record({
    destination: arbAddress,
    source: arbAddress,
    control: fc.integer({ min: 0, max: 255 }).map(decodeHdlcControl),
    segmented: fc.boolean(),
    information: fc.uint8Array({ maxLength: 300 }),
  });

  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        expect(decodeHdlcFrame(encodeHdlcFrame(f))).toEqual(f);
      }),
    );
  });

  it('arbitrary bytes decode or throw a FramingError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        try {
          decodeHdlcFrame(b);
        } catch (e) {
          expect(e).toBeInstanceOf(FramingError);
        }
      }),
    );
  });
});

describe('parameter negotiation', () => {
  // 81 format id, 80 group id, 14 group length; 05 02 0400 (tx 1024) 06 02 0400 (rx 1024)
  // 07 04 00000007 (window tx 7) 08 04 00000007 (window rx 7)
  const hex = '818014 05020400 06020400 070400000007 080400000007'.replace(/ /g, '');
  it('encodes and decodes', () => {
    const p = { maxInfoTx: 1024, maxInfoRx: 1024, windowTx: 7, windowRx: 7 };
    expect(toHex(encodeHdlcParameters(p))).toBe(hex);
    expect(decodeHdlcParameters(fromHex(hex))).toEqual(p);
  });
  it('accepts 1..4-byte values and skips unknown parameters', () => {
    // 05 01 80 (128), 06 03 000100 (256), 09 01 FF (unknown), 08 01 03
    expect(decodeHdlcParameters(fromHex('81800E 050180 0603000100 0901FF 080103'.replace(/ /g, '')))).toEqual(
      {
        maxInfoTx: 128,
        maxInfoRx: 256,
        windowRx: 3,
      },
    );
  });
  it('empty field gives defaults; bad identifiers and truncation are typed', () => {
    expect(decodeHdlcParameters(new Uint8Array(0))).toEqual({});
    expect(codeOf(() => decodeHdlcParameters(fromHex('828000')))).toBe('BAD_FRAME');
    expect(codeOf(() => decodeHdlcParameters(fromHex('818100')))).toBe('BAD_FRAME');
    expect(codeOf(() => decodeHdlcParameters(fromHex('81800505020400')))).toBe('TRUNCATED');
    expect(codeOf(() => decodeHdlcParameters(fromHex('818003050500')))).toBe('BAD_FRAME');
    expect(codeOf(() => decodeHdlcParameters(fromHex('81800305010100')))).toBe('TRAILING_BYTES');
  });
  it('negotiates the smaller value each way, defaults 128 / 1 when absent', () => {
    expect(
      negotiateHdlcParameters(
        { maxInfoTx: 1024, maxInfoRx: 512, windowTx: 7, windowRx: 7 },
        { maxInfoTx: 256, maxInfoRx: 2030, windowTx: 1, windowRx: 3 },
      ),
    ).toEqual({
      maxInfoTx: 1024,
      maxInfoRx: 256,
      windowTx: 3,
      windowRx: 1,
    });
    expect(
      negotiateHdlcParameters({ maxInfoTx: 1024, maxInfoRx: 1024, windowTx: 7, windowRx: 7 }, {}),
    ).toEqual({
      maxInfoTx: 128,
      maxInfoRx: 128,
      windowTx: 1,
      windowRx: 1,
    });
  });
});
