/**
 * HDLC frame codec of IEC 62056-46 (frame format type 3, ISO/IEC 13239 clause 4 as profiled):
 *
 * ```
 * 7E | format (2) | destination (1,2,4) | source (1,2,4) | control (1) | [HCS (2) | information] | FCS (2) | 7E
 * ```
 *
 * The format field is `1010 S LLL LLLLLLLL`: type 3 (0xA), segmentation bit S (0x0800) and an 11-bit
 * frame length counting every byte between the flags. HCS covers format..control and is present only
 * when there is an information field; FCS covers format..information (HCS included). Both are
 * CRC-16/X.25, least significant byte first. DLMS HDLC does not use byte stuffing: frames are delimited by
 * their length field, so 0x7E and 0x7D may appear anywhere inside.
 *
 * Pure functions: bytes in, plain data out. The LLC header (E6 E6 00 / E6 E7 00) belongs to the
 * information field and is handled by the link layer, not here.
 */
import { FramingError, Reader, Writer } from '@meteringlab/dlms-core';
import { type HdlcAddress, decodeHdlcAddress, encodeHdlcAddress, sameHdlcAddress } from './address.js';
import { type HdlcControl, decodeHdlcControl, encodeHdlcControl } from './control.js';
import { crc16x25 } from './crc16.js';

/** The opening and closing flag. */
export const HDLC_FLAG = 0x7e;
/** Largest value of the 11-bit length field. */
export const HDLC_MAX_FRAME_LENGTH = 0x7ff;
/** Smallest legal length field: format (2) + destination (1) + source (1) + control (1) + FCS (2). */
export const HDLC_MIN_FRAME_LENGTH = 7;

/** LLC header on the first segment of an APDU sent by the client (IEC 62056-46 clause 6.2 / Green Book). */
export const LLC_COMMAND: Uint8Array = Uint8Array.of(0xe6, 0xe6, 0x00);
/** LLC header on the first segment of an APDU sent by the server. */
export const LLC_RESPONSE: Uint8Array = Uint8Array.of(0xe6, 0xe7, 0x00);

/** One HDLC frame. `information` is empty when the frame has no information field. */
export interface HdlcFrame {
  readonly destination: HdlcAddress;
  readonly source: HdlcAddress;
  readonly control: HdlcControl;
  /** Segmentation bit of the format field: more segments of the same APDU follow. */
  readonly segmented: boolean;
  /** The information field (a view into the decoded bytes, not a copy). */
  readonly information: Uint8Array;
}

/** Options of {@link decodeHdlcFrame}. */
export interface DecodeHdlcFrameOptions {
  /** When given, a frame with another destination fails with `UNKNOWN_ADDRESS`. */
  readonly destination?: HdlcAddress;
  /** When given, a frame with another source fails with `UNKNOWN_ADDRESS`. */
  readonly source?: HdlcAddress;
}

function addressLength(a: HdlcAddress): number {
  return a.length;
}

/** Size on the wire of `frame`, flags included. */
export function hdlcFrameSize(frame: HdlcFrame): number {
  const header = 2 + addressLength(frame.destination) + addressLength(frame.source) + 1;
  return 1 + header + (frame.information.length > 0 ? 2 + frame.information.length : 0) + 2 + 1;
}

/** Encodes `frame` with its flags, HCS and FCS. Throws `ArgumentError` when it exceeds 2047 bytes. */
export function encodeHdlcFrame(frame: HdlcFrame): Uint8Array {
  const size = hdlcFrameSize(frame);
  const w = new Writer(size);
  encodeHdlcFrameTo(w, frame);
  return w.view();
}

