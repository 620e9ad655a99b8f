/**
 * AARE, the A-ASSOCIATE response (`AARE-apdu ::= [APPLICATION 1] IMPLICIT SEQUENCE`, tag 0x61), BER
 * encoded as IEC 62056-5-3 profiles ISO/IEC 8650-1:
 *
 * ```
 * [0]  80 protocol-version                    IMPLICIT BIT STRING DEFAULT {version1}
 * [1]  A1 application-context-name            EXPLICIT OBJECT IDENTIFIER
 * [2]  A2 result                              EXPLICIT INTEGER (Association-result)
 * [3]  A3 result-source-diagnostic            EXPLICIT CHOICE { acse-service-user [1], acse-service-provider [2] }
 * [4]  A4 responding-AP-title                 EXPLICIT OCTET STRING (server system title) OPTIONAL
 * [5]  A5 responding-AE-qualifier             EXPLICIT OCTET STRING  OPTIONAL
 * [6]  A6 responding-AP-invocation-identifier EXPLICIT INTEGER       OPTIONAL
 * [7]  A7 responding-AE-invocation-identifier EXPLICIT INTEGER       OPTIONAL
 * [8]  88 responder-acse-requirements         IMPLICIT BIT STRING    OPTIONAL
 * [9]  89 mechanism-name                      IMPLICIT OBJECT IDENTIFIER OPTIONAL
 * [10] AA responding-authentication-value     EXPLICIT Authentication-value (HLS StoC challenge) OPTIONAL
 * [29] 9D implementation-information          IMPLICIT GraphicString OPTIONAL
 * [30] BE user-information                    EXPLICIT OCTET STRING (InitiateResponse or ConfirmedServiceError)
 * ```
 *
 * Result and diagnostics are shown by name; a code the standard does not name stays a number, so a
 * rejection is always readable. `application-context-name-list` [11] is rejected as `UNKNOWN_TAG`.
 * Deliberately not here: deciding whether an association is accepted (state machines).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { beginBerTlv, berTagHex, endBerTlv, readBerLength, readBerTag, readBerTlv } from '../ber/tlv.js';
import { decodeBerBitString, type BerBitString } from '../ber/primitives.js';
import { namedValues, type ApplicationContextName, type MechanismName } from './names.js';
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
import {
  CONFIRMED_SERVICE_ERROR_TAG,
  decodeConfirmedServiceError,
  encodeConfirmedServiceError,
  type ConfirmedServiceError,
} from '../xdlms/confirmed-service-error.js';

/** Range of raw codes the encoder accepts: what a six-octet BER INTEGER holds. */
const INTEGER_MIN = -(2 ** 47);
const INTEGER_MAX = 2 ** 47 - 1;

/** Tag of the AARE APDU ([APPLICATION 1] constructed). */
export const AARE_TAG = 0x61;

/** Association-result ::= INTEGER { accepted(0), rejected-permanent(1), rejected-transient(2) }. */
export const ASSOCIATION_RESULT = namedValues(
  [
    ['accepted', 0],
    ['rejected-permanent', 1],
    ['rejected-transient', 2],
  ] as const,
  'Association-result',
  INTEGER_MIN,
  INTEGER_MAX,
);
/** Name of an Association-result. */
export type AssociationResult = (typeof ASSOCIATION_RESULT.names)[number];

/** acse-service-user diagnostic values (ISO/IEC 8650-1, as used by IEC 62056-5-3). */
export const ACSE_SERVICE_USER_DIAGNOSTIC = namedValues(
  [
    ['null', 0],
    ['no-reason-given', 1],
    ['application-context-name-not-supported', 2],
    ['calling-AP-title-not-recognized', 3],
    ['calling-AP-invocation-identifier-not-recognized', 4],
    ['calling-AE-qualifier-not-recognized', 5],
    ['calling-AE-invocation-identifier-not-recognized', 6],
    ['called-AP-title-not-recognized', 7],
    ['called-AP-invocation-identifier-not-recognized', 8],
    ['called-AE-qualifier-not-recognized', 9],
    ['called-AE-invocation-identifier-not-recognized', 10],
    ['authentication-mechanism-name-not-recognised', 11],
    ['authentication-mechanism-name-required', 12],
    ['authentication-failure', 13],
    ['authentication-required', 14],
  ] as const,
  'acse-service-user diagnostic',
  INTEGER_MIN,
  INTEGER_MAX,
);
/** Name of an acse-service-user diagnostic. */
export type AcseServiceUserDiagnostic = (typeof ACSE_SERVICE_USER_DIAGNOSTIC.names)[number];

