/**
 * The xDLMS InitiateRequest (tag 0x01) and InitiateResponse (tag 0x08) of IEC 62056-5-3, carried in the
 * user-information of the AARQ/AARE (and RLRQ/RLRE). They are A-XDR encoded, except the conformance
 * block, which is BER (`5F 1F 04 00 xx xx xx`, see `conformance.ts`).
 *
 * A-XDR rules applied here (IEC 61334-6): an OPTIONAL component is preceded by 0x00 (absent) or 0x01
 * (present); a DEFAULT component by 0x00 (default value) or 0x01 followed by the value. An
 * explicitly sent `response-allowed` keeps its byte in `responseAllowedRaw`, so a peer's `01 01` (TRUE
 * spelled out) re-encodes as `01 01`, not as the default `00`: every InitiateRequest round-trips byte for
 * byte.
 *
 * Deliberately not here: ciphering of the glo-/ded- forms (security module), negotiation policy
 * (association state machines).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { decodeLength, encodeLength } from '../axdr/length.js';
import { decodeConformance, encodeConformance } from './conformance.js';

/** Tag of the InitiateRequest APDU. */
export const INITIATE_REQUEST_TAG = 0x01;
/** Tag of the InitiateResponse APDU. */
export const INITIATE_RESPONSE_TAG = 0x08;
/** vaa-name of an association using logical name referencing (a dummy value). */
export const VAA_NAME_LN = 0x0007;
/** vaa-name of an association using short name referencing: base name of the Association SN object. */
export const VAA_NAME_SN = 0xfa00;

/** xDLMS-Initiate.request. */
export interface InitiateRequest {
  readonly type: 'initiate-request';
  /** Dedicated key for ded- ciphering; only sent inside a ciphered InitiateRequest. */
  readonly dedicatedKey?: Uint8Array;
  /** False asks the server not to respond (DEFAULT TRUE). */
  readonly responseAllowed: boolean;
  /**
   * The non-zero BOOLEAN byte when the peer spelled out TRUE (`01 xx`) instead of using the DEFAULT form
   * (`00`). Encoders write it back as sent; it is only valid with `responseAllowed` true.
   */
  readonly responseAllowedRaw?: number;
  /** Integer8; not used in COSEM, servers ignore it. */
  readonly proposedQualityOfService?: number;
  /** Unsigned8; 6 for DLMS UA version 6. */
  readonly proposedDlmsVersionNumber: number;
  /** 24-bit conformance block (see `conformance.ts`). */
  readonly proposedConformance: number;
  /** Unsigned16; 0 means no limit. */
  readonly clientMaxReceivePduSize: number;
}

/** xDLMS-Initiate.response. */
export interface InitiateResponse {
  readonly type: 'initiate-response';
  /** Integer8; not used in COSEM. */
  readonly negotiatedQualityOfService?: number;
  /** Unsigned8. */
  readonly negotiatedDlmsVersionNumber: number;
  /** 24-bit conformance block. */
  readonly negotiatedConformance: number;
  /** Unsigned16. */
  readonly serverMaxReceivePduSize: number;
  /**
   * ObjectName, kept unsigned: {@link VAA_NAME_LN} (0x0007) or {@link VAA_NAME_SN} (0xFA00).
   * The ASN.1 type is Integer16; the stack shows it as the 16-bit pattern the standard prints.
   */
  readonly vaaName: number;
}

function expectTag(r: Reader, tag: number, what: string): void {
  const got = r.u8();
  if (got !== tag) throw r.error('UNKNOWN_TAG', `expected ${what} (tag ${tag}), got tag ${got}`, r.pos - 1);
}

/** Reads an A-XDR OPTIONAL/DEFAULT presence flag. */
function presence(r: Reader, what: string): boolean {
  const f = r.u8();
  if (f > 1) throw r.error('INVALID_VALUE', `${what}: presence flag ${f} is neither 0 nor 1`, r.pos - 1);
  return f === 1;
}

