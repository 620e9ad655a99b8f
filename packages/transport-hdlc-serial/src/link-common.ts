/**
 * What the HDLC primary and secondary state machines share: their outputs, events, segmentation,
 * reassembly, sequence-number arithmetic and the FRMR information field.
 *
 * Sans-I/O: time comes in as an argument, frames to send and events go out as a list. Nothing here
 * opens a port or starts a timer.
 */
import { type DlmsError, FramingError } from '@meteringlab/dlms-core';
import type { HdlcAddress } from './address.js';
import type { HdlcFrame } from './frame.js';
import type { HdlcNegotiated } from './parameters.js';

/** Something a link state machine reports to its driver. */
export type HdlcLinkEvent =
  | {
      readonly type: 'connected';
      readonly parameters: HdlcNegotiated;
      /** The client (primary) address of the link. */
      readonly client: HdlcAddress;
      /** The server (secondary) address the client addressed. */
      readonly server: HdlcAddress;
    }
  | { readonly type: 'apdu'; readonly apdu: Uint8Array }
  | {
      readonly type: 'ui';
      /** The information field of the UI frame. */
      readonly information: Uint8Array;
      /** The information field without its LLC header, when it had one. */
      readonly apdu: Uint8Array;
      readonly source: HdlcAddress;
    }
  | { readonly type: 'disconnected'; readonly reason: 'disc' | 'dm' | 'local' | 'inactivity' }
  | {
      /** The link was re-established (SNRM/UA); frames and APDUs in flight were dropped. */
      readonly type: 'reset';
      readonly reason: 'frmr' | 'invalid-nr' | 'snrm' | 'information-too-long';
      /** APDUs queued or partly sent that were dropped. */
      readonly droppedApdus: number;
    }
  | {
      /**
       * A received frame was not accepted. `action` is what the state machine did about it:
       * `ignored` (discarded silently), `rr` (answered with RR carrying the expected N(R)), `frmr`
       * (answered with FRMR, the link waits for SNRM or DISC), `dm` (answered with DM), `reset` (the
       * primary re-established the link).
       */
      readonly type: 'error';
      readonly error: DlmsError;
      readonly action: 'ignored' | 'rr' | 'frmr' | 'dm' | 'reset';
      readonly frame?: HdlcFrame;
    }
  | { readonly type: 'failed'; readonly error: DlmsError };

/** What one call into a state machine produced: encoded frames to write, in order, and events. */
export interface HdlcOutput {
  readonly frames: Uint8Array[];
  readonly events: HdlcLinkEvent[];
}

/** A fresh, empty output. */
export function newOutput(): HdlcOutput {
  return { frames: [], events: [] };
}

/** One information field to send as an I frame. */
export interface Segment {
  readonly information: Uint8Array;
  /** Segmentation bit: more segments of the same APDU follow. */
  readonly segmented: boolean;
}

/**
 * Splits `apdu`, prefixed with `llc` (first segment only, IEC 62056-46 clause 6.2), into information
 * fields of at most `maxInfo` bytes. One copy (LLC + APDU), then views.
 */
export function segmentApdu(apdu: Uint8Array, llc: Uint8Array, maxInfo: number): Segment[] {
  const whole = new Uint8Array(llc.length + apdu.length);
  whole.set(llc, 0);
  whole.set(apdu, llc.length);
  const out: Segment[] = [];
  for (let at = 0; at < whole.length; at += maxInfo) {
    const end = Math.min(at + maxInfo, whole.length);
    out.push({ information: whole.subarray(at, end), segmented: end < whole.length });
  }
  return out;
}

function startsWith(b: Uint8Array, prefix: Uint8Array): boolean {
  if (b.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[i] !== prefix[i]) return false;
  return true;
}

/** The information field without `llc` when it starts with it. */
export function stripLlc(information: Uint8Array, llc: Uint8Array): Uint8Array {
  return startsWith(information, llc) ? information.subarray(llc.length) : information;
}

/** Reassembles the segments of one APDU, with a size cap. */
export class Reassembler {
  private parts: Uint8Array[] = [];
  private total = 0;
  private overflow = false;

