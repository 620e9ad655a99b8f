/**
 * CRC-16/X.25 (the HDLC frame check sequence of ISO/IEC 13239, used for both HCS and FCS in
 * IEC 62056-46): reflected polynomial 0x1021 (0x8408 bit-reversed), initial value 0xFFFF, final XOR 0xFFFF.
 *
 * Table-driven, one pass, no allocation. The value is sent least significant byte first. This module
 * computes checksums only; it does not know where they sit in a frame.
 */

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/**
 * CRC-16/X.25 of `bytes[start..end)`. The two bytes on the wire are `crc & 0xff` then `crc >>> 8`.
 */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ bytes[i]!) & 0xff]!;
  return (crc ^ 0xffff) & 0xffff;
}

/** True when the two bytes at `at` (LSB first) hold the CRC-16/X.25 of `bytes[start..at)`. */
export function checkCrcAt(bytes: Uint8Array, start: number, at: number): boolean {
  const crc = crc16x25(bytes, start, at);
  return bytes[at] === (crc & 0xff) && bytes[at + 1] === crc >>> 8;
}
