/**
 * `mbus-gcm read` end to end in-process: the real command (`main(['read', …])`) on one end of a socat
 * pseudo-terminal pair at 2400 baud, a writer playing the meter on the other end (pushes built by
 * `fixtures.ts` + dlms-core's protectApdu + this package's telegram encoder), with odd chunking, pauses,
 * garbage, a bad frame, a mid-sequence start and an unplug/replug (socat killed and restarted). MQTT
 * publishing goes to an in-process aedes broker on an ephemeral port, and to MQTT_URL when it is set.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SerialPort } from 'serialport';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { protectApdu, toHex } from '@meteringlab/dlms-core';
import { main } from '../src/cli.js';
import { encodeMbusFrame, segmentMbusApdu } from '../src/index.js';
import { AUTH_KEY, KEY, SYSTEM_TITLE, plainPush } from './fixtures.js';

const SOCAT = '/usr/bin/socat';
const haveSocat = existsSync(SOCAT) && spawnSync(SOCAT, ['-V']).status === 0;
if (!haveSocat) console.warn('socat not found: the serial tests of mbus-gcm read are skipped');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function telegrams(energyWh: number, maxChunk = 40): Uint8Array {
  const apdu = protectApdu(plainPush(energyWh), {
    key: KEY,
    authKey: AUTH_KEY,
    systemTitle: SYSTEM_TITLE,
    invocationCounter: energyWh,
  });
  return Uint8Array.from(segmentMbusApdu(apdu, { maxChunk }).flatMap((f) => [...encodeMbusFrame(f)]));
}

class PtyPair {
  proc?: ChildProcess;
  constructor(
    readonly a: string,
    readonly b: string,
  ) {}
  async start(): Promise<void> {
    this.proc = spawn(SOCAT, ['-d', '-d', `pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], {
      stdio: 'ignore',
    });
    await until('socat links', () => existsSync(this.a) && existsSync(this.b));
  }
  async stop(): Promise<void> {
    const p = this.proc;
    if (p === undefined || p.exitCode !== null) return;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await gone;
  }
}

async function openWriter(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 2400, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  port.on('error', () => {});
  return port;
}

async function write(port: SerialPort, bytes: Uint8Array): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    port.write(Buffer.from(bytes), (e) => (e ? reject(e) : resolve())),
  );
  await new Promise<void>((resolve) => port.drain(() => resolve()));
}

async function closeWriter(port: SerialPort): Promise<void> {
  if (port.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
}

interface Running {
  readonly lines: () => { readings: { obis: string; value: unknown }[]; systemTitle?: string }[];
  readonly err: () => string;
  readonly stop: () => Promise<number>;
}

function startRead(args: string[]): Running {
  let out = '';
  let err = '';
  const ac = new AbortController();
  const done = main(['read', ...args], {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env: {},
    signal: ac.signal,
  });
  return {
    lines: () =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l)),
    err: () => err,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

const energyOf = (l: { readings: { obis: string; value: unknown }[] }): unknown =>
  l.readings.find((r) => r.obis === '1.0.1.8.0.255')?.value;

describe.skipIf(!haveSocat)('mbus-gcm read over a socat pseudo-terminal at 2400 baud', () => {
  const tag = `${process.pid}-${Date.now()}`;
  const pty = new PtyPair(`/tmp/mbus-gcm-${tag}-reader`, `/tmp/mbus-gcm-${tag}-meter`);
  let broker: Aedes;
  let server: net.Server;
  let brokerUrl = '';

  beforeAll(async () => {
    await pty.start();
    broker = await Aedes.createBroker();
    server = net.createServer(broker.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    brokerUrl = `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await pty.stop();
    await new Promise<void>((r) => server.close(() => r()));
    await new Promise<void>((r) => broker.close(() => r()));
  });

  it('prints one JSON line per push through chunking, pauses, garbage, bad frames, a mid-sequence start and a replug; publishes to MQTT with HA discovery', async () => {
    const subscriber = await mqtt.connectAsync(brokerUrl);
    const received = new Map<string, { payload: string; retain: boolean }[]>();
    subscriber.on('message', (topic, payload, packet) => {
      received.set(topic, [
        ...(received.get(topic) ?? []),
        { payload: payload.toString(), retain: packet.retain },
      ]);
    });
    await subscriber.subscribeAsync(['mbus-gcm-test/#', 'homeassistant/#']);

    const reader = startRead([
      '--port',
      pty.a,
      '--baud',
      '2400',
      '--key',
      toHex(KEY),
      '--auth-key',
      toHex(AUTH_KEY),
      '--mqtt',
      brokerUrl,
      '--topic',
      'mbus-gcm-test',
      '--ha-discovery',
      '--debug',
      'telegram',
    ]);
    let meter: SerialPort | undefined;
    try {
      await until('the port to open', () => reader.err().includes('listening on'));
      meter = await openWriter(pty.b);

      // Mid-sequence start: the reader hears the end of a push first.
      const first = telegrams(1);
      await write(meter, first.subarray(first.length - 60));
      // Garbage, then a push in odd chunks with pauses.
      await write(meter, Uint8Array.of(0x00, 0xe5, 0x16, 0x68, 0x12));
      const p2 = telegrams(2);
      for (let at = 0; at < p2.length; at += 37) {
        await write(meter, p2.subarray(at, at + 37));
        await sleep(15);
      }
      // A push with a broken checksum, then two good ones in one write.
      const bad = telegrams(3);
      bad[10]! ^= 0xff;
      await write(meter, Uint8Array.of(...bad, ...telegrams(4), ...telegrams(5)));
      await until('three JSON lines', () => reader.lines().length >= 3);
      expect(reader.lines().map(energyOf)).toEqual([2, 4, 5]);
      expect(reader.err()).toContain('MID_SEQUENCE');
      expect(reader.err()).toContain('BAD_CHECKSUM');
      expect(reader.err()).toContain('[telegram] M-Bus');
      expect(reader.err()).not.toContain(toHex(KEY));
      expect(reader.err()).not.toContain(toHex(AUTH_KEY));

      // Unplug: the pseudo-terminals vanish; the reader says so and keeps trying.
      await closeWriter(meter);
      await pty.stop();
      await until('the reader to notice', () =>
        /closed|cannot open|error/.test(reader.err().split('listening on').at(-1) ?? ''),
      );
      await pty.start();
      await until('the port to reopen', () => reader.err().split('listening on').length >= 3, 15000);
      meter = await openWriter(pty.b);
      await write(meter, telegrams(6));
      await until('a line after the replug', () => reader.lines().length >= 4);
      expect(energyOf(reader.lines()[3]!)).toBe(6);

      // MQTT: every push on the state topic, and retained discovery configs.
      const stateTopic = `mbus-gcm-test/${toHex(SYSTEM_TITLE)}/state`;
      await until('four MQTT messages', () => (received.get(stateTopic)?.length ?? 0) >= 4);
      expect(received.get(stateTopic)!.map((m) => energyOf(JSON.parse(m.payload)))).toEqual([2, 4, 5, 6]);
      const configTopic = `homeassistant/sensor/mbus_gcm_${toHex(SYSTEM_TITLE)}/1_0_1_8_0_255/config`;
      await until('a discovery message', () => received.has(configTopic));
      const config = JSON.parse(received.get(configTopic)![0]!.payload);
      expect(config).toMatchObject({
        state_topic: stateTopic,
        unit_of_measurement: 'Wh',
        device_class: 'energy',
        state_class: 'total_increasing',
      });
      expect(
        received.get(`homeassistant/sensor/mbus_gcm_${toHex(SYSTEM_TITLE)}/1_0_32_7_0_255/config`),
      ).toBeDefined();
      // Retained: a late subscriber still gets it.
      const late = await mqtt.connectAsync(brokerUrl);
      const retained: string[] = [];
      late.on('message', (t, _p, packet) => packet.retain && retained.push(t));
      await late.subscribeAsync('homeassistant/#');
      await until('retained discovery messages', () => retained.includes(configTopic));
      await late.endAsync();

      expect(await reader.stop()).toBe(0);
    } finally {
      await reader.stop();
      if (meter !== undefined) await closeWriter(meter);
      await subscriber.endAsync();
    }
  }, 60000);

  it('reports a port that is not there (and a broker that is not there) and keeps retrying until stopped', async () => {
    const reader = startRead([
      '--port',
      `/tmp/mbus-gcm-${tag}-missing`,
      '--key',
      toHex(KEY),
      '--mqtt',
      'mqtt://127.0.0.1:1',
    ]);
    await until('a retry message', () => reader.err().includes('cannot open'));
    expect(await reader.stop()).toBe(0);
  });
});

describe.skipIf(process.env['MQTT_URL'] === undefined || !haveSocat)(
  'mbus-gcm read publishing to the MQTT_URL broker',
  () => {
    it('publishes the JSON of a push read from the serial port', async () => {
      const url = process.env['MQTT_URL']!;
      const tag = `${process.pid}-${Date.now()}-ext`;
      const pty = new PtyPair(`/tmp/mbus-gcm-${tag}-reader`, `/tmp/mbus-gcm-${tag}-meter`);
      await pty.start();
      const topic = `mbus-gcm-test-${process.pid}`;
      const sub = await mqtt.connectAsync(url);
      const got: string[] = [];
      sub.on('message', (_t, p) => got.push(p.toString()));
      await sub.subscribeAsync(`${topic}/#`);
      const reader = startRead([
        '--port',
        pty.a,
        '--key',
        toHex(KEY),
        '--auth-key',
        toHex(AUTH_KEY),
        '--mqtt',
        url,
        '--topic',
        topic,
      ]);
      let meter: SerialPort | undefined;
      try {
        await until('the port to open', () => reader.err().includes('listening on'));
        meter = await openWriter(pty.b);
        await write(meter, telegrams(42));
        await until('the MQTT message', () => got.length > 0);
        expect(energyOf(JSON.parse(got[0]!))).toBe(42);
      } finally {
        await reader.stop();
        if (meter !== undefined) await closeWriter(meter);
        await sub.endAsync();
        await pty.stop();
      }
    }, 30000);
  },
);
if (process.env['MQTT_URL'] === undefined)
  console.warn('MQTT_URL is not set: the external MQTT broker test of mbus-gcm read is skipped');