/** acse-service-provider diagnostic values. */
export const ACSE_SERVICE_PROVIDER_DIAGNOSTIC = namedValues(
  [
    ['null', 0],
    ['no-reason-given', 1],
    ['no-common-acse-version', 2],
  ] as const,
  'acse-service-provider diagnostic',
  INTEGER_MIN,
  INTEGER_MAX,
);
/** Name of an acse-service-provider diagnostic. */
export type AcseServiceProviderDiagnostic = (typeof ACSE_SERVICE_PROVIDER_DIAGNOSTIC.names)[number];

/** Associate-source-diagnostic: who answered, and why. */
export type AssociateSourceDiagnostic =
  | { readonly source: 'acse-service-user'; readonly value: AcseServiceUserDiagnostic | number }
  | { readonly source: 'acse-service-provider'; readonly value: AcseServiceProviderDiagnostic | number };

/** The xDLMS APDUs an AARE may carry in plain. */
export type AareUserApdu = InitiateResponse | ConfirmedServiceError;

/** The A-ASSOCIATE response. Byte strings are views into the decoded input. */
export interface Aare {
  readonly type: 'aare';
  /** Present only when the peer sent it (it defaults to version1). */
  readonly protocolVersion?: BerBitString;
  readonly applicationContextName: ApplicationContextName;
  readonly result: AssociationResult | number;
  readonly resultSourceDiagnostic: AssociateSourceDiagnostic;
  /** The server's system title when ciphering is used. */
  readonly respondingApTitle?: Uint8Array;
  readonly respondingAeQualifier?: Uint8Array;
  readonly respondingApInvocationId?: number;
  readonly respondingAeInvocationId?: number;
  readonly responderAcseRequirements?: AcseRequirements;
  readonly mechanismName?: MechanismName;
  /** The HLS server-to-client challenge. */
  readonly respondingAuthenticationValue?: AuthenticationValue;
  /** GraphicString octets. */
  readonly implementationInformation?: Uint8Array;
  readonly userInformation?: UserInformation<AareUserApdu>;
}

const ORDER = [0x80, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0x88, 0x89, 0xaa, 0x9d, 0xbe] as const;

/** Plain and ciphered APDUs allowed in the user-information of an AARE. */
export const AARE_USER_INFORMATION: PlainApduCodecs<AareUserApdu> = {
  decode: new Map<number, (r: Reader) => AareUserApdu>([
    [INITIATE_RESPONSE_TAG, decodeInitiateResponse],
    [CONFIRMED_SERVICE_ERROR_TAG, decodeConfirmedServiceError],
  ]),
  encode: (w, v) => {
    if (v.type === 'initiate-response') encodeInitiateResponse(w, v);
    else if (v.type === 'confirmed-service-error') encodeConfirmedServiceError(w, v);
    else throw new ArgumentError(`'${String((v as { type: unknown }).type)}' is not allowed in an AARE`);
  },
  ciphered: CIPHERED_RESPONSE_TAGS,
};

function decodeDiagnostic(v: Reader): AssociateSourceDiagnostic {
  const at = v.pos;
  const tag = readBerTag(v);
  const c = v.sub(readBerLength(v));
  let d: AssociateSourceDiagnostic;
  if (tag === 0xa1)
    d = { source: 'acse-service-user', value: ACSE_SERVICE_USER_DIAGNOSTIC.name(decodeExplicitInteger(c)) };
  else if (tag === 0xa2)
    d = {
      source: 'acse-service-provider',
      value: ACSE_SERVICE_PROVIDER_DIAGNOSTIC.name(decodeExplicitInteger(c)),
    };
  else throw v.error('UNKNOWN_TAG', `result-source-diagnostic arm ${berTagHex(tag)} is not defined`, at);
  c.expectEnd('result-source-diagnostic');
  return d;
}

