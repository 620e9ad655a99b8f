/**
 * Wired M-Bus long frames (EN 13757-2, data link layer; frame format FT 1.2 of IEC 60870-5-1):
 *
 * ```
 * 68 | L | L | 68 | C | A | CI | user data (L − 3 bytes) | checksum | 16
 * ```
 *
 * L counts C, A, CI and the user data (3..255). The checksum is the arithmetic sum, modulo 256, of every
 * byte from C to the end of the user data. A control frame is a long frame with no user data (L = 3).
 *
 * Pure functions: bytes in, plain data out. The meaning of the CI field and of the user data (the DLMS
 * transport layer of Kaifa-style pushes) is `dlms-transport.ts`' business; short frames (10 C A CS 16)
 * and the single character E5 are not decoded here.
 */
import { ArgumentError, FramingError } from '@meteringlab/dlms-core';

/** Start character of long and control frames. */
export const MBUS_LONG_START = 0x68;
/** Stop character of every M-Bus frame. */
export const MBUS_STOP = 0x16;
/** Smallest L field: C, A and CI. */
export const MBUS_MIN_L = 3;
/** Largest L field. */
export const MBUS_MAX_L = 255;
/** Bytes of a long frame besides the L bytes counted by its L field: 68 L L 68 … CS 16. */
export const MBUS_FRAME_OVERHEAD = 6;
/** Largest long frame on the wire (L = 255). */
export const MBUS_MAX_FRAME_LENGTH = MBUS_MAX_L + MBUS_FRAME_OVERHEAD;
/** Largest user data of a long frame. */
export const MBUS_MAX_USER_DATA = MBUS_MAX_L - 3;

/** One long (or control) frame. */
export interface MbusLongFrame {
  /** C field (function), e.g. 0x53 SND_UD, 0x08 RSP_UD. */
  readonly c: number;
  /** A field (primary address; 0xFE / 0xFF are the broadcast addresses). */
  readonly a: number;
  /** CI field (control information: what the user data holds). */
  readonly ci: number;
  /** User data after the CI field (a view into the decoded bytes). */
  readonly data: Uint8Array;
}

/** Sum modulo 256 of `b[from..to)`. */
export function mbusChecksum(b: Uint8Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += b[i]!;
  return s & 0xff;
}

function checkByte(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new ArgumentError(`${name} ${v} is not a byte`);
}

/** Encodes one long frame. Throws `ArgumentError` when the user data exceeds 252 bytes. */
export function encodeMbusFrame(frame: MbusLongFrame): Uint8Array {
  checkByte('C field', frame.c);
  checkByte('A field', frame.a);
  checkByte('CI field', frame.ci);
  if (frame.data.length > MBUS_MAX_USER_DATA) {
    throw new ArgumentError(`user data of ${frame.data.length} bytes exceeds ${MBUS_MAX_USER_DATA}`);
  }
  const l = 3 + frame.data.length;
  const out = new Uint8Array(l + MBUS_FRAME_OVERHEAD);
  out[0] = MBUS_LONG_START;
  out[1] = l;
  out[2] = l;
  out[3] = MBUS_LONG_START;
  out[4] = frame.c;
  out[5] = frame.a;
  out[6] = frame.ci;
  out.set(frame.data, 7);
  out[4 + l] = mbusChecksum(out, 4, 4 + l);
  out[5 + l] = MBUS_STOP;
  return out;
}

/**
 * Decodes exactly one long frame. Errors, all {@link FramingError}: `TRUNCATED` (a prefix of a frame),
 * `TRAILING_BYTES` (bytes after the stop character), `BAD_FRAME` (start characters, L fields that
 * differ or are below 3, stop character), `BAD_CHECKSUM`. `data` is a view into `bytes`.
 */
export function decodeMbusFrame(bytes: Uint8Array): MbusLongFrame {
  const n = bytes.length;
  if (n >= 1 && bytes[0] !== MBUS_LONG_START)
    throw new FramingError('BAD_FRAME', 'missing start character 0x68', 0);
  if (n < 4) throw new FramingError('TRUNCATED', 'frame ends inside its header', n);
  const l = bytes[1]!;
  if (bytes[2] !== l) throw new FramingError('BAD_FRAME', 'the two L fields differ', 2);
  if (bytes[3] !== MBUS_LONG_START)
    throw new FramingError('BAD_FRAME', 'missing second start character 0x68', 3);
  if (l < MBUS_MIN_L) throw new FramingError('BAD_FRAME', `L field ${l} is below 3`, 1);
  const size = l + MBUS_FRAME_OVERHEAD;
  if (n < size) throw new FramingError('TRUNCATED', `frame of ${size} bytes cut at ${n}`, n);
  if (n > size)
    throw new FramingError('TRAILING_BYTES', `${n - size} byte(s) after the stop character`, size);
  if (bytes[size - 1] !== MBUS_STOP)
    throw new FramingError('BAD_FRAME', 'missing stop character 0x16', size - 1);
  if (bytes[size - 2] !== mbusChecksum(bytes, 4, 4 + l)) {
    throw new FramingError('BAD_CHECKSUM', 'checksum mismatch', size - 2);
  }
  return { c: bytes[4]!, a: bytes[5]!, ci: bytes[6]!, data: bytes.subarray(7, 4 + l) };
}
