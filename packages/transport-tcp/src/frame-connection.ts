/**
 * Push-driven serving of one wrapper TCP connection: each frame is handed to a handler as soon as the
 * socket delivers it, and the handler's answer is written back at once. A handler that answers
 * synchronously costs no promise and no async iteration per frame, which is what lets a server answer
 * as fast as the loopback allows; a handler that needs time returns a promise, and the connection's
 * later frames wait (in order) until it settles.
 *
 * Backpressure: reading pauses while an answer is awaited or while the socket's write buffer is full
 * (a peer that does not read its answers), so a connection never holds more than what one read
 * delivered. A malformed stream (bad version, oversize length) ends only this connection.
 *
 * Reads are direct where Node allows it (see `direct-reads.ts`): every connection's bytes land in one
 * buffer shared by all of them, and each read is copied out of it (one small copy, in place of the
 * buffer Node would allocate) before it is framed, so a handler may keep a frame's APDU as long as it
 * likes.
 *
 * Writes are coalesced by default: the first answer given in a turn of the event loop is written at
 * once, and the ones given after it in the same turn are held and written at its end (a
 * `setImmediate`), one write per connection, every connection's one after the other. A lone client
 * waits for nothing; on a busy server the kernel's send path and the clients' wake-ups come in runs
 * instead of between every two requests. Held answers are written at once when they reach
 * {@link FLUSH_AT_BYTES} for a connection, so that backpressure still stops the handler early, and
 * before the connection is closed.
 *
 * Internal to this package: `createWrapperServer({ onFrames })` is the public way in.
 */
import type net from 'node:net';
import { TransportError } from '@meteringlab/dlms-core';
import {
  WRAPPER_HEADER_LENGTH,
  createWrapperFramer,
  writeWrapperHeader,
  type WrapperFrame,
  type WrapperLimits,
} from './wrapper.js';
import { endGracefully } from './socket-end.js';
import { adoptDirectReads, DIRECT_READ_BUFFER_SIZE } from './direct-reads.js';

/** What a {@link WrapperFrameHandler} gives for one frame: frames to send back, or `'close'`. */
export type WrapperFrameAnswer = readonly WrapperFrame[] | 'close';

/**
 * Serves the frames of one connection (see `WrapperServerOptions.onFrames`). `frame` is called once per
 * received frame, in order, never again before the previous call's answer (or promise) is settled. It
 * answers with the frames to send back (maybe none), or `'close'` to close the connection gracefully;
 * a throw or a rejection closes it and goes to the server's `onError`.
 */
export interface WrapperFrameHandler {
  frame(frame: WrapperFrame): WrapperFrameAnswer | Promise<WrapperFrameAnswer>;
  /** The connection is closed (by either side, or after an error); called once. */
  closed?(): void;
}

/** Options of {@link serveFrames}. */
export interface FrameConnectionOptions extends WrapperLimits {
  readonly idleTimeoutMs?: number;
  readonly closeTimeoutMs?: number;
  /** Read directly into the shared buffer when Node allows it (default true); false: `'data'` events. */
  readonly directReads?: boolean;
  /** Write the answers of one turn of the event loop at its end (default true); false: at once. */
  readonly coalesceWrites?: boolean;
}

/** A connection served by {@link serveFrames}. */
export interface FrameConnection {
  /** Graceful close: pending writes flushed, FIN sent, destroyed if the peer lingers. Idempotent. */
  close(): Promise<void>;
  /** Settles once the connection is closed, by either side. */
  readonly closed: Promise<void>;
  /** Whether the connection is read directly (see `direct-reads.ts`) rather than through `'data'`. */
  readonly direct: boolean;
}

/**
 * The buffer every directly read connection of this thread is read into: reads run one at a time on
 * the event loop, and each is consumed (its frames copied out) before the next one happens.
 */
let sharedReadBuffer: Uint8Array | undefined;

/** Answer bytes held for one connection beyond which they are written at once (coalesced writes). */
export const FLUSH_AT_BYTES = 64 * 1024;

