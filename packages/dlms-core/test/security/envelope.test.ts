import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Reader } from '../../src/reader.js';
import { fromHex, toHex } from '../../src/hex.js';
import { DlmsError } from '../../src/errors.js';
import {
  DED_CIPHERED_TAG,
  GLO_CIPHERED_TAG,
  decodeCipheredApdu,
  decodeCipheredApduBytes,
  encodeCipheredApduBytes,
  isCipheredApduTag,
  type CipheredApdu,
  type CipheredService,
} from '../../src/security/envelope.js';

// Fixtures. Origin: Green Book examples as quoted in public-vectors.json (gb-cipher-suite0-get-request-clock,
// derived glo_get_request_apdu; gb-cipher-glo-initiate-request) and the UDP push of
// wrapper-udp-gen-glo-data-notification (message 0, APDU after the 8-byte wrapper header).
const FIXTURES: readonly { name: string; hex: string; expect: Partial<Record<string, unknown>> }[] = [
  {
    name: 'glo-get-request (Green Book, suite 0, SC 0x30)',
    hex:
      'C8' + // glo-get-request [200]
      '1E' + // length 30
      '30' + // SC: authenticated + encrypted, suite 0
      '01234567' + // IC
      '411312FF935A47566827C467BC' + // ciphertext (13 bytes)
      '7D825C3BE4A77C3FCC056B6B', // tag (12 bytes)
    expect: {
      type: 'glo-ciphered',
      service: 'get-request',
      tag: 0xc8,
      securityControl: 0x30,
      invocationCounter: 0x01234567,
    },
  },
  {
    name: 'glo-initiate-request (Green Book)',
    hex: '21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE6841DB204D39EE6FDB8E356855',
    expect: { type: 'glo-ciphered', service: 'initiate-request', tag: 0x21, invocationCounter: 0x01234567 },
  },
  {
    name: 'general-glo-ciphering push (UDP sample)',
    hex:
      'DB' + // general-glo-ciphering [219]
      '08' +
      '2F19229199164103' + // system title
      '3B' + // content length 59
      '30' +
      '000001E5' + // SC, IC
      '025CE9D2271FD78BE8C204211A916A9D7F587E0A7A814CADEA89E9593F01F92EA8C087B5BDFDEFEAB6BE' + // ciphertext 42
      'CF282DFE49C08F5BE6DC8400', // tag
    expect: { type: 'general-glo-ciphering', securityControl: 0x30, invocationCounter: 0x1e5 },
  },
  {
    name: 'general-ded-ciphering, encryption only (no tag)',
    hex: 'DC' + '08' + '0102030405060708' + '08' + '20' + '00000001' + 'AABBCC',
    expect: { type: 'general-ded-ciphering', securityControl: 0x20, authTag: undefined },
  },
  {
    name: 'general-ciphering with identified-key',
    hex:
      'DD' +
      '01' +
      '07' + // transaction-id
      '08' +
      '1111111111111111' + // originator system title
      '08' +
      '2222222222222222' + // recipient system title
      '00' + // date-time (empty)
      '00' + // other-information (empty)
      '01' +
      '00' +
      '00' + // key-info present, identified-key, global-unicast (0)
      '12' +
      '31' +
      '00000002' +
      '01' +
      '0102030405060708090A0B0C', // content: SC 0x31, IC 2, 1 byte, tag
    expect: { type: 'general-ciphering', keyInfo: { type: 'identified-key', keyId: 0 } },
  },
  {
    name: 'general-ciphering with agreed-key',
    hex: 'DD' + '0101' + '00' + '00' + '00' + '00' + '01' + '02' + '0201FF' + '00' + '05' + '21' + '00000009',
    expect: { type: 'general-ciphering' },
  },
  {
    name: 'general-ciphering with wrapped-key',
    hex: 'DD' + '00' + '00' + '00' + '00' + '00' + '01' + '01' + '00' + '02ABCD' + '05' + '20' + '00000009',
    expect: { type: 'general-ciphering' },
  },
  {
    name: 'general-ciphering without key-info',
    hex: 'DD' + '00' + '00' + '00' + '00' + '00' + '00' + '05' + '20' + '00000009',
    expect: { type: 'general-ciphering', keyInfo: undefined },
  },
  {
    name: 'general-signing',
    hex: 'DF' + '0101' + '00' + '00' + '00' + '00' + '02C000' + '04DEADBEEF',
    expect: { type: 'general-signing' },
  },
];

