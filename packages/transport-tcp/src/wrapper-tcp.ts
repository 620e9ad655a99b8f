/**
 * The IEC 62056-47 TCP profile: a wrapper client (`connectWrapper`) and a wrapper server
 * (`createWrapperServer`) built from the TCP byte channel and the wrapper APDU channel.
 *
 * The server gives each connection its own {@link WrapperApduChannel}; the handler routes on the
 * destination wPort of each frame (the logical device) with `receiveFrames()`. Or, push-driven
 * (`onFrames`), each frame goes to a handler as it arrives and its answer is written back at once: no
 * promise per frame when the handler answers synchronously (the fast path of a busy server). Limits: a maximum number
 * of connections (an excess connection is closed at once and counted), an idle timeout, a maximum APDU
 * length. A malformed stream closes only the connection that sent it.
 *
 * Not here: the association (dlms-core), logical-device dispatch (the caller's handler), TLS.
 */
import net from 'node:net';
import { TransportError } from '@meteringlab/dlms-core';
import {
  connectTcp,
  tcpByteChannel,
  type ConnectTcpOptions,
  type TcpByteChannel,
  type TcpChannelOptions,
} from './tcp.js';
import { DLMS_WRAPPER_PORT, type WrapperLimits } from './wrapper.js';
import { wrapperApduChannel, type WrapperApduChannel } from './wrapper-channel.js';
import { serveFrames, type WrapperFrameHandler } from './frame-connection.js';

export type { WrapperFrameAnswer, WrapperFrameHandler } from './frame-connection.js';

/** Options of {@link connectWrapper}. */
export interface ConnectWrapperOptions extends ConnectTcpOptions, WrapperLimits {
  readonly host: string;
  /** TCP port of the server (default 4059, the IANA-registered DLMS/COSEM port). */
  readonly port?: number;
  /** wPort of this client (the client SAP, e.g. 0x10 for the public client). */
  readonly clientWPort: number;
  /** wPort of the server's logical device (e.g. 0x01 for the management logical device). */
  readonly serverWPort: number;
}

/** A wrapper client connection: an {@link ApduChannel} plus the frames and the socket underneath. */
export interface WrapperClient extends WrapperApduChannel {
  readonly bytes: TcpByteChannel;
}

/**
 * Connects to a wrapper server over TCP. `send` frames APDUs from `clientWPort` to `serverWPort`;
 * `receive()` yields the APDUs addressed back from `serverWPort` to `clientWPort` (others are counted in
 * `stats.misaddressed` and skipped). Rejects with `CONNECT_TIMEOUT` or `CONNECT_FAILED`.
 */
export async function connectWrapper(options: ConnectWrapperOptions): Promise<WrapperClient> {
  const bytes = await connectTcp(options.host, options.port ?? DLMS_WRAPPER_PORT, options);
  const channel = wrapperApduChannel(bytes, {
    localWPort: options.clientWPort,
    remoteWPort: options.serverWPort,
    ...(options.maxApduLength === undefined ? {} : { maxApduLength: options.maxApduLength }),
  });
  return { ...channel, bytes };
}

/** What the server knows about a connection when it hands it over. */
export interface WrapperConnectionInfo {
  /** Sequence number of the connection, from 1, unique for the server's lifetime. */
  readonly id: number;
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly localPort: number | undefined;
}

/** Options of {@link createWrapperServer}. */
export interface WrapperServerOptions extends WrapperLimits, TcpChannelOptions {
  /** TCP port to listen on (default 4059; 0 for an ephemeral port). */
  readonly port?: number;
  /** Address to listen on (default: all interfaces). */
  readonly host?: string;
  /** Connections served at once (default 100); an excess connection is closed at once. */
  readonly maxConnections?: number;
  /** Disable Nagle's algorithm on accepted sockets (default true). */
  readonly noDelay?: boolean;
  /**
   * Called for each accepted connection. If it returns a promise, the connection is closed once the
   * promise settles (a rejection goes to `onError`); if it returns nothing, the handler owns the channel
   * and closes it itself. Give this or `onFrames`.
   */
  onConnection?(channel: WrapperApduChannel, info: WrapperConnectionInfo): void | Promise<void>;
  /**
   * Push-driven alternative to `onConnection`: called for each accepted connection, it returns the
   * handler of that connection's frames (see {@link WrapperFrameHandler}); answers are written as soon
   * as the handler gives them. Framing errors, idle timeouts and handler failures go to `onError`.
   */
  onFrames?(info: WrapperConnectionInfo): WrapperFrameHandler;
  /**
   * With `onFrames`: let Node read each connection straight into one buffer shared by all of them and
   * call the server directly, instead of allocating a buffer per read and emitting `'data'` (default
   * true; 20–30 % more small requests per second on loopback). Node offers this only for sockets it
   * opens, so an accepted connection's native handle is moved into a new socket that reads this way;
   * where this Node does not allow the move, connections are read the ordinary way. Frames are copied
   * out of the shared buffer before a handler sees them. False: always the ordinary way.
   */
  readonly directReads?: boolean;
  /**
   * With `onFrames`: coalesce writes (default true). The first answer given in a turn of the event
   * loop is written at once; the ones given after it in the same turn are held and written at its end,
   * one write per connection, every connection's in a row. A lone client waits for nothing; on a busy
   * server the kernel's send path and the clients' wake-ups come in runs. Held answers are written at
   * once when 64 KiB are held for a connection, and before it closes. False: each answer is written
   * when it is given.
   */
  readonly coalesceWrites?: boolean;
  /** Errors of a handler or of a connection (e.g. a `FramingError`); the server keeps serving. */
  onError?(error: unknown, info: WrapperConnectionInfo): void;
}

