/**
 * The top-level APDU codec: one switch on the first byte (the tag of the COSEMpdu / ACSE-APDU CHOICE)
 * to the codec of each family, and the union {@link Apdu} of every message the stack decodes.
 *
 * `decodeApdu` consumes every byte or throws `TRAILING_BYTES`; an unknown first byte is `UNKNOWN_TAG`
 * at offset 0. It does not decipher (protected APDUs come back as their envelope, see
 * `security/envelope.ts`), does not reassemble blocks and does not interpret Data.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { ArgumentError } from './errors.js';
import type { DataLimits } from './axdr/data.js';
import { type Aarq, AARQ_TAG, decodeAarq, encodeAarq } from './acse/aarq.js';
import { type Aare, AARE_TAG, decodeAare, encodeAare } from './acse/aare.js';
import { type Rlrq, RLRQ_TAG, decodeRlrq, encodeRlrq } from './acse/rlrq.js';
import { type Rlre, RLRE_TAG, decodeRlre, encodeRlre } from './acse/rlre.js';
import {
  type InitiateRequest,
  type InitiateResponse,
  INITIATE_REQUEST_TAG,
  INITIATE_RESPONSE_TAG,
  decodeInitiateRequest,
  decodeInitiateResponse,
  encodeInitiateRequest,
  encodeInitiateResponse,
} from './xdlms/initiate.js';
import {
  type ConfirmedServiceError,
  CONFIRMED_SERVICE_ERROR_TAG,
  decodeConfirmedServiceError,
  encodeConfirmedServiceError,
} from './xdlms/confirmed-service-error.js';
import {
  type CipheredApdu,
  decodeCipheredApdu,
  encodeCipheredApdu,
  isCipheredApduTag,
} from './security/envelope.js';
import {
  type GetRequest,
  type GetResponse,
  GET_REQUEST_TAG,
  GET_RESPONSE_TAG,
  decodeGetRequest,
  decodeGetResponse,
  encodeGetRequest,
  encodeGetResponse,
} from './xdlms/get.js';
import {
  type SetRequest,
  type SetResponse,
  SET_REQUEST_TAG,
  SET_RESPONSE_TAG,
  decodeSetRequest,
  decodeSetResponse,
  encodeSetRequest,
  encodeSetResponse,
} from './xdlms/set.js';
import {
  type ActionRequest,
  type ActionResponse,
  ACTION_REQUEST_TAG,
  ACTION_RESPONSE_TAG,
  decodeActionRequest,
  decodeActionResponse,
  encodeActionRequest,
  encodeActionResponse,
} from './xdlms/action.js';
import {
  type AccessRequest,
  type AccessResponse,
  ACCESS_REQUEST_TAG,
  ACCESS_RESPONSE_TAG,
  decodeAccessRequest,
  decodeAccessResponse,
  encodeAccessRequest,
  encodeAccessResponse,
} from './xdlms/access.js';
import {
  type DataNotification,
  DATA_NOTIFICATION_TAG,
  decodeDataNotification,
  encodeDataNotification,
} from './xdlms/data-notification.js';
import {
  type EventNotificationRequest,
  EVENT_NOTIFICATION_REQUEST_TAG,
  decodeEventNotificationRequest,
  encodeEventNotificationRequest,
} from './xdlms/event-notification.js';
import {
  type ExceptionResponse,
  EXCEPTION_RESPONSE_TAG,
  decodeExceptionResponse,
  encodeExceptionResponse,
} from './xdlms/exception-response.js';
import {
  type GeneralBlockTransfer,
  GENERAL_BLOCK_TRANSFER_TAG,
  decodeGeneralBlockTransfer,
  encodeGeneralBlockTransfer,
} from './xdlms/general-block-transfer.js';
import {
  type SnApdu,
  INFORMATION_REPORT_REQUEST_TAG,
  READ_REQUEST_TAG,
  READ_RESPONSE_TAG,
  UNCONFIRMED_WRITE_REQUEST_TAG,
  WRITE_REQUEST_TAG,
  WRITE_RESPONSE_TAG,
  decodeInformationReportRequest,
  decodeReadRequest,
  decodeReadResponse,
  decodeUnconfirmedWriteRequest,
  decodeWriteRequest,
  decodeWriteResponse,
  encodeInformationReportRequest,
  encodeReadRequest,
  encodeReadResponse,
  encodeUnconfirmedWriteRequest,
  encodeWriteRequest,
  encodeWriteResponse,
} from './xdlms/sn.js';

/** Every APDU the stack decodes and encodes, discriminated on `type`. */
export type Apdu =
  | Aarq
  | Aare
  | Rlrq
  | Rlre
  | InitiateRequest
  | InitiateResponse
  | ConfirmedServiceError
  | CipheredApdu
  | GetRequest
  | GetResponse
  | SetRequest
  | SetResponse
  | ActionRequest
  | ActionResponse
  | AccessRequest
  | AccessResponse
  | DataNotification
  | EventNotificationRequest
  | ExceptionResponse
  | GeneralBlockTransfer
  | SnApdu;

