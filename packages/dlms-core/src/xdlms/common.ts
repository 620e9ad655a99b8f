/**
 * Building blocks shared by the xDLMS APDUs (Green Book, IEC 62056-5-3, the xDLMS ASN.1 module):
 * Invoke-Id-And-Priority, Long-Invoke-Id-And-Priority, Cosem-Attribute-Descriptor,
 * Cosem-Method-Descriptor, Data-Access-Result, Action-Result, the two data blocks (DataBlock-G and
 * DataBlock-SA), Get-Data-Result, and the A-XDR helpers every APDU codec needs (OPTIONAL flags,
 * SEQUENCE OF counts checked against the bytes left, length-prefixed octet strings).
 *
 * Enumerations are carried by name (`'hardware-fault'`); a value the standard does not list is kept as
 * its number, so a peer's unexpected code still decodes and re-encodes unchanged.
 *
 * This module knows nothing about whole APDUs or tags; `apdu.ts` dispatches.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { decodeLength, encodeLength } from '../axdr/length.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';

// ---------------------------------------------------------------------------------------------------
// Invoke-Id-And-Priority

/**
 * Invoke-Id-And-Priority (Unsigned8): bits 0-3 invoke-id, bits 4-5 reserved, bit 6 service-class
 * (1 = confirmed), bit 7 priority (1 = high).
 */
export interface InvokeIdAndPriority {
  /** 0..15. */
  readonly invokeId: number;
  readonly confirmed: boolean;
  readonly highPriority: boolean;
  /** Bits 4-5 as received (shifted down, 0..3); absent when zero. */
  readonly reserved?: number;
}

/** Reads an Invoke-Id-And-Priority byte. */
export function decodeInvokeIdAndPriority(r: Reader): InvokeIdAndPriority {
  const b = r.u8();
  const reserved = (b >> 4) & 3;
  return reserved === 0
    ? { invokeId: b & 0x0f, confirmed: (b & 0x40) !== 0, highPriority: (b & 0x80) !== 0 }
    : { invokeId: b & 0x0f, confirmed: (b & 0x40) !== 0, highPriority: (b & 0x80) !== 0, reserved };
}

/** Writes an Invoke-Id-And-Priority byte. */
export function encodeInvokeIdAndPriority(w: Writer, v: InvokeIdAndPriority): void {
  const id = v.invokeId;
  if (!Number.isInteger(id) || id < 0 || id > 15) throw new ArgumentError(`invoke-id ${id} is not in 0..15`);
  const reserved = v.reserved ?? 0;
  if (!Number.isInteger(reserved) || reserved < 0 || reserved > 3) {
    throw new ArgumentError(`reserved bits ${reserved} are not in 0..3`);
  }
  w.u8(id | (reserved << 4) | (v.confirmed ? 0x40 : 0) | (v.highPriority ? 0x80 : 0));
}

// ---------------------------------------------------------------------------------------------------
// Long-Invoke-Id-And-Priority

/**
 * Long-Invoke-Id-And-Priority (Unsigned32): bits 0-23 long-invoke-id, bits 24-27 reserved, bit 28
 * self-descriptive, bit 29 processing-option (1 = break on error, 0 = continue on error), bit 30
 * service-class (1 = confirmed), bit 31 priority (1 = high).
 */
export interface LongInvokeIdAndPriority {
  /** 0..0xFFFFFF. */
  readonly invokeId: number;
  readonly selfDescriptive: boolean;
  readonly breakOnError: boolean;
  readonly confirmed: boolean;
  readonly highPriority: boolean;
  /** Bits 24-27 as received (shifted down, 0..15); absent when zero. */
  readonly reserved?: number;
}

/** Reads a Long-Invoke-Id-And-Priority. */
export function decodeLongInvokeIdAndPriority(r: Reader): LongInvokeIdAndPriority {
  const v = r.u32();
  const hi = (v / 0x1000000) | 0; // top byte, without 32-bit sign trouble
  const reserved = hi & 0x0f;
  const invokeId = v & 0xffffff;
  return reserved === 0
    ? {
        invokeId,
        selfDescriptive: (hi & 0x10) !== 0,
        breakOnError: (hi & 0x20) !== 0,
        confirmed: (hi & 0x40) !== 0,
        highPriority: (hi & 0x80) !== 0,
      }
    : {
        invokeId,
        selfDescriptive: (hi & 0x10) !== 0,
        breakOnError: (hi & 0x20) !== 0,
        confirmed: (hi & 0x40) !== 0,
        highPriority: (hi & 0x80) !== 0,
        reserved,
      };
}

