/**
 * The async drivers over byte channels: the in-memory pairs of `@meteringlab/transport-tcp` (perfect,
 * chunked, and lossy with drops, duplicates, corruption and reordering) and real TCP on 127.0.0.1.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ApduChannel, toHex } from '@meteringlab/dlms-core';
import { memoryChannelPair, tcpByteChannel } from '@meteringlab/transport-tcp';
import {
  type HdlcLinkEvent,
  acceptHdlc,
  connectHdlc,
  connectHdlcTcp,
  crc16x25,
} from '@meteringlab/transport-hdlc-serial';
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
    const client = await connectHdlc(a, {
      clientAddress: 1,
      serverLogical: 3,
      serverPhysical: 0x1234,
      serverAddressLength: 4,
    });
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

  it('malformed frames on the line are reported, typed, and the link keeps working', async () => {
    const [a, b] = memoryChannelPair();
    const codes = new Set<string>();
    const serverP = acceptHdlc(b);
    const client = await connectHdlc(a, {
      ...opts,
      onEvent: (e) => e.type === 'error' && codes.add(e.error.code),
    });
    const server = await serverP;
    void echo(server);
    const good = (control: number, dest = 0x21): Uint8Array => {
      // A frame from server 1/17 to `dest`, built here byte by byte: 7E A0 08 dest 02 23 control FCS 7E.
      const body = Uint8Array.of(0xa0, 0x08, dest, 0x02, 0x23, control);
      const fcs = crc16x25(body);
      return Uint8Array.of(0x7e, ...body, fcs & 0xff, fcs >>> 8, 0x7e);
    };
    const injected = [
      // Missing flags. (Without the 0x55 bytes around it, the closing flag of the previous frame would
      // open it and the one of the next would close it: a valid DM, as ISO/IEC 13239 flag sharing says.)
      Uint8Array.of(0x55, ...good(0x1f).subarray(1, -1), 0x55),
      Uint8Array.of(0x7e, 0xa0, 0x05, 0x21, 0x7e), // too short
      Uint8Array.of(0x7e, 0xb0, 0x08, 0x21, 0x02, 0x23, 0x1f, 0x00, 0x00, 0x7e), // format type 0xB
      Uint8Array.of(0x7e, 0xa0, 0x09, 0x21, 0x02, 0x23, 0x1f, 0x00, 0x00, 0x7e), // wrong length
      Uint8Array.of(...good(0x1f).subarray(0, 7), 0x00, 0x00, 0x7e), // bad FCS
      good(0x1f, 0x03), // DM for client 1: another link
      good(0x19), // REJ: a control field DLMS does not use
    ];
    for (const bytes of injected) await b.write(bytes);
    for (const n of [10, 1000]) {
      const req = bytesOf(n, n);
      expect(toHex(await exchange(client, req))).toBe(toHex(req));
    }
    expect([...codes].sort()).toEqual(['BAD_CHECKSUM', 'BAD_FRAME', 'UNKNOWN_ADDRESS', 'UNKNOWN_CONTROL']);
    expect(client.state).toBe('connected');
    await client.close();
  });

  it('a client with no server fails with LINK_FAILED after its retries', async () => {
    const [a] = memoryChannelPair();
    await expect(connectHdlc(a, { ...opts, responseTimeoutMs: 20, retries: 2 })).rejects.toMatchObject({
      code: 'LINK_FAILED',
    });
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
    [
      'everything at once',
      { dropRate: 0.05, duplicateRate: 0.05, corruptRate: 0.03, reorderRate: 0.03, delayMs: [0, 2] },
    ],
  ];
  for (const [label, loss] of lossy) {
    for (const seed of [11, 12, 13]) {
      it(`recovers from ${label} (seed ${seed}), window 7`, async () => {
        const [a, b] = memoryChannelPair({ ...loss, seed });
        const events: HdlcLinkEvent[] = [];
        // A link reset (SNRM again) is handled inside the same server link.
        const serverP = acceptHdlc(b, wide);
        const client = await connectHdlc(a, {
          ...opts,
          ...wide,
          responseTimeoutMs: 40,
          retries: 30,
          pollIntervalMs: 5,
          onEvent: (e) => events.push(e),
        });
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