/** Options of {@link decodeApdu}. */
export interface DecodeApduOptions {
  /** Limits applied to every Data value inside the APDU. */
  readonly dataLimits?: DataLimits;
}

/**
 * Decodes one complete APDU. Every byte must belong to it (`TRAILING_BYTES` otherwise); an unknown
 * first byte is `UNKNOWN_TAG` at offset 0. Byte strings in the result are views into `bytes`.
 */
export function decodeApdu(bytes: Uint8Array, options?: DecodeApduOptions): Apdu {
  const r = new Reader(bytes);
  const limits = options?.dataLimits;
  const tag = r.peekU8();
  let apdu: Apdu;
  switch (tag) {
    case DATA_NOTIFICATION_TAG:
      apdu = decodeDataNotification(r, limits);
      break;
    case GET_REQUEST_TAG:
      apdu = decodeGetRequest(r, limits);
      break;
    case GET_RESPONSE_TAG:
      apdu = decodeGetResponse(r, limits);
      break;
    case SET_REQUEST_TAG:
      apdu = decodeSetRequest(r, limits);
      break;
    case SET_RESPONSE_TAG:
      apdu = decodeSetResponse(r);
      break;
    case ACTION_REQUEST_TAG:
      apdu = decodeActionRequest(r, limits);
      break;
    case ACTION_RESPONSE_TAG:
      apdu = decodeActionResponse(r, limits);
      break;
    case EVENT_NOTIFICATION_REQUEST_TAG:
      apdu = decodeEventNotificationRequest(r, limits);
      break;
    case EXCEPTION_RESPONSE_TAG:
      apdu = decodeExceptionResponse(r);
      break;
    case ACCESS_REQUEST_TAG:
      apdu = decodeAccessRequest(r, limits);
      break;
    case ACCESS_RESPONSE_TAG:
      apdu = decodeAccessResponse(r, limits);
      break;
    case GENERAL_BLOCK_TRANSFER_TAG:
      apdu = decodeGeneralBlockTransfer(r);
      break;
    case READ_REQUEST_TAG:
      apdu = decodeReadRequest(r, limits);
      break;
    case READ_RESPONSE_TAG:
      apdu = decodeReadResponse(r, limits);
      break;
    case WRITE_REQUEST_TAG:
      apdu = decodeWriteRequest(r, limits);
      break;
    case WRITE_RESPONSE_TAG:
      apdu = decodeWriteResponse(r);
      break;
    case UNCONFIRMED_WRITE_REQUEST_TAG:
      apdu = decodeUnconfirmedWriteRequest(r, limits);
      break;
    case INFORMATION_REPORT_REQUEST_TAG:
      apdu = decodeInformationReportRequest(r, limits);
      break;
    case INITIATE_REQUEST_TAG:
      apdu = decodeInitiateRequest(r);
      break;
    case INITIATE_RESPONSE_TAG:
      apdu = decodeInitiateResponse(r);
      break;
    case CONFIRMED_SERVICE_ERROR_TAG:
      apdu = decodeConfirmedServiceError(r);
      break;
    case AARQ_TAG:
      apdu = decodeAarq(r);
      break;
    case AARE_TAG:
      apdu = decodeAare(r);
      break;
    case RLRQ_TAG:
      apdu = decodeRlrq(r);
      break;
    case RLRE_TAG:
      apdu = decodeRlre(r);
      break;
    default:
      if (!isCipheredApduTag(tag)) throw r.error('UNKNOWN_TAG', `unknown APDU tag 0x${tag.toString(16)}`, 0);
      apdu = decodeCipheredApdu(r);
  }
  r.expectEnd('APDU');
  return apdu;
}