/** Writes `frame` (flags included) at the end of `w`. */
export function encodeHdlcFrameTo(w: Writer, frame: HdlcFrame): void {
  const size = hdlcFrameSize(frame);
  const length = size - 2;
  if (length > HDLC_MAX_FRAME_LENGTH) {
    throw new FramingError('FRAME_TOO_LONG', `frame length ${length} exceeds ${HDLC_MAX_FRAME_LENGTH}`);
  }
  const start = w.length;
  w.u8(HDLC_FLAG);
  w.u16(0xa000 | (frame.segmented ? 0x0800 : 0) | length);
  encodeHdlcAddress(w, frame.destination);
  encodeHdlcAddress(w, frame.source);
  w.u8(encodeHdlcControl(frame.control));
  if (frame.information.length > 0) {
    const hcs = crc16x25(w.view(), start + 1, w.length);
    w.u8(hcs & 0xff).u8(hcs >>> 8);
    w.bytes(frame.information);
  }
  const fcs = crc16x25(w.view(), start + 1, w.length);
  w.u8(fcs & 0xff).u8(fcs >>> 8);
  w.u8(HDLC_FLAG);
}

/**
 * Decodes one complete frame, flags included (`bytes` is exactly the frame). Errors, all
 * {@link FramingError}: `BAD_FRAME` (missing flag, too short, format type other than 3, length field not
 * matching, malformed address, HCS without information), `BAD_CHECKSUM` (HCS or FCS), `UNKNOWN_ADDRESS`
 * (only when `options` asks to match an address). The information field is a view into `bytes`.
 */
export function decodeHdlcFrame(bytes: Uint8Array, options?: DecodeHdlcFrameOptions): HdlcFrame {
  const n = bytes.length;
  if (n < HDLC_MIN_FRAME_LENGTH + 2) {
    throw new FramingError('BAD_FRAME', `frame of ${n} byte(s) is shorter than the minimum of 9`, 0);
  }
  if (bytes[0] !== HDLC_FLAG) throw new FramingError('BAD_FRAME', 'missing opening flag', 0);
  if (bytes[n - 1] !== HDLC_FLAG) throw new FramingError('BAD_FRAME', 'missing closing flag', n - 1);
  const format = (bytes[1]! << 8) | bytes[2]!;
  if ((format & 0xf000) !== 0xa000) {
    throw new FramingError('BAD_FRAME', `frame format type ${format >>> 12} is not 3 (0xA)`, 1);
  }
  const length = format & 0x7ff;
  if (length !== n - 2) {
    throw new FramingError(
      'BAD_FRAME',
      `length field ${length} does not match the ${n - 2} byte(s) between flags`,
      1,
    );
  }
  const fcsAt = n - 3;
  const fcs = crc16x25(bytes, 1, fcsAt);
  if (bytes[fcsAt] !== (fcs & 0xff) || bytes[fcsAt + 1] !== fcs >>> 8) {
    throw new FramingError('BAD_CHECKSUM', 'FCS mismatch', fcsAt);
  }
  const r = new Reader(bytes, 3, fcsAt, 0);
  const destination = decodeHdlcAddress(r);
  const source = decodeHdlcAddress(r);
  if (r.remaining < 1) throw new FramingError('BAD_FRAME', 'frame ends before the control field', r.offset);
  const control = decodeHdlcControl(r.u8());
  let information: Uint8Array = bytes.subarray(fcsAt, fcsAt);
  if (r.remaining > 0) {
    // ISO/IEC 13239 / IEC 62056-46: the HCS is present only when an information field follows it.
    if (r.remaining < 3)
      throw new FramingError('BAD_FRAME', 'header check sequence without information field', r.offset);
    const hcsAt = r.pos;
    const hcs = crc16x25(bytes, 1, hcsAt);
    if (bytes[hcsAt] !== (hcs & 0xff) || bytes[hcsAt + 1] !== hcs >>> 8) {
      throw new FramingError('BAD_CHECKSUM', 'HCS mismatch', hcsAt);
    }
    r.skip(2);
    information = r.rest();
  }
  if (options?.destination && !sameHdlcAddress(options.destination, destination)) {
    throw new FramingError('UNKNOWN_ADDRESS', 'frame addressed to another station', 3);
  }
  if (options?.source && !sameHdlcAddress(options.source, source)) {
    throw new FramingError('UNKNOWN_ADDRESS', 'frame from an unexpected station', 3);
  }
  return { destination, source, control, segmented: (format & 0x0800) !== 0, information };
}