/** Whether an answer was written in this turn of the event loop (later ones are held until its end). */
let turnStarted = false;
/** The flushes of the connections holding answers, run together at the end of this turn. */
let flushes: (() => void)[] = [];

function endTurn(): void {
  turnStarted = false;
  const list = flushes;
  flushes = [];
  for (const flush of list) flush();
}

/** True for the first answer of a turn (to be written at once); the turn's end is scheduled then. */
function startsTurn(): boolean {
  if (turnStarted) return false;
  turnStarted = true;
  setImmediate(endTurn);
  return true;
}

/**
 * The frames of one answer in one Node Buffer (a GBT window goes out in one write). A Buffer, not a
 * Uint8Array: `socket.write` would wrap a Uint8Array into a Buffer first, which costs
 * more than the copy itself on small frames.
 */
function frameBytes(frames: readonly WrapperFrame[]): Buffer {
  let size = 0;
  for (const f of frames) size += WRAPPER_HEADER_LENGTH + f.apdu.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of frames) {
    writeWrapperHeader(out, at, f.source, f.destination, f.apdu.length);
    out.set(f.apdu, at + WRAPPER_HEADER_LENGTH);
    at += WRAPPER_HEADER_LENGTH + f.apdu.length;
  }
  return out;
}

/**
 * The first `n` bytes of `buffer`, copied into memory of their own. A Node Buffer from its allocation
 * pool, not `Uint8Array.prototype.slice`: V8 keeps a small typed array made by `slice` inside its own
 * heap and moves it out (an allocation and a copy, several hundred nanoseconds) the first time anything
 * asks for its `buffer` or a view of it, which the framer and every decoder do.
 */
function ownCopy(buffer: Uint8Array, n: number): Buffer {
  const copy = Buffer.allocUnsafe(n);
  // A short read (a GET with its header is 21 bytes) copies faster byte by byte than through a view.
  if (n <= SMALL_COPY) for (let i = 0; i < n; i++) copy[i] = buffer[i]!;
  else copy.set(buffer.subarray(0, n));
  return copy;
}

/** Reads up to this many bytes are copied out of the shared buffer by a loop (see {@link ownCopy}). */
const SMALL_COPY = 32;

/** Whether the handler answered later: anything but a list of frames or `'close'` is taken as a promise. */
function isLater(x: WrapperFrameAnswer | Promise<WrapperFrameAnswer>): x is Promise<WrapperFrameAnswer> {
  return typeof x !== 'string' && !Array.isArray(x);
}

/**
 * Serves `accepted` (a socket accepted with `pauseOnConnect: true`) with `handler` until either side
 * closes; `onError` receives a framing error, an idle timeout or a handler failure (the connection is
 * destroyed then).
 */
