/**
 * The pipeline of `dlms decode`: frames in (bytes), decoded messages out (plain objects ready to be
 * printed as a tree or as JSON).
 *
 * frame → transport codec (wrapper: transport-tcp; HDLC: transport-hdlc-serial, segments joined by its
 * `Reassembler`) → APDU bytes → deciphering (dlms-core `unprotectApdu`) → `decodeApdu` → pieces spread
 * over several APDUs put back together (general block transfer, GET with data blocks). Every decoding
 * step is done by the stack's own codecs; this module chains them and remembers where each APDU came
 * from, so that an error names the frame and the offset. It never prints and never exits.
 */
import {
  DecodeError,
  FramingError,
  decodeApdu,
  decodeDataBytes,
  concatBytes,
  isCipheredApduTag,
  joinGeneralBlockTransfer,
  joinGetDatablocks,
  unprotectApdu,
  type Apdu,
  type ProtectionEnvelope,
  type UnprotectedApdu,
  type Data,
  type GeneralBlockTransfer,
  type GetResponseWithDatablock,
} from '@meteringlab/dlms-core';
import {
  LLC_COMMAND,
  LLC_RESPONSE,
  Reassembler,
  decodeHdlcFrame,
  decodeHdlcParameters,
  type HdlcFrame,
} from '@meteringlab/transport-hdlc-serial';
import { detectFormat, type FrameFormat } from './detect.js';
import { decodeWrapperFrame } from '@meteringlab/transport-tcp';

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

/** One decoded message: an APDU, a bare Data value or a link frame, and where it came from. */
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
  /** HDLC parameters of a SNRM or UA frame. */
  readonly parameters?: unknown;
  /** The bytes of an APDU whose remaining segments were not given. */
  readonly partial?: Uint8Array;
}

