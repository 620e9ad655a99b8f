import { afterEach, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { isDlmsError, type DlmsError } from '@meteringlab/dlms-core';
import {
  connectWrapperUdp,
  createWrapperUdpServer,
  encodeWrapperFrame,
  type WrapperUdpServer,
  type WrapperUdpServerOptions,
} from '../src/index.js';

const HOST = '127.0.0.1';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function echoServer(extra: Partial<WrapperUdpServerOptions> = {}): Promise<WrapperUdpServer> {
  const server = await createWrapperUdpServer({
    port: 0,
    host: HOST,
    onPeer: async (ch) => {
      for await (const f of ch.receiveFrames()) {
        await ch.sendFrame({ source: f.destination, destination: f.source, apdu: f.apdu });
      }
    },
    ...extra,
  });
  cleanups.push(() => server.close());
  return server;
}

async function client(port: number) {
  const c = await connectWrapperUdp({ host: HOST, port, clientWPort: 0x10, serverWPort: 0x01 });
  cleanups.push(() => c.close());
  return c;
}

async function nextApdu(ch: { receive(): AsyncIterable<Uint8Array> }): Promise<Uint8Array | undefined> {
  const r = await ch.receive()[Symbol.asyncIterator]().next();
  return r.done ? undefined : r.value;
}

/** A bare UDP socket, to send what a well-behaved client never would. */
async function rawSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return s;
}

const sendRaw = (s: dgram.Socket, bytes: Uint8Array, port: number) =>
  new Promise<void>((resolve, reject) => s.send(bytes, port, HOST, (e) => (e ? reject(e) : resolve())));

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('wrapper over UDP', () => {
  it('round-trips APDUs, one datagram per frame', async () => {
    const server = await echoServer();
    const c = await client(server.port);
    for (const a of [Uint8Array.of(0xc0, 0x01, 0xc1), new Uint8Array(0), new Uint8Array(1200).fill(0x5a)]) {
      await c.send(a);
      expect(await nextApdu(c)).toEqual(a);
    }
    expect(c.stats.framesIn).toBe(3);
    expect(server.peers).toBe(1);
  });

  it('drops and counts a garbage datagram on the server and keeps serving', async () => {
    const server = await echoServer();
    const raw = await rawSocket();
    await sendRaw(raw, new TextEncoder().encode('hello meter'), server.port);
    // A valid header whose length disagrees with the datagram (one trailing byte).
    const frame = encodeWrapperFrame({ source: 1, destination: 1, apdu: Uint8Array.of(1, 2) });
    const trailing = new Uint8Array(frame.length + 1);
    trailing.set(frame);
    await sendRaw(raw, trailing, server.port);
    await until(() => server.stats.badDatagrams === 2);
    expect(server.peers).toBe(0);
    const c = await client(server.port);
    await c.send(Uint8Array.of(7));
    expect(await nextApdu(c)).toEqual(Uint8Array.of(7));
  });

  it('drops and counts a garbage datagram on the client', async () => {
    const raw = await rawSocket();
    const rawPort = raw.address().port;
    const c = await connectWrapperUdp({ host: HOST, port: rawPort, clientWPort: 0x10, serverWPort: 0x01 });
    cleanups.push(() => c.close());
    await c.send(Uint8Array.of(1));
    const from = await new Promise<dgram.RemoteInfo>((r) => raw.once('message', (_m, info) => r(info)));
    await sendRaw(raw, Uint8Array.of(0xff, 0xff, 0, 0), from.port);
    await sendRaw(
      raw,
      encodeWrapperFrame({ source: 0x01, destination: 0x10, apdu: Uint8Array.of(0xc4) }),
      from.port,
    );
    expect(await nextApdu(c)).toEqual(Uint8Array.of(0xc4));
    expect(c.stats.badDatagrams).toBe(1);
  });

  it('forgets an idle peer, ending its handler with IDLE_TIMEOUT', async () => {
    const errors: string[] = [];
    const server = await echoServer({
      idleTimeoutMs: 100,
      onError: (e) => errors.push((e as DlmsError).code),
    });
    const c = await client(server.port);
    await c.send(Uint8Array.of(1));
    expect(await nextApdu(c)).toEqual(Uint8Array.of(1));
    await until(() => errors.length > 0);
    expect(errors).toEqual(['IDLE_TIMEOUT']);
    expect(server.peers).toBe(0);
    // The same client is a new peer afterwards.
    await c.send(Uint8Array.of(2));
    expect(await nextApdu(c)).toEqual(Uint8Array.of(2));
  });

  it('drops datagrams from peers over maxPeers', async () => {
    const server = await echoServer({ maxPeers: 1 });
    const a = await client(server.port);
    await a.send(Uint8Array.of(1));
    expect(await nextApdu(a)).toEqual(Uint8Array.of(1));
    const b = await client(server.port);
    await b.send(Uint8Array.of(2));
    await until(() => server.stats.rejected === 1);
    expect(server.peers).toBe(1);
  });

  it('rejects send after close with CLOSED and ends the iteration', async () => {
    const server = await echoServer();
    const c = await connectWrapperUdp({ host: HOST, port: server.port, clientWPort: 1, serverWPort: 1 });
    await c.close();
    await c.close();
    const e = await c.send(Uint8Array.of(1)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isDlmsError(e, 'CLOSED')).toBe(true);
    expect(await nextApdu(c)).toBeUndefined();
  });

  it('ends peer iterations when the server closes', async () => {
    let ended = false;
    const server = await createWrapperUdpServer({
      port: 0,
      host: HOST,
      onPeer: async (ch) => {
        for await (const _ of ch.receive()) void _;
        ended = true;
      },
    });
    const c = await client(server.port);
    await c.send(Uint8Array.of(1));
    await until(() => server.peers === 1);
    await server.close();
    await until(() => ended);
    expect(ended).toBe(true);
  });
});
