import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Writer,
  decodeInitiateRequest,
  decodeInitiateResponse,
  encodeInitiateRequest,
  encodeInitiateResponse,
  fromHex,
  type InitiateRequest,
  type InitiateResponse,
} from '../src/index.js';
import { codeOf, decodeWhole as whole, encodeHex as encoded } from './codec-helpers.js';
import { arbInitiateRequest, arbInitiateResponse } from '../../../fixtures/src/arbitraries/acse.js';

/** Decodes a complete APDU: every byte must be used. */
// Origin: Green Book examples as asserted by the dlms-cosem tests (public vector
// 'xdlms-initiate-request-response') and the user-information of the Green Book AARQ/AARE examples.
const REQUESTS: { name: string; hex: string; value: InitiateRequest }[] = [
  {
    name: 'no key, LN conformance 0x007E1F, pdu 1200',
    hex:
      '01' + // tag InitiateRequest
      '00' + // dedicated-key absent
      '00' + // response-allowed: default (TRUE)
      '00' + // proposed-quality-of-service absent
      '06' + // proposed-dlms-version-number 6
      '5F1F0400007E1F' + // conformance [APPLICATION 31], length 4, 0 unused bits, 0x007E1F
      '04B0', // client-max-receive-pdu-size 1200
    value: {
      type: 'initiate-request',
      responseAllowed: true,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x007e1f,
      clientMaxReceivePduSize: 1200,
    },
  },
  {
    name: 'dedicated key (the plaintext of the Green Book glo-initiate-request)',
    hex:
      '01' + // tag InitiateRequest
      '01' + // dedicated-key present
      '10' + // its length, 16
      '00112233445566778899AABBCCDDEEFF' + // the key
      '00' + // response-allowed: default (TRUE)
      '00' + // proposed-quality-of-service absent
      '06' + // proposed-dlms-version-number 6
      '5F1F0400007E1F' + // conformance 0x007E1F
      '04B0', // client-max-receive-pdu-size 1200
    value: {
      type: 'initiate-request',
      dedicatedKey: fromHex('00112233445566778899AABBCCDDEEFF'),
      responseAllowed: true,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x007e1f,
      clientMaxReceivePduSize: 1200,
    },
  },
  {
    name: 'response not allowed, QoS present (project fixture)',
    hex:
      '01' + // tag InitiateRequest
      '00' + // dedicated-key absent
      '0100' + // response-allowed present: FALSE
      '01FF' + // proposed-quality-of-service present: -1
      '06' + // proposed-dlms-version-number 6
      '5F1F0400FFFFFF' + // every conformance bit
      '0000', // client-max-receive-pdu-size 0 (no limit)
    value: {
      type: 'initiate-request',
      responseAllowed: false,
      proposedQualityOfService: -1,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0xffffff,
      clientMaxReceivePduSize: 0,
    },
  },
];

const RESPONSES: { name: string; hex: string; value: InitiateResponse }[] = [
  {
    name: 'QoS absent, conformance 0x00501F, pdu 500, LN',
    hex:
      '08' + // tag InitiateResponse
      '00' + // negotiated-quality-of-service absent
      '06' + // negotiated-dlms-version-number
      '5F1F040000501F' + // negotiated-conformance
      '01F4' + // server-max-receive-pdu-size 500
      '0007', // vaa-name LN
    value: {
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: 0x00501f,
      serverMaxReceivePduSize: 500,
      vaaName: 0x0007,
    },
  },
  {
    name: 'QoS present (01 00), conformance 0x001E1D, pdu 1224',
    hex: '08' + '0100' + '06' + '5F1F0400001E1D' + '04C8' + '0007',
    value: {
      type: 'initiate-response',
      negotiatedQualityOfService: 0,
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: 0x001e1d,
      serverMaxReceivePduSize: 1224,
      vaaName: 0x0007,
    },
  },
  {
    name: 'SN referencing vaa-name 0xFA00 (project fixture)',
    hex: '08' + '00' + '06' + '5F1F0400001C03' + '0400' + 'FA00',
    value: {
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: 0x001c03,
      serverMaxReceivePduSize: 1024,
      vaaName: 0xfa00,
    },
  },
];