/** Writes a Long-Invoke-Id-And-Priority. */
export function encodeLongInvokeIdAndPriority(w: Writer, v: LongInvokeIdAndPriority): void {
  const id = v.invokeId;
  if (!Number.isInteger(id) || id < 0 || id > 0xffffff)
    throw new ArgumentError(`long invoke-id ${id} is not in 0..0xFFFFFF`);
  const reserved = v.reserved ?? 0;
  if (!Number.isInteger(reserved) || reserved < 0 || reserved > 15) {
    throw new ArgumentError(`reserved bits ${reserved} are not in 0..15`);
  }
  const hi =
    reserved |
    (v.selfDescriptive ? 0x10 : 0) |
    (v.breakOnError ? 0x20 : 0) |
    (v.confirmed ? 0x40 : 0) |
    (v.highPriority ? 0x80 : 0);
  w.u32(hi * 0x1000000 + id);
}

// ---------------------------------------------------------------------------------------------------
// Descriptors

/** Cosem-Attribute-Descriptor: class-id (Unsigned16), instance-id (6 bytes, no length), attribute-id (Integer8). */
export interface CosemAttributeDescriptor {
  readonly classId: number;
  /** The logical name (OBIS code), exactly 6 bytes. A view into the decoded input. */
  readonly instanceId: Uint8Array;
  /** Integer8 in the ASN.1 (-128..127). */
  readonly attributeId: number;
}

/** Cosem-Method-Descriptor: class-id, instance-id, method-id (Integer8). */
export interface CosemMethodDescriptor {
  readonly classId: number;
  readonly instanceId: Uint8Array;
  readonly methodId: number;
}

/** Reads a Cosem-Attribute-Descriptor (9 bytes). */
export function decodeCosemAttributeDescriptor(r: Reader): CosemAttributeDescriptor {
  if (r.end - r.pos < 9) r.require(9);
  const classId = r.u16();
  const instanceId = r.bytesView(6);
  return { classId, instanceId, attributeId: r.i8() };
}

/** Writes a Cosem-Attribute-Descriptor. */
export function encodeCosemAttributeDescriptor(w: Writer, v: CosemAttributeDescriptor): void {
  w.u16(v.classId);
  writeInstanceId(w, v.instanceId);
  w.i8(v.attributeId);
}

/** Reads a Cosem-Method-Descriptor (9 bytes). */
export function decodeCosemMethodDescriptor(r: Reader): CosemMethodDescriptor {
  if (r.end - r.pos < 9) r.require(9);
  const classId = r.u16();
  const instanceId = r.bytesView(6);
  return { classId, instanceId, methodId: r.i8() };
}

/** Writes a Cosem-Method-Descriptor. */
export function encodeCosemMethodDescriptor(w: Writer, v: CosemMethodDescriptor): void {
  w.u16(v.classId);
  writeInstanceId(w, v.instanceId);
  w.i8(v.methodId);
}

function writeInstanceId(w: Writer, id: Uint8Array): void {
  if (!(id instanceof Uint8Array) || id.length !== 6) {
    throw new ArgumentError('instance-id must be exactly 6 bytes');
  }
  w.bytes(id);
}

// ---------------------------------------------------------------------------------------------------
// Enumerations

/** Data-Access-Result values by name (Green Book, Data-Access-Result ::= ENUMERATED). */
export const DataAccessResultCode = {
  success: 0,
  'hardware-fault': 1,
  'temporary-failure': 2,
  'read-write-denied': 3,
  'object-undefined': 4,
  'object-class-inconsistent': 9,
  'object-unavailable': 11,
  'type-unmatched': 12,
  'scope-of-access-violated': 13,
  'data-block-unavailable': 14,
  'long-get-aborted': 15,
  'no-long-get-in-progress': 16,
  'long-set-aborted': 17,
  'no-long-set-in-progress': 18,
  'data-block-number-invalid': 19,
  'other-reason': 250,
} as const;

/** A Data-Access-Result name. */
export type DataAccessResultName = keyof typeof DataAccessResultCode;
/** A Data-Access-Result: its name, or the raw number (0..255) for a value the standard does not list. */
export type DataAccessResult = DataAccessResultName | number;

/** Action-Result values by name (Green Book, Action-Result ::= ENUMERATED). */
export const ActionResultCode = {
  success: 0,
  'hardware-fault': 1,
  'temporary-failure': 2,
  'read-write-denied': 3,
  'object-undefined': 4,
  'object-class-inconsistent': 9,
  'object-unavailable': 11,
  'type-unmatched': 12,
  'scope-of-access-violated': 13,
  'data-block-unavailable': 14,
  'long-action-aborted': 15,
  'no-long-action-in-progress': 16,
  'other-reason': 250,
} as const;

/** An Action-Result name. */
export type ActionResultName = keyof typeof ActionResultCode;
/** An Action-Result: its name, or the raw number (0..255) for a value the standard does not list. */
export type ActionResult = ActionResultName | number;

