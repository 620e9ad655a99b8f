import { describe, expect, it } from 'vitest';
import { Reader, decodeAarq, encodeAarq, fromHex, toHex, type Aarq } from '../src/index.js';
import { berApduProperties, codeOf, decodeWhole, encodeHex } from './codec-helpers.js';
import { arbAarq } from '../../../fixtures/src/arbitraries/acse.js';

const whole = (b: Uint8Array): Aarq => decodeWhole(decodeAarq, b);
const encoded = (v: Aarq): string => encodeHex(encodeAarq, v);

/** Hex of a TLV with its short or long BER length, built independently of the encoder under test. */
function tlv(tag: string, content: string): string {
  const n = content.replace(/ /g, '').length / 2;
  const len =
    n < 0x80
      ? n.toString(16).padStart(2, '0')
      : n <= 0xff
        ? `81${n.toString(16).padStart(2, '0')}`
        : `82${n.toString(16).padStart(4, '0')}`;
  return `${tag}${len}${content.replace(/ /g, '')}`.toUpperCase();
}

const LN = 'A109060760857405080101'; // application-context-name: 06 07 2.16.756.5.8.1.1 (LN, no ciphering)
const INITIATE_REQUEST = '01000000065F1F0400007E1F04B0'; // InitiateRequest: version 6, conformance 0x007E1F, pdu 1200
const initiateRequest = {
  type: 'initiate-request',
  responseAllowed: true,
  proposedDlmsVersionNumber: 6,
  proposedConformance: 0x007e1f,
  clientMaxReceivePduSize: 1200,
} as const;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const FIXTURES: { name: string; hex: string; value: Aarq }[] = [
  {
    // Origin: Green Book AARQ example (public vector gb-aarq-no-security).
    name: 'Green Book: LN, no security',
    hex:
      '601D' + // AARQ, 29 bytes
      LN + // application-context-name
      'BE10040E' + // user-information [30], 16 bytes: OCTET STRING of 14 bytes
      INITIATE_REQUEST, // the InitiateRequest
    value: {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      userInformation: { apdu: initiateRequest, raw: fromHex(INITIATE_REQUEST) },
    },
  },
  {
    // Origin: Green Book AARQ example (public vector gb-aarq-lls).
    name: 'Green Book: LLS with password 12345678',
    hex:
      '6036' + // AARQ, 54 bytes
      LN + // application-context-name
      '8A020780' + // sender-acse-requirements: 7 unused bits, authentication bit set
      '8B0760857405080201' + // mechanism-name 2.16.756.5.8.2.1 (LLS)
      'AC0A8008' + // calling-authentication-value: charstring [0] of 8 bytes
      '3132333435363738' + // "12345678"
      'BE10040E' + // user-information
      INITIATE_REQUEST,
    value: {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      senderAcseRequirements: { authentication: true },
      mechanismName: 'lls',
      callingAuthenticationValue: { type: 'charstring', value: ascii('12345678') },
      userInformation: { apdu: initiateRequest, raw: fromHex(INITIATE_REQUEST) },
    },
  },
  {
    // Origin: Green Book AARQ example (public vector gb-aarq-hls-gmac).
    name: 'Green Book: HLS GMAC with challenge K56iVagY',
    hex:
      '6036' + // AARQ, 54 bytes
      LN + // application-context-name
      '8A020780' + // sender-acse-requirements: authentication
      '8B0760857405080205' + // mechanism-name 2.16.756.5.8.2.5 (HLS GMAC)
      'AC0A80084B35366956616759' + // calling-authentication-value: charstring "K56iVagY"
      'BE10040E' + // user-information
      INITIATE_REQUEST,
    value: {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      senderAcseRequirements: { authentication: true },
      mechanismName: 'hls-gmac',
      callingAuthenticationValue: { type: 'charstring', value: ascii('K56iVagY') },
      userInformation: { apdu: initiateRequest, raw: fromHex(INITIATE_REQUEST) },
    },
  },
  {
    // Origin: Green Book AARQ example (public vector gb-aarq-ciphered-lls).
    name: 'Green Book: LN with ciphering, LLS, glo-initiate-request',
    hex:
      '6066' + // AARQ, 102 bytes
      'A109060760857405080103' + // application-context-name 2.16.756.5.8.1.3 (LN with ciphering)
      'A60A0408' + // calling-AP-title: OCTET STRING of 8 bytes
      '4D4D4D0000BC614E' + // the client system title
      '8A020780' + // sender-acse-requirements: authentication
      '8B0760857405080201' + // mechanism-name LLS
      'AC0A80083132333435363738' + // calling-authentication-value: charstring "12345678"
      'BE340432' + // user-information: OCTET STRING of 50 bytes, a glo-initiate-request
      '21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE6841DB204D39EE6FDB8E356855',
    value: {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-with-ciphering',
      callingApTitle: fromHex('4D4D4D0000BC614E'),
      senderAcseRequirements: { authentication: true },
      mechanismName: 'lls',
      callingAuthenticationValue: { type: 'charstring', value: ascii('12345678') },
      userInformation: {
        apdu: {
          type: 'ciphered-apdu',
          bytes: fromHex(
            '21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE6841DB204D39EE6FDB8E356855',
          ),
        },
        raw: fromHex(
          '21303001234567801302FF8A7874133D414CED25B42534D28DB0047720606B175BD52211BE6841DB204D39EE6FDB8E356855',
        ),
      },
    },
  },
  {
    name: 'project fixture: every field',
    hex:
      '606B' + // AARQ, 107 bytes
      '80020780' + // protocol-version: version1
      'A109060760857405080104' + // SN with ciphering
      'A2040402ABCD' + // called-AP-title
      'A303040111' + // called-AE-qualifier
      'A403020105' + // called-AP-invocation-identifier 5
      'A50402020080' + // called-AE-invocation-identifier 128 (two octets: 00 80)
      'A60A04084D4D4D0000BC614E' + // calling-AP-title
      'A703040122' + // calling-AE-qualifier
      'A8030201FF' + // calling-AP-invocation-identifier -1
      'A903020100' + // calling-AE-invocation-identifier 0
      '8A020780' + // sender-acse-requirements
      '8B0760857405080207' + // mechanism-name HLS ECDSA
      'AC058103' +
      '06AAC0' + // calling-authentication-value: bitstring, 6 unused bits
      '9D03414243' + // implementation-information "ABC"
      'BE10040E' + // user-information
      INITIATE_REQUEST,
    value: {
      type: 'aarq',
      protocolVersion: { bytes: fromHex('80'), unusedBits: 7 },
      applicationContextName: 'short-name-referencing-with-ciphering',
      calledApTitle: fromHex('ABCD'),
      calledAeQualifier: fromHex('11'),
      calledApInvocationId: 5,
      calledAeInvocationId: 128,
      callingApTitle: fromHex('4D4D4D0000BC614E'),
      callingAeQualifier: fromHex('22'),
      callingApInvocationId: -1,
      callingAeInvocationId: 0,
      senderAcseRequirements: { authentication: true },
      mechanismName: 'hls-ecdsa',
      callingAuthenticationValue: { type: 'bitstring', value: { bytes: fromHex('AAC0'), unusedBits: 6 } },
      implementationInformation: ascii('ABC'),
      userInformation: { apdu: initiateRequest, raw: fromHex(INITIATE_REQUEST) },
    },
  },
  {
    name: 'project fixture: a 300-byte calling-AE-qualifier (certificate) makes the lengths long',
    hex: tlv('60', LN + tlv('A7', tlv('04', 'C3'.repeat(300))) + '8B0760857405080207'),
    value: {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      callingAeQualifier: new Uint8Array(300).fill(0xc3),
      mechanismName: 'hls-ecdsa',
    },
  },
  {
    name: 'project fixture: OIDs DLMS does not define stay dotted',
    hex:
      '6014' +
      'A1050603' +
      '2A0304' + // application-context-name 1.2.3.4
      '8A020700' + // sender-acse-requirements: authentication bit clear
      '8B0760857405080209', // mechanism-name 2.16.756.5.8.2.9 (not defined)
    value: {
      type: 'aarq',
      applicationContextName: '1.2.3.4',
      mechanismName: '2.16.756.5.8.2.9',
      senderAcseRequirements: { authentication: false },
    },
  },
];

