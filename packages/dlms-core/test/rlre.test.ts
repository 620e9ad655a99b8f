import { describe, expect, it } from 'vitest';
import { decodeRlre, encodeRlre, fromHex, type Rlre } from '../src/index.js';
import { berApduProperties, codeOf, decodeWhole, encodeHex } from './codec-helpers.js';
import { arbRlre } from '../../../fixtures/src/arbitraries/acse.js';

const whole = (b: Uint8Array): Rlre => decodeWhole(decodeRlre, b);
const encoded = (v: Rlre): string => encodeHex(encodeRlre, v);

const INITIATE_RESPONSE = '0800065F1F040000501F01F40007'; // version 6, conformance 0x00501F, pdu 500, LN

const FIXTURES: { name: string; hex: string; value: Rlre }[] = [
  {
    name: 'reason normal',
    hex: '6303' + '800100', // RLRE, reason [0] IMPLICIT INTEGER 0
    value: { type: 'rlre', reason: 'normal' },
  },
  { name: 'no fields', hex: '6300', value: { type: 'rlre' } },
  { name: 'reason not-finished', hex: '6303800101', value: { type: 'rlre', reason: 'not-finished' } },
  { name: 'reason user-defined (30)', hex: '630380011E', value: { type: 'rlre', reason: 'user-defined' } },
  {
    name: 'reason normal and a plain InitiateResponse',
    hex: '6315' + '800100' + 'BE10' + '040E' + INITIATE_RESPONSE,
    value: {
      type: 'rlre',
      reason: 'normal',
      userInformation: {
        apdu: {
          type: 'initiate-response',
          negotiatedDlmsVersionNumber: 6,
          negotiatedConformance: 0x00501f,
          serverMaxReceivePduSize: 500,
          vaaName: 7,
        },
        raw: fromHex(INITIATE_RESPONSE),
      },
    },
  },
  {
    name: 'reason normal and a glo-initiate-response, kept as bytes',
    hex: '6311' + '800100' + 'BE0C' + '040A' + '28083000000001AABBCC',
    value: {
      type: 'rlre',
      reason: 'normal',
      userInformation: {
        apdu: { type: 'ciphered-apdu', bytes: fromHex('28083000000001AABBCC') },
        raw: fromHex('28083000000001AABBCC'),
      },
    },
  },
];

describe('RLRE', () => {
  it.each(FIXTURES)('decodes and encodes: $name', ({ hex, value }) => {
    expect(whole(fromHex(hex))).toEqual(value);
    expect(encoded(value)).toBe(hex);
  });

  it.each(FIXTURES)('every prefix is TRUNCATED: $name', ({ hex }) => {
    const b = fromHex(hex);
    for (let n = 0; n < b.length; n++) expect(codeOf(() => whole(b.subarray(0, n)))).toBe('TRUNCATED');
  });

  it.each(FIXTURES)('one extra byte is TRAILING_BYTES: $name', ({ hex }) => {
    expect(codeOf(() => whole(fromHex(hex + '00')))).toBe('TRAILING_BYTES');
  });

  const BAD: [string, string, string][] = [
    ['an RLRQ tag', '6203800100', 'UNKNOWN_TAG'],
    ['an unknown field', '6303810100', 'UNKNOWN_TAG'],
    ['a reason of seven octets', '6309' + '8007' + '01000000000000', 'LIMIT_EXCEEDED'],
    ['a ConfirmedServiceError in user-information', '6308BE0604040E010601', 'UNKNOWN_TAG'],
    ['a glo-initiate-request in user-information', '6307BE050403210000', 'UNKNOWN_TAG'],
  ];

  it.each(BAD)('rejects %s', (_name, hex, code) => {
    expect(codeOf(() => whole(fromHex(hex)))).toBe(code);
  });

  it('rejects a reason or APDU it cannot encode', () => {
    expect(codeOf(() => encoded({ type: 'rlre', reason: 'urgent' as 'normal' }))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encoded({
          type: 'rlre',
          userInformation: {
            apdu: {
              type: 'confirmed-service-error',
              service: 'read',
              error: { kind: 'access', value: 'other' },
            } as never,
          },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  berApduProperties({
    arbitrary: arbRlre,
    encode: encodeRlre,
    whole,
    tag: 0x63,
    maxLength: 40,
  });
});