/** Counters of a wrapper server. */
export interface WrapperServerStats {
  accepted: number;
  /** Connections closed at once because `maxConnections` were being served. */
  rejected: number;
  /** Handlers that ended with an error (framing, idle timeout, handler bug). */
  failed: number;
  /** Push-driven connections read directly (see `WrapperServerOptions.directReads`). */
  directReads: number;
}

/** A listening wrapper server. */
export interface WrapperServer {
  /** The port actually listened on (useful with port 0). */
  readonly port: number;
  /** Connections being served. */
  readonly connections: number;
  readonly stats: Readonly<WrapperServerStats>;
  /**
   * Graceful close: stops accepting, closes every connection after its pending writes are flushed
   * (destroying a connection whose peer does not close within `closeTimeoutMs`), and resolves when the
   * listening socket and every connection are closed. Idempotent.
   */
  close(): Promise<void>;
}

/** Starts a wrapper server; resolves once it listens. */
export function createWrapperServer(options: WrapperServerOptions): Promise<WrapperServer> {
  const maxConnections = options.maxConnections ?? 100;
  const stats: WrapperServerStats = { accepted: 0, rejected: 0, failed: 0, directReads: 0 };
  if ((options.onConnection === undefined) === (options.onFrames === undefined)) {
    return Promise.reject(
      new TypeError('createWrapperServer: give exactly one of onConnection and onFrames'),
    );
  }
  const live = new Set<{ close(): Promise<void> }>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  // Push-driven connections are accepted paused, so that they can be read directly, and half-open, so
  // that frames sent just before a FIN are still answered (serveFrames ends the connection then).
  const pushDriven = options.onFrames !== undefined;
  const server = net.createServer({ pauseOnConnect: pushDriven, allowHalfOpen: pushDriven }, (socket) => {
    if (closing || live.size >= maxConnections) {
      stats.rejected++;
      socket.destroy();
      return;
    }
    stats.accepted++;
    socket.setNoDelay(options.noDelay ?? true);
    const info: WrapperConnectionInfo = {
      id: nextId++,
      remoteAddress: socket.remoteAddress,
      remotePort: socket.remotePort,
      localPort: socket.localPort,
    };
    if (options.onFrames !== undefined) {
      let handler: WrapperFrameHandler;
      try {
        handler = options.onFrames(info);
      } catch (e) {
        stats.failed++;
        options.onError?.(e, info);
        socket.destroy();
        return;
      }
      const conn = serveFrames(socket, handler, options, (e) => {
        stats.failed++;
        options.onError?.(e, info);
      });
      if (conn.direct) stats.directReads++;
      live.add(conn);
      void conn.closed.then(() => live.delete(conn));
      return;
    }
    const bytes = tcpByteChannel(socket, options);
    live.add(bytes);
    socket.once('close', () => live.delete(bytes));
    const channel = wrapperApduChannel(
      bytes,
      options.maxApduLength === undefined ? {} : { maxApduLength: options.maxApduLength },
    );
    const fail = (e: unknown) => {
      stats.failed++;
      options.onError?.(e, info);
    };
    let result: void | Promise<void>;
    try {
      result = options.onConnection!(channel, info);
    } catch (e) {
      fail(e);
      void bytes.close();
      return;
    }
    if (result instanceof Promise) {
      result.then(
        () => bytes.close(),
        (e: unknown) => {
          fail(e);
          return bytes.close();
        },
      );
    }
  });

  const close = (): Promise<void> => {
    if (closing) return closing;
    const listening = new Promise<void>((resolve) => server.close(() => resolve()));
    closing = Promise.all([listening, ...[...live].map((c) => c.close())]).then(() => undefined);
    return closing;
  };

  return new Promise((resolve, reject) => {
    const onListenError = (e: NodeJS.ErrnoException) =>
      reject(new TransportError('LINK_FAILED', `cannot listen: ${e.code ?? e.message}`, { cause: e }));
    server.once('error', onListenError);
    server.listen({ port: options.port ?? DLMS_WRAPPER_PORT, host: options.host }, () => {
      server.off('error', onListenError);
      // Accept errors after listening (e.g. EMFILE) must not crash the process; Node retries.
      server.on('error', () => undefined);
      const address = server.address() as net.AddressInfo;
      resolve({
        port: address.port,
        get connections() {
          return live.size;
        },
        stats,
        close,
      });
    });
  });
}
