/**
 * The wiring behind `dlms sim`: builds simulated meters from a profile (cosem-objects `simulator`),
 * binds them to listeners (wrapper over TCP and UDP from transport-tcp, HDLC over TCP from
 * transport-hdlc-serial), wraps each link with the fault injection, arms the one timer of the meter
 * schedule (load profile captures, pushes) and sends pushes over the wrapper.
 *
 * No protocol logic: association, dispatch, framing, ciphering and faults all live in the packages.
 * `startSimulator` returns a handle with the bound ports and `close()`, so tests and benchmarks run it
 * in-process on port 0.
 */
import net from 'node:net';
import { decodeApdu, type ApduChannel } from '@meteringlab/dlms-core';
import {
  buildSimulatedMeter,
  DEFAULT_SIMULATOR_PROFILE,
  fleetOnAddresses,
  fleetOnPorts,
  hasFaults,
  parseDestination,
  parseSimulatorProfile,
  prependApdu,
  withFaults,
  type AddressedApdu,
  type DlmsServer,
  type FaultOptions,
  type ProfileDevice,
  type SimulatedMeter,
  type SimulatedPush,
  type SimulatorProfile,
} from '@meteringlab/cosem-objects';
import {
  connectWrapper,
  connectWrapperUdp,
  createWrapperServer,
  createWrapperUdpServer,
  tcpByteChannel,
  type WrapperApduChannel,
  type WrapperConnectionInfo,
  type WrapperFrameAnswer,
  type WrapperFrameHandler,
  type WrapperServer,
} from '@meteringlab/transport-tcp';
import { acceptHdlc } from '@meteringlab/transport-hdlc-serial';

/** What `dlms sim` was asked. */
export interface SimulatorOptions {
  /** Parsed profile JSON; the default meter when absent. */
  readonly profile?: unknown;
  /** Address to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Wrapper over TCP (0: ephemeral). */
  readonly port?: number;
  /** HDLC over TCP. */
  readonly hdlcPort?: number;
  /** Wrapper over UDP. */
  readonly udpPort?: number;
  /** Number of meters (default 1). */
  readonly fleet?: number;
  /** wports: one listener, meters at server addresses 1..N; ports: one listener per meter on consecutive ports. */
  readonly fleetMode?: 'wports' | 'ports';
  /** Fault injection (probabilities, delay range, seed). */
  readonly faults?: FaultOptions;
  /** A push of the clock and every register to this `tcp://` or `udp://` receptor, added to each device. */
  readonly pushTo?: string;
  /** Interval of that push in seconds (default 60). */
  readonly pushIntervalS?: number;
  /** Cipher that push with the device keys (the profile must give keys and a system title). */
  readonly pushCiphered?: boolean;
  /** The meters' clock (default the host clock). */
  readonly now?: () => Date;
  /** Timeout of a push connection in ms (default 5000). */
  readonly pushTimeoutMs?: number;
  /**
   * Wrapper TCP without faults: read connections directly into one shared buffer (default true; see
   * transport-tcp's `directReads`). False reads through `'data'` events, for comparison.
   */
  readonly directReads?: boolean;
  /** Wrapper TCP without faults: coalesce writes per turn of the event loop (default true). */
  readonly coalesceWrites?: boolean;
}

/** One bound listener. */
export interface SimListener {
  readonly kind: 'tcp' | 'udp' | 'hdlc';
  readonly host: string;
  readonly port: number;
  /** Server addresses served there. */
  readonly serverAddresses: readonly number[];
  /** `serving 1 meter on tcp://127.0.0.1:4059 …` */
  readonly line: string;
}

/** A running simulator. */
export interface RunningSimulator {
  readonly listeners: readonly SimListener[];
  readonly meters: readonly SimulatedMeter[];
  /**
   * Pushes sent and failed, associations accepted and connections served so far; `directReads`: the
   * wrapper TCP connections read directly (see `SimulatorOptions.directReads`).
   */
  readonly stats: {
    pushesSent: number;
    pushesFailed: number;
    associations: number;
    connections: number;
    readonly directReads: number;
  };
  /** Stops the listeners, closes every link and the schedule timer. Idempotent. */
  close(): Promise<void>;
}

/** Where the simulator logs (one line per event). */
export type SimLog = (line: string) => void;

function range(list: readonly number[]): string {
  if (list.length === 1) return `server address ${list[0]}`;
  const consecutive = list.every((n, i) => i === 0 || n === list[i - 1]! + 1);
  return consecutive
    ? `server addresses ${list[0]}-${list[list.length - 1]}`
    : `server addresses ${list.join(', ')}`;
}

