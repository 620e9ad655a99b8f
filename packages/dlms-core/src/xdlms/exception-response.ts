/**
 * ExceptionResponse (tag 0xD8, [216]; Green Book, IEC 62056-5-3):
 *
 * ExceptionResponse ::= SEQUENCE {
 *   state-error   [0] IMPLICIT ENUMERATED { service-not-allowed (1), service-unknown (2) },
 *   service-error [1] CHOICE { operation-not-possible [1] IMPLICIT NULL, service-not-supported [2] IMPLICIT NULL,
 *                              other-reason [3] IMPLICIT NULL, pdu-too-long [4] IMPLICIT NULL,
 *                              deciphering-error [5] IMPLICIT NULL,
 *                              invocation-counter-error [6] IMPLICIT Unsigned32 } }
 *
 * In A-XDR this is three bytes (tag, state-error, service-error choice), plus the 4-byte invocation
 * counter for invocation-counter-error. Older editions typed service-error as a plain enumeration; the
 * NULL arms give the same bytes. A peer's exception is a value, never thrown.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';

/** Tag of ExceptionResponse. */
export const EXCEPTION_RESPONSE_TAG = 0xd8;

/** state-error values by name. */
export const ExceptionStateErrorCode = {
  'service-not-allowed': 1,
  'service-unknown': 2,
} as const;

/** service-error choice numbers by name. */
export const ExceptionServiceErrorCode = {
  'operation-not-possible': 1,
  'service-not-supported': 2,
  'other-reason': 3,
  'pdu-too-long': 4,
  'deciphering-error': 5,
  'invocation-counter-error': 6,
} as const;

/** A state-error: its name, or the raw number for a value the standard does not list. */
export type ExceptionStateError = keyof typeof ExceptionStateErrorCode | number;
/** A service-error: its name, or the raw number (with no content) for a value the standard does not list. */
export type ExceptionServiceError = keyof typeof ExceptionServiceErrorCode | number;

/** ExceptionResponse [216]: the server could not handle the APDU at all. */
export interface ExceptionResponse {
  readonly type: 'exception-response';
  readonly stateError: ExceptionStateError;
  readonly serviceError: ExceptionServiceError;
  /** Present exactly when `serviceError` is `'invocation-counter-error'`: the counter value the server expects. */
  readonly invocationCounter?: number;
}

const STATE_BY_CODE: readonly (keyof typeof ExceptionStateErrorCode | undefined)[] = [
  undefined,
  'service-not-allowed',
  'service-unknown',
];
const SERVICE_BY_CODE: readonly (keyof typeof ExceptionServiceErrorCode | undefined)[] = [
  undefined,
  'operation-not-possible',
  'service-not-supported',
  'other-reason',
  'pdu-too-long',
  'deciphering-error',
  'invocation-counter-error',
];

/** Reads an ExceptionResponse, tag included. */
export function decodeExceptionResponse(r: Reader): ExceptionResponse {
  const tagAt = r.pos;
  if (r.u8() !== EXCEPTION_RESPONSE_TAG) throw r.error('UNKNOWN_TAG', 'not an ExceptionResponse', tagAt);
  const s = r.u8();
  const e = r.u8();
  const stateError = STATE_BY_CODE[s] ?? s;
  const serviceError = SERVICE_BY_CODE[e] ?? e;
  // Only the invocation-counter-error arm has content (Unsigned32).
  if (e === 6) return { type: 'exception-response', stateError, serviceError, invocationCounter: r.u32() };
  return { type: 'exception-response', stateError, serviceError };
}

function code(v: string | number, table: Readonly<Record<string, number>>, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new ArgumentError(`${what} ${v} is not in 0..255`);
    return v;
  }
  const c = Object.prototype.hasOwnProperty.call(table, v) ? table[v] : undefined;
  if (c === undefined) throw new ArgumentError(`unknown ${what} '${v}'`);
  return c;
}

/** Writes an ExceptionResponse, tag included. */
export function encodeExceptionResponse(w: Writer, v: ExceptionResponse): void {
  const s = code(v.stateError, ExceptionStateErrorCode, 'state-error');
  const e = code(v.serviceError, ExceptionServiceErrorCode, 'service-error');
  if (e === 6 && v.invocationCounter === undefined) {
    throw new ArgumentError('invocation-counter-error needs its invocationCounter');
  }
  if (e !== 6 && v.invocationCounter !== undefined) {
    throw new ArgumentError('invocationCounter is only carried by invocation-counter-error');
  }
  w.u8(EXCEPTION_RESPONSE_TAG).u8(s).u8(e);
  if (e === 6) w.u32(v.invocationCounter!);
}
