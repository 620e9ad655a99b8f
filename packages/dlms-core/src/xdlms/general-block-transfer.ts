/**
 * General-Block-Transfer (tag 0xE0, [224]; Green Book, IEC 62056-5-3):
 *
 * General-Block-Transfer ::= SEQUENCE { block-control Unsigned8, block-number Unsigned16,
 *                                       block-number-ack Unsigned16, block-data OCTET STRING }
 *
 * block-control: bit 7 last-block, bit 6 streaming, bits 0-5 window (the window size the sender of
 * this APDU advertises). The block-data is an A-XDR octet string (length-prefixed), kept as a view.
 * Windowing, streaming and reassembly belong to the association layer.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { decodeOctetString, encodeOctetString } from './common.js';

/** Tag of General-Block-Transfer. */
export const GENERAL_BLOCK_TRANSFER_TAG = 0xe0;

/** General-Block-Transfer [224]: one block of an APDU sent in blocks. */
export interface GeneralBlockTransfer {
  readonly type: 'general-block-transfer';
  readonly lastBlock: boolean;
  readonly streaming: boolean;
  /** Advertised window size, 0..63. */
  readonly window: number;
  readonly blockNumber: number;
  readonly blockNumberAck: number;
  readonly blockData: Uint8Array;
}

/** Reads a General-Block-Transfer, tag included. */
export function decodeGeneralBlockTransfer(r: Reader): GeneralBlockTransfer {
  const tagAt = r.pos;
  if (r.u8() !== GENERAL_BLOCK_TRANSFER_TAG)
    throw r.error('UNKNOWN_TAG', 'not a General-Block-Transfer', tagAt);
  const bc = r.u8();
  const blockNumber = r.u16();
  const blockNumberAck = r.u16();
  return {
    type: 'general-block-transfer',
    lastBlock: (bc & 0x80) !== 0,
    streaming: (bc & 0x40) !== 0,
    window: bc & 0x3f,
    blockNumber,
    blockNumberAck,
    blockData: decodeOctetString(r),
  };
}

/** Writes a General-Block-Transfer, tag included. */
export function encodeGeneralBlockTransfer(w: Writer, v: GeneralBlockTransfer): void {
  if (!Number.isInteger(v.window) || v.window < 0 || v.window > 63) {
    throw new ArgumentError(`GBT window ${v.window} is not in 0..63`);
  }
  w.u8(GENERAL_BLOCK_TRANSFER_TAG);
  w.u8((v.lastBlock ? 0x80 : 0) | (v.streaming ? 0x40 : 0) | v.window);
  w.u16(v.blockNumber);
  w.u16(v.blockNumberAck);
  encodeOctetString(w, v.blockData);
}
