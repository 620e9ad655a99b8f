/**
 * HDLC addresses of IEC 62056-46 (clause 6.4.2.2 / Green Book "HDLC addressing").
 *
 * Each address byte carries 7 address bits and, in its least significant bit, the extension bit: 0 when
 * another address byte follows, 1 on the last byte. A client address is one byte. A server address is
 * the upper HDLC address (logical device) optionally followed by the lower HDLC address (physical
 * device): 1 byte (upper only, 7 bits), 2 bytes (upper and lower, 7 bits each) or 4 bytes (upper and
 * lower, 14 bits each). Three-byte and longer-than-four-byte addresses are invalid.
 *
 * This module encodes and decodes the address field only; which station owns which address is decided
 * by the link state machines.
 */
import { ArgumentError, FramingError, type Reader, type Writer } from '@meteringlab/dlms-core';

/** One HDLC address: `upper` (client address or server logical device) and optional `lower` (physical). */
export interface HdlcAddress {
  /** Client address, or the upper (logical device) part of a server address. */
  readonly upper: number;
  /** Lower (physical device) part of a server address; absent in 1-byte addresses. */
  readonly lower?: number;
  /** Size on the wire: 1, 2 or 4 bytes. */
  readonly length: 1 | 2 | 4;
}

/** Reserved address values (Green Book, "Reserved special HDLC addresses"), 1-byte / 2-byte forms. */
export const HDLC_ADDRESS = {
  /** No station. */
  noStation: 0x00,
  /** Client: public client. */
  publicClient: 0x10,
  /** Server upper: management logical device. */
  managementLogicalDevice: 0x01,
  /** All-station (broadcast) in a 7-bit field. */
  allStation7: 0x7f,
  /** All-station (broadcast) in a 14-bit field. */
  allStation14: 0x3fff,
} as const;

/** A one-byte client address. */
export function clientAddress(address: number): HdlcAddress {
  if (!Number.isInteger(address) || address < 0 || address > 0x7f) {
    throw new ArgumentError(`client address ${address} is outside 0..127`);
  }
  return { upper: address, length: 1 };
}

/**
 * A server address from its logical (upper) and optional physical (lower) parts. Without `length` the
 * shortest form that holds both values is chosen (1 byte when there is no physical address).
 */
export function serverAddress(logical: number, physical?: number, length?: 1 | 2 | 4): HdlcAddress {
  const max = Math.max(logical, physical ?? 0);
  const size = length ?? (physical === undefined ? (logical <= 0x7f ? 1 : 4) : max <= 0x7f ? 2 : 4);
  const a: HdlcAddress =
    size === 1 ? { upper: logical, length: 1 } : { upper: logical, lower: physical ?? 0, length: size };
  checkAddress(a);
  return a;
}

function checkAddress(a: HdlcAddress): void {
  const bits = a.length === 4 ? 0x3fff : 0x7f;
  if (!Number.isInteger(a.upper) || a.upper < 0 || a.upper > bits) {
    throw new ArgumentError(`upper HDLC address ${a.upper} does not fit a ${a.length}-byte address`);
  }
  if (a.length === 1) {
    if (a.lower !== undefined) throw new ArgumentError('a 1-byte HDLC address has no lower part');
    return;
  }
  if (a.length !== 2 && a.length !== 4) throw new ArgumentError(`HDLC address length ${String(a.length)}`);
  const lower = a.lower ?? 0;
  if (!Number.isInteger(lower) || lower < 0 || lower > bits) {
    throw new ArgumentError(`lower HDLC address ${lower} does not fit a ${a.length}-byte address`);
  }
}

/** Writes `a` with its extension bits. */
export function encodeHdlcAddress(w: Writer, a: HdlcAddress): void {
  checkAddress(a);
  if (a.length === 1) {
    w.u8(((a.upper << 1) | 1) & 0xff);
  } else if (a.length === 2) {
    w.u8((a.upper << 1) & 0xfe).u8((((a.lower ?? 0) << 1) | 1) & 0xff);
  } else {
    const lower = a.lower ?? 0;
    w.u8((a.upper >>> 7) << 1)
      .u8((a.upper & 0x7f) << 1)
      .u8((lower >>> 7) << 1)
      .u8((((lower & 0x7f) << 1) | 1) & 0xff);
  }
}

/** Reads an address: bytes up to the one with the extension bit set; 1, 2 or 4 bytes, else `BAD_FRAME`. */
export function decodeHdlcAddress(r: Reader): HdlcAddress {
  const at = r.pos;
  let n = 0;
  for (;;) {
    if (r.pos + n >= r.end) {
      throw new FramingError('BAD_FRAME', 'address field runs past the header', r.offset);
    }
    const b = r.bytes[r.pos + n]!;
    n++;
    if (b & 1) break;
    if (n >= 4) throw new FramingError('BAD_FRAME', 'address field longer than 4 bytes', at - r.base);
  }
  if (n === 3) throw new FramingError('BAD_FRAME', 'a 3-byte address field is invalid', at - r.base);
  const b = r.bytesView(n);
  if (n === 1) return { upper: b[0]! >>> 1, length: 1 };
  if (n === 2) return { upper: b[0]! >>> 1, lower: b[1]! >>> 1, length: 2 };
  return {
    upper: ((b[0]! >>> 1) << 7) | (b[1]! >>> 1),
    lower: ((b[2]! >>> 1) << 7) | (b[3]! >>> 1),
    length: 4,
  };
}

/** True when both addresses name the same station (same upper and lower values, any wire length). */
export function sameHdlcAddress(a: HdlcAddress, b: HdlcAddress): boolean {
  return a.upper === b.upper && (a.lower ?? undefined) === (b.lower ?? undefined);
}

/** Human-readable form, e.g. `1/17` for a server or `16` for a client. */
export function formatHdlcAddress(a: HdlcAddress): string {
  return a.lower === undefined ? String(a.upper) : `${a.upper}/${a.lower}`;
}
