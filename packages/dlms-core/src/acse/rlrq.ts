/**
 * RLRQ, the A-RELEASE request (`RLRQ-apdu ::= [APPLICATION 2] IMPLICIT SEQUENCE`, tag 0x62):
 *
 * ```
 * [0]  80 reason            IMPLICIT Release-request-reason OPTIONAL   INTEGER { normal(0), urgent(1), user-defined(30) }
 * [30] BE user-information  EXPLICIT OCTET STRING OPTIONAL             (InitiateRequest, plain or ciphered)
 * ```
 *
 * DLMS sends the InitiateRequest again in the RLRQ when the association was ciphered, so the server can
 * authenticate the release. A reason the standard does not name stays a number.
 * Deliberately not here: the release procedure itself (state machines).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { beginBerTlv, endBerTlv, readBerTlv } from '../ber/tlv.js';
import { decodeBerInteger } from '../ber/primitives.js';
import { namedValues } from './names.js';
import { encodeImplicitInteger, forEachBerField } from './fields.js';
import { decodeUserInformation, encodeUserInformation, type UserInformation } from './user-information.js';
import { REQUEST_USER_INFORMATION } from './aarq.js';
import type { InitiateRequest } from '../xdlms/initiate.js';

/** Tag of the RLRQ APDU ([APPLICATION 2] constructed). */
export const RLRQ_TAG = 0x62;

/** Release-request-reason ::= INTEGER { normal(0), urgent(1), user-defined(30) }. */
export const RELEASE_REQUEST_REASON = namedValues(
  [
    ['normal', 0],
    ['urgent', 1],
    ['user-defined', 30],
  ] as const,
  'Release-request-reason',
  -(2 ** 47),
  2 ** 47 - 1,
);
/** Name of a Release-request-reason. */
export type ReleaseRequestReason = (typeof RELEASE_REQUEST_REASON.names)[number];

/** The A-RELEASE request. */
export interface Rlrq {
  readonly type: 'rlrq';
  readonly reason?: ReleaseRequestReason | number;
  readonly userInformation?: UserInformation<InitiateRequest>;
}

const ORDER = [0x80, 0xbe] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads an RLRQ, starting at its tag 0x62; `r` moves past it. */
export function decodeRlrq(r: Reader): Rlrq {
  const c = readBerTlv(r, RLRQ_TAG, 'RLRQ');
  const out: Mutable<Rlrq> = { type: 'rlrq' };
  forEachBerField(c, ORDER, 'RLRQ', (tag, v) => {
    if (tag === 0x80) out.reason = RELEASE_REQUEST_REASON.name(decodeBerInteger(v));
    else out.userInformation = decodeUserInformation(v, REQUEST_USER_INFORMATION);
  });
  return out;
}

/** Writes an RLRQ, tag 0x62 included. */
export function encodeRlrq(w: Writer, v: Rlrq): void {
  const m = beginBerTlv(w, RLRQ_TAG);
  if (v.reason !== undefined) encodeImplicitInteger(w, 0x80, RELEASE_REQUEST_REASON.code(v.reason));
  if (v.userInformation !== undefined) encodeUserInformation(w, v.userInformation, REQUEST_USER_INFORMATION);
  endBerTlv(w, m);
}