describe('envelope codec', () => {
  it.each(FIXTURES)('$name decodes and re-encodes byte for byte', ({ hex, expect: fields }) => {
    const bytes = fromHex(hex);
    const v = decodeCipheredApduBytes(bytes);
    for (const [k, val] of Object.entries(fields))
      expect((v as unknown as Record<string, unknown>)[k]).toEqual(val);
    expect(toHex(encodeCipheredApduBytes(v))).toBe(toHex(bytes));
  });

  it.each(FIXTURES)('$name cut at every prefix fails with TRUNCATED', ({ hex }) => {
    const bytes = fromHex(hex);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => decodeCipheredApduBytes(bytes.subarray(0, n)), `prefix ${n}`).toThrow(
        expect.objectContaining({ code: 'TRUNCATED' }),
      );
    }
  });

  it.each(FIXTURES)('$name with one extra byte fails with TRAILING_BYTES', ({ hex }) => {
    const bytes = fromHex(hex + '00');
    expect(() => decodeCipheredApduBytes(bytes)).toThrow(expect.objectContaining({ code: 'TRAILING_BYTES' }));
  });

  it('splits the Green Book glo-get-request into its fields', () => {
    const v = decodeCipheredApduBytes(fromHex(FIXTURES[0]!.hex));
    if (v.type !== 'glo-ciphered') throw new Error('wrong type');
    expect(toHex(v.ciphertext)).toBe('411312FF935A47566827C467BC');
    expect(toHex(v.authTag!)).toBe('7D825C3BE4A77C3FCC056B6B');
  });

  it('knows every tag of the Green Book XDLMS-APDU ciphered arms', () => {
    const expected = [
      33, 37, 38, 40, 44, 45, 46, 54, 56, 65, 69, 70, 72, 76, 77, 78, 86, 88, 200, 201, 202, 203, 204, 205,
      207, 208, 209, 210, 211, 212, 213, 215, 219, 220, 221, 223,
    ];
    for (let t = 0; t < 256; t++) expect(isCipheredApduTag(t), `tag ${t}`).toBe(expected.includes(t));
    expect(GLO_CIPHERED_TAG['get-request']).toBe(0xc8);
    expect(DED_CIPHERED_TAG['get-response']).toBe(0xd4);
  });

  it('rejects an unknown tag with UNKNOWN_TAG at offset 0', () => {
    expect(() => decodeCipheredApdu(new Reader(fromHex('C0010000')))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TAG', offset: 0 }),
    );
  });

  it('rejects a bad key-info flag and choice', () => {
    expect(() => decodeCipheredApduBytes(fromHex('DD0000000000020520' + '00000009'))).toThrow(
      expect.objectContaining({ code: 'INVALID_VALUE' }),
    );
    expect(() => decodeCipheredApduBytes(fromHex('DD000000000001070520' + '00000009'))).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TAG' }),
    );
  });

  it('round-trips arbitrary envelopes', () => {
    const bytes = (max = 40) => fc.uint8Array({ maxLength: max });
    const services = Object.keys(GLO_CIPHERED_TAG) as CipheredService[];
    const content = fc
      .record({
        sc: fc.integer({ min: 0, max: 255 }),
        ic: fc.integer({ min: 0, max: 0xffffffff }),
        ct: bytes(300),
      })
      .chain(({ sc, ic, ct }) =>
        (sc & 0x10) !== 0
          ? fc
              .uint8Array({ minLength: 12, maxLength: 12 })
              .map((authTag) => ({ securityControl: sc, invocationCounter: ic, ciphertext: ct, authTag }))
          : fc.constant({ securityControl: sc, invocationCounter: ic, ciphertext: ct }),
      );
    const header = fc.record({
      transactionId: bytes(),
      originatorSystemTitle: bytes(),
      recipientSystemTitle: bytes(),
      dateTime: bytes(),
      otherInformation: bytes(),
    });
    const apdu: fc.Arbitrary<CipheredApdu> = fc.oneof(
      fc
        .tuple(fc.constantFrom(...services), fc.boolean(), content)
        .map(([service, glo, c]) =>
          glo
            ? ({ type: 'glo-ciphered', tag: GLO_CIPHERED_TAG[service], service, ...c } as CipheredApdu)
            : ({ type: 'ded-ciphered', tag: DED_CIPHERED_TAG[service], service, ...c } as CipheredApdu),
        ),
      fc.tuple(fc.boolean(), bytes(), content).map(
        ([glo, systemTitle, c]) =>
          ({
            type: glo ? 'general-glo-ciphering' : 'general-ded-ciphering',
            systemTitle,
            ...c,
          }) as CipheredApdu,
      ),
      fc
        .tuple(
          header,
          content,
          fc.option(
            fc.oneof(
              fc.integer({ min: 0, max: 255 }).map((keyId) => ({ type: 'identified-key' as const, keyId })),
              fc.tuple(fc.integer({ min: 0, max: 255 }), bytes()).map(([kekId, keyCipheredData]) => ({
                type: 'wrapped-key' as const,
                kekId,
                keyCipheredData,
              })),
              fc.tuple(bytes(), bytes()).map(([keyParameters, keyCipheredData]) => ({
                type: 'agreed-key' as const,
                keyParameters,
                keyCipheredData,
              })),
            ),
            { nil: undefined },
          ),
        )
        .map(
          ([h, c, keyInfo]) =>
            (keyInfo === undefined
              ? { type: 'general-ciphering', ...h, ...c }
              : { type: 'general-ciphering', ...h, keyInfo, ...c }) as CipheredApdu,
        ),
      fc
        .tuple(header, bytes(200), bytes(96))
        .map(
          ([h, content, signature]) =>
            ({ type: 'general-signing', ...h, content, signature }) as CipheredApdu,
        ),
    );
    fc.assert(
      fc.property(apdu, (v) => {
        const back = decodeCipheredApduBytes(encodeCipheredApduBytes(v));
        expect(back).toEqual(v);
      }),
    );
  });

  it('decoding arbitrary bytes returns or throws a DlmsError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x21, 0xc8, 0xd4, 0xdb, 0xdc, 0xdd, 0xdf),
        fc.uint8Array({ maxLength: 200 }),
        (tag, rest) => {
          const b = new Uint8Array(rest.length + 1);
          b[0] = tag;
          b.set(rest, 1);
          try {
            decodeCipheredApduBytes(b);
          } catch (e) {
            expect(e).toBeInstanceOf(DlmsError);
          }
        },
      ),
    );
  });
});
