/**
 * RLRE, the A-RELEASE response (`RLRE-apdu ::= [APPLICATION 3] IMPLICIT SEQUENCE`, tag 0x63):
 *
 * ```
 * [0]  80 reason            IMPLICIT Release-response-reason OPTIONAL  INTEGER { normal(0), not-finished(1), user-defined(30) }
 * [30] BE user-information  EXPLICIT OCTET STRING OPTIONAL             (InitiateResponse, plain or ciphered)
 * ```
 *
 * A reason the standard does not name stays a number.
 * Deliberately not here: the release procedure itself (state machines).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { beginBerTlv, endBerTlv, readBerTlv } from '../ber/tlv.js';
import { decodeBerInteger } from '../ber/primitives.js';
import { namedValues } from './names.js';
import { encodeImplicitInteger, forEachBerField } from './fields.js';
import {
  CIPHERED_RESPONSE_TAGS,
  decodeUserInformation,
  encodeUserInformation,
  type PlainApduCodecs,
  type UserInformation,
} from './user-information.js';
import {
  INITIATE_RESPONSE_TAG,
  decodeInitiateResponse,
  encodeInitiateResponse,
  type InitiateResponse,
} from '../xdlms/initiate.js';

/** Tag of the RLRE APDU ([APPLICATION 3] constructed). */
export const RLRE_TAG = 0x63;

/** Release-response-reason ::= INTEGER { normal(0), not-finished(1), user-defined(30) }. */
export const RELEASE_RESPONSE_REASON = namedValues(
  [
    ['normal', 0],
    ['not-finished', 1],
    ['user-defined', 30],
  ] as const,
  'Release-response-reason',
  -(2 ** 47),
  2 ** 47 - 1,
);
/** Name of a Release-response-reason. */
export type ReleaseResponseReason = (typeof RELEASE_RESPONSE_REASON.names)[number];

/** The A-RELEASE response. */
export interface Rlre {
  readonly type: 'rlre';
  readonly reason?: ReleaseResponseReason | number;
  readonly userInformation?: UserInformation<InitiateResponse>;
}

/** Plain and ciphered APDUs allowed in the user-information of an RLRE. */
export const RLRE_USER_INFORMATION: PlainApduCodecs<InitiateResponse> = {
  decode: new Map([[INITIATE_RESPONSE_TAG, decodeInitiateResponse]]),
  encode: (w, v) => {
    if (v.type !== 'initiate-response') {
      throw new ArgumentError(`'${String((v as { type: unknown }).type)}' is not allowed in an RLRE`);
    }
    encodeInitiateResponse(w, v);
  },
  ciphered: CIPHERED_RESPONSE_TAGS,
};

const ORDER = [0x80, 0xbe] as const;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads an RLRE, starting at its tag 0x63; `r` moves past it. */
export function decodeRlre(r: Reader): Rlre {
  const c = readBerTlv(r, RLRE_TAG, 'RLRE');
  const out: Mutable<Rlre> = { type: 'rlre' };
  forEachBerField(c, ORDER, 'RLRE', (tag, v) => {
    if (tag === 0x80) out.reason = RELEASE_RESPONSE_REASON.name(decodeBerInteger(v));
    else out.userInformation = decodeUserInformation(v, RLRE_USER_INFORMATION);
  });
  return out;
}

/** Writes an RLRE, tag 0x63 included. */
export function encodeRlre(w: Writer, v: Rlre): void {
  const m = beginBerTlv(w, RLRE_TAG);
  if (v.reason !== undefined) encodeImplicitInteger(w, 0x80, RELEASE_RESPONSE_REASON.code(v.reason));
  if (v.userInformation !== undefined) encodeUserInformation(w, v.userInformation, RLRE_USER_INFORMATION);
  endBerTlv(w, m);
}
