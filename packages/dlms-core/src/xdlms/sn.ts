/**
 * The short-name (SN) referencing services (Green Book, IEC 62056-5-3; DLMS, IEC 61334-4-41):
 * ReadRequest (tag 0x05), ReadResponse (0x0C), WriteRequest (0x06), WriteResponse (0x0D),
 * UnconfirmedWriteRequest (0x16) and InformationReportRequest (0x18).
 *
 * Variable-Access-Specification ::= CHOICE { variable-name [2] ObjectName, parameterized-access [4],
 * block-number-access [5], read-data-block-access [6], write-data-block-access [7] }; detailed-access
 * [3] is not used in DLMS/COSEM and is rejected as UNKNOWN_TAG. ObjectName is an Integer16 in the
 * ASN.1; it is carried here as its unsigned 16-bit value, the way base names are written (0xFA00).
 *
 * InformationReportRequest's current-time (GeneralizedTime OPTIONAL) is an A-XDR OPTIONAL flag followed
 * by a length-prefixed string, kept as raw bytes.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import {
  type DataAccessResult,
  decodeBoolean,
  decodeCount,
  decodeDataAccessResult,
  decodeListOfData,
  decodeOctetString,
  decodePresence,
  encodeBoolean,
  encodeDataAccessResult,
  encodeListOfData,
  encodeOctetString,
} from './common.js';

/** Tag of ReadRequest. */
export const READ_REQUEST_TAG = 0x05;
/** Tag of WriteRequest. */
export const WRITE_REQUEST_TAG = 0x06;
/** Tag of ReadResponse. */
export const READ_RESPONSE_TAG = 0x0c;
/** Tag of WriteResponse. */
export const WRITE_RESPONSE_TAG = 0x0d;
/** Tag of UnconfirmedWriteRequest. */
export const UNCONFIRMED_WRITE_REQUEST_TAG = 0x16;
/** Tag of InformationReportRequest. */
export const INFORMATION_REPORT_REQUEST_TAG = 0x18;

/** Variable-Access-Specification. */
export type VariableAccessSpecification =
  | { readonly type: 'variable-name'; readonly variableName: number }
  | {
      readonly type: 'parameterized-access';
      readonly variableName: number;
      readonly selector: number;
      readonly parameter: Data;
    }
  | { readonly type: 'block-number-access'; readonly blockNumber: number }
  | {
      readonly type: 'read-data-block-access';
      readonly lastBlock: boolean;
      readonly blockNumber: number;
      readonly rawData: Uint8Array;
    }
  | { readonly type: 'write-data-block-access'; readonly lastBlock: boolean; readonly blockNumber: number };

/** One ReadResponse item. */
export type ReadResult =
  | { readonly type: 'data'; readonly data: Data }
  | { readonly type: 'data-access-error'; readonly result: DataAccessResult }
  | {
      readonly type: 'data-block-result';
      readonly lastBlock: boolean;
      readonly blockNumber: number;
      readonly rawData: Uint8Array;
    }
  | { readonly type: 'block-number'; readonly blockNumber: number };

/** One WriteResponse item. */
export type WriteResult =
  | { readonly type: 'success' }
  | { readonly type: 'data-access-error'; readonly result: DataAccessResult }
  | { readonly type: 'block-number'; readonly blockNumber: number };

/** ReadRequest [5]: reads variables by short name. */
export interface ReadRequest {
  readonly type: 'read-request';
  readonly variables: readonly VariableAccessSpecification[];
}

/** ReadResponse [12]: one result per variable read. */
export interface ReadResponse {
  readonly type: 'read-response';
  readonly results: readonly ReadResult[];
}

/** WriteRequest [6]: writes variables by short name. */
export interface WriteRequest {
  readonly type: 'write-request';
  readonly variables: readonly VariableAccessSpecification[];
  readonly values: readonly Data[];
}

/** WriteResponse [13]: one result per variable written. */
export interface WriteResponse {
  readonly type: 'write-response';
  readonly results: readonly WriteResult[];
}

/** UnconfirmedWriteRequest [22]: a write the server does not answer. */
export interface UnconfirmedWriteRequest {
  readonly type: 'unconfirmed-write-request';
  readonly variables: readonly VariableAccessSpecification[];
  readonly values: readonly Data[];
}

/** InformationReportRequest [24]: variables pushed by the server (SN referencing). */
export interface InformationReportRequest {
  readonly type: 'information-report-request';
  /** current-time as received, when present. */
  readonly currentTime?: Uint8Array;
  readonly variables: readonly VariableAccessSpecification[];
  readonly values: readonly Data[];
}

