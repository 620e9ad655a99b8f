/**
 * The DLMS/COSEM transport layer over wired M-Bus, as Kaifa MA309M-style meters push it on their
 * customer interface, and the reassembly of an APDU sent in several telegrams.
 *
 * CI fields 0x00..0x1F are reserved for DLMS-based applications (EN 13757-1 / EN 13757-3 CI table). In
 * that range the CI field is the transport header: bits 0..3 are the segment sequence number (0 for the
 * first telegram of an APDU, then 1, 2, …) and bit 4 (0x10) marks the last telegram. The CI field is
 * followed by the source and destination transport service access points (STSAP, DTSAP, one byte each),
 * then by a piece of the APDU. Origin of the layout: the EVN (Netze NÖ) customer-interface documentation
 * sample in the shared public vectors (`mbus-evn-doc-example-kaifa`): telegram 1 `CI 00, STSAP 01, DTSAP
 * 67` with 245 bytes of user data after the CI field, telegram 2 `CI 11` (last, sequence 1) — the two
 * pieces joined are one general-glo-ciphering APDU of exactly the length its own header states.
 *
 * The reassembler is a small state machine. It starts an APDU at sequence 0, appends each following
 * sequence number (modulo 16) with the same STSAP/DTSAP, and emits it at the telegram with bit 4 set. A
 * gap, a restart at sequence 0, a change of access points or a reader that started listening in the middle
 * of an APDU drops the partial APDU with a warning: a piece of an APDU is never handed on as if it were
 * whole. The size is capped (`maxApduLength`); an oversized APDU is discarded as it comes.
 *
 * Not here: the M-Bus frame itself (`mbus-frame.ts`), deciphering and APDU decoding (`push-decoder.ts`).
 */
import { ArgumentError, FramingError } from '@meteringlab/dlms-core';
import type { MbusLongFrame } from './mbus-frame.js';

/** Highest CI value of the DLMS range. */
export const MBUS_CI_DLMS_MAX = 0x1f;
/** Bit of the CI field that marks the last telegram of an APDU. */
export const MBUS_CI_LAST_SEGMENT = 0x10;
/** Mask of the sequence number in the CI field. */
export const MBUS_CI_SEQUENCE_MASK = 0x0f;
/** Default cap of a reassembled APDU (16 telegrams of 250 bytes fit; meters send 2 or 3). */
export const DEFAULT_MAX_APDU_LENGTH = 4096;

/** One telegram of the DLMS transport layer. */
export interface MbusDlmsSegment {
  /** Bits 0..3 of the CI field. */
  readonly sequence: number;
  /** Bit 4 of the CI field: the last telegram of the APDU. */
  readonly last: boolean;
  /** Source transport service access point. */
  readonly stsap: number;
  /** Destination transport service access point. */
  readonly dtsap: number;
  /** The piece of the APDU (a view). */
  readonly data: Uint8Array;
}

/** True when the CI field belongs to the DLMS range (0x00..0x1F). */
export function isMbusDlmsCi(ci: number): boolean {
  return ci >= 0 && ci <= MBUS_CI_DLMS_MAX;
}

/** The CI field of a segment. */
export function mbusDlmsCi(sequence: number, last: boolean): number {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > MBUS_CI_SEQUENCE_MASK) {
    throw new ArgumentError(`sequence number ${sequence} is not in 0..15`);
  }
  return sequence | (last ? MBUS_CI_LAST_SEGMENT : 0);
}

/**
 * The transport header of a long frame. Throws `FramingError` `UNKNOWN_TAG` when the CI field is not in
 * the DLMS range and `TRUNCATED` when the user data is too short to hold STSAP and DTSAP.
 */
export function decodeMbusDlmsSegment(frame: MbusLongFrame): MbusDlmsSegment {
  if (!isMbusDlmsCi(frame.ci)) {
    throw new FramingError(
      'UNKNOWN_TAG',
      `CI 0x${frame.ci.toString(16).padStart(2, '0')} is not a DLMS CI (0x00..0x1F)`,
    );
  }
  if (frame.data.length < 2) throw new FramingError('TRUNCATED', 'telegram ends before STSAP and DTSAP');
  return {
    sequence: frame.ci & MBUS_CI_SEQUENCE_MASK,
    last: (frame.ci & MBUS_CI_LAST_SEGMENT) !== 0,
    stsap: frame.data[0]!,
    dtsap: frame.data[1]!,
    data: frame.data.subarray(2),
  };
}

