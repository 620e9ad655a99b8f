/**
 * What goes wrong around the concentrator: a broker port held by something that is not MQTT, an
 * in-process broker on a taken port, an HDLC link to an unmapped address, a client pipelining a flood
 * of requests to one wPort, bad command-line options. Each gets a clear error and nothing else breaks.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeApdu, isDlmsError, type Apdu } from '@meteringlab/dlms-core';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper, createWrapperFramer, encodeWrapperFrame } from '@meteringlab/transport-tcp';
import { openApduChannel } from '@meteringlab/transport-hdlc-serial';
import { BrokerError, probeBroker, type Concentrator } from '../src/index.js';
import { main } from '../src/main.js';
import { call, startTestConcentrator, tempDir, until } from './helpers.js';

async function listenOn(
  handler: (s: net.Socket) => void,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    handler(s);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

describe('broker discovery', () => {
  it('tells apart nothing, an MQTT broker and something else on the port', async () => {
    const notMqtt = await listenOn((s) => s.end('SSH-2.0-OpenSSH_9.2\r\n'));
    const closed = await listenOn(() => undefined);
    const freePort = closed.port;
    await closed.close();
    try {
      expect(await probeBroker(`mqtt://127.0.0.1:${notMqtt.port}`, 1000)).toBe('not-mqtt');
      expect(await probeBroker(`mqtt://127.0.0.1:${freePort}`, 1000)).toBe('absent');
      const tmp = tempDir();
      const err = await startTestConcentrator({
        dataDir: tmp.dir,
        mqttUrl: `mqtt://127.0.0.1:${notMqtt.port}`,
        embeddedBroker: 'auto',
      }).then(
        (c) => c.close(),
        (e: unknown) => e,
      );
      tmp.remove();
      expect(err).toBeInstanceOf(BrokerError);
      expect((err as Error).message).toMatch(/does not answer as an MQTT broker/);
    } finally {
      await notMqtt.close();
    }
  });

  it('says so when the in-process broker cannot have its port', async () => {
    const taken = await listenOn(() => undefined);
    const tmp = tempDir();
    try {
      const err = await startTestConcentrator({
        dataDir: tmp.dir,
        mqttUrl: `mqtt://127.0.0.1:${taken.port}`,
        embeddedBroker: true,
      }).then(
        (c) => c.close(),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BrokerError);
      expect((err as Error).message).toMatch(/already in use/);
    } finally {
      await taken.close();
      tmp.remove();
    }
  });
});

describe('DLMS robustness', () => {
  let c: Concentrator;
  const tmp = tempDir();
  beforeAll(async () => {
    c = await startTestConcentrator({
      dataDir: tmp.dir,
      apiKeys: [{ key: 'k-12345678', scopes: ['write'] }],
    });
    await call(
      c,
      'POST',
      '/devices',
      { device_eui: '70b3d5e75e00e001', tenant_id: 'r', logical_address: 3100 },
      'k-12345678',
    );
  });
  afterAll(async () => {
    await c?.close();
    tmp.remove();
  });

  it('rejects the association of an HDLC link to an unmapped address', async () => {
    const { channel } = await openApduChannel(`hdlc+tcp://127.0.0.1:${c.ports.hdlc}?server=3999`);
    const dc = new DlmsClient(channel, { timeoutMs: 3000 });
    const err = await dc.associate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDlmsError(err) && err.code).toBe('ASSOCIATION_REJECTED');
    await dc.disconnect();
  });

  it('cuts off a connection that opens more than 64 wPort pairs', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: c.ports.dlms });
    sock.on('error', () => undefined);
    let answers = 0;
    const framer = createWrapperFramer();
    sock.on('data', (chunk: Buffer) => (answers += framer.push(chunk).length));
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    // 65 client wPorts to the same meter: every pair is a link of its own.
    const rlrq = encodeApdu({ type: 'rlrq', reason: 'normal' });
    sock.write(
      Buffer.concat(
        Array.from({ length: 65 }, (_, i) =>
          encodeWrapperFrame({ source: 100 + i, destination: 3100, apdu: rlrq }),
        ),
      ),
    );
    await closed;
    expect(answers).toBeLessThanOrEqual(64);
  });

  it('answers a flood of pipelined requests in order (reading only as fast as the client reads), and serves the next client', async () => {
    const aarq: Apdu = {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x1d,
          clientMaxReceivePduSize: 512,
        },
      },
    };
    const frame = encodeWrapperFrame({ source: 16, destination: 3100, apdu: encodeApdu(aarq) });
    const flood = Buffer.concat(Array.from({ length: 500 }, () => frame));
    const sock = net.connect({ host: '127.0.0.1', port: c.ports.dlms });
    sock.on('error', () => undefined);
    const framer = createWrapperFramer();
    const tags: number[] = [];
    sock.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) tags.push(f.apdu[0]!);
    });
    await new Promise((r) => sock.once('connect', r));
    sock.write(flood);
    await until(() => tags.length === 500 || undefined);
    // The first AARQ associates; the 499 others meet an established association (AARE rejected).
    expect(tags.every((t) => t === 0x61)).toBe(true);
    sock.destroy();
    const dc = new DlmsClient(
      await connectWrapper({ host: '127.0.0.1', port: c.ports.dlms, clientWPort: 16, serverWPort: 3100 }),
      { timeoutMs: 3000 },
    );
    await dc.associate();
    expect(await dc.get({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toMatchObject({
      result: 'temporary-failure',
    });
    await dc.disconnect();
  });
});

describe('command line', () => {
  it('answers --help with 0 and a bad option with 2', async () => {
    const out = process.stdout.write;
    const err = process.stderr.write;
    process.stdout.write = () => true;
    process.stderr.write = () => true;
    try {
      expect(await main(['--help'])).toBe(0);
      expect(await main(['--dlms-port', 'many'])).toBe(2);
      expect(await main(['--config', '/nonexistent/concentrator.json'])).toBe(2);
    } finally {
      process.stdout.write = out;
      process.stderr.write = err;
    }
  });
});
