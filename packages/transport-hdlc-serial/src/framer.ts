/**
 * Incremental HDLC framer: splits a byte stream into decoded frames.
 *
 * Frames are delimited by their length field, never by searching for the closing flag, so 0x7E inside
 * an information field or an FCS cannot cut a frame. After garbage, a bad checksum or a malformed
 * header the framer resynchronises: it reports the problem as an `error` item and retries from the next
 * 0x7E after the failed opening flag, so a good frame that follows the garbage (even one whose opening
 * flag sat inside the rejected bytes) is still found. A closing flag may be the opening flag of the next
 * frame, and runs of flags (inter-frame fill) are skipped.
 *
 * Unlike the generic `Framer` contract, this framer never fails for good: every problem is an item of
 * the result, and `push` keeps working (IEC 62056-46 links recover from line noise by retransmission).
 * Buffered bytes never exceed `maxFrameLength`.
 *
 * Frames whose bytes lie within one pushed chunk are decoded from views of that chunk; frames spanning
 * chunks are copied once. Nothing here does I/O or keeps time.
 */
import { ArgumentError, FramingError } from '@meteringlab/dlms-core';
import { checkCrcAt } from './crc16.js';
import {
  type DecodeHdlcFrameOptions,
  HDLC_FLAG,
  HDLC_MAX_FRAME_LENGTH,
  HDLC_MIN_FRAME_LENGTH,
  type HdlcFrame,
  decodeHdlcFrame,
} from './frame.js';

/** One item produced by {@link HdlcFramer.push}. */
export type HdlcFramerItem =
  | {
      readonly type: 'frame';
      readonly frame: HdlcFrame;
      /** The frame's bytes, flags included (a view into the pushed chunk, or a copy). */
      readonly bytes: Uint8Array;
    }
  | {
      readonly type: 'error';
      /** `BAD_FRAME`, `BAD_CHECKSUM`, `FRAME_TOO_LONG` or `UNKNOWN_ADDRESS`. */
      readonly error: FramingError;
      /** Bytes discarded because of this problem. */
      readonly skipped: number;
    };

/** Options of {@link createHdlcFramer}. */
export interface HdlcFramerOptions {
  /** Largest frame accepted, flags included (default and maximum: 2049, the 11-bit length plus flags). */
  readonly maxFrameLength?: number;
  /** Address checks passed to {@link decodeHdlcFrame} (mismatches are reported as `UNKNOWN_ADDRESS`). */
  readonly decode?: DecodeHdlcFrameOptions;
}

