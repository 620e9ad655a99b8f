/**
 * The push-driven wrapper server (`createWrapperServer({ onFrames })`) over real TCP on 127.0.0.1:
 * synchronous and asynchronous handlers, order, one call at a time, `'close'`, framing errors, handler
 * failures, idle timeout, backpressure from a client that does not read, graceful close.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isDlmsError, type DlmsError } from '@meteringlab/dlms-core';
import {
  connectWrapper,
  createWrapperServer,
  createWrapperFramer,
  encodeWrapperFrame,
  type WrapperFrame,
  type WrapperFrameHandler,
  type WrapperServer,
  type WrapperServerOptions,
} from '../src/index.js';

const HOST = '127.0.0.1';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const reply = (f: WrapperFrame, apdu: Uint8Array = f.apdu): WrapperFrame => ({
  source: f.destination,
  destination: f.source,
  apdu,
});

/** Whether the servers of the suite being defined read directly (both ways are tested). */
interface Mode {
  readonly name: string;
  readonly directReads: boolean;
  readonly coalesceWrites: boolean;
}
const MODES: readonly Mode[] = [
  { name: 'direct reads, coalesced writes', directReads: true, coalesceWrites: true },
  { name: "'data' events, coalesced writes", directReads: false, coalesceWrites: true },
  { name: 'direct reads, writes at once', directReads: true, coalesceWrites: false },
];
let mode: Mode = MODES[0]!;

async function frameServer(
  handler: () => WrapperFrameHandler,
  extra: Partial<WrapperServerOptions> = {},
): Promise<WrapperServer> {
  const server = await createWrapperServer({
    port: 0,
    host: HOST,
    onFrames: handler,
    directReads: mode.directReads,
    coalesceWrites: mode.coalesceWrites,
    ...extra,
  });
  cleanups.push(() => server.close());
  return server;
}

async function client(port: number) {
  const c = await connectWrapper({ host: HOST, port, clientWPort: 16, serverWPort: 1 });
  cleanups.push(() => c.close());
  return c;
}

/** A raw socket that collects the frames it receives. */
async function rawClient(
  port: number,
): Promise<{ socket: net.Socket; frames: WrapperFrame[]; ended: Promise<void> }> {
  const socket = net.connect({ host: HOST, port });
  await new Promise<void>((r) => socket.once('connect', () => r()));
  cleanups.push(() => socket.destroy());
  const framer = createWrapperFramer();
  const frames: WrapperFrame[] = [];
  socket.on('data', (c: Buffer) => frames.push(...framer.push(c)));
  socket.on('error', () => undefined);
  const ended = new Promise<void>((r) => socket.once('close', () => r()));
  return { socket, frames, ended };
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const codeOf = (e: unknown) => (isDlmsError(e) ? (e as DlmsError).code : String(e));

/**
 * Sends `n` requests from a client that reads nothing for 300 ms, then reads everything. Gives how many
 * requests the server's handler (answering `answerSize` bytes each) had taken while the client did not
 * read, and how many once every answer arrived.
 */
async function floodWithoutReading(
  answerSize: number,
  n: number,
): Promise<{ whileStalled: number; atEnd: number }> {
  let calls = 0;
  const answer = new Uint8Array(answerSize);
  const server = await frameServer(() => ({
    frame: (f) => {
      calls++;
      return [reply(f, answer)];
    },
  }));
  const socket = net.connect({ host: HOST, port: server.port });
  cleanups.push(() => socket.destroy());
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.pause();
  const request = encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(0) });
  socket.write(Buffer.concat(Array.from({ length: n }, () => request)));
  await new Promise((r) => setTimeout(r, 300));
  const whileStalled = calls;
  const framer = createWrapperFramer();
  let got = 0;
  socket.on('data', (c: Buffer) => (got += framer.push(c).length));
  socket.resume();
  await until(() => got === n, 20_000);
  return { whileStalled, atEnd: calls };
}