describe('InitiateRequest', () => {
  it.each(REQUESTS)('decodes and encodes: $name', ({ hex, value }) => {
    expect(whole(decodeInitiateRequest, fromHex(hex))).toEqual(value);
    expect(encoded(encodeInitiateRequest, value)).toBe(hex);
  });

  it.each(REQUESTS)('every prefix is TRUNCATED: $name', ({ hex }) => {
    const b = fromHex(hex);
    for (let n = 0; n < b.length; n++) {
      expect(codeOf(() => whole(decodeInitiateRequest, b.subarray(0, n)))).toBe('TRUNCATED');
    }
  });

  it.each(REQUESTS)('one extra byte is TRAILING_BYTES: $name', ({ hex }) => {
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex(hex + '00')))).toBe('TRAILING_BYTES');
  });

  it('keeps an explicit response-allowed (01 01, 01 00, 01 05) byte for byte', () => {
    for (const [raw, allowed] of [
      ['01', true],
      ['00', false],
      ['05', true],
    ] as const) {
      // tag 01, dedicated-key absent 00, response-allowed present 01 + value, qos absent 00, version 06,
      // conformance 5F1F0400007E1F, client max PDU 04B0
      const hex = `010001${raw}00065F1F0400007E1F04B0`;
      const v = whole(decodeInitiateRequest, fromHex(hex));
      expect(v.responseAllowed).toBe(allowed);
      expect(v.responseAllowedRaw).toBe(allowed ? parseInt(raw, 16) : undefined);
      expect(encoded(encodeInitiateRequest, v)).toBe(hex);
    }
    // The DEFAULT form carries no raw byte and stays the default.
    const d = whole(decodeInitiateRequest, fromHex('01000000065F1F0400007E1F04B0'));
    expect(d.responseAllowedRaw).toBeUndefined();
    expect(encoded(encodeInitiateRequest, d)).toBe('01000000065F1F0400007E1F04B0');
  });

  it('refuses a raw response-allowed byte that disagrees with the boolean', () => {
    const v = whole(decodeInitiateRequest, fromHex('0100010100065F1F0400007E1F04B0'));
    expect(codeOf(() => encoded(encodeInitiateRequest, { ...v, responseAllowed: false }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('rejects a wrong tag, a bad presence flag and a malformed conformance block (tag, length, unused bits)', () => {
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex('08000000065F1F0400007E1F04B0')))).toBe(
      'UNKNOWN_TAG',
    );
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex('01020000065F1F0400007E1F04B0')))).toBe(
      'INVALID_VALUE',
    );
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex('01000000065F200400007E1F04B0')))).toBe(
      'UNKNOWN_TAG',
    );
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex('01000000065F1F0300007E04B0')))).toBe(
      'INVALID_VALUE',
    );
    expect(codeOf(() => whole(decodeInitiateRequest, fromHex('01000000065F1F0401007E1F04B0')))).toBe(
      'INVALID_VALUE',
    );
  });

  it('rejects values it cannot encode', () => {
    const base = REQUESTS[0]!.value;
    expect(codeOf(() => encoded(encodeInitiateRequest, { ...base, proposedConformance: 0x1000000 }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => encoded(encodeInitiateRequest, { ...base, clientMaxReceivePduSize: 70000 }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => encoded(encodeInitiateRequest, { ...base, proposedQualityOfService: 200 }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(arbInitiateRequest, (v) => {
        const w = new Writer();
        encodeInitiateRequest(w, v);
        expect(whole(decodeInitiateRequest, w.toBytes())).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes decode or throw a DlmsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (b, tagged) => {
        if (tagged && b.length > 0) b[0] = 0x01;
        const c = codeOf(() => whole(decodeInitiateRequest, b));
        expect(c === undefined || !c.startsWith('not a')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('InitiateResponse', () => {
  it.each(RESPONSES)('decodes and encodes: $name', ({ hex, value }) => {
    expect(whole(decodeInitiateResponse, fromHex(hex))).toEqual(value);
    expect(encoded(encodeInitiateResponse, value)).toBe(hex);
  });

  it.each(RESPONSES)('every prefix is TRUNCATED: $name', ({ hex }) => {
    const b = fromHex(hex);
    for (let n = 0; n < b.length; n++) {
      expect(codeOf(() => whole(decodeInitiateResponse, b.subarray(0, n)))).toBe('TRUNCATED');
    }
  });

  it.each(RESPONSES)('one extra byte is TRAILING_BYTES: $name', ({ hex }) => {
    expect(codeOf(() => whole(decodeInitiateResponse, fromHex(hex + 'AA')))).toBe('TRAILING_BYTES');
  });

  it('rejects a wrong tag', () => {
    expect(codeOf(() => whole(decodeInitiateResponse, fromHex('0100065F1F040000501F01F40007')))).toBe(
      'UNKNOWN_TAG',
    );
  });

  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(arbInitiateResponse, (v) => {
        const w = new Writer();
        encodeInitiateResponse(w, v);
        expect(whole(decodeInitiateResponse, w.toBytes())).toEqual(v);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes decode or throw a DlmsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30 }), fc.boolean(), (b, tagged) => {
        if (tagged && b.length > 0) b[0] = 0x08;
        const c = codeOf(() => whole(decodeInitiateResponse, b));
        expect(c === undefined || !c.startsWith('not a')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