  /**
   * @param llc the LLC header expected at the start of the first segment (removed when present).
   * @param llcOnEverySegment a meter quirk: the peer repeats the LLC header on every segment, so it is
   *   removed from any segment that starts with it, not only the first (IEC 62056-46 puts it on the
   *   first segment only).
   */
  constructor(
    private readonly llc: Uint8Array,
    private readonly maxApduLength: number,
    private readonly llcOnEverySegment = false,
  ) {}

  /** True between the first and the last segment of an APDU. */
  get inProgress(): boolean {
    return this.parts.length > 0 || this.overflow;
  }

  clear(): void {
    this.parts = [];
    this.total = 0;
    this.overflow = false;
  }

  /**
   * Adds one accepted segment. Returns the APDU when it is complete, `undefined` while more segments
   * are expected, or a `LIMIT_EXCEEDED` error when the last segment of an oversized APDU arrives (its
   * segments are discarded as they come, never buffered beyond the cap).
   */
  add(information: Uint8Array, segmented: boolean): Uint8Array | FramingError | undefined {
    const first = !this.inProgress;
    const part = first || this.llcOnEverySegment ? stripLlc(information, this.llc) : information;
    if (!this.overflow) {
      if (this.total + part.length > this.maxApduLength) {
        this.overflow = true;
        this.parts = [];
      } else {
        this.parts.push(part);
        this.total += part.length;
      }
    }
    if (segmented) return undefined;
    if (this.overflow) {
      this.clear();
      return new FramingError('LIMIT_EXCEEDED', `reassembled APDU exceeds ${this.maxApduLength} bytes`);
    }
    const parts = this.parts;
    const total = this.total;
    this.clear();
    if (parts.length === 1) return parts[0]!.slice();
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** `(a - b) mod 8`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) & 7;
}

/** True when `nr` acknowledges a frame in `[va, vs]` (ISO/IEC 13239 "valid N(R)"). */
export function validNr(nr: number, va: number, vs: number): boolean {
  return seqDiff(nr, va) <= seqDiff(vs, va);
}

/**
 * True when an I frame with `ns` cannot be a frame after a gap in the current receive window, i.e. it is
 * a copy of a frame already accepted (a duplicate or a late retransmission). Frames of the current
 * window are at most `window - 1` ahead of V(R); anything else is behind it.
 */
export function isStaleDuplicate(ns: number, vr: number, window: number): boolean {
  const d = seqDiff(ns, vr);
  return d !== 0 && d >= window;
}

/** Reason bits of the FRMR information field (ISO/IEC 13239 clause 5.5.3.4.2.4). */
export interface FrmrReason {
  /** W: control field undefined or not implemented. */
  readonly w: boolean;
  /** X: information field not permitted with this frame (set together with W). */
  readonly x: boolean;
  /** Y: information field longer than the negotiated maximum. */
  readonly y: boolean;
  /** Z: invalid N(R). */
  readonly z: boolean;
}

/** The decoded FRMR information field. */
export interface FrmrInfo extends FrmrReason {
  readonly rejectedControl: number;
  readonly vs: number;
  readonly vr: number;
  /** C/R: the rejected frame was a response. */
  readonly response: boolean;
}

/** The 3-byte FRMR information field (modulo 8). */
export function encodeFrmrInfo(f: FrmrInfo): Uint8Array {
  return Uint8Array.of(
    f.rejectedControl & 0xff,
    ((f.vs & 7) << 1) | (f.response ? 0x10 : 0) | ((f.vr & 7) << 5),
    (f.w ? 1 : 0) | (f.x ? 2 : 0) | (f.y ? 4 : 0) | (f.z ? 8 : 0),
  );
}

/** The FRMR information field, or `undefined` when it is not 3 bytes long. */
export function decodeFrmrInfo(b: Uint8Array): FrmrInfo | undefined {
  if (b.length !== 3) return undefined;
  const s = b[1]!;
  const r = b[2]!;
  return {
    rejectedControl: b[0]!,
    vs: (s >>> 1) & 7,
    response: (s & 0x10) !== 0,
    vr: s >>> 5,
    w: (r & 1) !== 0,
    x: (r & 2) !== 0,
    y: (r & 4) !== 0,
    z: (r & 8) !== 0,
  };
}
