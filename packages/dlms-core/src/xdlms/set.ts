/**
 * SET-Request (tag 0xC1, [193]) and SET-Response (tag 0xC5, [197]) of logical-name referencing
 * (Green Book, IEC 62056-5-3 xDLMS ASN.1): normal, with-first-datablock, with-datablock, with-list and
 * with-list-and-first-datablock requests; normal, datablock, last-datablock,
 * last-datablock-with-list and with-list responses.
 *
 * Data blocks carry their raw-data slice untouched; splitting a value into blocks and joining them
 * again is the association layer's job.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import {
  type CosemAttributeDescriptor,
  type DataAccessResult,
  type DataBlockSA,
  type InvokeIdAndPriority,
  decodeCosemAttributeDescriptor,
  decodeCount,
  decodeDataAccessResult,
  decodeDataBlockSA,
  decodeInvokeIdAndPriority,
  decodeListOfData,
  encodeCosemAttributeDescriptor,
  encodeDataAccessResult,
  encodeDataBlockSA,
  encodeInvokeIdAndPriority,
  encodeListOfData,
} from './common.js';
import {
  type SelectiveAccessDescriptor,
  decodeOptionalSelectiveAccess,
  encodeOptionalSelectiveAccess,
} from './selective-access.js';
import {
  type CosemAttributeDescriptorWithSelection,
  decodeAttributeDescriptorList,
  encodeAttributeDescriptorList,
} from './get.js';

/** Tag of SET-Request. */
export const SET_REQUEST_TAG = 0xc1;
/** Tag of SET-Response. */
export const SET_RESPONSE_TAG = 0xc5;

/** Set-Request-Normal [1]: one attribute and its new value. */
export interface SetRequestNormal {
  readonly type: 'set-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attribute: CosemAttributeDescriptor;
  readonly accessSelection?: SelectiveAccessDescriptor;
  readonly value: Data;
}

/** Set-Request-With-First-Datablock [2]: one attribute, the first block of its value. */
export interface SetRequestWithFirstDatablock {
  readonly type: 'set-request-with-first-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attribute: CosemAttributeDescriptor;
  readonly accessSelection?: SelectiveAccessDescriptor;
  readonly block: DataBlockSA;
}

/** Set-Request-With-Datablock [3]: a following block of a long SET. */
export interface SetRequestWithDatablock {
  readonly type: 'set-request-with-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly block: DataBlockSA;
}

/** Set-Request-With-List [4]: several attributes and their values. */
export interface SetRequestWithList {
  readonly type: 'set-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributes: readonly CosemAttributeDescriptorWithSelection[];
  readonly values: readonly Data[];
}

/** Set-Request-With-List-And-First-Datablock [5]: several attributes, the first block of their values. */
export interface SetRequestWithListAndFirstDatablock {
  readonly type: 'set-request-with-list-and-first-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly attributes: readonly CosemAttributeDescriptorWithSelection[];
  readonly block: DataBlockSA;
}

/** SET-Request ::= CHOICE { normal [1], with-first-datablock [2], with-datablock [3], with-list [4], with-list-and-first-datablock [5] }. */
export type SetRequest =
  | SetRequestNormal
  | SetRequestWithFirstDatablock
  | SetRequestWithDatablock
  | SetRequestWithList
  | SetRequestWithListAndFirstDatablock;

/** Set-Response-Normal [1]: the result of a normal SET. */
export interface SetResponseNormal {
  readonly type: 'set-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: DataAccessResult;
}