/** Options of {@link segmentMbusApdu}. */
export interface SegmentMbusApduOptions {
  /** C field (default 0x53, as the EVN sample). */
  readonly c?: number;
  /** A field (default 0xFF, broadcast, as the EVN sample). */
  readonly a?: number;
  /** Default 0x01. */
  readonly stsap?: number;
  /** Default 0x67. */
  readonly dtsap?: number;
  /** APDU bytes per telegram (default and maximum 250: L = 255 minus C, A, CI, STSAP, DTSAP). */
  readonly maxChunk?: number;
}

/**
 * Splits an APDU into the long frames a meter would push (for simulators, tests and benchmarks). At most
 * 16 telegrams: the sequence number has four bits.
 */
export function segmentMbusApdu(apdu: Uint8Array, options: SegmentMbusApduOptions = {}): MbusLongFrame[] {
  const maxChunk = options.maxChunk ?? 250;
  if (!Number.isInteger(maxChunk) || maxChunk < 1 || maxChunk > 250) {
    throw new ArgumentError(`maxChunk ${maxChunk} is not in 1..250`);
  }
  const count = Math.max(1, Math.ceil(apdu.length / maxChunk));
  if (count > 16) throw new ArgumentError(`an APDU of ${apdu.length} bytes needs more than 16 telegrams`);
  const stsap = options.stsap ?? 0x01;
  const dtsap = options.dtsap ?? 0x67;
  const out: MbusLongFrame[] = [];
  for (let i = 0; i < count; i++) {
    const piece = apdu.subarray(i * maxChunk, Math.min(apdu.length, (i + 1) * maxChunk));
    const data = new Uint8Array(2 + piece.length);
    data[0] = stsap;
    data[1] = dtsap;
    data.set(piece, 2);
    out.push({ c: options.c ?? 0x53, a: options.a ?? 0xff, ci: mbusDlmsCi(i, i === count - 1), data });
  }
  return out;
}

/** Why a partial APDU was dropped. */
export type ReassemblyWarningCode =
  /** The first telegram seen belongs to an APDU whose start was missed (reader started mid-sequence). */
  | 'MID_SEQUENCE'
  /** A sequence number was skipped: a telegram was lost. */
  | 'GAP'
  /** A new APDU started (sequence 0) before the previous one was complete. */
  | 'RESTART'
  /** STSAP/DTSAP changed in the middle of an APDU. */
  | 'ACCESS_POINT_CHANGED'
  /** The APDU grew beyond `maxApduLength`. */
  | 'LIMIT_EXCEEDED';

/** One result of {@link MbusReassembler.add}. */
export type ReassemblyItem =
  | {
      readonly type: 'apdu';
      readonly apdu: Uint8Array;
      /** Telegrams the APDU came in. */
      readonly segments: number;
      readonly stsap: number;
      readonly dtsap: number;
    }
  | {
      readonly type: 'warning';
      readonly code: ReassemblyWarningCode;
      readonly message: string;
      /** APDU bytes dropped. */
      readonly dropped: number;
    };

/** Reassembles APDUs out of DLMS transport segments (see the module notes). */
export interface MbusReassembler {
  add(segment: MbusDlmsSegment): ReassemblyItem[];
  /** True between the first and the last telegram of an APDU. */
  readonly inProgress: boolean;
  /** Drops any partial APDU silently (e.g. after the port was reopened). */
  reset(): void;
}

/** Options of {@link createMbusReassembler}. */
export interface MbusReassemblerOptions {
  /** Cap of a reassembled APDU in bytes (default 4096). */
  readonly maxApduLength?: number;
}

