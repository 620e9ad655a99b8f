/**
 * Incremental M-Bus long-frame framer: splits a byte stream (a USB M-Bus adapter listening to a meter's
 * customer interface) into decoded long frames.
 *
 * Frames are delimited by their L field, never by searching for the stop character, so 0x16 or 0x68
 * inside user data cannot cut a frame. A candidate frame needs `68 L L 68` with L ≥ 3 before the framer
 * waits for the rest of it. After garbage, a bad checksum, a wrong stop character or an L over the cap
 * the framer reports the problem as an `error` item and rescans from the byte after the rejected start
 * character, so a good frame that began inside the rejected bytes is still found.
 *
 * Like the HDLC framer (and unlike the generic `Framer` contract) it never fails for good: every problem
 * is an item and `push` keeps working, because a listener on a bus cannot ask for a retransmission and
 * the next push comes a few seconds later anyway. Buffered bytes never exceed `maxFrameLength`.
 *
 * Frames whose bytes lie within one pushed chunk are views of that chunk; frames spanning chunks are
 * copied once. No I/O, no timers.
 */
import { ArgumentError, FramingError } from '@meteringlab/dlms-core';
import {
  MBUS_FRAME_OVERHEAD,
  MBUS_LONG_START,
  MBUS_MAX_FRAME_LENGTH,
  MBUS_MIN_L,
  MBUS_STOP,
  type MbusLongFrame,
  mbusChecksum,
} from './mbus-frame.js';

/** One item produced by {@link MbusFramer.push}. */
export type MbusFramerItem =
  | {
      readonly type: 'frame';
      readonly frame: MbusLongFrame;
      /** The frame's bytes, start to stop character (a view into the pushed chunk, or a copy). */
      readonly bytes: Uint8Array;
    }
  | {
      readonly type: 'error';
      /** `BAD_FRAME` (garbage, stop character), `BAD_CHECKSUM` or `FRAME_TOO_LONG`. */
      readonly error: FramingError;
      /** Bytes discarded because of this problem. */
      readonly skipped: number;
    };

/** Options of {@link createMbusFramer}. */
export interface MbusFramerOptions {
  /** Largest frame accepted, start to stop character (default and maximum 261, i.e. L = 255; minimum 9). */
  readonly maxFrameLength?: number;
}

/** An incremental M-Bus framer (see the module notes). */
export interface MbusFramer {
  push(chunk: Uint8Array): MbusFramerItem[];
  /** Bytes held for an incomplete frame. */
  readonly buffered: number;
}

/** Creates an {@link MbusFramer}. */
export function createMbusFramer(options: MbusFramerOptions = {}): MbusFramer {
  const maxFrameLength = options.maxFrameLength ?? MBUS_MAX_FRAME_LENGTH;
  if (
    !Number.isInteger(maxFrameLength) ||
    maxFrameLength < MBUS_MIN_L + MBUS_FRAME_OVERHEAD ||
    maxFrameLength > MBUS_MAX_FRAME_LENGTH
  ) {
    throw new ArgumentError(`maxFrameLength ${maxFrameLength} is outside 9..261`);
  }
  // Bytes of an incomplete frame, copied out of earlier chunks; never more than maxFrameLength - 1.
  const pending = new Uint8Array(maxFrameLength);
  let pendingLength = 0;

  function scan(b: Uint8Array, end: number, fromChunk: boolean, out: MbusFramerItem[]): number {
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
      if (b[p] !== MBUS_LONG_START) {
        garbage++;
        p++;
        continue;
      }
      // Need the whole 4-byte header to tell a frame start from a stray 0x68.
      if (p + 4 > end) {
        // Keep only what can still become a header: every byte seen so far must agree with `68 L L 68`.
        if (p + 2 < end && b[p + 2] !== b[p + 1]) {
          garbage++;
          p++;
          continue;
        }
        break;
      }
      const l = b[p + 1]!;
      if (b[p + 2] !== l || b[p + 3] !== MBUS_LONG_START || l < MBUS_MIN_L) {
        garbage++;
        p++;
        continue;
      }
      const size = l + MBUS_FRAME_OVERHEAD;
      if (size > maxFrameLength) {
        reject('FRAME_TOO_LONG', `frame of ${size} bytes exceeds ${maxFrameLength}`);
        continue;
      }
      if (p + size > end) break;
      if (b[p + size - 1] !== MBUS_STOP) {
        reject('BAD_FRAME', 'no stop character where the L field puts it');
        continue;
      }
      if (b[p + size - 2] !== mbusChecksum(b, p + 4, p + 4 + l)) {
        reject('BAD_CHECKSUM', 'checksum mismatch');
        continue;
      }
      flushGarbage();
      const view = b.subarray(p, p + size);
      const bytes = fromChunk ? view : view.slice();
      out.push({
        type: 'frame',
        frame: { c: bytes[4]!, a: bytes[5]!, ci: bytes[6]!, data: bytes.subarray(7, 4 + l) },
        bytes,
      });
      p += size;
    }
    flushGarbage();
    return p;
  }

  return {
    get buffered() {
      return pendingLength;
    },
    push(chunk: Uint8Array): MbusFramerItem[] {
      const out: MbusFramerItem[] = [];
      if (chunk.length === 0) return out;
      if (pendingLength === 0) {
        const keep = scan(chunk, chunk.length, true, out);
        pendingLength = chunk.length - keep;
        pending.set(chunk.subarray(keep), 0);
        return out;
      }
      // Complete the pending frame from the chunk: at most maxFrameLength bytes are joined, the rest of
      // the chunk is scanned in place (views, no copy).
      let at = 0;
      while (pendingLength > 0 && at < chunk.length) {
        const take = Math.min(chunk.length - at, pending.length - pendingLength);
        pending.set(chunk.subarray(at, at + take), pendingLength);
        const total = pendingLength + take;
        const keep = scan(pending, total, false, out);
        const left = total - keep;
        if (left >= take) {
          // Nothing of the new bytes was consumed beyond the kept tail: all of it stays pending.
          pending.copyWithin(0, keep, total);
          pendingLength = left;
          at += take;
        } else {
          // The scan consumed into the new bytes: continue with the chunk itself where the scan stopped.
          at += take - left;
          pendingLength = 0;
        }
      }
      if (at < chunk.length) {
        const keep = scan(chunk.subarray(at), chunk.length - at, true, out);
        const rest = chunk.length - at - keep;
        pending.set(chunk.subarray(at + keep), 0);
        pendingLength = rest;
      }
      return out;
    },
  };
}
