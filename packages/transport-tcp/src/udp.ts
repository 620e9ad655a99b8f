/**
 * The IEC 62056-47 UDP profile: a wrapper client and a wrapper server over `node:dgram`.
 *
 * One datagram carries exactly one wrapper frame, whose length field must match the datagram. The
 * wrapper is stateless over UDP, so a datagram that does not decode (bad version, wrong length, over
 * `maxApduLength`) is dropped and counted, never fatal. UDP has no close handshake: a peer's iteration
 * only ends when it closes its own channel (or the server closes, or a server-side peer goes idle).
 *
 * Limits: frames waiting for a slow consumer (`maxQueuedFrames`, excess dropped and counted), peers
 * tracked by the server (`maxPeers`, datagrams from extra peers dropped and counted), idle time of a
 * server-side peer.
 *
 * Not here: retransmission or ordering (UDP gives neither; the application layer copes), TCP.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { ArgumentError, TransportError } from '@meteringlab/dlms-core';
import { AsyncQueue } from './queue.js';
import { frameChannel } from './frame-channel.js';
import {
  DLMS_WRAPPER_PORT,
  decodeWrapperFrame,
  encodeWrapperFrame,
  type WrapperFrame,
  type WrapperLimits,
} from './wrapper.js';
import type { WrapperApduChannel, WrapperChannelStats } from './wrapper-channel.js';

/** Counters of a UDP wrapper channel. */
export interface UdpChannelStats extends WrapperChannelStats {
  /** Datagrams that did not decode as one wrapper frame, dropped. */
  badDatagrams: number;
  /** Frames dropped because `maxQueuedFrames` were already waiting for the consumer. */
  overflowed: number;
}

/** A UDP wrapper channel. */
export interface UdpWrapperChannel extends WrapperApduChannel {
  readonly stats: Readonly<UdpChannelStats>;
}

/** Options of {@link connectWrapperUdp}. */
export interface ConnectWrapperUdpOptions extends WrapperLimits {
  readonly host: string;
  /** UDP port of the server (default 4059). */
  readonly port?: number;
  readonly clientWPort: number;
  readonly serverWPort: number;
  /** Local UDP port to bind (default: ephemeral). */
  readonly localPort?: number;
  /** Received frames held for a slow consumer before new ones are dropped (default 64). */
  readonly maxQueuedFrames?: number;
}

/** One peer's frames: a bounded queue feeding a {@link frameChannel}. */
class DatagramPeer {
  readonly queue = new AsyncQueue<WrapperFrame>();
  readonly stats: UdpChannelStats = {
    framesIn: 0,
    framesOut: 0,
    misaddressed: 0,
    badDatagrams: 0,
    overflowed: 0,
  };
  last: WrapperFrame | undefined;
  closed = false;
  readonly channel: UdpWrapperChannel;

  constructor(
    private readonly maxQueued: number,
    transmit: (bytes: Uint8Array) => Promise<void>,
    closeChannel: () => Promise<void>,
    ports: { localWPort?: number; remoteWPort?: number },
  ) {
    const frames = {
      next: async (): Promise<IteratorResult<WrapperFrame>> => {
        const r = await this.queue.next();
        if (!r.done) {
          this.stats.framesIn++;
          this.last = r.value;
        }
        return r;
      },
      [Symbol.asyncIterator]() {
        return {
          next: () => this.next(),
          return: () => Promise.resolve({ value: undefined, done: true as const }),
        };
      },
    };
    this.channel = frameChannel({
      frames,
      lastFrame: () => this.last,
      sendFrame: async (frame) => {
        if (this.closed) throw new TransportError('CLOSED', 'UDP wrapper channel is closed');
        await transmit(encodeWrapperFrame(frame));
        this.stats.framesOut++;
      },
      close: closeChannel,
      ports,
      stats: this.stats,
    }) as UdpWrapperChannel;
  }

  /** A decoded datagram for this peer (its APDU is a view into a datagram buffer nobody else holds). */
  deliver(frame: WrapperFrame): void {
    if (this.queue.length >= this.maxQueued) {
      this.stats.overflowed++;
      return;
    }
    this.queue.push(frame);
  }
}