/** Every SN-referencing APDU. */
export type SnApdu =
  | ReadRequest
  | ReadResponse
  | WriteRequest
  | WriteResponse
  | UnconfirmedWriteRequest
  | InformationReportRequest;

function checkObjectName(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff)
    throw new ArgumentError(`ObjectName ${n} is not in 0..0xFFFF`);
}

function decodeVariableAccessSpecifications(r: Reader, limits?: DataLimits): VariableAccessSpecification[] {
  const n = decodeCount(r, 2, 'variable access specifications');
  const out = new Array<VariableAccessSpecification>(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const choice = r.u8();
    switch (choice) {
      case 2:
        out[i] = { type: 'variable-name', variableName: r.u16() };
        break;
      case 4: {
        const variableName = r.u16();
        const selector = r.u8();
        out[i] = { type: 'parameterized-access', variableName, selector, parameter: decodeData(r, limits) };
        break;
      }
      case 5:
        out[i] = { type: 'block-number-access', blockNumber: r.u16() };
        break;
      case 6: {
        const lastBlock = decodeBoolean(r);
        const blockNumber = r.u16();
        out[i] = { type: 'read-data-block-access', lastBlock, blockNumber, rawData: decodeOctetString(r) };
        break;
      }
      case 7: {
        const lastBlock = decodeBoolean(r);
        out[i] = { type: 'write-data-block-access', lastBlock, blockNumber: r.u16() };
        break;
      }
      default:
        throw r.error('UNKNOWN_TAG', `unknown Variable-Access-Specification choice ${choice}`, at);
    }
  }
  return out;
}

function encodeVariableAccessSpecifications(w: Writer, list: readonly VariableAccessSpecification[]): void {
  encodeLength(w, list.length);
  for (const v of list) {
    switch (v.type) {
      case 'variable-name':
        checkObjectName(v.variableName);
        w.u8(2).u16(v.variableName);
        break;
      case 'parameterized-access':
        checkObjectName(v.variableName);
        w.u8(4).u16(v.variableName).u8(v.selector);
        encodeData(w, v.parameter);
        break;
      case 'block-number-access':
        w.u8(5).u16(v.blockNumber);
        break;
      case 'read-data-block-access':
        w.u8(6);
        encodeBoolean(w, v.lastBlock);
        w.u16(v.blockNumber);
        encodeOctetString(w, v.rawData);
        break;
      case 'write-data-block-access':
        w.u8(7);
        encodeBoolean(w, v.lastBlock);
        w.u16(v.blockNumber);
        break;
      default:
        throw new ArgumentError(`unknown Variable-Access-Specification ${(v as { type: string }).type}`);
    }
  }
}

function expectTag(r: Reader, tag: number, what: string): void {
  const at = r.pos;
  if (r.u8() !== tag) throw r.error('UNKNOWN_TAG', `not a ${what}`, at);
}

/** Reads a ReadRequest, tag included. */
export function decodeReadRequest(r: Reader, limits?: DataLimits): ReadRequest {
  expectTag(r, READ_REQUEST_TAG, 'ReadRequest');
  return { type: 'read-request', variables: decodeVariableAccessSpecifications(r, limits) };
}

/** Writes a ReadRequest, tag included. */
export function encodeReadRequest(w: Writer, v: ReadRequest): void {
  w.u8(READ_REQUEST_TAG);
  encodeVariableAccessSpecifications(w, v.variables);
}

/** Reads a ReadResponse, tag included. */
export function decodeReadResponse(r: Reader, limits?: DataLimits): ReadResponse {
  expectTag(r, READ_RESPONSE_TAG, 'ReadResponse');
  const n = decodeCount(r, 2, 'read results');
  const results = new Array<ReadResult>(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const choice = r.u8();
    switch (choice) {
      case 0:
        results[i] = { type: 'data', data: decodeData(r, limits) };
        break;
      case 1:
        results[i] = { type: 'data-access-error', result: decodeDataAccessResult(r) };
        break;
      case 2: {
        const lastBlock = decodeBoolean(r);
        const blockNumber = r.u16();
        results[i] = { type: 'data-block-result', lastBlock, blockNumber, rawData: decodeOctetString(r) };
        break;
      }
      case 3:
        results[i] = { type: 'block-number', blockNumber: r.u16() };
        break;
      default:
        throw r.error('UNKNOWN_TAG', `unknown ReadResponse choice ${choice}`, at);
    }
  }
  return { type: 'read-response', results };
}

