/**
 * ACTION-Request (tag 0xC3, [195]) and ACTION-Response (tag 0xC7, [199]) of logical-name referencing
 * (Green Book, IEC 62056-5-3 xDLMS ASN.1): normal, next-pblock, with-list, with-first-pblock,
 * with-list-and-first-pblock and with-pblock requests; normal, with-pblock, with-list and next-pblock
 * responses.
 *
 * Parameter blocks (pblock, a DataBlock-SA) carry their raw-data slice untouched; the association
 * layer splits and joins them.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import {
  type ActionResult,
  type CosemMethodDescriptor,
  type DataBlockSA,
  type GetDataResult,
  type InvokeIdAndPriority,
  decodeActionResult,
  decodeCosemMethodDescriptor,
  decodeCount,
  decodeDataBlockSA,
  decodeGetDataResult,
  decodeInvokeIdAndPriority,
  decodeListOfData,
  decodePresence,
  encodeActionResult,
  encodeCosemMethodDescriptor,
  encodeDataBlockSA,
  encodeGetDataResult,
  encodeInvokeIdAndPriority,
  encodeListOfData,
} from './common.js';

/** Tag of ACTION-Request. */
export const ACTION_REQUEST_TAG = 0xc3;
/** Tag of ACTION-Response. */
export const ACTION_RESPONSE_TAG = 0xc7;

/** Action-Request-Normal [1]: one method, with optional parameters. */
export interface ActionRequestNormal {
  readonly type: 'action-request-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly method: CosemMethodDescriptor;
  /** method-invocation-parameters (OPTIONAL). */
  readonly parameters?: Data;
}