/** Adds the `--push-to` push to every device (clock time and every register value). */
function withPush(profile: SimulatorProfile, options: SimulatorOptions): SimulatorProfile {
  if (options.pushTo === undefined) return profile;
  return {
    devices: profile.devices.map((d): ProfileDevice => {
      const objects = d.objects.flatMap((o) =>
        o.class === 'clock'
          ? [{ classId: 8, obis: o.obis, attribute: 2 }]
          : o.class === 'register' || o.class === 'extended-register'
            ? [{ classId: o.class === 'register' ? 3 : 4, obis: o.obis, attribute: 2 }]
            : [],
      );
      const obis = d.pushes.some((p) => p.obis === '0.0.25.9.0.255') ? '0.0.25.9.1.255' : '0.0.25.9.0.255';
      return {
        ...d,
        pushes: [
          ...d.pushes,
          {
            obis,
            objects,
            intervalS: options.pushIntervalS ?? 60,
            destination: options.pushTo!,
            ciphered: options.pushCiphered === true,
            destinationWPort: 16,
          },
        ],
      };
    }),
  };
}

/** Checks the options that do not depend on the profile; a message for the user, or undefined. */
export function simulatorOptionProblem(o: SimulatorOptions): string | undefined {
  if (o.port === undefined && o.hdlcPort === undefined && o.udpPort === undefined)
    return 'give at least one of --port, --hdlc-port, --udp-port';
  if (o.pushTo !== undefined && parseDestination(o.pushTo) === undefined)
    return `--push-to ${o.pushTo}: expected tcp://host:port or udp://host:port`;
  return undefined;
}

/** Logs the outcome of an AARE (0x61) being sent; only AAREs are decoded, the GET path is untouched. */
function watchAare(
  apdu: Uint8Array,
  where: string,
  client: number,
  server: number,
  log: SimLog,
  stats: RunningSimulator['stats'],
): void {
  if (apdu[0] !== 0x61) return;
  try {
    const a = decodeApdu(apdu);
    if (a.type === 'aare') {
      if (a.result === 'accepted') stats.associations++;
      log(`${where}: association client ${client} -> server ${server}: ${a.result}`);
    }
  } catch {
    // A corrupted AARE (fault injection) is sent as is.
  }
}

/**
 * Serves a wrapper link. Without faults every frame is routed on its own wPorts (several associations
 * may share one connection, `DlmsServer.serveRouted`); with faults the first frame's wPorts choose the
 * association of the whole link, so that the faults wrap one APDU channel.
 */
async function serveWrapperLink(
  server: DlmsServer,
  channel: WrapperApduChannel,
  faults: FaultOptions | undefined,
  where: string,
  log: SimLog,
  stats: RunningSimulator['stats'],
): Promise<void> {
  if (faults === undefined) {
    const summary = await server.serveRouted(
      {
        receiveFrames: () => channel.receiveFrames(),
        close: () => channel.close(),
        sendFrame: (f) => {
          watchAare(f.apdu, where, f.destination, f.source, log, stats);
          return channel.sendFrame(f);
        },
      },
      { onError: (e) => log(`${where}: ${(e as Error).message}`) },
    );
    if (summary.end === 'unknown-device')
      log(`${where}: no logical device at the first frame's destination wPort; link closed`);
    return;
  }
  const first = await channel.receiveFrames()[Symbol.asyncIterator]().next();
  if (first.done) return;
  const { source, destination, apdu } = first.value;
  if (server.deviceAt(destination) === undefined) {
    log(`${where}: no logical device at wPort ${destination} (client ${source}); link closed`);
  }
  await serveLink(server, prependApdu(channel, apdu), destination, source, faults, where, log, stats);
}

/**
 * The frame handler of a wrapper TCP connection without faults: every frame routed on its wPorts
 * (`DlmsServer.router`), accepted associations logged.
 */
function routedFrames(
  server: DlmsServer,
  where: string,
  log: SimLog,
  stats: RunningSimulator['stats'],
): WrapperFrameHandler {
  const router = server.router({ onError: (e) => log(`${where}: ${(e as Error).message}`) });
  const sent = (frames: readonly AddressedApdu[] | 'close'): WrapperFrameAnswer => {
    if (frames === 'close') {
      log(`${where}: no logical device at the first frame's destination wPort; link closed`);
      return 'close';
    }
    for (const f of frames) watchAare(f.apdu, where, f.destination, f.source, log, stats);
    return frames;
  };
  return {
    frame: (f) => {
      const out = router.handle(f);
      return out instanceof Promise ? out.then(sent) : sent(out);
    },
  };
}

