/**
 * `mbus-gcm read`: the thin I/O around the push decoder. A serial port (`serialport`, received bytes
 * grouped by line silence with `@serialport/parser-inter-byte-timeout`), one JSON line per push on
 * stdout, optional MQTT publishing with Home Assistant discovery, per-layer debug logs on stderr.
 *
 * It survives what a hobbyist's setup does: an adapter unplugged and plugged back (the port is reopened
 * with a doubling delay), a port that is not there yet at start, line noise and bad frames (logged,
 * decoding goes on). It stops when `signal` aborts and resolves with the exit code.
 *
 * Keys go from the settings into the decoder and nowhere else: nothing here logs them. Protocol logic
 * lives in `push-decoder.ts`.
 */
import { SerialPort } from 'serialport';
import { InterByteTimeoutParser } from '@serialport/parser-inter-byte-timeout';
import mqtt, { type MqttClient } from 'mqtt';
import { toHex } from '@meteringlab/dlms-core';
import type { ReadSettings } from './config.js';
import { createPushDecoder, type PushEvent } from './push-decoder.js';
import { pushToJson } from './push-json.js';
import { haDiscoveryMessages } from './ha-discovery.js';

/** Where `read` writes. */
export interface ReadIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  /** Aborting stops the reader; `runRead` then resolves. */
  readonly signal: AbortSignal;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The MQTT side: publishes push JSON and, once per sensor, retained discovery configs. */
class Publisher {
  private readonly announced = new Set<string>();
  constructor(
    private readonly client: MqttClient,
    private readonly s: NonNullable<ReadSettings['mqtt']>,
  ) {}

  publish(json: ReturnType<typeof pushToJson>): void {
    const deviceId = json.systemTitle ?? 'meter';
    const stateTopic = `${this.s.topic}/${deviceId}/state`;
    if (this.s.haDiscovery) {
      const fresh = json.readings.filter((r) => !this.announced.has(`${deviceId}/${r.obis}`));
      for (const m of haDiscoveryMessages(fresh, {
        stateTopic,
        deviceId,
        discoveryPrefix: this.s.discoveryPrefix,
      })) {
        this.client.publish(m.topic, m.payload, { retain: true, qos: 1 });
      }
      for (const r of fresh) this.announced.add(`${deviceId}/${r.obis}`);
    }
    this.client.publish(stateTopic, JSON.stringify(json), { qos: 0 });
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}

/** Runs the reader until `io.signal` aborts. Resolves with the exit code (0). */
export async function runRead(s: ReadSettings, io: ReadIo): Promise<number> {
  const log = (line: string): void => {
    io.stderr.write(`${line}\n`);
  };
  const debug = (layer: string, line: string): void => {
    if ((s.debug as ReadonlySet<string>).has(layer)) log(`[${layer}] ${line}`);
  };

  let publisher: Publisher | undefined;
  if (s.mqtt !== undefined) {
    const client = mqtt.connect(s.mqtt.url, {
      reconnectPeriod: 2000,
      connectTimeout: 10000,
      ...(s.mqtt.username === undefined ? {} : { username: s.mqtt.username }),
      ...(s.mqtt.password === undefined ? {} : { password: s.mqtt.password }),
    });
    let reported = false;
    client.on('error', (e) => {
      if (!reported) log(`mqtt: ${message(e)} (retrying)`);
      reported = true;
    });
    client.on('connect', () => {
      reported = false;
      log(`mqtt: connected to ${s.mqtt!.url}`);
    });
    publisher = new Publisher(client, s.mqtt);
  }

  const handle = (events: PushEvent[]): void => {
    for (const e of events) {
      switch (e.type) {
        case 'reading': {
          const json = pushToJson(e);
          const line = JSON.stringify(json);
          debug(
            'readings',
            `${json.readings.length} reading(s)${e.security.protected ? `, IC ${e.security.invocationCounter ?? '-'}, ${e.security.verified ? 'tag verified' : 'no tag checked'}` : ', plain'}${e.unparsed === undefined ? '' : ', body layout not recognised (configure captureObjects)'}`,
          );
          io.stdout.write(`${line}\n`);
          publisher?.publish(json);
          break;
        }
        case 'warning':
          log(`warning [${e.layer}] ${e.code}: ${e.message}`);
          break;
        case 'error':
          log(`error [${e.layer}] ${e.error.code}: ${e.error.message}`);
          break;
        case 'trace':
          debug(e.layer, `${e.text}: ${toHex(e.bytes)}`);
          break;
      }
    }
  };

  const trace = s.debug.has('telegram') || s.debug.has('apdu') || s.debug.has('plaintext');
  let delay = s.reopenDelayMs;
  while (!io.signal.aborted) {
    const port = new SerialPort({
      path: s.port,
      baudRate: s.baudRate,
      parity: s.parity,
      dataBits: 8,
      stopBits: 1,
      autoOpen: false,
    });
    try {
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
    } catch (e) {
      log(`cannot open ${s.port}: ${message(e)}; retrying in ${delay} ms`);
      await sleep(delay, io.signal);
      delay = Math.min(delay * 2, s.maxReopenDelayMs);
      continue;
    }
    log(`listening on ${s.port} at ${s.baudRate} baud, parity ${s.parity}, format ${s.format}`);
    delay = s.reopenDelayMs;
    const decoder = createPushDecoder({
      format: s.format,
      ...(s.key === undefined ? {} : { key: s.key }),
      ...(s.authKey === undefined ? {} : { authKey: s.authKey }),
      allowUnverified: s.allowUnverified,
      ...(s.captureObjects === undefined ? {} : { captureObjects: s.captureObjects }),
      ...(s.scalerUnits === undefined ? {} : { scalerUnits: s.scalerUnits }),
      trace,
    });
    const parser = port.pipe(new InterByteTimeoutParser({ interval: s.interByteTimeoutMs }));
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        if (port.isOpen) port.close(() => resolve());
        else resolve();
      };
      parser.on('data', (b: Buffer) => {
        const chunk = new Uint8Array(b.buffer, b.byteOffset, b.length);
        debug('serial', `${chunk.length} byte(s): ${toHex(chunk)}`);
        try {
          handle(decoder.push(chunk));
        } catch (e) {
          // The decoder never throws on a peer's bytes; a throw here is a bug worth a line, not a crash.
          log(`error: ${message(e)}`);
        }
      });
      port.on('error', (e) => log(`serial port error: ${message(e)}`));
      port.on('close', () => {
        io.signal.removeEventListener('abort', stop);
        resolve();
      });
      io.signal.addEventListener('abort', stop, { once: true });
    });
    parser.destroy();
    if (io.signal.aborted) break;
    log(`${s.port} closed (unplugged?); reopening in ${delay} ms`);
    await sleep(delay, io.signal);
    delay = Math.min(delay * 2, s.maxReopenDelayMs);
  }
  await publisher?.close();
  return 0;
}