/** Action-Request-Next-Pblock [2]: asks for the block after `blockNumber` of long return parameters. */
export interface ActionRequestNextPblock {
  readonly type: 'action-request-next-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** Action-Request-With-List [3]: several methods and their parameters. */
export interface ActionRequestWithList {
  readonly type: 'action-request-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly methods: readonly CosemMethodDescriptor[];
  /** One per method; null-data when a method takes no parameter. */
  readonly parameters: readonly Data[];
}

/** Action-Request-With-First-Pblock [4]: one method, the first block of its parameters. */
export interface ActionRequestWithFirstPblock {
  readonly type: 'action-request-with-first-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly method: CosemMethodDescriptor;
  readonly block: DataBlockSA;
}

/** Action-Request-With-List-And-First-Pblock [5]: several methods, the first block of their parameters. */
export interface ActionRequestWithListAndFirstPblock {
  readonly type: 'action-request-with-list-and-first-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly methods: readonly CosemMethodDescriptor[];
  readonly block: DataBlockSA;
}

/** Action-Request-With-Pblock [6]: a following block of long parameters. */
export interface ActionRequestWithPblock {
  readonly type: 'action-request-with-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly block: DataBlockSA;
}

/** ACTION-Request ::= CHOICE { normal [1], next-pblock [2], with-list [3], with-first-pblock [4], with-list-and-first-pblock [5], with-pblock [6] }. */
export type ActionRequest =
  | ActionRequestNormal
  | ActionRequestNextPblock
  | ActionRequestWithList
  | ActionRequestWithFirstPblock
  | ActionRequestWithListAndFirstPblock
  | ActionRequestWithPblock;

/** Action-Response-With-Optional-Data. */
export interface ActionResponseWithOptionalData {
  readonly result: ActionResult;
  readonly returnParameters?: GetDataResult;
}

/** Action-Response-Normal [1]: the result and optional return parameters. */
export interface ActionResponseNormal {
  readonly type: 'action-response-normal';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly response: ActionResponseWithOptionalData;
}

/** Action-Response-With-Pblock [2]: one block of long return parameters. */
export interface ActionResponseWithPblock {
  readonly type: 'action-response-with-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly block: DataBlockSA;
}

/** Action-Response-With-List [3]: one response per method. */
export interface ActionResponseWithList {
  readonly type: 'action-response-with-list';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly responses: readonly ActionResponseWithOptionalData[];
}

/** Action-Response-Next-Pblock [4]: acknowledges block `blockNumber` of long parameters. */
export interface ActionResponseNextPblock {
  readonly type: 'action-response-next-pblock';
  readonly invokeIdAndPriority: InvokeIdAndPriority;
  readonly blockNumber: number;
}

/** ACTION-Response ::= CHOICE { normal [1], with-pblock [2], with-list [3], next-pblock [4] }. */
export type ActionResponse =
  ActionResponseNormal | ActionResponseWithPblock | ActionResponseWithList | ActionResponseNextPblock;

function decodeMethodList(r: Reader): CosemMethodDescriptor[] {
  const n = decodeCount(r, 9, 'method descriptors');
  const out = new Array<CosemMethodDescriptor>(n);
  for (let i = 0; i < n; i++) out[i] = decodeCosemMethodDescriptor(r);
  return out;
}

function encodeMethodList(w: Writer, list: readonly CosemMethodDescriptor[]): void {
  encodeLength(w, list.length);
  for (const m of list) encodeCosemMethodDescriptor(w, m);
}

function decodeResponseWithOptionalData(r: Reader, limits?: DataLimits): ActionResponseWithOptionalData {
  const result = decodeActionResult(r);
  return decodePresence(r) ? { result, returnParameters: decodeGetDataResult(r, limits) } : { result };
}

function encodeResponseWithOptionalData(w: Writer, v: ActionResponseWithOptionalData): void {
  encodeActionResult(w, v.result);
  if (v.returnParameters === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    encodeGetDataResult(w, v.returnParameters);
  }
}

/** Reads an ACTION-Request, tag included. */
export function decodeActionRequest(r: Reader, limits?: DataLimits): ActionRequest {
  const tagAt = r.pos;
  if (r.u8() !== ACTION_REQUEST_TAG) throw r.error('UNKNOWN_TAG', 'not an ACTION-Request', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 6) throw r.error('UNKNOWN_TAG', `unknown ACTION-Request choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1: {
      const method = decodeCosemMethodDescriptor(r);
      return decodePresence(r)
        ? { type: 'action-request-normal', invokeIdAndPriority, method, parameters: decodeData(r, limits) }
        : { type: 'action-request-normal', invokeIdAndPriority, method };
    }
    case 2:
      return { type: 'action-request-next-pblock', invokeIdAndPriority, blockNumber: r.u32() };
    case 3: {
      const methods = decodeMethodList(r);
      const parameters = decodeListOfData(r, limits);
      return { type: 'action-request-with-list', invokeIdAndPriority, methods, parameters };
    }
    case 4: {
      const method = decodeCosemMethodDescriptor(r);
      return {
        type: 'action-request-with-first-pblock',
        invokeIdAndPriority,
        method,
        block: decodeDataBlockSA(r),
      };
    }
    case 5: {
      const methods = decodeMethodList(r);
      return {
        type: 'action-request-with-list-and-first-pblock',
        invokeIdAndPriority,
        methods,
        block: decodeDataBlockSA(r),
      };
    }
    default:
      return { type: 'action-request-with-pblock', invokeIdAndPriority, block: decodeDataBlockSA(r) };
  }
}

/** Writes an ACTION-Request, tag included. */
export function encodeActionRequest(w: Writer, v: ActionRequest): void {
  w.u8(ACTION_REQUEST_TAG);
  switch (v.type) {
    case 'action-request-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeCosemMethodDescriptor(w, v.method);
      if (v.parameters === undefined) {
        w.u8(0);
      } else {
        w.u8(1);
        encodeData(w, v.parameters);
      }
      return;
    case 'action-request-next-pblock':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      w.u32(v.blockNumber);
      return;
    case 'action-request-with-list':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeMethodList(w, v.methods);
      encodeListOfData(w, v.parameters);
      return;
    case 'action-request-with-first-pblock':
      w.u8(4);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeCosemMethodDescriptor(w, v.method);
      encodeDataBlockSA(w, v.block);
      return;
    case 'action-request-with-list-and-first-pblock':
      w.u8(5);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeMethodList(w, v.methods);
      encodeDataBlockSA(w, v.block);
      return;
    case 'action-request-with-pblock':
      w.u8(6);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataBlockSA(w, v.block);
      return;
    default:
      throw new ArgumentError(`unknown ACTION-Request ${(v as { type: string }).type}`);
  }
}

/** Reads an ACTION-Response, tag included. */
export function decodeActionResponse(r: Reader, limits?: DataLimits): ActionResponse {
  const tagAt = r.pos;
  if (r.u8() !== ACTION_RESPONSE_TAG) throw r.error('UNKNOWN_TAG', 'not an ACTION-Response', tagAt);
  const at = r.pos;
  const choice = r.u8();
  if (choice < 1 || choice > 4) throw r.error('UNKNOWN_TAG', `unknown ACTION-Response choice ${choice}`, at);
  const invokeIdAndPriority = decodeInvokeIdAndPriority(r);
  switch (choice) {
    case 1:
      return {
        type: 'action-response-normal',
        invokeIdAndPriority,
        response: decodeResponseWithOptionalData(r, limits),
      };
    case 2:
      return { type: 'action-response-with-pblock', invokeIdAndPriority, block: decodeDataBlockSA(r) };
    case 3: {
      const n = decodeCount(r, 2, 'action responses');
      const responses = new Array<ActionResponseWithOptionalData>(n);
      for (let i = 0; i < n; i++) responses[i] = decodeResponseWithOptionalData(r, limits);
      return { type: 'action-response-with-list', invokeIdAndPriority, responses };
    }
    default:
      return { type: 'action-response-next-pblock', invokeIdAndPriority, blockNumber: r.u32() };
  }
}

/** Writes an ACTION-Response, tag included. */
export function encodeActionResponse(w: Writer, v: ActionResponse): void {
  w.u8(ACTION_RESPONSE_TAG);
  switch (v.type) {
    case 'action-response-normal':
      w.u8(1);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeResponseWithOptionalData(w, v.response);
      return;
    case 'action-response-with-pblock':
      w.u8(2);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeDataBlockSA(w, v.block);
      return;
    case 'action-response-with-list':
      w.u8(3);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      encodeLength(w, v.responses.length);
      for (const x of v.responses) encodeResponseWithOptionalData(w, x);
      return;
    case 'action-response-next-pblock':
      w.u8(4);
      encodeInvokeIdAndPriority(w, v.invokeIdAndPriority);
      w.u32(v.blockNumber);
      return;
    default:
      throw new ArgumentError(`unknown ACTION-Response ${(v as { type: string }).type}`);
  }
}
