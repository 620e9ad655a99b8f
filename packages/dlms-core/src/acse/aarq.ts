/**
 * AARQ, the A-ASSOCIATE request (`AARQ-apdu ::= [APPLICATION 0] IMPLICIT SEQUENCE`, tag 0x60), BER
 * encoded as IEC 62056-5-3 profiles ISO/IEC 8650-1:
 *
 * ```
 * [0]  80 protocol-version                 IMPLICIT BIT STRING {version1(0)} DEFAULT {version1}
 * [1]  A1 application-context-name         EXPLICIT OBJECT IDENTIFIER
 * [2]  A2 called-AP-title                  EXPLICIT OCTET STRING      OPTIONAL
 * [3]  A3 called-AE-qualifier              EXPLICIT OCTET STRING      OPTIONAL
 * [4]  A4 called-AP-invocation-identifier  EXPLICIT INTEGER           OPTIONAL
 * [5]  A5 called-AE-invocation-identifier  EXPLICIT INTEGER           OPTIONAL
 * [6]  A6 calling-AP-title                 (client system title when ciphering)
 * [7]  A7 calling-AE-qualifier             (client certificate with HLS ECDSA)
 * [8]  A8 calling-AP-invocation-identifier
 * [9]  A9 calling-AE-invocation-identifier
 * [10] 8A sender-acse-requirements         IMPLICIT BIT STRING {authentication(0)} OPTIONAL
 * [11] 8B mechanism-name                   IMPLICIT OBJECT IDENTIFIER OPTIONAL
 * [12] AC calling-authentication-value     EXPLICIT Authentication-value OPTIONAL
 * [29] 9D implementation-information       IMPLICIT GraphicString     OPTIONAL
 * [30] BE user-information                 EXPLICIT OCTET STRING (InitiateRequest, plain or ciphered)
 * ```
 *
 * `application-context-name-list` [13] is not used by DLMS and is rejected as `UNKNOWN_TAG`.
 * Deliberately not here: checking that the fields agree with each other (mechanism vs. requirements
 * vs. authentication value): that is the association state machine's job, which answers with the
 * right AARE diagnostic.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { beginBerTlv, endBerTlv, readBerTlv } from '../ber/tlv.js';
import { decodeBerBitString, type BerBitString } from '../ber/primitives.js';
import type { ApplicationContextName, MechanismName } from './names.js';
import {
  decodeAcseRequirements,
  decodeApplicationContextName,
  decodeAuthenticationValue,
  decodeExplicitInteger,
  decodeExplicitOctetString,
  decodeMechanismName,
  encodeAcseRequirements,
  encodeApplicationContextName,
  encodeAuthenticationValue,
  encodeExplicitInteger,
  encodeExplicitOctetString,
  encodeImplicitBitString,
  encodeImplicitOctets,
  encodeMechanismName,
  forEachBerField,
  type AcseRequirements,
  type AuthenticationValue,
} from './fields.js';
import {
  CIPHERED_REQUEST_TAGS,
  decodeUserInformation,
  encodeUserInformation,
  type PlainApduCodecs,
  type UserInformation,
} from './user-information.js';
import {
  INITIATE_REQUEST_TAG,
  decodeInitiateRequest,
  encodeInitiateRequest,
  type InitiateRequest,
} from '../xdlms/initiate.js';

/** Tag of the AARQ APDU ([APPLICATION 0] constructed). */
export const AARQ_TAG = 0x60;

/** The A-ASSOCIATE request. Byte strings are views into the decoded input. */
export interface Aarq {
  readonly type: 'aarq';
  /** Present only when the peer sent it (it defaults to version1: `80 02 07 80`). */
  readonly protocolVersion?: BerBitString;
  readonly applicationContextName: ApplicationContextName;
  readonly calledApTitle?: Uint8Array;
  readonly calledAeQualifier?: Uint8Array;
  readonly calledApInvocationId?: number;
  readonly calledAeInvocationId?: number;
  /** The client's system title when ciphering is used. */
  readonly callingApTitle?: Uint8Array;
  readonly callingAeQualifier?: Uint8Array;
  readonly callingApInvocationId?: number;
  readonly callingAeInvocationId?: number;
  readonly senderAcseRequirements?: AcseRequirements;
  readonly mechanismName?: MechanismName;
  /** The LLS password or the HLS client-to-server challenge. */
  readonly callingAuthenticationValue?: AuthenticationValue;
  /** GraphicString octets. */
  readonly implementationInformation?: Uint8Array;
  readonly userInformation?: UserInformation<InitiateRequest>;
}