function sendOn(socket: dgram.Socket, bytes: Uint8Array, port?: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null) =>
      err
        ? reject(new TransportError('LINK_FAILED', `UDP send failed: ${err.message}`, { cause: err }))
        : resolve();
    if (port === undefined) socket.send(bytes, done);
    else socket.send(bytes, port, address, done);
  });
}

const asView = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/**
 * A wrapper client over UDP: a socket connected to `host:port`, sending from `clientWPort` to
 * `serverWPort`. `receive()` yields APDUs from `serverWPort` to `clientWPort`; bad datagrams are counted
 * in `stats.badDatagrams` and dropped. Rejects with `CONNECT_FAILED` if the socket cannot be bound or
 * connected (UDP "connect" only fixes the peer address; nothing is sent).
 */
export async function connectWrapperUdp(options: ConnectWrapperUdpOptions): Promise<UdpWrapperChannel> {
  const limits = { maxApduLength: options.maxApduLength };
  decodeLimitsCheck(limits);
  const socket = dgram.createSocket(net.isIPv6(options.host) ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.localPort ?? 0, () => {
        socket.connect(options.port ?? DLMS_WRAPPER_PORT, options.host, () => {
          socket.off('error', reject);
          resolve();
        });
      });
    });
  } catch (e) {
    socket.close();
    throw new TransportError('CONNECT_FAILED', `cannot open UDP to ${options.host}`, { cause: e });
  }
  let closing: Promise<void> | undefined;
  const peer: DatagramPeer = new DatagramPeer(
    options.maxQueuedFrames ?? 64,
    (bytes) => sendOn(socket, bytes),
    () => {
      if (closing) return closing;
      peer.closed = true;
      peer.queue.discard();
      closing = new Promise((resolve) => socket.close(() => resolve()));
      return closing;
    },
    { localWPort: options.clientWPort, remoteWPort: options.serverWPort },
  );
  socket.on('message', (msg) => {
    let frame: WrapperFrame;
    try {
      frame = decodeWrapperFrame(asView(msg), limits);
    } catch {
      peer.stats.badDatagrams++;
      return;
    }
    peer.deliver(frame);
  });
  // ICMP port unreachable and the like surface as socket errors on a connected UDP socket; over UDP
  // they are transient and not fatal.
  socket.on('error', () => undefined);
  return peer.channel;
}

/** Validates limits up front so a bad option fails at creation, not per datagram. */
function decodeLimitsCheck(limits: WrapperLimits): void {
  const max = limits.maxApduLength;
  if (max !== undefined && (!Number.isInteger(max) || max < 0 || max > 0xffff)) {
    throw new ArgumentError(`maxApduLength ${max} must be an integer in [0, 65535]`);
  }
}

