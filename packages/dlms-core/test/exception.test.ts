/**
 * ExceptionResponse (0xD8): state-error and service-error by name, the invocation-counter-error arm
 * with its Unsigned32, unlisted values kept as numbers. Hand-built from the Green Book ASN.1.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex } from '../src/index.js';
import { codeOf, runFixtures } from './apdu-fixtures.js';

runFixtures('ExceptionResponse fixtures', [
  {
    name: 'service-not-allowed / operation-not-possible',
    origin: 'hand-built from the ASN.1',
    hex: 'D8 01 01', // state-error 1, service-error choice 1 (NULL)
    apdu: {
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'operation-not-possible',
    },
  },
  {
    name: 'service-unknown / service-not-supported',
    origin: 'hand-built from the ASN.1',
    hex: 'D8 02 02',
    apdu: {
      type: 'exception-response',
      stateError: 'service-unknown',
      serviceError: 'service-not-supported',
    },
  },
  {
    name: 'other-reason, pdu-too-long, deciphering-error',
    origin: 'hand-built from the ASN.1',
    hex: 'D8 01 05',
    apdu: {
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'deciphering-error',
    },
  },
  {
    name: 'invocation-counter-error with the expected counter',
    origin: 'hand-built from the ASN.1 (invocation-counter-error [6] IMPLICIT Unsigned32)',
    hex: 'D8 01 06 01234568', // counter 0x01234568
    apdu: {
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'invocation-counter-error',
      invocationCounter: 0x01234568,
    },
  },
  {
    name: 'unlisted values kept as numbers',
    origin: 'hand-built',
    hex: 'D8 00 09',
    apdu: { type: 'exception-response', stateError: 0, serviceError: 9 },
  },
]);

describe('ExceptionResponse encoding rules', () => {
  it('names the remaining service errors', () => {
    expect(decodeApdu(fromHex('D80103'))).toMatchObject({ serviceError: 'other-reason' });
    expect(decodeApdu(fromHex('D80104'))).toMatchObject({ serviceError: 'pdu-too-long' });
  });
  it('needs the counter for invocation-counter-error, and only there', () => {
    expect(
      codeOf(() =>
        encodeApdu({
          type: 'exception-response',
          stateError: 'service-not-allowed',
          serviceError: 'invocation-counter-error',
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(
      codeOf(() =>
        encodeApdu({
          type: 'exception-response',
          stateError: 'service-not-allowed',
          serviceError: 'other-reason',
          invocationCounter: 1,
        }),
      ),
    ).toBe('INVALID_ARGUMENT');
  });
});