export function serveFrames(
  accepted: net.Socket,
  handler: WrapperFrameHandler,
  options: FrameConnectionOptions,
  onError: (e: unknown) => void,
): FrameConnection {
  const framer = createWrapperFramer(options);
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  // Frames received but not yet handed over (only while an answer is awaited or writes are blocked).
  let queue: WrapperFrame[] = [];
  let next = 0;
  let awaiting = false;
  let draining = false;
  let done = false;
  let closing: Promise<void> | undefined;

  /** Hands the frames completed by `chunk` (owned by this connection) to the handler. */
  const received = (chunk: Uint8Array) => {
    if (done) return;
    let frames: WrapperFrame[];
    try {
      frames = framer.push(chunk);
    } catch (e) {
      fail(e);
      return;
    }
    if (frames.length === 0) return;
    if (queue.length === 0) queue = frames;
    else for (const f of frames) queue.push(f);
    pump();
  };

  const adopted =
    options.directReads === false
      ? undefined
      : adoptDirectReads(
          accepted,
          (sharedReadBuffer ??= new Uint8Array(DIRECT_READ_BUFFER_SIZE)),
          (buffer, n) => received(ownCopy(buffer, n)),
        );
  const socket = adopted ?? accepted;
  const closedEvent = new Promise<void>((resolve) => socket.once('close', () => resolve()));

  const fail = (e: unknown) => {
    if (done && socket.destroyed) return;
    done = true;
    onError(e);
    socket.destroy();
  };

  const resumeIfFree = () => {
    if (!awaiting && !draining && !done && socket.isPaused()) socket.resume();
  };

  const onDrain = () => {
    draining = false;
    pump();
  };

  const write = (bytes: Buffer) => {
    if (!socket.write(bytes) && !socket.destroyed) {
      draining = true;
      socket.pause();
      socket.once('drain', onDrain);
    }
  };

  // Coalesced writes: answer bytes held until the end of this turn of the event loop.
  const coalesce = options.coalesceWrites !== false;
  let held: Buffer[] = [];
  let heldBytes = 0;
  let flushQueued = false;

  /** Writes the held answers (one write); nothing once the connection is gone. */
  const flush = () => {
    flushQueued = false;
    if (heldBytes === 0 && held.length === 0) return;
    const list = held;
    held = [];
    heldBytes = 0;
    if (socket.destroyed || !socket.writable) return;
    write(list.length === 1 ? list[0]! : Buffer.concat(list));
  };

  const deliver = (answer: WrapperFrameAnswer) => {
    if (done || !socket.writable) return;
    if (answer === 'close') {
      void close();
      return;
    }
    if (answer.length === 0) return;
    const bytes = frameBytes(answer);
    // Nothing is held anywhere before a turn's first answer, so writing it at once keeps the order.
    if (!coalesce || startsTurn()) {
      write(bytes);
      return;
    }
    held.push(bytes);
    heldBytes += bytes.length;
    if (heldBytes >= FLUSH_AT_BYTES) flush();
    else if (!flushQueued) {
      flushQueued = true;
      flushes.push(flush);
    }
  };

  /** Delivers an answer; false (and the connection failed) when it cannot be encoded. */
  const deliverSafely = (answer: WrapperFrameAnswer): boolean => {
    try {
      deliver(answer);
      return true;
    } catch (e) {
      fail(e);
      return false;
    }
  };

  /**
   * Hands queued frames to the handler until one needs waiting for, or the queue is empty; then, if
   * the peer has ended its side, ends this one.
   */
  const pump = () => {
    while (!awaiting && !draining && !done && next < queue.length) {
      const frame = queue[next++]!;
      let answer: WrapperFrameAnswer | Promise<WrapperFrameAnswer>;
      try {
        answer = handler.frame(frame);
      } catch (e) {
        fail(e);
        return;
      }
      if (isLater(answer)) {
        awaiting = true;
        socket.pause();
        // Promise.resolve: a thenable that is not a native promise is followed the same way.
        Promise.resolve(answer).then(
          (a) => {
            awaiting = false;
            if (deliverSafely(a)) pump();
          },
          (e: unknown) => {
            awaiting = false;
            fail(e);
          },
        );
        return;
      }
      if (!deliverSafely(answer)) return;
    }
    if (next >= queue.length) {
      queue = [];
      next = 0;
      if (peerEnded && !awaiting) {
        void close();
        return;
      }
    }
    resumeIfFree();
  };

  // The peer's FIN (the server accepts half-open connections): every frame received before it is
  // still answered, then this side ends too.
  let peerEnded = false;
  socket.once('end', () => {
    peerEnded = true;
    if (!awaiting && !draining) pump();
  });
  if (adopted === undefined) {
    socket.on('data', received);
    // Accepted paused: start reading now that every listener is in place.
    socket.resume();
  }
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (done) return;
    fail(new TransportError('LINK_FAILED', `TCP connection failed: ${e.code ?? e.message}`, { cause: e }));
  });
  socket.once('close', () => {
    done = true;
    handler.closed?.();
  });
  if (options.idleTimeoutMs) {
    socket.setTimeout(options.idleTimeoutMs, () =>
      fail(new TransportError('IDLE_TIMEOUT', `no traffic for ${options.idleTimeoutMs} ms`)),
    );
  }

  const close = (): Promise<void> => {
    if (closing) return closing;
    // Answers held for this turn go out before the FIN.
    flush();
    done = true;
    closing = endGracefully(socket, closedEvent, closeTimeoutMs);
    return closing;
  };

  return { close, closed: closedEvent, direct: adopted !== undefined };
}