/** Writes a ReadResponse, tag included. */
export function encodeReadResponse(w: Writer, v: ReadResponse): void {
  w.u8(READ_RESPONSE_TAG);
  encodeLength(w, v.results.length);
  for (const x of v.results) {
    switch (x.type) {
      case 'data':
        w.u8(0);
        encodeData(w, x.data);
        break;
      case 'data-access-error':
        w.u8(1);
        encodeDataAccessResult(w, x.result);
        break;
      case 'data-block-result':
        w.u8(2);
        encodeBoolean(w, x.lastBlock);
        w.u16(x.blockNumber);
        encodeOctetString(w, x.rawData);
        break;
      case 'block-number':
        w.u8(3).u16(x.blockNumber);
        break;
      default:
        throw new ArgumentError(`unknown ReadResponse item ${(x as { type: string }).type}`);
    }
  }
}

/** Reads a WriteRequest, tag included. */
export function decodeWriteRequest(r: Reader, limits?: DataLimits): WriteRequest {
  expectTag(r, WRITE_REQUEST_TAG, 'WriteRequest');
  const variables = decodeVariableAccessSpecifications(r, limits);
  return { type: 'write-request', variables, values: decodeListOfData(r, limits) };
}

/** Writes a WriteRequest, tag included. */
export function encodeWriteRequest(w: Writer, v: WriteRequest): void {
  w.u8(WRITE_REQUEST_TAG);
  encodeVariableAccessSpecifications(w, v.variables);
  encodeListOfData(w, v.values);
}

/** Reads a WriteResponse, tag included. */
export function decodeWriteResponse(r: Reader): WriteResponse {
  expectTag(r, WRITE_RESPONSE_TAG, 'WriteResponse');
  const n = decodeCount(r, 1, 'write results');
  const results = new Array<WriteResult>(n);
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const choice = r.u8();
    if (choice === 0) results[i] = { type: 'success' };
    else if (choice === 1) results[i] = { type: 'data-access-error', result: decodeDataAccessResult(r) };
    else if (choice === 2) results[i] = { type: 'block-number', blockNumber: r.u16() };
    else throw r.error('UNKNOWN_TAG', `unknown WriteResponse choice ${choice}`, at);
  }
  return { type: 'write-response', results };
}

/** Writes a WriteResponse, tag included. */
export function encodeWriteResponse(w: Writer, v: WriteResponse): void {
  w.u8(WRITE_RESPONSE_TAG);
  encodeLength(w, v.results.length);
  for (const x of v.results) {
    switch (x.type) {
      case 'success':
        w.u8(0);
        break;
      case 'data-access-error':
        w.u8(1);
        encodeDataAccessResult(w, x.result);
        break;
      case 'block-number':
        w.u8(2).u16(x.blockNumber);
        break;
      default:
        throw new ArgumentError(`unknown WriteResponse item ${(x as { type: string }).type}`);
    }
  }
}

/** Reads an UnconfirmedWriteRequest, tag included. */
export function decodeUnconfirmedWriteRequest(r: Reader, limits?: DataLimits): UnconfirmedWriteRequest {
  expectTag(r, UNCONFIRMED_WRITE_REQUEST_TAG, 'UnconfirmedWriteRequest');
  const variables = decodeVariableAccessSpecifications(r, limits);
  return { type: 'unconfirmed-write-request', variables, values: decodeListOfData(r, limits) };
}

/** Writes an UnconfirmedWriteRequest, tag included. */
export function encodeUnconfirmedWriteRequest(w: Writer, v: UnconfirmedWriteRequest): void {
  w.u8(UNCONFIRMED_WRITE_REQUEST_TAG);
  encodeVariableAccessSpecifications(w, v.variables);
  encodeListOfData(w, v.values);
}

/** Reads an InformationReportRequest, tag included. */
export function decodeInformationReportRequest(r: Reader, limits?: DataLimits): InformationReportRequest {
  expectTag(r, INFORMATION_REPORT_REQUEST_TAG, 'InformationReportRequest');
  const currentTime = decodePresence(r) ? decodeOctetString(r) : undefined;
  const variables = decodeVariableAccessSpecifications(r, limits);
  const values = decodeListOfData(r, limits);
  return currentTime === undefined
    ? { type: 'information-report-request', variables, values }
    : { type: 'information-report-request', currentTime, variables, values };
}

/** Writes an InformationReportRequest, tag included. */
export function encodeInformationReportRequest(w: Writer, v: InformationReportRequest): void {
  w.u8(INFORMATION_REPORT_REQUEST_TAG);
  if (v.currentTime === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    encodeOctetString(w, v.currentTime);
  }
  encodeVariableAccessSpecifications(w, v.variables);
  encodeListOfData(w, v.values);
}