for (const m of MODES) {
  describe(`wrapper server, push-driven (onFrames), ${m.name}`, () => {
    beforeAll(() => {
      mode = m;
    });

    it('reads the way it was asked (direct reads work on the Node the tests run on)', async () => {
      const server = await frameServer(() => ({ frame: (f) => [reply(f)] }));
      const c = await client(server.port);
      await c.send(Uint8Array.of(1));
      await c.receive()[Symbol.asyncIterator]().next();
      expect(server.stats.accepted).toBe(1);
      expect(server.stats.directReads).toBe(mode.directReads ? 1 : 0);
    });

    it('lets handlers keep frames while many connections are read at once', async () => {
      const kept = new Map<number, Uint8Array[]>();
      const server = await frameServer(() => ({
        frame: (f) => {
          // Kept without a copy, and looked at only once every connection is done.
          const list = kept.get(f.source) ?? [];
          list.push(f.apdu);
          kept.set(f.source, list);
          return [reply(f, Uint8Array.of(f.apdu.length & 0xff))];
        },
      }));
      const clients = 6;
      const perClient = 150;
      const apduOf = (c: number, i: number) =>
        Uint8Array.from({ length: 1 + ((c * 31 + i * 7) % 90) }, (_, k) => (c * 40 + i + k) & 0xff);
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const raw = await rawClient(server.port);
          raw.socket.setNoDelay(true);
          const stream = Buffer.concat(
            Array.from({ length: perClient }, (_, i) =>
              encodeWrapperFrame({ source: 100 + c, destination: 1, apdu: apduOf(c, i) }),
            ),
          );
          // Odd-sized pieces, so that frames and headers span reads, interleaved with the others.
          for (let at = 0, i = 0; at < stream.length; i++) {
            const n = 1 + ((c + i * 13) % 97);
            raw.socket.write(stream.subarray(at, at + n));
            at += n;
            await new Promise((r) => setImmediate(r));
          }
          await until(() => raw.frames.length === perClient);
          expect(raw.frames.map((f) => f.apdu[0])).toEqual(
            Array.from({ length: perClient }, (_, i) => apduOf(c, i).length),
          );
        }),
      );
      for (let c = 0; c < clients; c++) {
        expect(kept.get(100 + c)!.map((a) => [...a])).toEqual(
          Array.from({ length: perClient }, (_, i) => [...apduOf(c, i)]),
        );
      }
    });

    it('answers what came before the peer half-closes, then closes; a reset ends only that connection', async () => {
      let closedCalls = 0;
      const server = await frameServer(() => ({ frame: (f) => [reply(f)], closed: () => closedCalls++ }));
      const raw = await rawClient(server.port);
      raw.socket.end(
        Buffer.concat(
          [1, 2, 3].map((b) => encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(b) })),
        ),
      );
      await raw.ended;
      expect(raw.frames.map((f) => f.apdu[0])).toEqual([1, 2, 3]);

      // An answer that comes later than the FIN it was asked before still goes out.
      const late = await frameServer(() => ({
        frame: (f) => new Promise((r) => setTimeout(() => r([reply(f)]), 10)),
      }));
      const lateRaw = await rawClient(late.port);
      lateRaw.socket.end(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(5) }));
      await lateRaw.ended;
      expect(lateRaw.frames.map((f) => f.apdu[0])).toEqual([5]);

      const reset = await rawClient(server.port);
      reset.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(9) }));
      await until(() => reset.frames.length === 1);
      reset.socket.resetAndDestroy();
      await until(() => closedCalls === 2 && server.connections === 0);

      const c = await client(server.port);
      await c.send(Uint8Array.of(4));
      expect((await c.receive()[Symbol.asyncIterator]().next()).value).toEqual(Uint8Array.of(4));
    });

    it('answers synchronously, frames of every size, with the wPorts the handler gives', async () => {
      const server = await frameServer(() => ({ frame: (f) => [reply(f)] }));
      const c = await client(server.port);
      const it = c.receive()[Symbol.asyncIterator]();
      for (const a of [
        Uint8Array.of(0xc0, 0x01, 0xc1),
        new Uint8Array(0),
        Uint8Array.from({ length: 65535 }, (_, i) => (i * 7) & 0xff),
      ]) {
        await c.send(a);
        const r = await it.next();
        expect(Buffer.from(r.value as Uint8Array).equals(Buffer.from(a))).toBe(true);
      }
    });

    it('answers pipelined frames in order, several answers to one frame in one write', async () => {
      const server = await frameServer(() => ({
        frame: (f) =>
          f.apdu[0] === 0xff ? [reply(f, Uint8Array.of(1)), reply(f, Uint8Array.of(2))] : [reply(f)],
      }));
      const raw = await rawClient(server.port);
      const n = 300;
      const out = Buffer.concat(
        Array.from({ length: n }, (_, i) =>
          encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(i & 0x7f, i >> 7) }),
        ),
      );
      raw.socket.write(out);
      raw.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(0xff) }));
      await until(() => raw.frames.length === n + 2);
      expect(raw.frames.slice(0, n).map((f) => f.apdu[0]! | (f.apdu[1]! << 7))).toEqual(
        Array.from({ length: n }, (_, i) => i),
      );
      expect(raw.frames.slice(n).map((f) => [...f.apdu])).toEqual([[1], [2]]);
      expect(raw.frames.every((f) => f.source === 1 && f.destination === 16)).toBe(true);
    });

    it('waits for an asynchronous answer before handing over the next frame, keeping order', async () => {
      let inFlight = 0;
      let most = 0;
      const server = await frameServer(() => ({
        frame: async (f) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await new Promise((r) => setTimeout(r, f.apdu[0]! % 3));
          inFlight--;
          return [reply(f)];
        },
      }));
      const raw = await rawClient(server.port);
      const n = 60;
      for (let i = 0; i < n; i++)
        raw.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(i) }));
      await until(() => raw.frames.length === n);
      expect(raw.frames.map((f) => f.apdu[0])).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(most).toBe(1);
    });

    it("closes a connection on 'close' and keeps serving others", async () => {
      let closedCalls = 0;
      const server = await frameServer(() => ({
        frame: (f) => (f.destination === 9 ? 'close' : [reply(f)]),
        closed: () => closedCalls++,
      }));
      const raw = await rawClient(server.port);
      raw.socket.write(encodeWrapperFrame({ source: 16, destination: 9, apdu: Uint8Array.of(1) }));
      await raw.ended;
      expect(raw.frames).toEqual([]);
      await until(() => closedCalls === 1);
      const c = await client(server.port);
      await c.send(Uint8Array.of(5));
      expect((await c.receive()[Symbol.asyncIterator]().next()).value).toEqual(Uint8Array.of(5));
    });

    it('closes only the connection that sends garbage or an oversize frame, reporting the code', async () => {
      const errors: string[] = [];
      const server = await frameServer(() => ({ frame: (f) => [reply(f)] }), {
        maxApduLength: 100,
        onError: (e) => errors.push(codeOf(e)),
      });
      const bad = await rawClient(server.port);
      bad.socket.write('GET / HTTP/1.1\r\n\r\n');
      await bad.ended;
      const big = await rawClient(server.port);
      big.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: new Uint8Array(101) }));
      await big.ended;
      expect(errors).toEqual(['BAD_VERSION', 'FRAME_TOO_LONG']);
      const c = await client(server.port);
      await c.send(Uint8Array.of(7));
      expect((await c.receive()[Symbol.asyncIterator]().next()).value).toEqual(Uint8Array.of(7));
      expect(server.stats.failed).toBe(2);
    });

    it('destroys the connection when the handler throws or rejects, and reports it', async () => {
      const errors: string[] = [];
      const server = await frameServer(
        () => ({
          frame: (f) => {
            if (f.apdu[0] === 1) throw new Error('handler bug');
            if (f.apdu[0] === 2) return Promise.reject(new Error('async bug'));
            // A frame the wrapper cannot carry: a wPort out of range.
            if (f.apdu[0] === 3) return [{ source: 70000, destination: 1, apdu: f.apdu }];
            return [reply(f)];
          },
        }),
        { onError: (e) => errors.push(e instanceof Error ? e.message : String(e)) },
      );
      for (const b of [1, 2, 3]) {
        const raw = await rawClient(server.port);
        raw.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(b) }));
        await raw.ended;
        expect(raw.frames).toEqual([]);
      }
      expect(errors[0]).toBe('handler bug');
      expect(errors[1]).toBe('async bug');
      expect(errors[2]).toMatch(/70000/);
    });

    it('ends an idle connection with IDLE_TIMEOUT', async () => {
      const errors: string[] = [];
      const server = await frameServer(() => ({ frame: (f) => [reply(f)] }), {
        idleTimeoutMs: 100,
        onError: (e) => errors.push(codeOf(e)),
      });
      const raw = await rawClient(server.port);
      await raw.ended;
      expect(errors).toEqual(['IDLE_TIMEOUT']);
    });

    it('stops reading from a client that does not read its answers, and loses none once it does', async () => {
      // 400 answers of 60 kB: 24 MB, far more than the socket buffers hold.
      const r = await floodWithoutReading(60_000, 400);
      expect(r.whileStalled).toBeLessThan(400);
      expect(r.atEnd).toBe(400);
    });

    it('stops early for a client that does not read, when many small answers come from one read', async () => {
      // 20,000 requests of 9 bytes arrive a few reads at a time; their answers would be 40 MB.
      const r = await floodWithoutReading(2000, 20_000);
      // Answers stop once the socket buffers (a few MB on loopback) are full: fewer than the 7,281
      // requests one 64 KiB read brings, which a server that held a whole read's answers would answer.
      expect(r.whileStalled).toBeLessThan(5000);
      expect(r.atEnd).toBe(20_000);
    }, 30_000);

    it('closes gracefully and refuses to start without exactly one of onConnection and onFrames', async () => {
      const server = await createWrapperServer({
        port: 0,
        host: HOST,
        onFrames: () => ({ frame: (f) => [reply(f)] }),
        directReads: mode.directReads,
        coalesceWrites: mode.coalesceWrites,
      });
      const raw = await rawClient(server.port);
      raw.socket.write(encodeWrapperFrame({ source: 16, destination: 1, apdu: Uint8Array.of(1) }));
      await until(() => raw.frames.length === 1);
      await server.close();
      await raw.ended;
      expect(server.connections).toBe(0);

      await expect(createWrapperServer({ port: 0, host: HOST })).rejects.toThrow(/exactly one/);
      await expect(
        createWrapperServer({
          port: 0,
          host: HOST,
          onFrames: () => ({ frame: () => [] }),
          onConnection: () => undefined,
        }),
      ).rejects.toThrow(/exactly one/);
    });
  });

  describe(`wrapper server, push-driven: any chunking of the stream, ${m.name}`, () => {
    beforeAll(() => {
      mode = m;
    });

    it('hands every frame over once, in order, however the client splits its writes', async () => {
      const seen: number[][] = [];
      const server = await frameServer(() => ({
        frame: (f) => {
          seen.push([...f.apdu]);
          return [reply(f, Uint8Array.of(f.apdu.length & 0xff))];
        },
      }));
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 12 }),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
          async (apdus, cuts) => {
            seen.length = 0;
            const raw = await rawClient(server.port);
            raw.socket.setNoDelay(true);
            const stream = Buffer.concat(
              apdus.map((apdu) => encodeWrapperFrame({ source: 16, destination: 1, apdu })),
            );
            // Write the stream in pieces of the drawn sizes (cycled), yielding between writes.
            let at = 0;
            for (let i = 0; at < stream.length; i++) {
              const n = cuts[i % cuts.length]!;
              raw.socket.write(stream.subarray(at, at + n));
              at += n;
              if (i % 3 === 0) await new Promise((r) => setImmediate(r));
            }
            await until(() => raw.frames.length === apdus.length);
            raw.socket.destroy();
            expect(seen).toEqual(apdus.map((a) => [...a]));
            expect(raw.frames.map((f) => f.apdu[0])).toEqual(apdus.map((a) => a.length & 0xff));
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}

describe('README example: a push-driven server', () => {
  it('runs as written and prints what the README shows', async () => {
    const lines: string[] = [];
    const log = (...parts: unknown[]) => lines.push(parts.join(' '));
    const server = await createWrapperServer({
      host: '127.0.0.1',
      port: 0,
      onFrames: (info) => ({
        frame: (f) => [
          { source: f.destination, destination: f.source, apdu: Uint8Array.of(0xc4, 0x01, 0xc1, 0x00) },
        ],
        closed: () => log(`connection ${info.id} closed`),
      }),
    });
    const c = await connectWrapper({
      host: '127.0.0.1',
      port: server.port,
      clientWPort: 0x10,
      serverWPort: 0x01,
    });
    await c.send(Uint8Array.of(0xc0, 0x01, 0xc1, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0xff, 0x02, 0x00));
    for await (const apdu of c.receive()) {
      log('client: got', Buffer.from(apdu).toString('hex'));
      break;
    }
    await c.close();
    await server.close();
    await until(() => lines.length === 2);
    expect(lines).toEqual(['client: got c401c100', 'connection 1 closed']);
  });
});
