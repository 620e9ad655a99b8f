/**
 * The IEC 62056-47 (now IEC 62056-4-7) wrapper sub-layer: codec and incremental framer.
 *
 * A wrapper protocol data unit (WPDU) is an 8-byte header followed by one APDU:
 *
 * ```
 * version (u16, 0x0001) | source wPort (u16) | destination wPort (u16) | length (u16) | APDU (length bytes)
 * ```
 *
 * all big-endian. Over TCP the length is what delimits APDUs in the byte stream; over UDP one datagram
 * carries exactly one WPDU and the length must match the datagram (the standard keeps the length field
 * in the UDP profile too, so that both headers are the same). The wPorts identify the application
 * processes: on the client side the client SAP (e.g. 0x10, the public client), on the server side the
 * logical device (e.g. 0x01, the management logical device).
 *
 * Everything here is pure: bytes in, frames out, and back. No sockets, no timers. The framer copies
 * only when a WPDU spans two chunks; otherwise the APDUs it returns are views into the pushed chunk.
 */
import { ArgumentError, FramingError, type Framer } from '@meteringlab/dlms-core';

/** The only wrapper version defined (IEC 62056-47:2006, 5.3.2 "The wrapper protocol data unit"). */
export const WRAPPER_VERSION = 0x0001;

/** Size of the wrapper header in bytes. */
export const WRAPPER_HEADER_LENGTH = 8;

/** The largest APDU the 16-bit length field can announce. */
export const MAX_WRAPPER_APDU_LENGTH = 0xffff;

/** The IANA-registered DLMS/COSEM port, for TCP and UDP (listed in IEC 62056-4-7). */
export const DLMS_WRAPPER_PORT = 4059;

/** One wrapper frame: the wPorts of the header and the APDU it carries. */
export interface WrapperFrame {
  /** wPort of the sending application process. */
  readonly source: number;
  /** wPort of the receiving application process. */
  readonly destination: number;
  /** The APDU. From the decoder and the framer this may be a view into the input bytes. */
  readonly apdu: Uint8Array;
}

/** Options of the decoder and the framer. */
export interface WrapperLimits {
  /** Largest accepted APDU length in bytes (default and maximum 65535). Longer → `FRAME_TOO_LONG`. */
  readonly maxApduLength?: number;
}

function checkPort(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new ArgumentError(`${name} wPort ${v} is not a u16`);
}

function limitOf(options: WrapperLimits | undefined): number {
  const max = options?.maxApduLength ?? MAX_WRAPPER_APDU_LENGTH;
  if (!Number.isInteger(max) || max < 0 || max > MAX_WRAPPER_APDU_LENGTH) {
    throw new ArgumentError(`maxApduLength ${max} must be an integer in [0, 65535]`);
  }
  return max;
}

/** Writes the 8-byte header for an APDU of `apduLength` bytes into `out` at `at`. */
export function writeWrapperHeader(
  out: Uint8Array,
  at: number,
  source: number,
  destination: number,
  apduLength: number,
): void {
  checkPort('source', source);
  checkPort('destination', destination);
  if (!Number.isInteger(apduLength) || apduLength < 0 || apduLength > MAX_WRAPPER_APDU_LENGTH) {
    throw new ArgumentError(`an APDU of ${apduLength} bytes does not fit a wrapper frame (max 65535)`);
  }
  out[at] = WRAPPER_VERSION >>> 8;
  out[at + 1] = WRAPPER_VERSION & 0xff;
  out[at + 2] = source >>> 8;
  out[at + 3] = source & 0xff;
  out[at + 4] = destination >>> 8;
  out[at + 5] = destination & 0xff;
  out[at + 6] = apduLength >>> 8;
  out[at + 7] = apduLength & 0xff;
}

/** The bytes of one wrapper frame (one allocation: header and APDU). */
export function encodeWrapperFrame(frame: WrapperFrame): Uint8Array {
  const out = new Uint8Array(WRAPPER_HEADER_LENGTH + frame.apdu.length);
  writeWrapperHeader(out, 0, frame.source, frame.destination, frame.apdu.length);
  out.set(frame.apdu, WRAPPER_HEADER_LENGTH);
  return out;
}

/**
 * Decodes exactly one wrapper frame (a UDP datagram). Throws a `FramingError`: `TRUNCATED` when the
 * header or the APDU is incomplete, `TRAILING_BYTES` when bytes follow the announced APDU,
 * `BAD_VERSION`, `FRAME_TOO_LONG`. The APDU is a view into `bytes`.
 */
export function decodeWrapperFrame(bytes: Uint8Array, options?: WrapperLimits): WrapperFrame {
  const max = limitOf(options);
  if (bytes.length < WRAPPER_HEADER_LENGTH) {
    throw new FramingError('TRUNCATED', `a wrapper header needs 8 bytes, got ${bytes.length}`, bytes.length);
  }
  checkVersion(bytes, 0, 0);
  const length = (bytes[6]! << 8) | bytes[7]!;
  checkLength(length, max, 0);
  const end = WRAPPER_HEADER_LENGTH + length;
  if (bytes.length < end) {
    throw new FramingError(
      'TRUNCATED',
      `the header announces ${length} APDU bytes, got ${bytes.length - 8}`,
      bytes.length,
    );
  }
  if (bytes.length > end) {
    throw new FramingError('TRAILING_BYTES', `${bytes.length - end} byte(s) after the wrapper frame`, end);
  }
  return {
    source: (bytes[2]! << 8) | bytes[3]!,
    destination: (bytes[4]! << 8) | bytes[5]!,
    apdu: bytes.subarray(WRAPPER_HEADER_LENGTH, end),
  };
}