describe('AARQ', () => {
  it('the hand-built fixtures are consistent', () => {
    expect(FIXTURES[4]!.hex.length / 2).toBe(0x6b + 2);
    expect(FIXTURES[6]!.hex.length / 2).toBe(0x14 + 2);
  });

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

  it('leaves the reader after the AARQ when more follows', () => {
    const r = new Reader(fromHex(FIXTURES[0]!.hex + 'CAFE'));
    decodeAarq(r);
    expect(toHex(r.rest())).toBe('CAFE');
  });

  const BAD: [string, string, string][] = [
    ['not an AARQ tag', '611D' + LN + 'BE10040E' + INITIATE_REQUEST, 'UNKNOWN_TAG'],
    ['indefinite length', '6080' + LN + '0000', 'INVALID_VALUE'],
    ['length of five octets', '6085000000000B' + LN, 'LIMIT_EXCEEDED'],
    ['no application-context-name', '6012BE10040E' + INITIATE_REQUEST, 'INVALID_VALUE'],
    ['fields out of order', '600F' + '8A020780' + LN, 'INVALID_VALUE'],
    ['a field twice', '6016' + LN + LN, 'INVALID_VALUE'],
    ['application-context-name-list [13]', '6010' + LN + 'AD03060100', 'UNKNOWN_TAG'],
    [
      'bytes after the OID inside application-context-name',
      '600C' + 'A10A06076085740508010100',
      'TRAILING_BYTES',
    ],
    ['application-context-name not an OID', '600B' + 'A109040760857405080101', 'UNKNOWN_TAG'],
    ['Authentication-value external arm', '600F' + LN + 'AC02A200', 'UNKNOWN_TAG'],
    [
      'user-information holds an InitiateResponse',
      '601D' + LN + 'BE10040E' + '0800065F1F040000501F01F40007',
      'UNKNOWN_TAG',
    ],
    [
      'user-information holds more than the InitiateRequest',
      '601E' + LN + 'BE11040F' + INITIATE_REQUEST + '00',
      'TRAILING_BYTES',
    ],
    ['user-information is not an OCTET STRING', '601D' + LN + 'BE10030E' + INITIATE_REQUEST, 'UNKNOWN_TAG'],
    [
      'user-information OCTET STRING shorter than its field',
      '601E' + LN + 'BE11040E' + INITIATE_REQUEST + '00',
      'TRAILING_BYTES',
    ],
    ['calling-AP-invocation-identifier not minimal', '6011' + LN + 'A80402020001', 'INVALID_VALUE'],
    ['sender-acse-requirements with 8 unused bits', '600F' + LN + '8A020880', 'INVALID_VALUE'],
  ];

  it.each(BAD)('rejects %s', (_name, hex, code) => {
    expect(codeOf(() => whole(fromHex(hex)))).toBe(code);
  });

  it('rejects values it cannot encode', () => {
    const base = FIXTURES[0]!.value;
    expect(
      codeOf(() =>
        encoded({
          ...base,
          applicationContextName: 'logical-name' as 'logical-name-referencing-no-ciphering',
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encoded({ ...base, mechanismName: 'hls-sha384' as 'lls' }))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encoded({
          ...base,
          userInformation: { apdu: { type: 'ciphered-apdu', bytes: fromHex('28000000') } },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encoded({ ...base, callingApInvocationId: 2 ** 48 }))).toBe('INVALID_ARGUMENT');
  });

  it('encodes a user-information from its APDU alone (raw is output only)', () => {
    const { raw: _raw, ...ui } = FIXTURES[0]!.value.userInformation!;
    expect(encoded({ ...FIXTURES[0]!.value, userInformation: ui })).toBe(FIXTURES[0]!.hex);
  });

  berApduProperties({
    arbitrary: arbAarq,
    encode: encodeAarq,
    whole,
    tag: 0x60,
    maxLength: 80,
    fixtures: FIXTURES.map((f) => fromHex(f.hex)),
  });
});
