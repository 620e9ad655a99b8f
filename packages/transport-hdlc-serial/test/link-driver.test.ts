/**
 * The async drivers over byte channels: the in-memory pairs of `@meteringlab/transport-tcp` (perfect,
 * chunked, and lossy with drops, duplicates, corruption and reordering) and real TCP on 127.0.0.1.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApduChannel, toHex } from '@meteringlab/dlms-core';
import { memoryChannelPair, tcpByteChannel } from '@meteringlab/transport-tcp';
import { type HdlcLinkEvent, acceptHdlc, connectHdlc, connectHdlcTcp } from '@meteringlab/transport-hdlc-serial';
import { bytesOf } from './sim.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Serves `link`: answers every APDU with `f(apdu)` until the link ends. */
async function echo(link: ApduChannel, f: (a: Uint8Array) => Uint8Array = (a) => a): Promise<number> {
  let n = 0;
  for await (const apdu of link.receive()) {
    n++;
    await link.send(f(apdu));
  }
  return n;
}

async function exchange(link: ApduChannel, req: Uint8Array): Promise<Uint8Array> {
  await link.send(req);
  for await (const res of link.receive()) return res;
  throw new Error('link ended');
}

const opts = { clientAddress: 16, serverLogical: 1, serverPhysical: 17 } as const;
const wide = { maxInfoTx: 256, maxInfoRx: 256, windowTx: 7, windowRx: 7 } as const;

describe('HDLC link drivers over the in-memory channel', () => {
  it('connects, negotiates, exchanges segmented APDUs and disconnects', async () => {
    const [a, b] = memoryChannelPair({ chunking: true });
    const serverP = acceptHdlc(b, { ...wide, maxInfoTx: 128 });
    const client = await connectHdlc(a, { ...opts, ...wide });
    const server = await serverP;
    expect(server.server).toEqual({ upper: 1, lower: 17, length: 2 });
    expect(server.client).toEqual({ upper: 16, length: 1 });
    expect(client.parameters).toEqual({ maxInfoTx: 256, maxInfoRx: 128, windowTx: 7, windowRx: 7 });
    const served = echo(server, (x) => Uint8Array.of(...x.subarray(0, 3), x.length & 0xff));
    for (const n of [1, 200, 2000, 9000]) {
      const req = bytesOf(n, n);
      expect(toHex(await exchange(client, req))).toBe(toHex(Uint8Array.of(...req.subarray(0, 3), n & 0xff)));
    }
    await client.close();
    expect(client.state).toBe('disconnected');
    expect(await served).toBe(4);
    expect(server.state).toBe('disconnected');
  });

  it('a server picks a logical device from the address the client used', async () => {
    const [a, b] = memoryChannelPair();
    const serverP = acceptHdlc(b, { accept: (d) => d.upper === 1 || d.upper === 3 });
    const client = await connectHdlc(a, { clientAddress: 1, serverLogical: 3, serverPhysical: 0x1234, serverAddressLength: 4 });
    const server = await serverP;
    expect(server.server).toEqual({ upper: 3, lower: 0x1234, length: 4 });
    await client.close();
  });

  it('delivers UI pushes from the server through receive()', async () => {
    const [a, b] = memoryChannelPair();
    const serverP = acceptHdlc(b);
    const client = await connectHdlc(a, opts);
    const server = await serverP;
    await server.sendUi(Uint8Array.of(0x0f, 0, 0, 0, 1));
    for await (const apdu of client.receive()) {
      expect(toHex(apdu)).toBe('0F00000001');
      break;
    }
    await client.close();
  });

  it('send after close is CLOSED; the server sees the end of the APDU stream', async () => {
    const [a, b] = memoryChannelPair();
    const serverP = acceptHdlc(b);
    const client = await connectHdlc(a, opts);
    const server = await serverP;
    const ended = (async () => {
      let n = 0;
      for await (const _ of server.receive()) n++;
      return n;
    })();
    await client.close();
    await client.close(); // idempotent
    await expect(client.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'CLOSED' });
    expect(await ended).toBe(0);
    await expect(server.send(Uint8Array.of(1))).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('a client with no server fails with LINK_FAILED after its retries', async () => {
    const [a] = memoryChannelPair();
    await expect(connectHdlc(a, { ...opts, responseTimeoutMs: 20, retries: 2 })).rejects.toMatchObject({ code: 'LINK_FAILED' });
  });

  it('acceptHdlc gives up with CONNECT_TIMEOUT when no SNRM comes', async () => {
    const [, b] = memoryChannelPair();
    await expect(acceptHdlc(b, { acceptTimeoutMs: 20 })).rejects.toMatchObject({ code: 'CONNECT_TIMEOUT' });
  });

  const lossy: [string, Parameters<typeof memoryChannelPair>[0]][] = [
    ['drops', { dropRate: 0.1, chunking: true }],
    ['duplicates', { duplicateRate: 0.1 }],
    ['corruption', { corruptRate: 0.05, chunking: true }],
    ['reordering', { reorderRate: 0.1 }],
    ['everything at once', { dropRate: 0.05, duplicateRate: 0.05, corruptRate: 0.03, reorderRate: 0.03, delayMs: [0, 2] }],
  ];
  for (const [label, loss] of lossy) {
    for (const seed of [11, 12, 13]) {
      it(`recovers from ${label} (seed ${seed}), window 7`, async () => {
        const [a, b] = memoryChannelPair({ ...loss, seed });
        const events: HdlcLinkEvent[] = [];
        // A link reset (SNRM again) is handled inside the same server link.
        const serverP = acceptHdlc(b, wide);
        const client = await connectHdlc(a, { ...opts, ...wide, responseTimeoutMs: 40, retries: 30, pollIntervalMs: 5, onEvent: (e) => events.push(e) });
        cleanups.push(() => client.close());
        const server = await serverP;
        void echo(server, (x) => x.subarray(0, 16));
        let ok = 0;
        for (let i = 0; i < 15; i++) {
          const req = bytesOf(100 + i * 97, seed * 100 + i);
          const res = await exchange(client, req);
          expect(toHex(res)).toBe(toHex(req.subarray(0, 16)));
          ok++;
        }
        expect(ok).toBe(15);
        expect(events.some((e) => e.type === 'failed')).toBe(false);
      });
    }
  }
});

describe('HDLC over real TCP on 127.0.0.1', () => {
  it('client and server over a socket (port 0)', async () => {
    const links: Promise<number>[] = [];
    const server = net.createServer((socket) => {
      links.push(acceptHdlc(tcpByteChannel(socket), wide).then((l) => echo(l, (x) => x.reverse())));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as net.AddressInfo).port;
    const client = await connectHdlcTcp('127.0.0.1', port, { ...opts, ...wide });
    for (const n of [5, 700, 4000]) {
      const req = bytesOf(n, n);
      expect(toHex(await exchange(client, req))).toBe(toHex(req.slice().reverse()));
    }
    await client.close();
    expect(await links[0]).toBe(3);
  });

  it('connection refused is a typed error', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(connectHdlcTcp('127.0.0.1', port, opts)).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
  });
});