/** Writes one APDU. */
export function encodeApduTo(w: Writer, apdu: Apdu): void {
  switch (apdu.type) {
    case 'data-notification':
      return encodeDataNotification(w, apdu);
    case 'get-request-normal':
    case 'get-request-next':
    case 'get-request-with-list':
      return encodeGetRequest(w, apdu);
    case 'get-response-normal':
    case 'get-response-with-datablock':
    case 'get-response-with-list':
      return encodeGetResponse(w, apdu);
    case 'set-request-normal':
    case 'set-request-with-first-datablock':
    case 'set-request-with-datablock':
    case 'set-request-with-list':
    case 'set-request-with-list-and-first-datablock':
      return encodeSetRequest(w, apdu);
    case 'set-response-normal':
    case 'set-response-datablock':
    case 'set-response-last-datablock':
    case 'set-response-last-datablock-with-list':
    case 'set-response-with-list':
      return encodeSetResponse(w, apdu);
    case 'action-request-normal':
    case 'action-request-next-pblock':
    case 'action-request-with-list':
    case 'action-request-with-first-pblock':
    case 'action-request-with-list-and-first-pblock':
    case 'action-request-with-pblock':
      return encodeActionRequest(w, apdu);
    case 'action-response-normal':
    case 'action-response-with-pblock':
    case 'action-response-with-list':
    case 'action-response-next-pblock':
      return encodeActionResponse(w, apdu);
    case 'access-request':
      return encodeAccessRequest(w, apdu);
    case 'access-response':
      return encodeAccessResponse(w, apdu);
    case 'event-notification-request':
      return encodeEventNotificationRequest(w, apdu);
    case 'exception-response':
      return encodeExceptionResponse(w, apdu);
    case 'general-block-transfer':
      return encodeGeneralBlockTransfer(w, apdu);
    case 'read-request':
      return encodeReadRequest(w, apdu);
    case 'read-response':
      return encodeReadResponse(w, apdu);
    case 'write-request':
      return encodeWriteRequest(w, apdu);
    case 'write-response':
      return encodeWriteResponse(w, apdu);
    case 'unconfirmed-write-request':
      return encodeUnconfirmedWriteRequest(w, apdu);
    case 'information-report-request':
      return encodeInformationReportRequest(w, apdu);
    case 'initiate-request':
      return encodeInitiateRequest(w, apdu);
    case 'initiate-response':
      return encodeInitiateResponse(w, apdu);
    case 'confirmed-service-error':
      return encodeConfirmedServiceError(w, apdu);
    case 'aarq':
      return encodeAarq(w, apdu);
    case 'aare':
      return encodeAare(w, apdu);
    case 'rlrq':
      return encodeRlrq(w, apdu);
    case 'rlre':
      return encodeRlre(w, apdu);
    case 'glo-ciphered':
    case 'ded-ciphered':
    case 'general-glo-ciphering':
    case 'general-ded-ciphering':
    case 'general-ciphering':
    case 'general-signing':
      return encodeCipheredApdu(w, apdu);
    default:
      throw new ArgumentError(`unknown APDU type ${(apdu as { type: string }).type}`);
  }
}

/** Encodes one APDU into a new byte array. */
export function encodeApdu(apdu: Apdu): Uint8Array {
  // One scratch writer, reset per call: the result is a single right-sized copy, with no growth
  // copies for the usual sizes. Encoders never call back into user code, so there is no re-entry.
  const w = scratch;
  w.reset();
  try {
    encodeApduTo(w, apdu);
    return w.toBytes();
  } finally {
    // Do not keep a buffer that one huge APDU made large.
    if (w.length > SCRATCH_KEEP_BYTES) scratch = new Writer(SCRATCH_INITIAL_BYTES);
  }
}

const SCRATCH_INITIAL_BYTES = 4096;
const SCRATCH_KEEP_BYTES = 65536;
let scratch = new Writer(SCRATCH_INITIAL_BYTES);

/**
 * A short name for logs: the Green Book name of the APDU's CHOICE arm (`'get-request-normal'`,
 * `'data-notification'`, `'aarq'`); for a service-specific ciphered APDU, the glo-/ded- name of its
 * service (`'glo-get-request'`).
 */
export function apduName(apdu: Apdu): string {
  if (apdu.type === 'glo-ciphered') return `glo-${apdu.service}`;
  if (apdu.type === 'ded-ciphered') return `ded-${apdu.service}`;
  return apdu.type;
}
