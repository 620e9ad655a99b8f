/**
 * ACCESS service (Green Book, IEC 62056-5-3): Access-Request (tag 0xD9, [217]) and Access-Response
 * (tag 0xDA, [218]). Each carries a Long-Invoke-Id-And-Priority, a date-time OCTET STRING (empty when
 * not present) and a body of request or response specifications with a list of Data.
 *
 * Access-Request-Body ::= SEQUENCE { access-request-specification SEQUENCE OF Access-Request-Specification,
 *                                    access-request-list-of-data SEQUENCE OF Data }
 * Access-Response-Body ::= SEQUENCE { access-request-specification [0] ... OPTIONAL,
 *                                     access-response-list-of-data SEQUENCE OF Data,
 *                                     access-response-specification SEQUENCE OF Access-Response-Specification }
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import type { DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import {
  type ActionResult,
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
  type DataAccessResult,
  type LongInvokeIdAndPriority,
  decodeActionResult,
  decodeCosemAttributeDescriptor,
  decodeCosemMethodDescriptor,
  decodeCount,
  decodeDataAccessResult,
  decodeListOfData,
  decodeLongInvokeIdAndPriority,
  decodeOptionalDateTime,
  decodePresence,
  encodeActionResult,
  encodeCosemAttributeDescriptor,
  encodeCosemMethodDescriptor,
  encodeDataAccessResult,
  encodeListOfData,
  encodeLongInvokeIdAndPriority,
  encodeOptionalDateTime,
} from './common.js';
import {
  type SelectiveAccessDescriptor,
  decodeSelectiveAccessDescriptor,
  encodeSelectiveAccessDescriptor,
} from './selective-access.js';

/** Tag of Access-Request. */
export const ACCESS_REQUEST_TAG = 0xd9;
/** Tag of Access-Response. */
export const ACCESS_RESPONSE_TAG = 0xda;

/** Access-Request-Specification ::= CHOICE { get [1], set [2], action [3], get-with-selection [4], set-with-selection [5] }. */
export type AccessRequestSpecification =
  | { readonly type: 'access-request-get'; readonly attribute: CosemAttributeDescriptor }
  | { readonly type: 'access-request-set'; readonly attribute: CosemAttributeDescriptor }
  | { readonly type: 'access-request-action'; readonly method: CosemMethodDescriptor }
  | {
      readonly type: 'access-request-get-with-selection';
      readonly attribute: CosemAttributeDescriptor;
      readonly accessSelection: SelectiveAccessDescriptor;
    }
  | {
      readonly type: 'access-request-set-with-selection';
      readonly attribute: CosemAttributeDescriptor;
      readonly accessSelection: SelectiveAccessDescriptor;
    };

/** Access-Response-Specification ::= CHOICE { get [1], set [2], action [3] }, each carrying its result. */
export type AccessResponseSpecification =
  | { readonly type: 'access-response-get'; readonly result: DataAccessResult }
  | { readonly type: 'access-response-set'; readonly result: DataAccessResult }
  | { readonly type: 'access-response-action'; readonly result: ActionResult };

/** Access-Request [217]: several GET/SET/ACTION requests in one APDU. */
export interface AccessRequest {
  readonly type: 'access-request';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  /** The date-time octet string; absent when empty on the wire. */
  readonly dateTime?: Uint8Array;
  readonly specifications: readonly AccessRequestSpecification[];
  readonly data: readonly Data[];
}

/** Access-Response [218]: the data and one result per request specification. */
export interface AccessResponse {
  readonly type: 'access-response';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  readonly dateTime?: Uint8Array;
  /** The request specifications echoed back (OPTIONAL). */
  readonly requestSpecifications?: readonly AccessRequestSpecification[];
  readonly data: readonly Data[];
  readonly responses: readonly AccessResponseSpecification[];
}

function decodeRequestSpecifications(r: Reader, limits?: DataLimits): AccessRequestSpecification[] {
  const n = decodeCount(r, 10, 'access request specifications');
  const out = new Array<AccessRequestSpecification>(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const choice = r.u8();
    switch (choice) {
      case 1:
        out[i] = { type: 'access-request-get', attribute: decodeCosemAttributeDescriptor(r) };
        break;
      case 2:
        out[i] = { type: 'access-request-set', attribute: decodeCosemAttributeDescriptor(r) };
        break;
      case 3:
        out[i] = { type: 'access-request-action', method: decodeCosemMethodDescriptor(r) };
        break;
      case 4:
      case 5: {
        const attribute = decodeCosemAttributeDescriptor(r);
        const accessSelection = decodeSelectiveAccessDescriptor(r, limits);
        out[i] =
          choice === 4
            ? { type: 'access-request-get-with-selection', attribute, accessSelection }
            : { type: 'access-request-set-with-selection', attribute, accessSelection };
        break;
      }
      default:
        throw r.error('UNKNOWN_TAG', `unknown Access-Request-Specification choice ${choice}`, at);
    }
  }
  return out;
}

