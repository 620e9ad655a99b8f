/**
 * GET-Request (tag 0xC0, [192]) and GET-Response (tag 0xC4, [196]) of logical-name referencing
 * (Green Book, IEC 62056-5-3 xDLMS ASN.1): normal, next (block transfer) and with-list requests;
 * normal, with-datablock and with-list responses.
 *
 * Block transfer is not reassembled here: a with-datablock response carries its raw-data slice as is
 * (the association layer joins the slices and decodes the Data once complete).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import type { DataLimits } from '../axdr/data.js';
import {
  type CosemAttributeDescriptor,
  type DataBlockG,
  type GetDataResult,
  type InvokeIdAndPriority,
  decodeCosemAttributeDescriptor,
  decodeCount,
  decodeDataBlockG,
  decodeGetDataResult,
  decodeInvokeIdAndPriority,
  encodeCosemAttributeDescriptor,
  encodeDataBlockG,
  encodeGetDataResult,
  encodeInvokeIdAndPriority,
} from './common.js';
import {
  type SelectiveAccessDescriptor,
  decodeOptionalSelectiveAccess,
  encodeOptionalSelectiveAccess,
} from './selective-access.js';

/** Tag of GET-Request. */
export const GET_REQUEST_TAG = 0xc0;
/** Tag of GET-Response. */
export const GET_RESPONSE_TAG = 0xc4;

/** Cosem-Attribute-Descriptor-With-Selection. */
export interface CosemAttributeDescriptorWithSelection {
  readonly attribute: CosemAttributeDescriptor;
  readonly accessSelection?: SelectiveAccessDescriptor;
}

/** Get-Request-Normal [1]: one attribute, optionally with selective access. */
export interface GetRequestNormal {
  readonly type: 'get-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attribute: CosemAttributeDescriptor;
  readonly accessSelection?: SelectiveAccessDescriptor;
}

/** Get-Request-Next [2]: asks for the block after `blockNumber` of a long GET. */
export interface GetRequestNext {
  readonly type: 'get-request-next';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  /** Number of the last block received. */
  readonly blockNumber: number;
}

/** Get-Request-With-List [3]: several attributes in one request. */
export interface GetRequestWithList {
  readonly type: 'get-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributes: readonly CosemAttributeDescriptorWithSelection[];
}

/** GET-Request ::= CHOICE { normal [1], next [2], with-list [3] }. */
export type GetRequest = GetRequestNormal | GetRequestNext | GetRequestWithList;

/** Get-Response-Normal [1]: the value or why it could not be read. */
export interface GetResponseNormal {
  readonly type: 'get-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: GetDataResult;
}

/** Get-Response-With-Datablock [2]: one block of a long GET (DataBlock-G). */
export interface GetResponseWithDatablock {
  readonly type: 'get-response-with-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly block: DataBlockG;
}

/** Get-Response-With-List [3]: one Get-Data-Result per requested attribute. */
export interface GetResponseWithList {
  readonly type: 'get-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly results: readonly GetDataResult[];
}

/** GET-Response ::= CHOICE { normal [1], with-datablock [2], with-list [3] }. */
export type GetResponse = GetResponseNormal | GetResponseWithDatablock | GetResponseWithList;

/** Reads a SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection (also used by SET). */
export function decodeAttributeDescriptorList(
  r: Reader,
  limits?: DataLimits,
): CosemAttributeDescriptorWithSelection[] {
  const n = decodeCount(r, 10, 'attribute descriptors');
  const out = new Array<CosemAttributeDescriptorWithSelection>(n);
  for (let i = 0; i < n; i++) {
    const attribute = decodeCosemAttributeDescriptor(r);
    const accessSelection = decodeOptionalSelectiveAccess(r, limits);
    out[i] = accessSelection === undefined ? { attribute } : { attribute, accessSelection };
  }
  return out;
}

/** Writes a SEQUENCE OF Cosem-Attribute-Descriptor-With-Selection. */
export function encodeAttributeDescriptorList(
  w: Writer,
  list: readonly CosemAttributeDescriptorWithSelection[],
): void {
  encodeLength(w, list.length);
  for (const item of list) {
    encodeCosemAttributeDescriptor(w, item.attribute);
    encodeOptionalSelectiveAccess(w, item.accessSelection);
  }
}

/** Reads a GET-Request, tag included. */
export function decodeGetRequest(r: Reader, limits?: DataLimits): GetRequest {
  const tagAt = r.pos;
  if (r.u8() !== GET_REQUEST_TAG) throw r.error('UNKNOWN_TAG', 'not a GET-Request', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 3) throw r.error('UNKNOWN_TAG', `unknown GET-Request choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1: {
      const attribute = decodeCosemAttributeDescriptor(r);
      const accessSelection = decodeOptionalSelectiveAccess(r, limits);
      return accessSelection === undefined
        ? { type: 'get-request-normal', invokeIdAndPriority, attribute }
        : { type: 'get-request-normal', invokeIdAndPriority, attribute, accessSelection };
    }
    case 2:
      return { type: 'get-request-next', invokeIdAndPriority, blockNumber: r.u32() };
    case 3:
      return {
        type: 'get-request-with-list',
        invokeIdAndPriority,
        attributes: decodeAttributeDescriptorList(r, limits),
      };
    default:
      throw r.error('UNKNOWN_TAG', `unknown GET-Request choice ${choice}`, at);
  }
}

/** Writes a GET-Request, tag included. */
export function encodeGetRequest(w: Writer, v: GetRequest): void {
  w.u8(GET_REQUEST_TAG);
  switch (v.type) {
    case 'get-request-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeCosemAttributeDescriptor(w, v.attribute);
      encodeOptionalSelectiveAccess(w, v.accessSelection);
      return;
    case 'get-request-next':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      w.u32(v.blockNumber);
      return;
    case 'get-request-with-list':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeAttributeDescriptorList(w, v.attributes);
      return;
    default:
      throw new ArgumentError(`unknown GET-Request ${(v as { type: string }).type}`);
  }
}

/** Reads a GET-Response, tag included. */
export function decodeGetResponse(r: Reader, limits?: DataLimits): GetResponse {
  const tagAt = r.pos;
  if (r.u8() !== GET_RESPONSE_TAG) throw r.error('UNKNOWN_TAG', 'not a GET-Response', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 3) throw r.error('UNKNOWN_TAG', `unknown GET-Response choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1:
      return { type: 'get-response-normal', invokeIdAndPriority, result: decodeGetDataResult(r, limits) };
    case 2:
      return { type: 'get-response-with-datablock', invokeIdAndPriority, block: decodeDataBlockG(r) };
    case 3: {
      const n = decodeCount(r, 2, 'Get-Data-Results');
      const results = new Array<GetDataResult>(n);
      for (let i = 0; i < n; i++) results[i] = decodeGetDataResult(r, limits);
      return { type: 'get-response-with-list', invokeIdAndPriority, results };
    }
    default:
      throw r.error('UNKNOWN_TAG', `unknown GET-Response choice ${choice}`, at);
  }
}

/** Writes a GET-Response, tag included. */
export function encodeGetResponse(w: Writer, v: GetResponse): void {
  w.u8(GET_RESPONSE_TAG);
  switch (v.type) {
    case 'get-response-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeGetDataResult(w, v.result);
      return;
    case 'get-response-with-datablock':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataBlockG(w, v.block);
      return;
    case 'get-response-with-list':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeLength(w, v.results.length);
      for (const res of v.results) encodeGetDataResult(w, res);
      return;
    default:
      throw new ArgumentError(`unknown GET-Response ${(v as { type: string }).type}`);
  }
}
