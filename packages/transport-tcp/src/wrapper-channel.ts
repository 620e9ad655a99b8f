/**
 * An {@link ApduChannel} speaking the IEC 62056-47 wrapper over any stream {@link ByteChannel} (a TCP
 * socket, or an in-memory pair in tests).
 *
 * Reading is pull-based: bytes are read from the byte channel only when the consumer asks for the next
 * frame, so a slow consumer slows the socket down instead of filling memory. A malformed stream (bad
 * version, oversize length, a frame cut by the end of the stream) makes the iteration throw the
 * `FramingError` and closes the byte channel: the wrapper cannot resynchronise.
 *
 * Not here: sockets (see `tcp.ts`), datagrams (see `udp.ts`), association logic.
 */
import { FramingError, type ApduChannel, type ByteChannel } from '@meteringlab/dlms-core';
import { frameChannel } from './frame-channel.js';
import {
  createWrapperFramer,
  encodeWrapperFrame,
  type WrapperFrame,
  type WrapperFramer,
  type WrapperLimits,
} from './wrapper.js';

/** Options of {@link wrapperApduChannel}. */
export interface WrapperChannelOptions extends WrapperLimits {
  /**
   * wPort of this side: the source of what `send` sends; `receive()` only yields APDUs addressed to it.
   * Unset (a server): `send` answers from the destination wPort of the last frame received.
   */
  readonly localWPort?: number;
  /**
   * wPort of the peer: the destination of what `send` sends; `receive()` only yields APDUs coming from it.
   * Unset (a server): `send` answers to the source wPort of the last frame received.
   */
  readonly remoteWPort?: number;
}

/** Counters of a wrapper channel. */
export interface WrapperChannelStats {
  framesIn: number;
  framesOut: number;
  /** Frames skipped by `receive()` because their wPorts did not match `localWPort`/`remoteWPort`. */
  misaddressed: number;
}

/** An {@link ApduChannel} that also shows the wrapper frames, for servers that route on wPorts. */
export interface WrapperApduChannel extends ApduChannel {
  /**
   * Every received frame with its wPorts, unfiltered. It draws from the same stream as `receive()`: use
   * one or the other.
   */
  receiveFrames(): AsyncIterable<WrapperFrame>;
  /** Sends one frame with explicit wPorts (a server answering from the logical device addressed). */
  sendFrame(frame: WrapperFrame): Promise<void>;
  readonly stats: Readonly<WrapperChannelStats>;
}

/** Turns a byte stream into frames on demand, one reader at a time. */
class FrameSource implements AsyncIterable<WrapperFrame> {
  private readonly framer: WrapperFramer;
  private readonly chunks: AsyncIterator<Uint8Array>;
  private frames: WrapperFrame[] = [];
  private index = 0;
  private finished = false;
  /** True while a read of the byte channel is under way; later readers wait in `waiting`, in order. */
  private busy = false;
  private waiting: {
    resolve: (r: IteratorResult<WrapperFrame>) => void;
    reject: (e: unknown) => void;
  }[] = [];
  last: WrapperFrame | undefined;

  constructor(
    private readonly bytes: ByteChannel,
    limits: WrapperLimits,
    private readonly stats: WrapperChannelStats,
  ) {
    this.framer = createWrapperFramer(limits);
    this.chunks = bytes.chunks[Symbol.asyncIterator]();
  }

  /**
   * The next frame. Reads are served one at a time, in call order; the usual single reader that awaits
   * each frame costs no promise beyond the read itself (a frame already framed is handed over at once).
   */
  next(): Promise<IteratorResult<WrapperFrame>> {
    if (this.busy || this.waiting.length > 0) {
      return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    if (this.index < this.frames.length) return Promise.resolve(this.take());
    return this.step();
  }

  private take(): IteratorResult<WrapperFrame> {
    const value = this.frames[this.index++]!;
    this.stats.framesIn++;
    this.last = value;
    return { value, done: false };
  }

  /** Serves the readers that waited while a read was under way, until one has to read again. */
  private wake(): void {
    while (!this.busy && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      const r = this.index < this.frames.length ? Promise.resolve(this.take()) : this.step();
      r.then(w.resolve, w.reject);
    }
  }

  /** Reads the byte channel until a frame, the end or a failure; later readers wait meanwhile. */
  private async step(): Promise<IteratorResult<WrapperFrame>> {
    this.busy = true;
    try {
      for (;;) {
        if (this.index < this.frames.length) return this.take();
        if (this.finished) return { value: undefined, done: true };
        let r: IteratorResult<Uint8Array>;
        try {
          r = await this.chunks.next();
        } catch (e) {
          this.finished = true;
          throw e;
        }
        if (r.done) {
          this.finished = true;
          if (this.framer.buffered > 0 && !this.framer.failed) {
            throw new FramingError(
              'TRUNCATED',
              `the stream ended inside a wrapper frame (${this.framer.buffered} bytes held)`,
            );
          }
          continue;
        }
        try {
          this.frames = this.framer.push(r.value);
          this.index = 0;
        } catch (e) {
          this.finished = true;
          // Close without waiting for the peer: the error reaches the consumer first.
          this.bytes.close().catch(() => undefined);
          throw e;
        }
      }
    } finally {
      this.busy = false;
      this.wake();
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<WrapperFrame> {
    return { next: () => this.next(), return: () => Promise.resolve({ value: undefined, done: true }) };
  }
}

/**
 * Wraps a byte channel into an APDU channel speaking the wrapper. A client sets both wPorts; a server
 * sets neither and routes with `receiveFrames()` / `sendFrame()` (or answers with `send`, which replies
 * to the last frame received).
 */
export function wrapperApduChannel(
  bytes: ByteChannel,
  options: WrapperChannelOptions = {},
): WrapperApduChannel {
  const stats: WrapperChannelStats = { framesIn: 0, framesOut: 0, misaddressed: 0 };
  const source = new FrameSource(bytes, options, stats);
  const { localWPort, remoteWPort } = options;

  const sendFrame = async (frame: WrapperFrame): Promise<void> => {
    const out = encodeWrapperFrame(frame);
    await bytes.write(out);
    stats.framesOut++;
  };

  return frameChannel({
    frames: source,
    lastFrame: () => source.last,
    sendFrame,
    close: () => bytes.close(),
    ports: { localWPort, remoteWPort },
    stats,
  });
}