const ORDER = [
  0x80, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0x8a, 0x8b, 0xac, 0x9d, 0xbe,
] as const;

/** Plain and ciphered APDUs allowed in the user-information of an AARQ or RLRQ. */
export const REQUEST_USER_INFORMATION: PlainApduCodecs<InitiateRequest> = {
  decode: new Map([[INITIATE_REQUEST_TAG, decodeInitiateRequest]]),
  encode: encodeInitiateRequest,
  ciphered: CIPHERED_REQUEST_TAGS,
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads an AARQ, starting at its tag 0x60; `r` moves past it. */
export function decodeAarq(r: Reader): Aarq {
  const c = readBerTlv(r, AARQ_TAG, 'AARQ');
  const start = c.pos;
  const out: Partial<Mutable<Aarq>> = { type: 'aarq' };
  forEachBerField(c, ORDER, 'AARQ', (tag, v) => {
    switch (tag) {
      case 0x80:
        out.protocolVersion = decodeBerBitString(v);
        break;
      case 0xa1:
        out.applicationContextName = decodeApplicationContextName(v);
        break;
      case 0xa2:
        out.calledApTitle = decodeExplicitOctetString(v);
        break;
      case 0xa3:
        out.calledAeQualifier = decodeExplicitOctetString(v);
        break;
      case 0xa4:
        out.calledApInvocationId = decodeExplicitInteger(v);
        break;
      case 0xa5:
        out.calledAeInvocationId = decodeExplicitInteger(v);
        break;
      case 0xa6:
        out.callingApTitle = decodeExplicitOctetString(v);
        break;
      case 0xa7:
        out.callingAeQualifier = decodeExplicitOctetString(v);
        break;
      case 0xa8:
        out.callingApInvocationId = decodeExplicitInteger(v);
        break;
      case 0xa9:
        out.callingAeInvocationId = decodeExplicitInteger(v);
        break;
      case 0x8a:
        out.senderAcseRequirements = decodeAcseRequirements(v);
        break;
      case 0x8b:
        out.mechanismName = decodeMechanismName(v);
        break;
      case 0xac:
        out.callingAuthenticationValue = decodeAuthenticationValue(v);
        break;
      case 0x9d:
        out.implementationInformation = v.rest();
        break;
      case 0xbe:
        out.userInformation = decodeUserInformation(v, REQUEST_USER_INFORMATION);
        break;
    }
  });
  if (out.applicationContextName === undefined) {
    throw c.error('INVALID_VALUE', 'AARQ without application-context-name', start);
  }
  return out as Aarq;
}

/** Writes an AARQ, tag 0x60 included. Absent optional fields are not written. */
export function encodeAarq(w: Writer, v: Aarq): void {
  const m = beginBerTlv(w, AARQ_TAG);
  if (v.protocolVersion !== undefined) encodeImplicitBitString(w, 0x80, v.protocolVersion);
  encodeApplicationContextName(w, 0xa1, v.applicationContextName);
  if (v.calledApTitle !== undefined) encodeExplicitOctetString(w, 0xa2, v.calledApTitle);
  if (v.calledAeQualifier !== undefined) encodeExplicitOctetString(w, 0xa3, v.calledAeQualifier);
  if (v.calledApInvocationId !== undefined) encodeExplicitInteger(w, 0xa4, v.calledApInvocationId);
  if (v.calledAeInvocationId !== undefined) encodeExplicitInteger(w, 0xa5, v.calledAeInvocationId);
  if (v.callingApTitle !== undefined) encodeExplicitOctetString(w, 0xa6, v.callingApTitle);
  if (v.callingAeQualifier !== undefined) encodeExplicitOctetString(w, 0xa7, v.callingAeQualifier);
  if (v.callingApInvocationId !== undefined) encodeExplicitInteger(w, 0xa8, v.callingApInvocationId);
  if (v.callingAeInvocationId !== undefined) encodeExplicitInteger(w, 0xa9, v.callingAeInvocationId);
  if (v.senderAcseRequirements !== undefined) encodeAcseRequirements(w, 0x8a, v.senderAcseRequirements);
  if (v.mechanismName !== undefined) encodeMechanismName(w, 0x8b, v.mechanismName);
  if (v.callingAuthenticationValue !== undefined)
    encodeAuthenticationValue(w, 0xac, v.callingAuthenticationValue);
  if (v.implementationInformation !== undefined) encodeImplicitOctets(w, 0x9d, v.implementationInformation);
  if (v.userInformation !== undefined) encodeUserInformation(w, v.userInformation, REQUEST_USER_INFORMATION);
  endBerTlv(w, m);
}
