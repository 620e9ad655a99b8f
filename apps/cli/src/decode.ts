/**
 * The pipeline of `dlms decode`: frames in (bytes), decoded messages out (plain objects ready to be
 * printed as a tree or as JSON).
 *
 * frame → transport codec (wrapper / HDLC, by the transport packages) → APDU bytes → reassembly of
 * pieces spread over several frames → deciphering (dlms-core security) → `decodeApdu`. Every step is
 * done by the stack's own codecs; this module only chains them and remembers where each APDU came from,
 * so that an error can name the frame and the offset. It never prints and never exits.
 */
import { DecodeError, DlmsError, FramingError, decodeDataBytes, isCipheredApduTag, type Data } from '@meteringlab/dlms-core';
import { detectFormat, type FrameFormat } from './detect.js';
import {
  decodeApdu,
  decodeHdlcFrame,
  decodeWrapperFrame,
  unprotectApdu,
  type Apdu,
  type ProtectionEnvelope,
  type UnprotectedApdu,
} from './stack.js';

/** How to read the frames: guessed per frame, or forced. `data` is a bare A-XDR Data value. */
export type FormatOption = 'auto' | FrameFormat | 'data';

/** Options of a decode. */
export interface DecodeOptions {
  readonly format: FormatOption;
  readonly key?: Uint8Array;
  readonly authKey?: Uint8Array;
  readonly systemTitle?: Uint8Array;
  /** Decipher without checking the authentication tag (`--no-verify`). */
  readonly noVerify?: boolean;
}

/** What the security layer said about a ciphered APDU. */
export interface SecurityInfo {
  readonly envelope: ProtectionEnvelope;
  readonly verified: boolean;
}

/** One decoded message: an APDU (or a bare Data value) and where it came from. */
export interface DecodedMessage {
  /** Format of the frame(s) it came from. */
  readonly format: FormatOption;
  /** 1-based indexes of the frames it was read from. */
  readonly frames: readonly number[];
  /** Transport headers (wrapper ports, HDLC addresses and control) of those frames. */
  readonly transport?: readonly unknown[];
  /** Notes for the reader (LLC header removed, reassembled from n blocks, …). */
  readonly notes: readonly string[];
  /** Present when the APDU was ciphered and has been deciphered. */
  readonly security?: SecurityInfo;
  readonly apdu?: Apdu;
  readonly data?: Data;
}

/** A failure, with the frame and the absolute offset in that frame where it happened. */
export class FrameDecodeError extends Error {
  constructor(
    readonly frame: number,
    readonly frameCount: number,
    readonly offset: number | undefined,
    readonly stage: 'decode' | 'decipher' | 'frame',
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** LLC header of IEC 62056-46 (8.1): E6 E6 00 (command) or E6 E7 00 (response), before the APDU. */
function llcLength(b: Uint8Array): number {
  return b.length >= 3 && b[0] === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00 ? 3 : 0;
}

/** Offset of `view` inside `whole` when it is a view of the same buffer, else `undefined`. */
function offsetIn(view: Uint8Array, whole: Uint8Array): number | undefined {
  if (view.buffer !== whole.buffer) return undefined;
  const d = view.byteOffset - whole.byteOffset;
  return d >= 0 && d <= whole.length ? d : undefined;
}

/** An APDU's bytes and where they start in which frame. */
interface Piece {
  readonly bytes: Uint8Array;
  readonly frame: number;
  readonly base: number;
  readonly format: FormatOption;
  readonly transport?: unknown;
  readonly notes: string[];
}

/** The payload field of a transport codec's frame object, whatever it is named. */
function payloadOf(frame: unknown): Uint8Array | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const o = frame as Record<string, unknown>;
  for (const k of ['apdu', 'payload', 'information', 'info', 'data']) {
    const v = o[k];
    if (v instanceof Uint8Array) return v;
  }
  return undefined;
}

function withoutPayload(frame: unknown): unknown {
  if (typeof frame !== 'object' || frame === null) return frame;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(frame as Record<string, unknown>)) {
    if (!(v instanceof Uint8Array && v === payloadOf(frame))) out[k] = v;
  }
  return out;
}

