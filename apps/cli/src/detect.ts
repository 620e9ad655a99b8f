/**
 * Guessing what a frame given to `dlms decode --format auto` is: an HDLC frame (IEC 62056-46), a
 * wrapper frame (IEC 62056-47), or a bare APDU.
 *
 * The guess only looks at the first bytes and the frame's own length field; the frame is decoded (and
 * its checksums checked) afterwards by the transport codec. It never throws.
 */

/** What a frame is. */
export type FrameFormat = 'apdu' | 'wrapper' | 'hdlc';

/**
 * `hdlc` when the bytes have the shape of an HDLC frame (0x7E flags at both ends, frame format type
 * 0xA, its 11-bit length equal to the bytes between the flags); `wrapper` when they start with the
 * wrapper version 00 01; `apdu` otherwise (no APDU tag is 0x00 or 0x7E, so a bare APDU is never
 * mistaken for either).
 */
export function detectFormat(bytes: Uint8Array): FrameFormat {
  if (
    bytes.length >= 9 &&
    bytes[0] === 0x7e &&
    bytes[bytes.length - 1] === 0x7e &&
    (bytes[1]! & 0xf0) === 0xa0
  ) {
    const length = ((bytes[1]! & 0x07) << 8) | bytes[2]!;
    // A frame with the right shape but a bad checksum is still HDLC: its codec then names the problem.
    if (length === bytes.length - 2) return 'hdlc';
  }
  if (bytes.length >= 8 && bytes[0] === 0x00 && bytes[1] === 0x01) return 'wrapper';
  return 'apdu';
}