/** An incremental HDLC framer (see the module notes). */
export interface HdlcFramer {
  push(chunk: Uint8Array): HdlcFramerItem[];
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

/** Creates an {@link HdlcFramer}. */
export function createHdlcFramer(options: HdlcFramerOptions = {}): HdlcFramer {
  const maxFrameLength = options.maxFrameLength ?? HDLC_MAX_FRAME_LENGTH + 2;
  if (
    !Number.isInteger(maxFrameLength) ||
    maxFrameLength < HDLC_MIN_FRAME_LENGTH + 2 ||
    maxFrameLength > HDLC_MAX_FRAME_LENGTH + 2
  ) {
    throw new ArgumentError(`maxFrameLength ${maxFrameLength} is outside 9..2049`);
  }
  const decodeOptions = options.decode;
  // Pending bytes of an incomplete frame (copied out of earlier chunks).
  let pending = new Uint8Array(0);
  let pendingLength = 0;

  function headerEnd(b: Uint8Array, p: number, end: number): number {
    // Returns the offset of the HCS (after the control field), -1 when more bytes are needed,
    // -2 when the address field is malformed.
    let i = p + 3;
    for (let a = 0; a < 2; a++) {
      let n = 0;
      for (;;) {
        if (i >= end) return -1;
        n++;
        if (b[i++]! & 1) break;
        if (n >= 4) return -2;
      }
      if (n === 3) return -2;
    }
    return i + 1;
  }

  function scan(b: Uint8Array, end: number, fromChunk: boolean, out: HdlcFramerItem[]): number {
    // Returns the position of the first byte to keep.
    let p = 0;
    let garbage = 0;
    const flushGarbage = (): void => {
      if (garbage > 0) {
        out.push({
          type: 'error',
          error: new FramingError('BAD_FRAME', `${garbage} byte(s) outside any frame`),
          skipped: garbage,
        });
        garbage = 0;
      }
    };
    const reject = (code: 'BAD_FRAME' | 'BAD_CHECKSUM' | 'FRAME_TOO_LONG', message: string): void => {
      flushGarbage();
      out.push({ type: 'error', error: new FramingError(code, message), skipped: 1 });
      p++;
    };
    while (p < end) {
      if (b[p] !== HDLC_FLAG) {
        garbage++;
        p++;
        continue;
      }
      if (p + 1 >= end) break;
      if (b[p + 1] === HDLC_FLAG) {
        // Inter-frame fill or a shared flag followed by another opening flag.
        p++;
        continue;
      }
      if (p + 3 > end) break;
      const format = (b[p + 1]! << 8) | b[p + 2]!;
      if ((format & 0xf000) !== 0xa000) {
        reject('BAD_FRAME', 'frame format type is not 3');
        continue;
      }
      const length = format & 0x7ff;
      if (length < HDLC_MIN_FRAME_LENGTH) {
        reject('BAD_FRAME', `length field ${length} is below the minimum`);
        continue;
      }
      if (length + 2 > maxFrameLength) {
        reject('FRAME_TOO_LONG', `frame of ${length + 2} bytes exceeds ${maxFrameLength}`);
        continue;
      }
      // Check the header early, so a false start inside garbage does not hold good frames back.
      const hcsAt = headerEnd(b, p, Math.min(end, p + 1 + length - 2));
      if (hcsAt === -2) {
        reject('BAD_FRAME', 'malformed address field');
        continue;
      }
      if (hcsAt >= 0) {
        const fcsAt = p + 1 + length - 2;
        if (hcsAt > fcsAt || (hcsAt < fcsAt && hcsAt + 3 > fcsAt)) {
          reject('BAD_FRAME', 'length field does not fit the header');
          continue;
        }
        if (hcsAt < fcsAt && hcsAt + 2 <= end && !checkCrcAt(b, p + 1, hcsAt)) {
          reject('BAD_CHECKSUM', 'HCS mismatch');
          continue;
        }
      }
      if (p + length + 2 > end) break;
      if (b[p + length + 1] !== HDLC_FLAG) {
        reject('BAD_FRAME', 'no closing flag where the length field puts it');
        continue;
      }
      const view = b.subarray(p, p + length + 2);
      const bytes = fromChunk ? view : view.slice();
      try {
        const frame = decodeHdlcFrame(bytes, decodeOptions);
        flushGarbage();
        out.push({ type: 'frame', frame, bytes });
        // The closing flag may open the next frame.
        p += length + 1;
      } catch (e) {
        if (!(e instanceof FramingError)) throw e;
        flushGarbage();
        if (e.code === 'UNKNOWN_ADDRESS') {
          out.push({ type: 'error', error: e, skipped: length + 1 });
          p += length + 1;
        } else {
          out.push({ type: 'error', error: e, skipped: 1 });
          p++;
        }
      }
    }
    flushGarbage();
    return p;
  }

  return {
    get buffered() {
      return pendingLength;
    },
    push(chunk: Uint8Array): HdlcFramerItem[] {
      const out: HdlcFramerItem[] = [];
      if (chunk.length === 0) return out;
      let b: Uint8Array;
      let end: number;
      let fromChunk: boolean;
      if (pendingLength === 0) {
        b = chunk;
        end = chunk.length;
        fromChunk = true;
      } else {
        const need = pendingLength + chunk.length;
        if (pending.length < need) {
          const next = new Uint8Array(Math.max(need, pending.length * 2, 256));
          next.set(pending.subarray(0, pendingLength));
          pending = next;
        }
        pending.set(chunk, pendingLength);
        pendingLength = need;
        b = pending;
        end = need;
        fromChunk = false;
      }
      const keep = scan(b, end, fromChunk, out);
      const left = end - keep;
      if (left === 0) {
        pendingLength = 0;
      } else if (fromChunk) {
        if (pending.length < left) pending = new Uint8Array(Math.max(left, 256));
        pending.set(chunk.subarray(keep, end));
        pendingLength = left;
      } else {
        pending.copyWithin(0, keep, end);
        pendingLength = left;
      }
      return out;
    },
  };
}