function encodeDiagnostic(w: Writer, d: AssociateSourceDiagnostic): void {
  const m = beginBerTlv(w, 0xa3);
  if (d.source === 'acse-service-user') {
    encodeExplicitInteger(w, 0xa1, ACSE_SERVICE_USER_DIAGNOSTIC.code(d.value));
  } else if (d.source === 'acse-service-provider') {
    encodeExplicitInteger(w, 0xa2, ACSE_SERVICE_PROVIDER_DIAGNOSTIC.code(d.value));
  } else {
    throw new ArgumentError(`'${String((d as { source: unknown }).source)}' is not a diagnostic source`);
  }
  endBerTlv(w, m);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Reads an AARE, starting at its tag 0x61; `r` moves past it. */
export function decodeAare(r: Reader): Aare {
  const c = readBerTlv(r, AARE_TAG, 'AARE');
  const start = c.pos;
  const out: Partial<Mutable<Aare>> = { type: 'aare' };
  forEachBerField(c, ORDER, 'AARE', (tag, v) => {
    switch (tag) {
      case 0x80:
        out.protocolVersion = decodeBerBitString(v);
        break;
      case 0xa1:
        out.applicationContextName = decodeApplicationContextName(v);
        break;
      case 0xa2:
        out.result = ASSOCIATION_RESULT.name(decodeExplicitInteger(v));
        break;
      case 0xa3:
        out.resultSourceDiagnostic = decodeDiagnostic(v);
        break;
      case 0xa4:
        out.respondingApTitle = decodeExplicitOctetString(v);
        break;
      case 0xa5:
        out.respondingAeQualifier = decodeExplicitOctetString(v);
        break;
      case 0xa6:
        out.respondingApInvocationId = decodeExplicitInteger(v);
        break;
      case 0xa7:
        out.respondingAeInvocationId = decodeExplicitInteger(v);
        break;
      case 0x88:
        out.responderAcseRequirements = decodeAcseRequirements(v);
        break;
      case 0x89:
        out.mechanismName = decodeMechanismName(v);
        break;
      case 0xaa:
        out.respondingAuthenticationValue = decodeAuthenticationValue(v);
        break;
      case 0x9d:
        out.implementationInformation = v.rest();
        break;
      case 0xbe:
        out.userInformation = decodeUserInformation(v, AARE_USER_INFORMATION);
        break;
    }
  });
  if (out.applicationContextName === undefined) {
    throw c.error('INVALID_VALUE', 'AARE without application-context-name', start);
  }
  if (out.result === undefined) throw c.error('INVALID_VALUE', 'AARE without result', start);
  if (out.resultSourceDiagnostic === undefined) {
    throw c.error('INVALID_VALUE', 'AARE without result-source-diagnostic', start);
  }
  return out as Aare;
}

/** Writes an AARE, tag 0x61 included. Absent optional fields are not written. */
export function encodeAare(w: Writer, v: Aare): void {
  const m = beginBerTlv(w, AARE_TAG);
  if (v.protocolVersion !== undefined) encodeImplicitBitString(w, 0x80, v.protocolVersion);
  encodeApplicationContextName(w, 0xa1, v.applicationContextName);
  encodeExplicitInteger(w, 0xa2, ASSOCIATION_RESULT.code(v.result));
  encodeDiagnostic(w, v.resultSourceDiagnostic);
  if (v.respondingApTitle !== undefined) encodeExplicitOctetString(w, 0xa4, v.respondingApTitle);
  if (v.respondingAeQualifier !== undefined) encodeExplicitOctetString(w, 0xa5, v.respondingAeQualifier);
  if (v.respondingApInvocationId !== undefined) encodeExplicitInteger(w, 0xa6, v.respondingApInvocationId);
  if (v.respondingAeInvocationId !== undefined) encodeExplicitInteger(w, 0xa7, v.respondingAeInvocationId);
  if (v.responderAcseRequirements !== undefined) encodeAcseRequirements(w, 0x88, v.responderAcseRequirements);
  if (v.mechanismName !== undefined) encodeMechanismName(w, 0x89, v.mechanismName);
  if (v.respondingAuthenticationValue !== undefined) {
    encodeAuthenticationValue(w, 0xaa, v.respondingAuthenticationValue);
  }
  if (v.implementationInformation !== undefined) encodeImplicitOctets(w, 0x9d, v.implementationInformation);
  if (v.userInformation !== undefined) encodeUserInformation(w, v.userInformation, AARE_USER_INFORMATION);
  endBerTlv(w, m);
}