/** Creates an {@link MbusReassembler}. */
export function createMbusReassembler(options: MbusReassemblerOptions = {}): MbusReassembler {
  const maxApduLength = options.maxApduLength ?? DEFAULT_MAX_APDU_LENGTH;
  if (!Number.isInteger(maxApduLength) || maxApduLength < 1) {
    throw new ArgumentError(`maxApduLength ${maxApduLength} is not a positive integer`);
  }
  type State =
    | { readonly kind: 'idle' }
    /** Telegrams of an APDU whose start was missed, or that was dropped: skipped until its last one. */
    | { readonly kind: 'skipping' }
    | {
        readonly kind: 'collecting';
        parts: Uint8Array[];
        total: number;
        next: number;
        readonly stsap: number;
        readonly dtsap: number;
      };
  let state: State = { kind: 'idle' };

  const drop = (out: ReassemblyItem[], code: ReassemblyWarningCode, message: string): void => {
    const dropped = state.kind === 'collecting' ? state.total : 0;
    out.push({ type: 'warning', code, message, dropped });
    state = { kind: 'skipping' };
  };

  const join = (parts: Uint8Array[], total: number): Uint8Array => {
    if (parts.length === 1) return parts[0]!.slice();
    const apdu = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      apdu.set(p, at);
      at += p.length;
    }
    return apdu;
  };

  const start = (segment: MbusDlmsSegment, out: ReassemblyItem[]): void => {
    if (segment.data.length > maxApduLength) {
      state = {
        kind: 'collecting',
        parts: [],
        total: 0,
        next: 0,
        stsap: segment.stsap,
        dtsap: segment.dtsap,
      };
      drop(out, 'LIMIT_EXCEEDED', `APDU exceeds ${maxApduLength} bytes`);
      if (segment.last) state = { kind: 'idle' };
      return;
    }
    if (segment.last) {
      out.push({
        type: 'apdu',
        apdu: segment.data.slice(),
        segments: 1,
        stsap: segment.stsap,
        dtsap: segment.dtsap,
      });
      state = { kind: 'idle' };
      return;
    }
    // Copy: the segment's bytes are views into framer input that the caller may reuse.
    state = {
      kind: 'collecting',
      parts: [segment.data.slice()],
      total: segment.data.length,
      next: 1,
      stsap: segment.stsap,
      dtsap: segment.dtsap,
    };
  };

  return {
    get inProgress() {
      return state.kind === 'collecting';
    },
    reset() {
      state = { kind: 'idle' };
    },
    add(segment: MbusDlmsSegment): ReassemblyItem[] {
      const out: ReassemblyItem[] = [];
      if (segment.sequence === 0) {
        if (state.kind === 'collecting') {
          drop(out, 'RESTART', 'a new APDU started before the previous one was complete');
        }
        start(segment, out);
        return out;
      }
      switch (state.kind) {
        case 'idle':
          out.push({
            type: 'warning',
            code: 'MID_SEQUENCE',
            message: `telegram ${segment.sequence} of an APDU whose first telegram was not received`,
            dropped: segment.data.length,
          });
          state = segment.last ? { kind: 'idle' } : { kind: 'skipping' };
          return out;
        case 'skipping':
          if (segment.last) state = { kind: 'idle' };
          return out;
        case 'collecting': {
          if (segment.sequence !== state.next) {
            drop(out, 'GAP', `expected telegram ${state.next}, got ${segment.sequence}`);
            if (segment.last) state = { kind: 'idle' };
            return out;
          }
          if (segment.stsap !== state.stsap || segment.dtsap !== state.dtsap) {
            drop(out, 'ACCESS_POINT_CHANGED', 'STSAP/DTSAP changed within an APDU');
            if (segment.last) state = { kind: 'idle' };
            return out;
          }
          if (state.total + segment.data.length > maxApduLength) {
            drop(out, 'LIMIT_EXCEEDED', `APDU exceeds ${maxApduLength} bytes`);
            if (segment.last) state = { kind: 'idle' };
            return out;
          }
          state.parts.push(segment.data.slice());
          state.total += segment.data.length;
          state.next = (state.next + 1) & MBUS_CI_SEQUENCE_MASK;
          if (segment.last) {
            const s = state;
            state = { kind: 'idle' };
            out.push({
              type: 'apdu',
              apdu: join(s.parts, s.total),
              segments: s.parts.length,
              stsap: s.stsap,
              dtsap: s.dtsap,
            });
          }
          return out;
        }
      }
    },
  };
}