/** Reads an InitiateRequest, starting at its tag byte 0x01. */
export function decodeInitiateRequest(r: Reader): InitiateRequest {
  expectTag(r, INITIATE_REQUEST_TAG, 'InitiateRequest');
  let dedicatedKey: Uint8Array | undefined;
  if (presence(r, 'dedicated-key')) dedicatedKey = r.bytesView(decodeLength(r));
  // FALSE has one form (01 00); TRUE has the DEFAULT form (00) and explicit ones (01 xx, xx ≠ 0).
  const explicit = presence(r, 'response-allowed') ? r.u8() : undefined;
  const responseAllowed = explicit === undefined || explicit !== 0;
  const responseAllowedRaw = explicit !== undefined && explicit !== 0 ? explicit : undefined;
  const qos = presence(r, 'proposed-quality-of-service') ? r.i8() : undefined;
  const proposedDlmsVersionNumber = r.u8();
  const proposedConformance = decodeConformance(r);
  const clientMaxReceivePduSize = r.u16();
  return {
    type: 'initiate-request',
    ...(dedicatedKey !== undefined ? { dedicatedKey } : {}),
    responseAllowed,
    ...(responseAllowedRaw !== undefined ? { responseAllowedRaw } : {}),
    ...(qos !== undefined ? { proposedQualityOfService: qos } : {}),
    proposedDlmsVersionNumber,
    proposedConformance,
    clientMaxReceivePduSize,
  };
}

/** Writes an InitiateRequest, tag byte included. */
export function encodeInitiateRequest(w: Writer, v: InitiateRequest): void {
  w.u8(INITIATE_REQUEST_TAG);
  if (v.dedicatedKey !== undefined) {
    w.u8(1);
    encodeLength(w, v.dedicatedKey.length);
    w.bytes(v.dedicatedKey);
  } else {
    w.u8(0);
  }
  if (typeof v.responseAllowed !== 'boolean') throw new ArgumentError('responseAllowed must be a boolean');
  if (v.responseAllowedRaw !== undefined) {
    if (!v.responseAllowed || v.responseAllowedRaw === 0) {
      throw new ArgumentError('responseAllowedRaw is only for an explicit TRUE (a non-zero byte)');
    }
    w.u8(1).u8(v.responseAllowedRaw);
  } else if (v.responseAllowed) {
    w.u8(0);
  } else {
    w.u8(1).u8(0);
  }
  if (v.proposedQualityOfService !== undefined) w.u8(1).i8(v.proposedQualityOfService);
  else w.u8(0);
  w.u8(v.proposedDlmsVersionNumber);
  encodeConformance(w, v.proposedConformance);
  w.u16(v.clientMaxReceivePduSize);
}

/** Reads an InitiateResponse, starting at its tag byte 0x08. */
export function decodeInitiateResponse(r: Reader): InitiateResponse {
  expectTag(r, INITIATE_RESPONSE_TAG, 'InitiateResponse');
  const qos = presence(r, 'negotiated-quality-of-service') ? r.i8() : undefined;
  const negotiatedDlmsVersionNumber = r.u8();
  const negotiatedConformance = decodeConformance(r);
  const serverMaxReceivePduSize = r.u16();
  const vaaName = r.u16();
  return {
    type: 'initiate-response',
    ...(qos !== undefined ? { negotiatedQualityOfService: qos } : {}),
    negotiatedDlmsVersionNumber,
    negotiatedConformance,
    serverMaxReceivePduSize,
    vaaName,
  };
}

/** Writes an InitiateResponse, tag byte included. */
export function encodeInitiateResponse(w: Writer, v: InitiateResponse): void {
  w.u8(INITIATE_RESPONSE_TAG);
  if (v.negotiatedQualityOfService !== undefined) w.u8(1).i8(v.negotiatedQualityOfService);
  else w.u8(0);
  w.u8(v.negotiatedDlmsVersionNumber);
  encodeConformance(w, v.negotiatedConformance);
  w.u16(v.serverMaxReceivePduSize);
  w.u16(v.vaaName);
}