/** Serves one link (faults applied), logging accepted associations. */
async function serveLink(
  server: DlmsServer,
  channel: ApduChannel,
  serverAddress: number,
  clientAddress: number,
  faults: FaultOptions | undefined,
  where: string,
  log: SimLog,
  stats: RunningSimulator['stats'],
): Promise<void> {
  const watched: ApduChannel = {
    receive: () => channel.receive(),
    close: () => channel.close(),
    send: (apdu) => {
      watchAare(apdu, where, clientAddress, serverAddress, log, stats);
      return channel.send(apdu);
    },
  };
  const link =
    faults === undefined
      ? watched
      : withFaults(watched, { ...faults, seed: (faults.seed ?? 1) + stats.connections });
  await server.serve(
    link,
    { serverAddress, clientAddress },
    { onError: (e) => log(`${where}: ${(e as Error).message}`) },
  );
}

/** Sends one push APDU over the wrapper to its destination. */
async function sendPush(push: SimulatedPush, apdu: Uint8Array, timeoutMs: number): Promise<void> {
  const { transport, host, port } = push.destination;
  const ports = { clientWPort: push.sourceWPort, serverWPort: push.destinationWPort };
  if (transport === 'udp') {
    const ch = await connectWrapperUdp({ host, port, ...ports });
    try {
      await ch.send(apdu);
    } finally {
      await ch.close();
    }
    return;
  }
  const ch = await connectWrapper({
    host,
    port,
    ...ports,
    connectTimeoutMs: timeoutMs,
    closeTimeoutMs: timeoutMs,
  });
  try {
    await ch.send(apdu);
  } finally {
    await ch.close();
  }
}

/**
 * Starts the simulator: builds the meters, binds every listener, arms the schedule. Rejects with an
 * `ArgumentError` for an invalid profile or fleet, or a `TransportError` when a port cannot be bound
 * (whatever was bound is closed first).
 */
