import { describe, expect, it } from 'vitest';
import { decodeAare, encodeAare, fromHex, type Aare } from '../src/index.js';
import { berApduProperties, codeOf, decodeWhole, encodeHex } from './codec-helpers.js';
import { arbAare } from '../../../fixtures/src/arbitraries/acse.js';

const whole = (b: Uint8Array): Aare => decodeWhole(decodeAare, b);
const encoded = (v: Aare): string => encodeHex(encodeAare, v);

const LN = 'A109060760857405080101'; // application-context-name 2.16.756.5.8.1.1
const INITIATE_RESPONSE = '0800065F1F040000501F01F40007'; // version 6, conformance 0x00501F, pdu 500, vaa-name 0x0007
const initiateResponse = {
  type: 'initiate-response',
  negotiatedDlmsVersionNumber: 6,
  negotiatedConformance: 0x00501f,
  serverMaxReceivePduSize: 500,
  vaaName: 0x0007,
} as const;
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

const FIXTURES: { name: string; hex: string; value: Aare }[] = [
  {
    // Origin: Green Book AARE example (public vector gb-aare-accepted-no-security).
    name: 'Green Book: accepted, no security',
    hex:
      '6129' + // AARE, 41 bytes
      LN + // application-context-name
      'A203020100' + // result: INTEGER 0 (accepted)
      'A305A103020100' + // result-source-diagnostic: acse-service-user, INTEGER 0 (null)
      'BE10040E' + // user-information: OCTET STRING of 14 bytes
      INITIATE_RESPONSE,
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'accepted',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'null' },
      userInformation: { apdu: initiateResponse, raw: fromHex(INITIATE_RESPONSE) },
    },
  },
  {
    // Origin: Green Book AARE example (public vector gb-aare-rejected-app-context).
    name: 'Green Book: rejected-permanent, application-context-name-not-supported',
    hex: '6129' + LN + 'A203020101' + 'A305A103020102' + 'BE10040E' + INITIATE_RESPONSE,
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'rejected-permanent',
      resultSourceDiagnostic: {
        source: 'acse-service-user',
        value: 'application-context-name-not-supported',
      },
      userInformation: { apdu: initiateResponse, raw: fromHex(INITIATE_RESPONSE) },
    },
  },
  {
    // Origin: Green Book AARE example (public vector gb-aare-rejected-dlms-version).
    name: 'Green Book: rejected, ConfirmedServiceError dlms-version-too-low',
    hex:
      '611F' + // AARE, 31 bytes
      LN + // application-context-name
      'A203020101' + // result: rejected-permanent
      'A305A103020101' + // acse-service-user 1: no-reason-given
      'BE060404' + // user-information: OCTET STRING of 4 bytes
      '0E010601', // ConfirmedServiceError: initiateError, initiate, dlms-version-too-low
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'no-reason-given' },
      userInformation: {
        apdu: {
          type: 'confirmed-service-error',
          service: 'initiate-error',
          error: { kind: 'initiate', value: 'dlms-version-too-low' },
        },
        raw: fromHex('0E010601'),
      },
    },
  },
  {
    // Origin: Green Book AARE example (public vector gb-aare-hls-gmac-accepted).
    name: 'Green Book: HLS GMAC, authentication-required, challenge P6wRJ21F',
    hex:
      '6142' + // AARE, 66 bytes
      LN + // application-context-name
      'A203020100' + // result: accepted
      'A305A10302010E' + // acse-service-user 14: authentication-required
      '88020780' + // responder-acse-requirements: authentication
      '890760857405080205' + // mechanism-name HLS GMAC
      'AA0A8008503677524A323146' + // responding-authentication-value: charstring "P6wRJ21F"
      'BE10040E' + // user-information
      INITIATE_RESPONSE,
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 'accepted',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'authentication-required' },
      responderAcseRequirements: { authentication: true },
      mechanismName: 'hls-gmac',
      respondingAuthenticationValue: { type: 'charstring', value: ascii('P6wRJ21F') },
      userInformation: { apdu: initiateResponse, raw: fromHex(INITIATE_RESPONSE) },
    },
  },
  {
    name: 'project fixture: every field, provider diagnostic, ciphered glo-initiate-response',
    hex:
      '615D' + // AARE, 93 bytes
      'A109060760857405080103' + // LN with ciphering
      'A203020102' + // result 2: rejected-transient
      'A305A203020102' + // acse-service-provider 2: no-common-acse-version
      'A40A04084D4D4D0000000001' + // responding-AP-title: server system title
      'A503040133' + // responding-AE-qualifier
      'A603020107' + // responding-AP-invocation-identifier 7
      'A703020108' + // responding-AE-invocation-identifier 8
      '88020700' + // responder-acse-requirements: no authentication
      '890760857405080200' + // mechanism-name 2.16.756.5.8.2.0 (lowest level)
      'AA0A8008503677524A323146' + // responding-authentication-value: charstring
      '9D025859' + // implementation-information "XY"
      'BE0C040A' + // user-information: OCTET STRING of 10 bytes
      '28083000000001AABBCC', // glo-initiate-response (tag 0x28), kept as bytes
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-with-ciphering',
      result: 'rejected-transient',
      resultSourceDiagnostic: { source: 'acse-service-provider', value: 'no-common-acse-version' },
      respondingApTitle: fromHex('4D4D4D0000000001'),
      respondingAeQualifier: fromHex('33'),
      respondingApInvocationId: 7,
      respondingAeInvocationId: 8,
      responderAcseRequirements: { authentication: false },
      mechanismName: 'none',
      respondingAuthenticationValue: { type: 'charstring', value: ascii('P6wRJ21F') },
      implementationInformation: ascii('XY'),
      userInformation: {
        apdu: { type: 'ciphered-apdu', bytes: fromHex('28083000000001AABBCC') },
        raw: fromHex('28083000000001AABBCC'),
      },
    },
  },
  {
    name: 'project fixture: codes without a name stay numbers, no user-information',
    hex:
      '6117' + // AARE, 23 bytes
      LN + // application-context-name
      'A203020105' + // result 5: no name
      'A305A1030201C8', // acse-service-user -56: no name
    value: {
      type: 'aare',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      result: 5,
      resultSourceDiagnostic: { source: 'acse-service-user', value: -56 },
    },
  },
];