function invert<T extends string>(o: Readonly<Record<T, number>>): (T | undefined)[] {
  const out = new Array<T | undefined>(256).fill(undefined);
  for (const k of Object.keys(o) as T[]) out[o[k]] = k;
  return out;
}

const DAR_BY_CODE = invert<DataAccessResultName>(DataAccessResultCode);
const AR_BY_CODE = invert<ActionResultName>(ActionResultCode);

/** Name of a Data-Access-Result code, or the code itself when the standard does not list it. */
export function dataAccessResultFromCode(code: number): DataAccessResult {
  return DAR_BY_CODE[code] ?? code;
}

/** Wire code of a Data-Access-Result. */
export function dataAccessResultCode(v: DataAccessResult): number {
  return enumCode(v, DataAccessResultCode as Readonly<Record<string, number>>, 'Data-Access-Result');
}

/** Name of an Action-Result code, or the code itself when the standard does not list it. */
export function actionResultFromCode(code: number): ActionResult {
  return AR_BY_CODE[code] ?? code;
}

/** Wire code of an Action-Result. */
export function actionResultCode(v: ActionResult): number {
  return enumCode(v, ActionResultCode as Readonly<Record<string, number>>, 'Action-Result');
}

function enumCode(v: string | number, table: Readonly<Record<string, number>>, what: string): number {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new ArgumentError(`${what} ${v} is not in 0..255`);
    return v;
  }
  const c = Object.prototype.hasOwnProperty.call(table, v) ? table[v] : undefined;
  if (c === undefined) throw new ArgumentError(`unknown ${what} '${v}'`);
  return c;
}

/** Reads a Data-Access-Result byte. */
export function decodeDataAccessResult(r: Reader): DataAccessResult {
  const c = r.u8();
  return DAR_BY_CODE[c] ?? c;
}

/** Writes a Data-Access-Result byte. */
export function encodeDataAccessResult(w: Writer, v: DataAccessResult): void {
  w.u8(dataAccessResultCode(v));
}

/** Reads an Action-Result byte. */
export function decodeActionResult(r: Reader): ActionResult {
  const c = r.u8();
  return AR_BY_CODE[c] ?? c;
}

/** Writes an Action-Result byte. */
export function encodeActionResult(w: Writer, v: ActionResult): void {
  w.u8(actionResultCode(v));
}

// ---------------------------------------------------------------------------------------------------
// Get-Data-Result and data blocks

/** Get-Data-Result ::= CHOICE { data [0] Data, data-access-result [1] IMPLICIT Data-Access-Result }. */
export type GetDataResult =
  | { readonly type: 'data'; readonly data: Data }
  | { readonly type: 'data-access-result'; readonly result: DataAccessResult };

/** Reads a Get-Data-Result. */
export function decodeGetDataResult(r: Reader, limits?: DataLimits): GetDataResult {
  const at = r.pos;
  const choice = r.u8();
  if (choice === 0) return { type: 'data', data: decodeData(r, limits) };
  if (choice === 1) return { type: 'data-access-result', result: decodeDataAccessResult(r) };
  throw r.error('UNKNOWN_TAG', `unknown Get-Data-Result choice ${choice}`, at);
}

/** Writes a Get-Data-Result. */
export function encodeGetDataResult(w: Writer, v: GetDataResult): void {
  if (v.type === 'data') {
    w.u8(0);
    encodeData(w, v.data);
  } else if (v.type === 'data-access-result') {
    w.u8(1);
    encodeDataAccessResult(w, v.result);
  } else {
    throw new ArgumentError(`unknown Get-Data-Result ${(v as { type: string }).type}`);
  }
}

/**
 * DataBlock-G (GET response block): last-block BOOLEAN, block-number Unsigned32, result CHOICE
 * { raw-data [0] IMPLICIT OCTET STRING, data-access-result [1] IMPLICIT Data-Access-Result }.
 */
export interface DataBlockG {
  readonly lastBlock: boolean;
  readonly blockNumber: number;
  readonly result:
    | { readonly type: 'raw-data'; readonly rawData: Uint8Array }
    | { readonly type: 'data-access-result'; readonly result: DataAccessResult };
}

/** Reads a DataBlock-G. */
export function decodeDataBlockG(r: Reader): DataBlockG {
  const lastBlock = decodeBoolean(r);
  const blockNumber = r.u32();
  const at = r.pos;
  const choice = r.u8();
  if (choice === 0)
    return { lastBlock, blockNumber, result: { type: 'raw-data', rawData: decodeOctetString(r) } };
  if (choice === 1) {
    return {
      lastBlock,
      blockNumber,
      result: { type: 'data-access-result', result: decodeDataAccessResult(r) },
    };
  }
  throw r.error('UNKNOWN_TAG', `unknown DataBlock-G result choice ${choice}`, at);
}