function checkVersion(b: Uint8Array, at: number, offset: number): void {
  const v = (b[at]! << 8) | b[at + 1]!;
  if (v !== WRAPPER_VERSION) {
    throw new FramingError(
      'BAD_VERSION',
      `wrapper version 0x${v.toString(16).padStart(4, '0')} is not 0x0001`,
      offset,
    );
  }
}

function checkLength(length: number, max: number, offset: number): void {
  if (length > max) {
    throw new FramingError(
      'FRAME_TOO_LONG',
      `wrapper APDU length ${length} exceeds the limit ${max}`,
      offset + 6,
    );
  }
}

/** A wrapper framer; `failed` tells whether it threw (and so refuses any further input). */
export interface WrapperFramer extends Framer<WrapperFrame> {
  readonly failed: boolean;
  /** Bytes held for an incomplete frame (0 on a frame boundary). */
  readonly buffered: number;
}

/**
 * An incremental wrapper framer for a TCP byte stream: `push(chunk)` returns the frames completed by
 * `chunk`. A bad version (`BAD_VERSION`) or an announced length over `maxApduLength`
 * (`FRAME_TOO_LONG`) throws a `FramingError` whose `offset` counts from the start of the stream; the
 * wrapper has no resynchronisation marker, so the framer is then failed and every later `push` throws
 * `FRAMER_FAILED`: the connection must be closed. A `push` either returns frames or throws: frames that
 * preceded the bad header in the same chunk are not returned (the peer is broken; its connection ends).
 */
export function createWrapperFramer(options?: WrapperLimits): WrapperFramer {
  const max = limitOf(options);
  // Header bytes of a frame whose header spans chunks.
  const hdr = new Uint8Array(WRAPPER_HEADER_LENGTH);
  let hdrLen = 0;
  // Whole-frame buffer of a frame whose body spans chunks (header already validated).
  let body: Uint8Array | undefined;
  let bodyLen = 0;
  let source = 0;
  let destination = 0;
  // Stream offset of the first byte of the current chunk (for error offsets).
  let streamOffset = 0;
  let failed = false;

  const fail = (e: unknown): never => {
    failed = true;
    hdrLen = 0;
    body = undefined;
    throw e;
  };

  const push = (chunk: Uint8Array): WrapperFrame[] => {
    if (failed)
      throw new FramingError('FRAMER_FAILED', 'the wrapper framer failed earlier; close the connection');
    const out: WrapperFrame[] = [];
    const n = chunk.length;
    let p = 0;
    try {
      // 1. Finish a header that spans chunks.
      if (hdrLen > 0) {
        const take = Math.min(WRAPPER_HEADER_LENGTH - hdrLen, n);
        hdr.set(chunk.subarray(0, take), hdrLen);
        const before = hdrLen;
        hdrLen += take;
        p = take;
        if (hdrLen >= 2 && before < 2) checkVersion(hdr, 0, streamOffset - before);
        if (hdrLen < WRAPPER_HEADER_LENGTH) {
          streamOffset += n;
          return out;
        }
        const length = (hdr[6]! << 8) | hdr[7]!;
        checkLength(length, max, streamOffset - before);
        source = (hdr[2]! << 8) | hdr[3]!;
        destination = (hdr[4]! << 8) | hdr[5]!;
        hdrLen = 0;
        body = new Uint8Array(length);
        bodyLen = 0;
      }
      // 2. Finish a body that spans chunks (the only copy the framer makes).
      if (body !== undefined) {
        const take = Math.min(body.length - bodyLen, n - p);
        body.set(chunk.subarray(p, p + take), bodyLen);
        bodyLen += take;
        p += take;
        if (bodyLen < body.length) {
          streamOffset += n;
          return out;
        }
        out.push({ source, destination, apdu: body });
        body = undefined;
      }
      // 3. Whole frames inside this chunk: views, no copy.
      while (n - p >= WRAPPER_HEADER_LENGTH) {
        const at = streamOffset + p;
        checkVersion(chunk, p, at);
        const length = (chunk[p + 6]! << 8) | chunk[p + 7]!;
        checkLength(length, max, at);
        const s = (chunk[p + 2]! << 8) | chunk[p + 3]!;
        const d = (chunk[p + 4]! << 8) | chunk[p + 5]!;
        const start = p + WRAPPER_HEADER_LENGTH;
        if (n - start >= length) {
          out.push({ source: s, destination: d, apdu: chunk.subarray(start, start + length) });
          p = start + length;
          continue;
        }
        source = s;
        destination = d;
        body = new Uint8Array(length);
        body.set(chunk.subarray(start, n), 0);
        bodyLen = n - start;
        p = n;
      }
      // 4. A header cut by the end of the chunk.
      if (p < n) {
        hdr.set(chunk.subarray(p, n), 0);
        hdrLen = n - p;
        if (hdrLen >= 2) checkVersion(hdr, 0, streamOffset + p);
      }
      streamOffset += n;
      return out;
    } catch (e) {
      return fail(e);
    }
  };

  return {
    push,
    get failed() {
      return failed;
    },
    get buffered() {
      return body !== undefined ? WRAPPER_HEADER_LENGTH + bodyLen : hdrLen;
    },
  };
}