function encodeRequestSpecifications(w: Writer, list: readonly AccessRequestSpecification[]): void {
  encodeLength(w, list.length);
  for (const s of list) {
    switch (s.type) {
      case 'access-request-get':
        w.u8(1);
        encodeCosemAttributeDescriptor(w, s.attribute);
        break;
      case 'access-request-set':
        w.u8(2);
        encodeCosemAttributeDescriptor(w, s.attribute);
        break;
      case 'access-request-action':
        w.u8(3);
        encodeCosemMethodDescriptor(w, s.method);
        break;
      case 'access-request-get-with-selection':
        w.u8(4);
        encodeCosemAttributeDescriptor(w, s.attribute);
        encodeSelectiveAccessDescriptor(w, s.accessSelection);
        break;
      case 'access-request-set-with-selection':
        w.u8(5);
        encodeCosemAttributeDescriptor(w, s.attribute);
        encodeSelectiveAccessDescriptor(w, s.accessSelection);
        break;
      default:
        throw new ArgumentError(`unknown Access-Request-Specification ${(s as { type: string }).type}`);
    }
  }
}

/** Reads an Access-Request, tag included. */
export function decodeAccessRequest(r: Reader, limits?: DataLimits): AccessRequest {
  const tagAt = r.pos;
  if (r.u8() !== ACCESS_REQUEST_TAG) throw r.error('UNKNOWN_TAG', 'not an Access-Request', tagAt);
  const longInvokeIdAndPriority = decodeLongInvokeIdAndPriority(r);
  const dateTime = decodeOptionalDateTime(r);
  const specifications = decodeRequestSpecifications(r, limits);
  const data = decodeListOfData(r, limits);
  return dateTime === undefined
    ? { type: 'access-request', longInvokeIdAndPriority, specifications, data }
    : { type: 'access-request', longInvokeIdAndPriority, dateTime, specifications, data };
}

/** Writes an Access-Request, tag included. */
export function encodeAccessRequest(w: Writer, v: AccessRequest): void {
  w.u8(ACCESS_REQUEST_TAG);
  encodeLongInvokeIdAndPriority(w, v.longInvokeIdAndPriority);
  encodeOptionalDateTime(w, v.dateTime);
  encodeRequestSpecifications(w, v.specifications);
  encodeListOfData(w, v.data);
}

/** Reads an Access-Response, tag included. */
export function decodeAccessResponse(r: Reader, limits?: DataLimits): AccessResponse {
  const tagAt = r.pos;
  if (r.u8() !== ACCESS_RESPONSE_TAG) throw r.error('UNKNOWN_TAG', 'not an Access-Response', tagAt);
  const longInvokeIdAndPriority = decodeLongInvokeIdAndPriority(r);
  const dateTime = decodeOptionalDateTime(r);
  const requestSpecifications = decodePresence(r) ? decodeRequestSpecifications(r, limits) : undefined;
  const data = decodeListOfData(r, limits);
  const n = decodeCount(r, 2, 'access response specifications');
  const responses = new Array<AccessResponseSpecification>(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const choice = r.u8();
    if (choice === 1) responses[i] = { type: 'access-response-get', result: decodeDataAccessResult(r) };
    else if (choice === 2) responses[i] = { type: 'access-response-set', result: decodeDataAccessResult(r) };
    else if (choice === 3) responses[i] = { type: 'access-response-action', result: decodeActionResult(r) };
    else throw r.error('UNKNOWN_TAG', `unknown Access-Response-Specification choice ${choice}`, at);
  }
  const out: {
    type: 'access-response';
    longInvokeIdAndPriority: LongInvokeIdAndPriority;
    dateTime?: Uint8Array;
    requestSpecifications?: readonly AccessRequestSpecification[];
    data: readonly Data[];
    responses: readonly AccessResponseSpecification[];
  } = { type: 'access-response', longInvokeIdAndPriority, data, responses };
  if (dateTime !== undefined) out.dateTime = dateTime;
  if (requestSpecifications !== undefined) out.requestSpecifications = requestSpecifications;
  return out;
}

/** Writes an Access-Response, tag included. */
export function encodeAccessResponse(w: Writer, v: AccessResponse): void {
  w.u8(ACCESS_RESPONSE_TAG);
  encodeLongInvokeIdAndPriority(w, v.longInvokeIdAndPriority);
  encodeOptionalDateTime(w, v.dateTime);
  if (v.requestSpecifications === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    encodeRequestSpecifications(w, v.requestSpecifications);
  }
  encodeListOfData(w, v.data);
  encodeLength(w, v.responses.length);
  for (const s of v.responses) {
    switch (s.type) {
      case 'access-response-get':
        w.u8(1);
        encodeDataAccessResult(w, s.result);
        break;
      case 'access-response-set':
        w.u8(2);
        encodeDataAccessResult(w, s.result);
        break;
      case 'access-response-action':
        w.u8(3);
        encodeActionResult(w, s.result);
        break;
      default:
        throw new ArgumentError(`unknown Access-Response-Specification ${(s as { type: string }).type}`);
    }
  }
}