/** Writes a DataBlock-G. */
export function encodeDataBlockG(w: Writer, v: DataBlockG): void {
  encodeBoolean(w, v.lastBlock);
  w.u32(v.blockNumber);
  const res = v.result;
  if (res.type === 'raw-data') {
    w.u8(0);
    encodeOctetString(w, res.rawData);
  } else if (res.type === 'data-access-result') {
    w.u8(1);
    encodeDataAccessResult(w, res.result);
  } else {
    throw new ArgumentError(`unknown DataBlock-G result ${(res as { type: string }).type}`);
  }
}

/** DataBlock-SA (SET and ACTION blocks): last-block BOOLEAN, block-number Unsigned32, raw-data OCTET STRING. */
export interface DataBlockSA {
  readonly lastBlock: boolean;
  readonly blockNumber: number;
  readonly rawData: Uint8Array;
}

/** Reads a DataBlock-SA. */
export function decodeDataBlockSA(r: Reader): DataBlockSA {
  const lastBlock = decodeBoolean(r);
  const blockNumber = r.u32();
  return { lastBlock, blockNumber, rawData: decodeOctetString(r) };
}

/** Writes a DataBlock-SA. */
export function encodeDataBlockSA(w: Writer, v: DataBlockSA): void {
  encodeBoolean(w, v.lastBlock);
  w.u32(v.blockNumber);
  encodeOctetString(w, v.rawData);
}

// ---------------------------------------------------------------------------------------------------
// A-XDR helpers

/**
 * Reads an A-XDR BOOLEAN. Any non-zero byte reads as true (as in X.690); the encoder writes 0x01, so a
 * non-canonical true is the one thing that does not re-encode byte for byte.
 */
export function decodeBoolean(r: Reader): boolean {
  return r.u8() !== 0;
}

/** Writes an A-XDR BOOLEAN (0x00 / 0x01). */
export function encodeBoolean(w: Writer, v: boolean): void {
  if (typeof v !== 'boolean') throw new ArgumentError(`${String(v)} is not a boolean`);
  w.u8(v ? 1 : 0);
}

/** Reads an A-XDR OCTET STRING (length, then bytes) as a view into the input. */
export function decodeOctetString(r: Reader): Uint8Array {
  const n = decodeLength(r);
  return r.bytesView(n);
}

/** Writes an A-XDR OCTET STRING. */
export function encodeOctetString(w: Writer, b: Uint8Array): void {
  if (!(b instanceof Uint8Array)) throw new ArgumentError('octet string must be a Uint8Array');
  encodeLength(w, b.length);
  w.bytes(b);
}

/**
 * Reads the flag of an A-XDR OPTIONAL component: 0x00 absent, 0x01 present. Any other byte is
 * INVALID_VALUE (IEC 61334-6: the flag is a BOOLEAN; accepting other values would make the next
 * field ambiguous in a corrupted frame).
 */
export function decodePresence(r: Reader): boolean {
  const at = r.pos;
  const b = r.u8();
  if (b === 0) return false;
  if (b === 1) return true;
  throw r.error('INVALID_VALUE', `OPTIONAL flag ${b} is neither 0 nor 1`, at);
}

/**
 * Reads a SEQUENCE OF count, checking that `count × minElementSize` bytes are left before anything is
 * allocated (TRUNCATED otherwise, at the count's offset).
 */
export function decodeCount(r: Reader, minElementSize: number, what: string): number {
  const at = r.pos;
  const n = decodeLength(r);
  if (n * minElementSize > r.end - r.pos) {
    throw r.error('TRUNCATED', `${n} ${what} announced but only ${r.end - r.pos} byte(s) left`, at);
  }
  return n;
}

/**
 * An octet string holding a date-time that may be absent: A-XDR writes an absent value as the empty
 * string (a single 0x00). Returns `undefined` for the empty string, else the bytes (normally 12, but
 * any length is accepted and preserved).
 */
export function decodeOptionalDateTime(r: Reader): Uint8Array | undefined {
  const n = decodeLength(r);
  return n === 0 ? undefined : r.bytesView(n);
}

/** Writes {@link decodeOptionalDateTime}'s form: 0x00 when absent, else length and bytes. */
export function encodeOptionalDateTime(w: Writer, b: Uint8Array | undefined): void {
  if (b === undefined) w.u8(0);
  else encodeOctetString(w, b);
}

/** Reads a SEQUENCE OF Data. */
export function decodeListOfData(r: Reader, limits?: DataLimits): Data[] {
  const n = decodeCount(r, 1, 'Data values');
  const out = new Array<Data>(n);
  for (let i = 0; i < n; i++) out[i] = decodeData(r, limits);
  return out;
}

/** Writes a SEQUENCE OF Data. */
export function encodeListOfData(w: Writer, list: readonly Data[]): void {
  encodeLength(w, list.length);
  for (let i = 0; i < list.length; i++) encodeData(w, list[i]!);
}
