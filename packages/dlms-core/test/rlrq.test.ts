import { describe, expect, it } from 'vitest';
import { decodeRlrq, encodeRlrq, fromHex, type Rlrq } from '../src/index.js';
import { berApduProperties, codeOf, decodeWhole, encodeHex } from './codec-helpers.js';
import { arbRlrq } from '../../../fixtures/src/arbitraries/acse.js';

const whole = (b: Uint8Array): Rlrq => decodeWhole(decodeRlrq, b);
const encoded = (v: Rlrq): string => encodeHex(encodeRlrq, v);

const INITIATE_REQUEST = '01000000065F1F0400007E1F04B0';
// Origin: the glo-initiate-request of the Green Book ciphered AARQ example (public vector gb-aarq-ciphered-lls).
const GLO_INITIATE_REQUEST =
  '21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE6841DB204D39EE6FDB8E356855';

const FIXTURES: { name: string; hex: string; value: Rlrq }[] = [
  {
    name: 'reason normal',
    hex: '6203' + '800100', // RLRQ, reason [0] IMPLICIT INTEGER 0
    value: { type: 'rlrq', reason: 'normal' },
  },
  { name: 'no fields', hex: '6200', value: { type: 'rlrq' } },
  { name: 'reason urgent', hex: '6203800101', value: { type: 'rlrq', reason: 'urgent' } },
  { name: 'reason user-defined (30)', hex: '620380011E', value: { type: 'rlrq', reason: 'user-defined' } },
  { name: 'a reason without a name stays a number', hex: '6203800107', value: { type: 'rlrq', reason: 7 } },
  {
    name: 'reason normal and a plain InitiateRequest',
    hex: '6215' + '800100' + 'BE10' + '040E' + INITIATE_REQUEST,
    value: {
      type: 'rlrq',
      reason: 'normal',
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x007e1f,
          clientMaxReceivePduSize: 1200,
        },
        raw: fromHex(INITIATE_REQUEST),
      },
    },
  },
  {
    name: 'reason normal and a glo-initiate-request (ciphered association)',
    hex: '6239' + '800100' + 'BE34' + '0432' + GLO_INITIATE_REQUEST,
    value: {
      type: 'rlrq',
      reason: 'normal',
      userInformation: {
        apdu: { type: 'ciphered-apdu', bytes: fromHex(GLO_INITIATE_REQUEST) },
        raw: fromHex(GLO_INITIATE_REQUEST),
      },
    },
  },
];

describe('RLRQ', () => {
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
    ['an RLRE tag', '6303800100', 'UNKNOWN_TAG'],
    ['reason with an explicit tag', '6205A003020100', 'UNKNOWN_TAG'],
    ['an empty reason', '62028000', 'INVALID_VALUE'],
    ['user-information before the reason', '6215BE10040E' + INITIATE_REQUEST + '800100', 'INVALID_VALUE'],
    ['a reason twice', '6206800100800100', 'INVALID_VALUE'],
    ['an InitiateResponse in user-information', '6212BE10040E0800065F1F040000501F01F40007', 'UNKNOWN_TAG'],
  ];

  it.each(BAD)('rejects %s', (_name, hex, code) => {
    expect(codeOf(() => whole(fromHex(hex)))).toBe(code);
  });

  it('rejects a reason it cannot encode', () => {
    expect(codeOf(() => encoded({ type: 'rlrq', reason: 'not-finished' as 'normal' }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  berApduProperties({
    arbitrary: arbRlrq,
    encode: encodeRlrq,
    whole,
    tag: 0x62,
    maxLength: 40,
  });
});