/** Set-Response-Datablock [2]: acknowledges block `blockNumber` of a long SET. */
export interface SetResponseDatablock {
  readonly type: 'set-response-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Set-Response-Last-Datablock [3]: the result of a long SET, with the last block number. */
export interface SetResponseLastDatablock {
  readonly type: 'set-response-last-datablock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly result: DataAccessResult;
  readonly blockNumber: number;
}

/** Set-Response-Last-Datablock-With-List [4]: one result per attribute, with the last block number. */
export interface SetResponseLastDatablockWithList {
  readonly type: 'set-response-last-datablock-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly results: readonly DataAccessResult[];
  readonly blockNumber: number;
}

/** Set-Response-With-List [5]: one result per attribute. */
export interface SetResponseWithList {
  readonly type: 'set-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly results: readonly DataAccessResult[];
}

/** SET-Response ::= CHOICE { normal [1], datablock [2], last-datablock [3], last-datablock-with-list [4], with-list [5] }. */
export type SetResponse =
  | SetResponseNormal
  | SetResponseDatablock
  | SetResponseLastDatablock
  | SetResponseLastDatablockWithList
  | SetResponseWithList;

function decodeResultList(r: Reader): DataAccessResult[] {
  const n = decodeCount(r, 1, 'Data-Access-Results');
  const out = new Array<DataAccessResult>(n);
  for (let i = 0; i < n; i++) out[i] = decodeDataAccessResult(r);
  return out;
}

function encodeResultList(w: Writer, list: readonly DataAccessResult[]): void {
  encodeLength(w, list.length);
  for (const x of list) encodeDataAccessResult(w, x);
}

/** Reads a SET-Request, tag included. */
export function decodeSetRequest(r: Reader, limits?: DataLimits): SetRequest {
  const tagAt = r.pos;
  if (r.u8() !== SET_REQUEST_TAG) throw r.error('UNKNOWN_TAG', 'not a SET-Request', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 5) throw r.error('UNKNOWN_TAG', `unknown SET-Request choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1: {
      const attribute = decodeCosemAttributeDescriptor(r);
      const accessSelection = decodeOptionalSelectiveAccess(r, limits);
      const value = decodeData(r, limits);
      return accessSelection === undefined
        ? { type: 'set-request-normal', invokeIdAndPriority, attribute, value }
        : { type: 'set-request-normal', invokeIdAndPriority, attribute, accessSelection, value };
    }
    case 2: {
      const attribute = decodeCosemAttributeDescriptor(r);
      const accessSelection = decodeOptionalSelectiveAccess(r, limits);
      const block = decodeDataBlockSA(r);
      return accessSelection === undefined
        ? { type: 'set-request-with-first-datablock', invokeIdAndPriority, attribute, block }
        : {
            type: 'set-request-with-first-datablock',
            invokeIdAndPriority,
            attribute,
            accessSelection,
            block,
          };
    }
    case 3:
      return { type: 'set-request-with-datablock', invokeIdAndPriority, block: decodeDataBlockSA(r) };
    case 4: {
      const attributes = decodeAttributeDescriptorList(r, limits);
      const values = decodeListOfData(r, limits);
      return { type: 'set-request-with-list', invokeIdAndPriority, attributes, values };
    }
    default: {
      const attributes = decodeAttributeDescriptorList(r, limits);
      const block = decodeDataBlockSA(r);
      return { type: 'set-request-with-list-and-first-datablock', invokeIdAndPriority, attributes, block };
    }
  }
}

/** Writes a SET-Request, tag included. */
export function encodeSetRequest(w: Writer, v: SetRequest): void {
  w.u8(SET_REQUEST_TAG);
  switch (v.type) {
    case 'set-request-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeCosemAttributeDescriptor(w, v.attribute);
      encodeOptionalSelectiveAccess(w, v.accessSelection);
      encodeData(w, v.value);
      return;
    case 'set-request-with-first-datablock':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeCosemAttributeDescriptor(w, v.attribute);
      encodeOptionalSelectiveAccess(w, v.accessSelection);
      encodeDataBlockSA(w, v.block);
      return;
    case 'set-request-with-datablock':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataBlockSA(w, v.block);
      return;
    case 'set-request-with-list':
      w.u8(4);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeAttributeDescriptorList(w, v.attributes);
      encodeListOfData(w, v.values);
      return;
    case 'set-request-with-list-and-first-datablock':
      w.u8(5);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeAttributeDescriptorList(w, v.attributes);
      encodeDataBlockSA(w, v.block);
      return;
    default:
      throw new ArgumentError(`unknown SET-Request ${(v as { type: string }).type}`);
  }
}

/** Reads a SET-Response, tag included. */
export function decodeSetResponse(r: Reader): SetResponse {
  const tagAt = r.pos;
  if (r.u8() !== SET_RESPONSE_TAG) throw r.error('UNKNOWN_TAG', 'not a SET-Response', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 5) throw r.error('UNKNOWN_TAG', `unknown SET-Response choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1:
      return { type: 'set-response-normal', invokeIdAndPriority, result: decodeDataAccessResult(r) };
    case 2:
      return { type: 'set-response-datablock', invokeIdAndPriority, blockNumber: r.u32() };
    case 3: {
      const result = decodeDataAccessResult(r);
      return { type: 'set-response-last-datablock', invokeIdAndPriority, result, blockNumber: r.u32() };
    }
    case 4: {
      const results = decodeResultList(r);
      return {
        type: 'set-response-last-datablock-with-list',
        invokeIdAndPriority,
        results,
        blockNumber: r.u32(),
      };
    }
    default:
      return { type: 'set-response-with-list', invokeIdAndPriority, results: decodeResultList(r) };
  }
}

/** Writes a SET-Response, tag included. */
export function encodeSetResponse(w: Writer, v: SetResponse): void {
  w.u8(SET_RESPONSE_TAG);
  switch (v.type) {
    case 'set-response-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataAccessResult(w, v.result);
      return;
    case 'set-response-datablock':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      w.u32(v.blockNumber);
      return;
    case 'set-response-last-datablock':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataAccessResult(w, v.result);
      w.u32(v.blockNumber);
      return;
    case 'set-response-last-datablock-with-list':
      w.u8(4);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeResultList(w, v.results);
      w.u32(v.blockNumber);
      return;
    case 'set-response-with-list':
      w.u8(5);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeResultList(w, v.results);
      return;
    default:
      throw new ArgumentError(`unknown SET-Response ${(v as { type: string }).type}`);
  }
}
