/**
 * The MQTT side: finding the broker (or running an in-process aedes broker, MQTT 3.1.1), subscribing
 * to `hes/reading/#` and feeding the cache. A malformed message is counted by reason and logged (at
 * most a few lines per second), never fatal; the client reconnects on its own when the broker goes away.
 *
 * Broker choice (`embeddedBroker`): `auto` probes the URL: nothing listening (refused, or no TCP answer
 * within the timeout) → the in-process broker listens on that host and port; something that accepts
 * TCP but does not speak MQTT → an error that says so. `true` always runs the in-process broker,
 * `false` never (the client then waits for the broker, reconnecting).
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { ReadingCache } from './cache.js';
import type { Metrics } from './metrics.js';
import { READING_SUBSCRIPTION, parseReading } from './reading.js';

/** How long the probe waits for a TCP and an MQTT answer. */
export const PROBE_TIMEOUT_MS = 1500;

/** A broker problem the user must solve (the message says what and how). */
export class BrokerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrokerError';
  }
}

/** Host and port of an mqtt:// URL (port 1883 when absent). */
export function brokerAddress(url: string): { host: string; port: number } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new BrokerError(`--mqtt-url ${url} is not a URL (e.g. mqtt://127.0.0.1:1883)`);
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'tcp:')
    throw new BrokerError(`--mqtt-url ${url}: only mqtt:// is supported`);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: u.port === '' ? 1883 : Number(u.port),
  };
}

/** What listens at an address: nothing, an MQTT broker, or something else. */
export async function probeBroker(
  url: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<'absent' | 'mqtt' | 'not-mqtt'> {
  const { host, port } = brokerAddress(url);
  if (port === 0) return 'absent';
  const tcp = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
  if (!tcp) return 'absent';
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: timeoutMs, protocolVersion: 4 });
    const done = (r: 'mqtt' | 'not-mqtt') => {
      c.removeAllListeners();
      c.on('error', () => undefined);
      c.end(true);
      resolve(r);
    };
    c.once('connect', () => done('mqtt'));
    c.once('error', (e) =>
      done(
        (e as { code?: unknown }).code === 5 || (e as { code?: unknown }).code === 4 ? 'mqtt' : 'not-mqtt',
      ),
    );
    c.once('close', () => done('not-mqtt'));
  });
}

/** A running in-process broker. */
export interface EmbeddedBroker {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts aedes on host:port (port 0: an ephemeral one). */
export async function startEmbeddedBroker(host: string, port: number): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      broker.close();
      reject(
        new BrokerError(
          e.code === 'EADDRINUSE'
            ? `cannot run the in-process MQTT broker: ${host}:${port} is already in use by another program (stop it, or give --mqtt-url of a reachable broker)`
            : `cannot run the in-process MQTT broker on ${host}:${port}: ${e.message}`,
        ),
      );
    });
    server.listen({ host, port }, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => broker.close(() => resolve()));
      }),
  };
}

/** Options of {@link subscribeReadings}. */
export interface SubscribeOptions {
  readonly url: string;
  readonly cache: ReadingCache;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly now?: () => number;
}

/** A subscription feeding the cache. */
export interface ReadingSubscription {
  readonly client: MqttClient;
  close(): Promise<void>;
}

/** Connects, subscribes to every reading and keeps the cache up to date. Resolves once subscribed. */
export async function subscribeReadings(o: SubscribeOptions): Promise<ReadingSubscription> {
  const now = o.now ?? Date.now;
  const client = mqtt.connect(o.url, {
    protocolVersion: 4,
    reconnectPeriod: 2000,
    connectTimeout: 5000,
    clientId: `concentrator-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
  });
  let logged = 0;
  let window = 0;
  client.on('message', (topic, payload) => {
    const r = parseReading(topic, payload, now());
    if (!r.ok) {
      o.metrics.mqttMessages.inc({ result: 'malformed' });
      o.metrics.mqttMalformed.inc({ reason: r.reason });
      const second = Math.floor(now() / 1000);
      if (second !== window) {
        window = second;
        logged = 0;
      }
      if (logged++ < 5)
        o.log.warn({ topic, reason: r.reason, detail: r.detail }, 'malformed reading ignored');
      return;
    }
    o.metrics.mqttMessages.inc({ result: o.cache.put(r.reading) });
  });
  client.on('error', (e) => o.log.warn({ err: e }, 'MQTT client error'));
  client.on('reconnect', () => o.log.debug({ url: o.url }, 'MQTT reconnecting'));
  client.on('connect', () => {
    client.subscribe(READING_SUBSCRIPTION, { qos: 1 }, (e) => {
      if (e) o.log.error({ err: e }, 'MQTT subscribe failed');
      else o.log.info({ url: o.url, topic: READING_SUBSCRIPTION }, 'subscribed to readings');
    });
  });
  // Wait for the first SUBACK, but not forever: with an absent broker the client keeps reconnecting.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('packetreceive', onPacket);
      resolve();
    };
    const onPacket = (p: { cmd: string }) => {
      if (p.cmd === 'suback') done();
    };
    const timer = setTimeout(() => {
      o.log.warn({ url: o.url }, 'MQTT broker not reachable yet; readings will flow once it is');
      done();
    }, 5000);
    client.on('packetreceive', onPacket);
  });
  return { client, close: () => client.endAsync().then(() => undefined) };
}