export async function startSimulator(
  options: SimulatorOptions,
  log: SimLog = () => undefined,
): Promise<RunningSimulator> {
  const host = options.host ?? '127.0.0.1';
  const profile = withPush(parseSimulatorProfile(options.profile ?? DEFAULT_SIMULATOR_PROFILE), options);
  const count = options.fleet ?? 1;
  const mode = options.fleetMode ?? 'wports';
  const faults = options.faults !== undefined && hasFaults(options.faults) ? options.faults : undefined;
  const tcpServers: WrapperServer[] = [];
  const stats = {
    pushesSent: 0,
    pushesFailed: 0,
    associations: 0,
    connections: 0,
    get directReads() {
      return tcpServers.reduce((n, t) => n + t.stats.directReads, 0);
    },
  };
  const pushTimeoutMs = options.pushTimeoutMs ?? 5000;
  const transmit = async (push: SimulatedPush, apdu: Uint8Array) => {
    try {
      await sendPush(push, apdu, pushTimeoutMs);
      stats.pushesSent++;
    } catch (e) {
      stats.pushesFailed++;
      log(
        `push ${push.obis} of server ${push.serverAddress} to ${push.destination.transport}://${push.destination.host}:${push.destination.port} failed: ${(e as Error).message}`,
      );
    }
  };
  const buildOptions = { ...(options.now === undefined ? {} : { now: options.now }), transmit };
  const profiles =
    count === 1
      ? [profile]
      : mode === 'wports'
        ? [fleetOnAddresses(profile, count)]
        : fleetOnPorts(profile, count);
  const meters = profiles.map((p) => buildSimulatedMeter(p, buildOptions));

  const closers: (() => Promise<void>)[] = [];
  const listeners: SimListener[] = [];
  const links = new Set<ApduChannel>();
  const track = (c: ApduChannel) => {
    links.add(c);
    return () => links.delete(c);
  };
  let closed = false;
  /** Serves a wrapper link (TCP connection with faults, or UDP peer), closed with the simulator. */
  const serveTracked = async (server: DlmsServer, channel: WrapperApduChannel, where: string) => {
    stats.connections++;
    const untrack = track(channel);
    try {
      await serveWrapperLink(server, channel, faults, where, log, stats);
    } finally {
      untrack();
    }
  };

  const close = async () => {
    if (closed) return;
    closed = true;
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled([...links].map((l) => l.close()));
    await Promise.allSettled(closers.map((c) => c()));
  };

  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    for (let i = 0; i < meters.length; i++) {
      const meter = meters[i]!;
      const addresses = meter.devices.map((d) => d.serverAddress);
      const n = meter.devices.length;
      const what = `${n} meter${n === 1 ? '' : 's'}`;
      const offset = mode === 'ports' ? i : 0;
      const portOf = (p: number) => (p === 0 ? 0 : p + offset);
      if (options.port !== undefined) {
        const tcp = await createWrapperServer({
          port: portOf(options.port),
          host,
          maxConnections: 10_000,
          ...(options.directReads === undefined ? {} : { directReads: options.directReads }),
          ...(options.coalesceWrites === undefined ? {} : { coalesceWrites: options.coalesceWrites }),
          ...(faults === undefined
            ? {
                // Push-driven: a GET to a synchronous provider is answered without a promise.
                onFrames: (info: WrapperConnectionInfo) => {
                  stats.connections++;
                  return routedFrames(
                    meter.server,
                    `tcp ${info.remoteAddress}:${info.remotePort}`,
                    log,
                    stats,
                  );
                },
              }
            : {
                onConnection: (channel: WrapperApduChannel, info: WrapperConnectionInfo) =>
                  serveTracked(meter.server, channel, `tcp ${info.remoteAddress}:${info.remotePort}`),
              }),
          onError: (e, info) => log(`tcp ${info.remoteAddress}:${info.remotePort}: ${(e as Error).message}`),
        });
        tcpServers.push(tcp);
        closers.push(() => tcp.close());
        listeners.push({
          kind: 'tcp',
          host,
          port: tcp.port,
          serverAddresses: addresses,
          line: `serving ${what} on tcp://${host}:${tcp.port} (wrapper, ${range(addresses)} by destination wPort)`,
        });
      }
      if (options.udpPort !== undefined) {
        const udp = await createWrapperUdpServer({
          port: portOf(options.udpPort),
          host,
          onPeer: (channel, info) =>
            serveTracked(meter.server, channel, `udp ${info.remoteAddress}:${info.remotePort}`),
          onError: (e, info) => log(`udp ${info.remoteAddress}:${info.remotePort}: ${(e as Error).message}`),
        });
        closers.push(() => udp.close());
        listeners.push({
          kind: 'udp',
          host,
          port: udp.port,
          serverAddresses: addresses,
          line: `serving ${what} on udp://${host}:${udp.port} (wrapper, ${range(addresses)} by destination wPort)`,
        });
      }
      if (options.hdlcPort !== undefined) {
        const sockets = new Set<net.Socket>();
        const hdlc = net.createServer((socket) => {
          if (closed || sockets.size >= 10_000) {
            socket.destroy();
            return;
          }
          stats.connections++;
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          socket.setNoDelay(true);
          const where = `hdlc ${socket.remoteAddress}:${socket.remotePort}`;
          void (async () => {
            const bytes = tcpByteChannel(socket);
            try {
              const link = await acceptHdlc(bytes, {
                accept: (a) => meter.server.deviceAt(a.upper) !== undefined,
                acceptTimeoutMs: 60_000,
              });
              const untrack = track(link);
              try {
                await serveLink(
                  meter.server,
                  link,
                  link.server.upper,
                  link.client.upper,
                  faults,
                  where,
                  log,
                  stats,
                );
              } finally {
                untrack();
                await link.close();
              }
            } catch (e) {
              log(`${where}: ${(e as Error).message}`);
            } finally {
              await bytes.close().catch(() => undefined);
            }
          })();
        });
        await new Promise<void>((resolve, reject) => {
          hdlc.once('error', reject);
          hdlc.listen({ port: portOf(options.hdlcPort!), host }, () => {
            hdlc.off('error', reject);
            hdlc.on('error', () => undefined);
            resolve();
          });
        });
        closers.push(
          () =>
            new Promise<void>((resolve) => {
              for (const s of sockets) s.destroy();
              hdlc.close(() => resolve());
            }),
        );
        const port = (hdlc.address() as net.AddressInfo).port;
        listeners.push({
          kind: 'hdlc',
          host,
          port,
          serverAddresses: addresses,
          line: `serving ${what} on tcp://${host}:${port} (HDLC, ${range(addresses)} by HDLC upper address)`,
        });
      }
    }
  } catch (e) {
    await close();
    throw e;
  }

  // The schedule: one timer per meter at its next deadline (captures, pushes).
  for (const meter of meters) {
    const arm = () => {
      if (closed) return;
      const next = meter.schedule.next();
      if (next === undefined) return;
      const nowMs = (options.now ?? (() => new Date()))().getTime();
      const t = setTimeout(
        () => {
          const i = timers.indexOf(t);
          if (i >= 0) timers.splice(i, 1);
          void meter.schedule
            .run((options.now ?? (() => new Date()))().getTime(), (e) =>
              log(`schedule: ${(e as Error).message}`),
            )
            .finally(arm);
        },
        Math.min(Math.max(0, next - nowMs), 0x7fffffff),
      );
      t.unref();
      timers.push(t);
    };
    arm();
  }

  return { listeners, meters, stats, close };
}