/** A failure, with where it happened: a frame (1-based) or a reassembled APDU, and the offset in it. */
export class FrameDecodeError extends Error {
  constructor(
    /** `frame 2`, `the APDU reassembled from frames 1-3`, or '' when there is a single frame. */
    readonly where: string,
    readonly offset: number | undefined,
    readonly stage: 'decode' | 'decipher' | 'frame' | 'reassemble',
    override readonly cause: unknown,
    /** What the user may try, printed after the error. */
    readonly hint?: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** LLC header of IEC 62056-46 (8.1): E6 E6 00 (command) or E6 E7 00 (response), before the APDU. */
function llcLength(b: Uint8Array): number {
  return b.length >= 3 && b[0] === 0xe6 && (b[1] === 0xe6 || b[1] === 0xe7) && b[2] === 0x00 ? 3 : 0;
}

function llcNote(b: Uint8Array): string {
  return `LLC header E6 ${b[1] === 0xe6 ? 'E6' : 'E7'} 00 removed`;
}

/** Offset of `view` inside `whole` when it is a view of the same buffer, else `undefined`. */
function offsetIn(view: Uint8Array, whole: Uint8Array): number | undefined {
  if (view.buffer !== whole.buffer) return undefined;
  const d = view.byteOffset - whole.byteOffset;
  return d >= 0 && d <= whole.length ? d : undefined;
}

function offsetOf(e: unknown): number | undefined {
  return e instanceof DecodeError || e instanceof FramingError ? e.offset : undefined;
}

/** `1-3` or `1, 4`. */
function frameList(frames: readonly number[]): string {
  const consecutive = frames.every((f, i) => i === 0 || f === frames[i - 1]! + 1);
  return consecutive && frames.length > 2 ? `${frames[0]}-${frames[frames.length - 1]}` : frames.join(', ');
}

/** APDU bytes and where they come from. */
interface Piece {
  readonly bytes: Uint8Array;
  readonly frames: readonly number[];
  /** Offset of `bytes` in its frame (a single frame only), for error offsets. */
  readonly base: number | undefined;
  readonly format: FormatOption;
  readonly transport?: readonly unknown[];
  readonly notes: readonly string[];
}

function hdlcHeader(f: HdlcFrame): Record<string, unknown> {
  return { destination: f.destination, source: f.source, control: f.control, segmented: f.segmented };
}

/** State of the frame-by-frame pass: HDLC segments being joined. */
class FramePass {
  readonly out: (Piece | DecodedMessage)[] = [];
  private segments: Reassembler | undefined;
  private segmentFrames: number[] = [];
  private segmentHeaders: unknown[] = [];
  private segmentInformation: Uint8Array[] = [];
  private firstSegment: { frame: Uint8Array; information: Uint8Array } | undefined;

  constructor(
    private readonly total: number,
    private readonly format: FormatOption,
  ) {}

  where(frame: number): string {
    return this.total > 1 ? `frame ${frame}` : '';
  }

  push(frame: Uint8Array, index: number): void {
    const fmt = this.format === 'auto' ? detectFormat(frame) : this.format;
    if (fmt === 'hdlc') return this.hdlc(frame, index);
    this.flushIncomplete();
    if (fmt === 'apdu' || fmt === 'data') {
      const llc = fmt === 'apdu' ? llcLength(frame) : 0;
      this.out.push({
        bytes: frame.subarray(llc),
        frames: [index],
        base: llc,
        format: fmt,
        notes: llc ? [llcNote(frame)] : [],
      });
      return;
    }
    let w;
    try {
      w = decodeWrapperFrame(frame);
    } catch (e) {
      throw new FrameDecodeError(this.where(index), offsetOf(e), 'frame', e);
    }
    const llc = llcLength(w.apdu);
    this.out.push({
      bytes: w.apdu.subarray(llc),
      frames: [index],
      base: (offsetIn(w.apdu, frame) ?? 0) + llc,
      format: 'wrapper',
      transport: [{ source: w.source, destination: w.destination }],
      notes: llc ? [llcNote(w.apdu)] : [],
    });
  }

  /** Segments whose APDU continues in frames not given: shown as they are, with a note. */
  private flushIncomplete(): void {
    if (!this.segments) return;
    const parts = this.segmentInformation;
    this.out.push({
      format: 'hdlc',
      frames: this.segmentFrames,
      transport: this.segmentHeaders,
      notes: [
        'incomplete APDU: the last segment has the segmentation bit set and no further segment was given',
      ],
      partial: concatBytes(...parts),
    });
    this.segments = undefined;
    this.firstSegment = undefined;
  }

  private hdlc(frame: Uint8Array, index: number): void {
    let f: HdlcFrame;
    try {
      f = decodeHdlcFrame(frame);
    } catch (e) {
      throw new FrameDecodeError(this.where(index), offsetOf(e), 'frame', e);
    }
    const carriesApdu = (f.control.type === 'i' || f.control.type === 'ui') && f.information.length > 0;
    if (!carriesApdu) {
      this.flushIncomplete();
      let parameters: unknown;
      if ((f.control.type === 'snrm' || f.control.type === 'ua') && f.information.length > 0) {
        try {
          parameters = decodeHdlcParameters(f.information);
        } catch (e) {
          throw new FrameDecodeError(this.where(index), offsetOf(e), 'frame', e);
        }
      }
      const notes =
        f.information.length > 0 && parameters === undefined ? ['information field not decoded'] : [];
      this.out.push({ format: 'hdlc', frames: [index], transport: [hdlcHeader(f)], notes, parameters });
      return;
    }
    if (!this.segments) {
      // The first segment tells the direction: E6 E7 00 from a server, E6 E6 00 from a client.
      const llc = f.information[1] === 0xe7 ? LLC_RESPONSE : LLC_COMMAND;
      this.segments = new Reassembler(llc, 0x7fffffff);
      this.segmentFrames = [];
      this.segmentHeaders = [];
      this.segmentInformation = [];
      this.firstSegment = { frame, information: f.information };
    }
    this.segmentFrames.push(index);
    this.segmentHeaders.push(hdlcHeader(f));
    this.segmentInformation.push(f.information);
    const apdu = this.segments.add(f.information, f.segmented);
    if (apdu === undefined) return;
    if (apdu instanceof FramingError)
      throw new FrameDecodeError(this.where(index), undefined, 'reassemble', apdu);
    const first = this.firstSegment!;
    const llc = llcLength(first.information);
    const notes: string[] = [];
    if (llc) notes.push(llcNote(first.information));
    if (this.segmentFrames.length > 1)
      notes.push(`reassembled from ${this.segmentFrames.length} HDLC segments`);
    this.out.push({
      bytes: apdu,
      frames: this.segmentFrames,
      base:
        this.segmentFrames.length === 1 ? (offsetIn(first.information, first.frame) ?? 0) + llc : undefined,
      format: 'hdlc',
      transport: this.segmentHeaders,
      notes,
    });
    this.segments = undefined;
    this.firstSegment = undefined;
  }

  finish(): (Piece | DecodedMessage)[] {
    this.flushIncomplete();
    return this.out;
  }
}

function isPiece(x: Piece | DecodedMessage): x is Piece {
  return 'bytes' in x;
}

function whereOf(p: Piece, total: number): string {
  if (p.frames.length > 1) return `the APDU reassembled from frames ${frameList(p.frames)}`;
  return total > 1 ? `frame ${p.frames[0]}` : '';
}

function decodePiece(p: Piece, total: number, options: DecodeOptions): DecodedMessage {
  const where = whereOf(p, total);
  const at = (e: unknown): number | undefined => {
    const o = offsetOf(e);
    return o === undefined ? undefined : o + (p.base ?? 0);
  };
  const base = { format: p.format, frames: p.frames, transport: p.transport, notes: p.notes };
  if (p.format === 'data') {
    try {
      return { ...base, data: decodeDataBytes(p.bytes) };
    } catch (e) {
      throw new FrameDecodeError(where, at(e), 'decode', e);
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
      throw new FrameDecodeError(where, at(e), 'decipher', e);
    }
    security = { envelope: u.envelope, verified: u.verified };
    bytes = u.plaintext;
  }
  try {
    return { ...base, security, apdu: decodeApdu(bytes) };
  } catch (e) {
    if (security !== undefined) {
      // Offsets inside deciphered plaintext are offsets of the plaintext, not of the frame.
      throw new FrameDecodeError(`${where ? `${where}, ` : ''}deciphered APDU`, offsetOf(e), 'decode', e);
    }
    throw new FrameDecodeError(where, at(e), 'decode', e, hintFor(p, bytes));
  }
}

/** A hint when a frame that was read as an APDU looks like the start of a transport frame. */
function hintFor(p: Piece, bytes: Uint8Array): string | undefined {
  if (p.format !== 'apdu' || bytes !== p.bytes) return undefined;
  if (bytes[0] === 0x7e)
    return 'it starts with the HDLC flag 7E but is not a complete HDLC frame: try --format hdlc';
  if (bytes[0] === 0x00 && bytes[1] === 0x01)
    return 'it starts like a wrapper frame (00 01): try --format wrapper';
  return undefined;
}

/**
 * Finds runs of general-block-transfer APDUs and of GET-Response-With-Datablock in the decoded
 * messages and joins each complete run with dlms-core's block joining (numbering and last-block rules
 * live there). Runs that are not complete are left as they are.
 */
function joinBlocks(messages: DecodedMessage[], total: number, options: DecodeOptions): DecodedMessage[] {
  const out: DecodedMessage[] = [];
  let i = 0;
  while (i < messages.length) {
    const m = messages[i]!;
    const kind = m.apdu?.type;
    if (kind !== 'general-block-transfer' && kind !== 'get-response-with-datablock') {
      out.push(m);
      i++;
      continue;
    }
    let j = i;
    while (j < messages.length && messages[j]!.apdu?.type === kind) {
      j++;
      if (lastOf(messages[j - 1]!.apdu!)) break;
    }
    const run = messages.slice(i, j);
    if (run.length < 2 || !lastOf(run[run.length - 1]!.apdu!)) {
      out.push(...run);
      i = j;
      continue;
    }
    const frames = run.flatMap((r) => r.frames);
    const where = `frames ${frameList(frames)}`;
    const transport = run.flatMap((r) => r.transport ?? []);
    const notes = [...new Set(run.flatMap((r) => r.notes))];
    if (kind === 'general-block-transfer') {
      const inner = joined(where, () =>
        joinGeneralBlockTransfer(run.map((r) => r.apdu as GeneralBlockTransfer)),
      );
      const piece: Piece = { bytes: inner, frames, base: undefined, format: m.format, transport, notes };
      const decoded = decodePiece(piece, total, options);
      out.push({
        ...decoded,
        notes: [...notes, `reassembled from ${run.length} general-block-transfer blocks`],
      });
    } else {
      const blocks = run.map((r) => r.apdu as GetResponseWithDatablock);
      const apdu = joined(where, () => joinGetDatablocks(blocks), `the Data reassembled from ${where}`);
      const note = `reassembled from ${blocks.length} GET data blocks (${blocks[0]!.block.blockNumber}-${blocks[blocks.length - 1]!.block.blockNumber})`;
      out.push({ format: run[0]!.format, frames, transport, notes: [...notes, note], apdu });
    }
    i = j;
  }
  return out;
}

/** Runs a join; a failure names the frames involved (`decodeWhere` for Data that does not decode). */
function joined<T>(where: string, f: () => T, decodeWhere = where): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DecodeError) throw new FrameDecodeError(decodeWhere, offsetOf(e), 'decode', e);
    throw new FrameDecodeError(where, undefined, 'reassemble', e);
  }
}

function lastOf(a: Apdu): boolean {
  if (a.type === 'general-block-transfer') return a.lastBlock;
  if (a.type === 'get-response-with-datablock') return a.block.lastBlock;
  return true;
}

/** Decodes the frames given to the command into messages (several frames may make one message). */
export function decodeFrames(frames: readonly Uint8Array[], options: DecodeOptions): DecodedMessage[] {
  const pass = new FramePass(frames.length, options.format);
  frames.forEach((f, i) => pass.push(f, i + 1));
  const messages = pass.finish().map((x) => (isPiece(x) ? decodePiece(x, frames.length, options) : x));
  return joinBlocks(messages, frames.length, options);
}