describe('AARE', () => {
  it('the hand-built fixtures are consistent', () => {
    expect(FIXTURES[4]!.hex.length / 2).toBe(0x5d + 2);
    expect(FIXTURES[5]!.hex.length / 2).toBe(0x17 + 2);
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

  const BAD: [string, string, string][] = [
    ['an AARQ tag', '6029' + LN + 'A203020100A305A103020100BE10040E' + INITIATE_RESPONSE, 'UNKNOWN_TAG'],
    ['no result', '6112' + LN + 'A305A103020100', 'INVALID_VALUE'],
    ['no result-source-diagnostic', '6110' + LN + 'A203020100', 'INVALID_VALUE'],
    ['no application-context-name', '610C' + 'A203020100' + 'A305A103020100', 'INVALID_VALUE'],
    ['result after the diagnostic', '6117' + LN + 'A305A103020100' + 'A203020100', 'INVALID_VALUE'],
    ['a diagnostic arm [0]', '6117' + LN + 'A203020100' + 'A305A003020100', 'UNKNOWN_TAG'],
    ['a diagnostic with two values', '611A' + LN + 'A203020100' + 'A308A103020100020100', 'TRAILING_BYTES'],
    ['result not an INTEGER', '6117' + LN + 'A203010100' + 'A305A103020100', 'UNKNOWN_TAG'],
    [
      'an InitiateRequest in user-information',
      '6129' + LN + 'A203020100A305A103020100BE10040E' + '01000000065F1F0400007E1F04B0',
      'UNKNOWN_TAG',
    ],
    [
      'a glo-initiate-request in user-information',
      '611E' + LN + 'A203020100A305A103020100BE050403210000',
      'UNKNOWN_TAG',
    ],
    ['an empty user-information OCTET STRING', '611B' + LN + 'A203020100A305A103020100BE020400', 'TRUNCATED'],
  ];

  it.each(BAD)('rejects %s', (_name, hex, code) => {
    expect(codeOf(() => whole(fromHex(hex)))).toBe(code);
  });

  it('rejects values it cannot encode', () => {
    const base = FIXTURES[0]!.value;
    expect(codeOf(() => encoded({ ...base, result: 'refused' as 'accepted' }))).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encoded({
          ...base,
          resultSourceDiagnostic: {
            source: 'acse-service-provider',
            value: 'authentication-failure' as 'null',
          },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encoded({ ...base, resultSourceDiagnostic: { source: 'nobody' as 'acse-service-user', value: 0 } }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encoded({
          ...base,
          userInformation: { apdu: { type: 'ciphered-apdu', bytes: fromHex('21000000') } },
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });

  berApduProperties({
    arbitrary: arbAare,
    encode: encodeAare,
    whole,
    tag: 0x61,
    maxLength: 80,
    fixtures: FIXTURES.map((f) => fromHex(f.hex)),
  });
});