/** What the UDP server knows about a peer. */
export interface UdpPeerInfo {
  /** Sequence number of the peer, from 1. */
  readonly id: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

/** Options of {@link createWrapperUdpServer}. */
export interface WrapperUdpServerOptions extends WrapperLimits {
  /** UDP port to listen on (default 4059; 0 for an ephemeral port). */
  readonly port?: number;
  /** Address to bind (default 0.0.0.0; an IPv6 address selects udp6). */
  readonly host?: string;
  /** Peers (remote address and port) tracked at once (default 1000); datagrams of others are dropped. */
  readonly maxPeers?: number;
  /** Forget a peer after this long without datagrams either way (default 60000; 0: never). */
  readonly idleTimeoutMs?: number;
  /** Received frames held per peer for a slow consumer (default 64). */
  readonly maxQueuedFrames?: number;
  /**
   * Called for the first datagram of each new peer. If it returns a promise, the peer's channel is
   * closed once it settles (a rejection goes to `onError`); a later datagram from the same address then
   * starts a new peer.
   */
  onPeer(channel: UdpWrapperChannel, info: UdpPeerInfo): void | Promise<void>;
  /** Errors of a handler (including `IDLE_TIMEOUT` of its channel); the server keeps serving. */
  onError?(error: unknown, info: UdpPeerInfo): void;
}

/** Counters of a UDP wrapper server. */
export interface WrapperUdpServerStats {
  datagrams: number;
  /** Datagrams that did not decode as one wrapper frame. */
  badDatagrams: number;
  /** Datagrams dropped because `maxPeers` peers were tracked. */
  rejected: number;
  failed: number;
}

/** A bound UDP wrapper server. */
export interface WrapperUdpServer {
  readonly port: number;
  /** Peers tracked. */
  readonly peers: number;
  readonly stats: Readonly<WrapperUdpServerStats>;
  /** Stops receiving, ends every peer's iteration, waits for sends in flight, closes the socket. */
  close(): Promise<void>;
}

/** Starts a UDP wrapper server; resolves once it is bound. */
export async function createWrapperUdpServer(options: WrapperUdpServerOptions): Promise<WrapperUdpServer> {
  const limits = { maxApduLength: options.maxApduLength };
  decodeLimitsCheck(limits);
  const maxPeers = options.maxPeers ?? 1000;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const maxQueued = options.maxQueuedFrames ?? 64;
  const stats: WrapperUdpServerStats = { datagrams: 0, badDatagrams: 0, rejected: 0, failed: 0 };
  const socket = dgram.createSocket(options.host && net.isIPv6(options.host) ? 'udp6' : 'udp4');
  const peers = new Map<string, { peer: DatagramPeer; timer: ReturnType<typeof setTimeout> | undefined }>();
  const inFlight = new Set<Promise<void>>();
  let nextId = 1;
  let closing: Promise<void> | undefined;

  const forget = (
    key: string,
    entry: { peer: DatagramPeer; timer: ReturnType<typeof setTimeout> | undefined },
  ) => {
    if (peers.get(key) === entry) peers.delete(key);
    if (entry.timer) clearTimeout(entry.timer);
    entry.peer.closed = true;
  };

  socket.on('message', (msg, rinfo) => {
    if (closing) return;
    stats.datagrams++;
    let frame: WrapperFrame;
    try {
      frame = decodeWrapperFrame(asView(msg), limits);
    } catch {
      stats.badDatagrams++;
      return;
    }
    const key = `${rinfo.address}|${rinfo.port}`;
    let entry = peers.get(key);
    if (!entry) {
      if (peers.size >= maxPeers) {
        stats.rejected++;
        return;
      }
      const info: UdpPeerInfo = { id: nextId++, remoteAddress: rinfo.address, remotePort: rinfo.port };
      const e: { peer: DatagramPeer; timer: ReturnType<typeof setTimeout> | undefined } = {
        peer: undefined as unknown as DatagramPeer,
        timer: undefined,
      };
      const touch = () => e.timer?.refresh();
      e.peer = new DatagramPeer(
        maxQueued,
        (bytes) => {
          touch();
          const p = sendOn(socket, bytes, rinfo.port, rinfo.address);
          inFlight.add(p);
          const drop = () => inFlight.delete(p);
          p.then(drop, drop);
          return p;
        },
        async () => {
          forget(key, e);
          e.peer.queue.discard();
        },
        {},
      );
      if (idleTimeoutMs > 0) {
        e.timer = setTimeout(() => {
          forget(key, e);
          e.peer.queue.fail(new TransportError('IDLE_TIMEOUT', `no datagram for ${idleTimeoutMs} ms`));
        }, idleTimeoutMs);
        e.timer.unref();
      }
      peers.set(key, e);
      entry = e;
      const fail = (err: unknown) => {
        stats.failed++;
        options.onError?.(err, info);
      };
      try {
        const result = options.onPeer(e.peer.channel, info);
        if (result instanceof Promise) {
          result.then(
            () => e.peer.channel.close(),
            (err: unknown) => {
              fail(err);
              return e.peer.channel.close();
            },
          );
        }
      } catch (err) {
        fail(err);
        void e.peer.channel.close();
        return;
      }
    }
    entry.timer?.refresh();
    entry.peer.deliver(frame);
  });
  socket.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) =>
      reject(new TransportError('LINK_FAILED', `cannot bind UDP: ${e.code ?? e.message}`, { cause: e }));
    socket.once('error', onError);
    socket.bind(options.port ?? DLMS_WRAPPER_PORT, options.host, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  const port = socket.address().port;

  const close = (): Promise<void> => {
    if (closing) return closing;
    closing = (async () => {
      for (const [key, entry] of [...peers]) {
        forget(key, entry);
        entry.peer.queue.end();
      }
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    })();
    return closing;
  };

  return {
    port,
    get peers() {
      return peers.size;
    },
    stats,
    close,
  };
}
