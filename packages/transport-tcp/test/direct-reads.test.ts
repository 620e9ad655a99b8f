/**
 * Direct reads of accepted connections (`adoptDirectReads`, internal): over real TCP on 127.0.0.1, the
 * adopted socket reads into the given buffer, writes, pauses and resumes, sees the peer's end, and no
 * longer counts as a connection of the `net.Server`; where there is no native handle to move, nothing
 * is touched and `undefined` tells the caller to read the ordinary way.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptDirectReads } from '../src/direct-reads.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A paused-on-connect server and one client connected to it; resolves with both ends. */
async function pair(): Promise<{ server: net.Server; accepted: net.Socket; peer: net.Socket }> {
  let onAccepted!: (s: net.Socket) => void;
  const accepted = new Promise<net.Socket>((r) => (onAccepted = r));
  const server = net.createServer({ pauseOnConnect: true }, onAccepted);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => server.close(r)));
  const peer = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
  peer.on('error', () => undefined);
  cleanups.push(() => peer.destroy());
  return { server, accepted: await accepted, peer };
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('adoptDirectReads', () => {
  it('reads into the given buffer, writes back, pauses, resumes and sees the end', async () => {
    const { server, accepted, peer } = await pair();
    const buffer = new Uint8Array(64);
    const got: number[] = [];
    const adopted = adoptDirectReads(accepted, buffer, (b, n) => {
      expect(b).toBe(buffer);
      got.push(...b.subarray(0, n));
    });
    expect(adopted).toBeDefined();
    cleanups.push(() => adopted!.destroy());
    expect(accepted.destroyed).toBe(true);
    // The server no longer counts the connection: it can close while the connection lives on.
    const count = await new Promise<number>((r, j) => server.getConnections((e, n) => (e ? j(e) : r(n))));
    expect(count).toBe(0);

    const echoed: number[] = [];
    peer.on('data', (c: Buffer) => echoed.push(...c));
    peer.write(Buffer.from([1, 2, 3]));
    await until(() => got.length === 3);
    expect(got).toEqual([1, 2, 3]);
    adopted!.write(Buffer.from([9, 8]));
    await until(() => echoed.length === 2);
    expect(echoed).toEqual([9, 8]);

    // More than the buffer holds arrives in several reads, none lost.
    const big = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
    got.length = 0;
    peer.write(big);
    await until(() => got.length === 1000);
    expect(Buffer.from(got).equals(big)).toBe(true);

    adopted!.pause();
    got.length = 0;
    peer.write(Buffer.from([7]));
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toEqual([]);
    adopted!.resume();
    await until(() => got.length === 1);
    expect(got).toEqual([7]);

    const closed = new Promise<void>((r) => adopted!.once('close', () => r()));
    peer.end();
    await closed;
  });

  it('touches nothing and answers undefined when there is no native handle to move', async () => {
    const unconnected = new net.Socket();
    expect(adoptDirectReads(unconnected, new Uint8Array(16), () => undefined)).toBeUndefined();
    expect(unconnected.destroyed).toBe(false);
    unconnected.destroy();

    const { accepted, peer } = await pair();
    const holder = accepted as unknown as { _handle: unknown };
    const real = holder._handle;
    // A handle without what direct reads need (as a future Node might have).
    holder._handle = { readStart: () => 0, readStop: () => 0 };
    expect(adoptDirectReads(accepted, new Uint8Array(16), () => undefined)).toBeUndefined();
    holder._handle = real;
    expect(accepted.destroyed).toBe(false);
    // Still usable the ordinary way.
    const got: number[] = [];
    accepted.on('data', (c: Buffer) => got.push(...c));
    accepted.resume();
    peer.write(Buffer.from([5]));
    await until(() => got.length === 1);
    expect(got).toEqual([5]);
    accepted.destroy();
  });
});
