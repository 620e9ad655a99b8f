import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Writer,
  decodeConfirmedServiceError,
  encodeConfirmedServiceError,
  fromHex,
  type ConfirmedServiceError,
} from '../src/index.js';
import { codeOf, decodeWhole, encodeHex } from './codec-helpers.js';
import { arbConfirmedServiceError } from '../../../fixtures/src/arbitraries/acse.js';

const whole = (b: Uint8Array): ConfirmedServiceError => decodeWhole(decodeConfirmedServiceError, b);
const encoded = (v: ConfirmedServiceError): string => encodeHex(encodeConfirmedServiceError, v);

const FIXTURES: { name: string; hex: string; value: ConfirmedServiceError }[] = [
  {
    // Origin: Green Book AARE example rejecting the DLMS version (public vector gb-aare-rejected-dlms-version).
    name: 'initiateError / initiate / dlms-version-too-low',
    hex: '0E' + '01' + '06' + '01', // tag, initiateError [1], initiate [6], dlms-version-too-low (1)
    value: {
      type: 'confirmed-service-error',
      service: 'initiate-error',
      error: { kind: 'initiate', value: 'dlms-version-too-low' },
    },
  },
  {
    name: 'read / access / object-access-violated (project fixture)',
    hex: '0E' + '05' + '05' + '02',
    value: {
      type: 'confirmed-service-error',
      service: 'read',
      error: { kind: 'access', value: 'object-access-violated' },
    },
  },
  {
    name: 'write / service / pdu-size (project fixture)',
    hex: '0E' + '06' + '03' + '01',
    value: {
      type: 'confirmed-service-error',
      service: 'write',
      error: { kind: 'service', value: 'pdu-size' },
    },
  },
  {
    name: 'initiateError / application-reference / deciphering-error (project fixture)',
    hex: '0E' + '01' + '00' + '06',
    value: {
      type: 'confirmed-service-error',
      service: 'initiate-error',
      error: { kind: 'application-reference', value: 'deciphering-error' },
    },
  },
  {
    name: 'terminateUpLoad / task / ti-unusable (last arms of both CHOICEs)',
    hex: '0E' + '13' + '09' + '04',
    value: {
      type: 'confirmed-service-error',
      service: 'terminate-up-load',
      error: { kind: 'task', value: 'ti-unusable' },
    },
  },
  {
    name: 'other-error keeps its raw code; an unnamed initiate code stays a number',
    hex: '0E' + '01' + '0A' + '2A',
    value: {
      type: 'confirmed-service-error',
      service: 'initiate-error',
      error: { kind: 'other-error', value: 42 },
    },
  },
  {
    name: 'unnamed initiate value',
    hex: '0E' + '01' + '06' + '09',
    value: {
      type: 'confirmed-service-error',
      service: 'initiate-error',
      error: { kind: 'initiate', value: 9 },
    },
  },
];

describe('ConfirmedServiceError', () => {
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

  it('rejects unknown tags: APDU, service 0 and 20, ServiceError 8 (reserved) and 11', () => {
    expect(codeOf(() => whole(fromHex('0F010601')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => whole(fromHex('0E000601')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => whole(fromHex('0E140601')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => whole(fromHex('0E010801')))).toBe('UNKNOWN_TAG');
    expect(codeOf(() => whole(fromHex('0E010B01')))).toBe('UNKNOWN_TAG');
  });

  it('rejects names it does not know when encoding', () => {
    const base = FIXTURES[0]!.value;
    expect(codeOf(() => encoded({ ...base, service: 'nope' as 'read' }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encoded({ ...base, error: { kind: 'initiate', value: 'nope' as 'other' } }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(codeOf(() => encoded({ ...base, error: { kind: 'initiate', value: 256 } }))).toBe(
      'INVALID_ARGUMENT',
    );
  });

  it('decode(encode(x)) equals x', () => {
    fc.assert(
      fc.property(arbConfirmedServiceError, (v) => {
        const w = new Writer();
        encodeConfirmedServiceError(w, v);
        expect(whole(w.toBytes())).toEqual(v);
      }),
      { numRuns: 1000 },
    );
  });

  it('arbitrary bytes decode or throw a DlmsError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), (b) => {
        if (b.length > 0) b[0] = 0x0e;
        const c = codeOf(() => whole(b));
        expect(c === undefined || !c.startsWith('not a')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