function unframe(frame: Uint8Array, index: number, total: number, format: FormatOption): Piece {
  const fmt = format === 'auto' ? detectFormat(frame) : format;
  const fail = (e: unknown, at?: number): never => {
    const offset = e instanceof DecodeError || e instanceof FramingError ? e.offset : undefined;
    throw new FrameDecodeError(index, total, at ?? offset, 'frame', e);
  };
  if (fmt === 'apdu' || fmt === 'data') {
    const llc = fmt === 'apdu' ? llcLength(frame) : 0;
    const notes = llc ? ['LLC header E6 E' + (frame[1] === 0xe6 ? '6' : '7') + ' 00 removed'] : [];
    return { bytes: frame.subarray(llc), frame: index, base: llc, format: fmt, notes };
  }
  let decoded: unknown;
  try {
    decoded = fmt === 'wrapper' ? decodeWrapperFrame(frame) : decodeHdlcFrame(frame);
  } catch (e) {
    return fail(e);
  }
  let payload = payloadOf(decoded);
  if (payload === undefined) return fail(new Error(`the ${fmt} frame carries no APDU`), 0);
  let base = offsetIn(payload, frame) ?? 0;
  const notes: string[] = [];
  const llc = llcLength(payload);
  if (llc) {
    notes.push('LLC header E6 E' + (payload[1] === 0xe6 ? '6' : '7') + ' 00 removed');
    payload = payload.subarray(llc);
    base += llc;
  }
  return { bytes: payload, frame: index, base, format: fmt, transport: withoutPayload(decoded), notes };
}

function decodePiece(p: Piece, total: number, options: DecodeOptions): DecodedMessage {
  const at = (e: unknown): number | undefined => (e instanceof DecodeError ? e.offset + p.base : undefined);
  if (p.format === 'data') {
    try {
      return { format: p.format, frames: [p.frame], notes: p.notes, data: decodeDataBytes(p.bytes) };
    } catch (e) {
      throw new FrameDecodeError(p.frame, total, at(e), 'decode', e);
    }
  }
  let bytes = p.bytes;
  let security: SecurityInfo | undefined;
  const keyed = options.key !== undefined || options.authKey !== undefined;
  if (keyed && bytes.length > 0 && isCipheredApduTag(bytes[0]!)) {
    let u: UnprotectedApdu;
    try {
      u = unprotectApdu(bytes, {
        key: options.key,
        authKey: options.authKey,
        systemTitle: options.systemTitle,
        allowUnverified: options.noVerify === true,
      });
    } catch (e) {
      throw new FrameDecodeError(p.frame, total, at(e), 'decipher', e);
    }
    security = { envelope: u.envelope, verified: u.verified };
    bytes = u.plaintext;
  }
  try {
    const apdu = decodeApdu(bytes);
    return {
      format: p.format,
      frames: [p.frame],
      transport: p.transport === undefined ? undefined : [p.transport],
      notes: p.notes,
      security,
      apdu,
    };
  } catch (e) {
    // Offsets inside deciphered plaintext are offsets of the plaintext, not of the frame.
    const offset = security === undefined ? at(e) : e instanceof DecodeError ? e.offset : undefined;
    throw new FrameDecodeError(p.frame, total, offset, 'decode', e);
  }
}

/** Decodes the frames given to the command into messages (several frames may make one message). */
export function decodeFrames(frames: readonly Uint8Array[], options: DecodeOptions): DecodedMessage[] {
  const pieces = frames.map((f, i) => unframe(f, i + 1, frames.length, options.format));
  return pieces.map((p) => decodePiece(p, frames.length, options));
}

/** The stable code of an error of the stack, if it is one. */
export function codeOf(e: unknown): string | undefined {
  return e instanceof DlmsError ? e.code : undefined;
}
