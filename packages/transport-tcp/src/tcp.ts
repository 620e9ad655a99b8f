/**
 * A {@link ByteChannel} over a TCP socket (`node:net`), and a client connect with timeouts.
 *
 * Backpressure both ways: `write` resolves when Node has handed the bytes to the kernel, and reading
 * pauses the socket while more than `highWaterMarkBytes` received bytes wait for the consumer.
 * Idle timeout: no byte in either direction for `idleTimeoutMs` fails the iteration with `IDLE_TIMEOUT`
 * and destroys the socket. `close()` flushes pending writes, sends FIN, and destroys the socket if the
 * peer has not closed its side within `closeTimeoutMs`.
 *
 * Not here: framing (see `wrapper-channel.ts`), TLS, reconnection policy.
 */
import net from 'node:net';
import { TransportError, type ByteChannel } from '@meteringlab/dlms-core';
import { AsyncQueue } from './queue.js';
import { endGracefully } from './socket-end.js';

/** Options of {@link tcpByteChannel}. */
export interface TcpChannelOptions {
  /** Close with `IDLE_TIMEOUT` after this long without traffic either way; 0 or unset: never. */
  readonly idleTimeoutMs?: number;
  /** How long `close()` waits for the peer's FIN before destroying the socket (default 2000). */
  readonly closeTimeoutMs?: number;
  /** Received bytes held for a slow consumer before the socket is paused (default 1 MiB). */
  readonly highWaterMarkBytes?: number;
}

/** A {@link ByteChannel} over a socket, with its endpoints. */
export interface TcpByteChannel extends ByteChannel {
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localPort: number | undefined;
  /** Drops the connection at once (no flush, no FIN handshake); the local iteration ends. */
  destroy(): void;
}

/** Options of {@link connectTcp}. */
export interface ConnectTcpOptions extends TcpChannelOptions {
  /** Give up connecting after this long with `CONNECT_TIMEOUT` (default 10000). */
  readonly connectTimeoutMs?: number;
  /** Disable Nagle's algorithm (default true: request/response traffic wants low latency). */
  readonly noDelay?: boolean;
}

/** What `write` gives once the bytes are with the kernel. */
const WRITTEN: Promise<void> = Promise.resolve();

function writeFailed(err: Error): TransportError {
  return new TransportError('LINK_FAILED', `TCP write failed: ${err.message}`, { cause: err });
}

/** Wraps a connected socket into a {@link TcpByteChannel}. The channel owns the socket from now on. */
export function tcpByteChannel(socket: net.Socket, options: TcpChannelOptions = {}): TcpByteChannel {
  const highWater = options.highWaterMarkBytes ?? 1 << 20;
  const closeTimeoutMs = options.closeTimeoutMs ?? 2000;
  const queue = new AsyncQueue<Uint8Array>();
  let queuedBytes = 0;
  let paused = false;
  // `closed`: no more writes. `closing`: the promise of a local close.
  let closed = socket.destroyed;
  let closing: Promise<void> | undefined;
  const closedEvent = new Promise<void>((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });

  queue.onTake = (chunk) => {
    queuedBytes -= chunk.length;
    if (paused && queuedBytes <= highWater / 2) {
      paused = false;
      socket.resume();
    }
  };

  socket.on('data', (data: Buffer) => {
    // A plain Uint8Array view: Buffer's `slice` does not copy, a trap for consumers expecting Uint8Array.
    const chunk = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (queue.push(chunk)) {
      queuedBytes += chunk.length;
      if (!paused && queuedBytes > highWater) {
        paused = true;
        socket.pause();
      }
    }
  });
  socket.on('end', () => {
    // The peer closed its side; with allowHalfOpen false Node ends ours once writes are flushed.
    closed = true;
    queue.end();
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    closed = true;
    queue.fail(
      new TransportError('LINK_FAILED', `TCP connection failed: ${e.code ?? e.message}`, { cause: e }),
    );
  });
  socket.on('close', () => {
    closed = true;
    queue.end();
  });
  if (options.idleTimeoutMs) {
    socket.setTimeout(options.idleTimeoutMs, () => {
      closed = true;
      queue.fail(new TransportError('IDLE_TIMEOUT', `no traffic for ${options.idleTimeoutMs} ms`));
      socket.destroy();
    });
  }

  const write = (bytes: Uint8Array): Promise<void> => {
    if (closed || socket.destroyed || !socket.writable) {
      return Promise.reject(new TransportError('CLOSED', 'TCP connection is closed'));
    }
    let waiter: { resolve: () => void; reject: (e: unknown) => void } | undefined;
    let outcome: Error | null | undefined;
    socket.write(bytes, (err) => {
      outcome = err ?? null;
      if (waiter === undefined) return;
      if (err) waiter.reject(writeFailed(err));
      else waiter.resolve();
    });
    // Handed to the kernel already (a small write on an idle socket completes at once; Node reports it a
    // tick later): nothing left to wait for. A failed write destroys the socket at once.
    if (socket.writableLength === 0 && !socket.destroyed && outcome === undefined) return WRITTEN;
    if (outcome !== undefined) return outcome === null ? WRITTEN : Promise.reject(writeFailed(outcome));
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
    });
  };

  const close = (): Promise<void> => {
    if (closing) return closing;
    closed = true;
    queue.discard();
    closing = endGracefully(socket, closedEvent, closeTimeoutMs);
    return closing;
  };

  return {
    write,
    chunks: queue,
    close,
    destroy: () => {
      closed = true;
      queue.discard();
      socket.destroy();
    },
    get remoteAddress() {
      return socket.remoteAddress;
    },
    get remotePort() {
      return socket.remotePort;
    },
    get localPort() {
      return socket.localPort;
    },
  };
}

/**
 * Connects to `host:port` and resolves with a {@link TcpByteChannel}. Rejects with `TransportError`
 * `CONNECT_TIMEOUT` when no connection is made within `connectTimeoutMs`, `CONNECT_FAILED` when the
 * connection is refused or the host unreachable.
 */
export function connectTcp(
  host: string,
  port: number,
  options: ConnectTcpOptions = {},
): Promise<TcpByteChannel> {
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const onError = (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      socket.destroy();
      reject(
        new TransportError('CONNECT_FAILED', `cannot connect to ${host}:${port}: ${e.code ?? e.message}`, {
          cause: e,
        }),
      );
    };
    const timer = setTimeout(() => {
      socket.off('error', onError);
      socket.on('error', () => undefined);
      socket.destroy();
      reject(
        new TransportError(
          'CONNECT_TIMEOUT',
          `no connection to ${host}:${port} within ${connectTimeoutMs} ms`,
        ),
      );
    }, connectTimeoutMs);
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(options.noDelay ?? true);
      resolve(tcpByteChannel(socket, options));
    });
  });
}
