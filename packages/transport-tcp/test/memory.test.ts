import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDlmsError } from '@meteringlab/dlms-core';
import {
  memoryApduChannelPair,
  memoryChannelPair,
  wrapperApduChannel,
  type MemoryChannelOptions,
} from '../src/index.js';

const bytes = (...v: number[]) => Uint8Array.from(v);

/** Reads every chunk until the iteration ends. */
async function drain(it: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const n = chunks.reduce((s, c) => s + c.length, 0);
  const out = new Uint8Array(n);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/** Writes 100 numbered 4-byte messages from a to b under `options`, closes, returns what b got. */
async function run(options: MemoryChannelOptions): Promise<{ got: Uint8Array[]; stats: unknown }> {
  const [a, b] = memoryChannelPair(options);
  const reading = drain(b.chunks);
  for (let i = 0; i < 100; i++) await a.write(bytes(0xa0, i, 0xb0, i));
  await a.close();
  return { got: await reading, stats: { ...a.stats } };
}

describe('memoryChannelPair (perfect link)', () => {
  it('delivers writes in order, one chunk per write, both ways', async () => {
    const [a, b] = memoryChannelPair();
    await a.write(bytes(1, 2, 3));
    await b.write(bytes(9));
    await a.write(bytes(4));
    const ia = a.chunks[Symbol.asyncIterator]();
    const ib = b.chunks[Symbol.asyncIterator]();
    expect((await ib.next()).value).toEqual(bytes(1, 2, 3));
    expect((await ib.next()).value).toEqual(bytes(4));
    expect((await ia.next()).value).toEqual(bytes(9));
  });

  it('copies writes, so the writer may reuse its buffer', async () => {
    const [a, b] = memoryChannelPair();
    const buf = bytes(1, 2);
    await a.write(buf);
    buf[0] = 0xff;
    await a.close();
    expect(await drain(b.chunks)).toEqual([bytes(1, 2)]);
  });

  it('close ends the peer iteration after what was written, and the local one at once', async () => {
    const [a, b] = memoryChannelPair();
    await b.write(bytes(7)); // unread by a: discarded by a's close
    await a.write(bytes(1));
    await a.close();
    expect(await drain(b.chunks)).toEqual([bytes(1)]);
    expect(await drain(a.chunks)).toEqual([]);
  });

  it('writes after close reject with CLOSED on both sides; close is idempotent', async () => {
    const [a, b] = memoryChannelPair();
    await a.close();
    await a.close();
    await expect(a.write(bytes(1))).rejects.toSatisfy((e) => isDlmsError(e, 'CLOSED'));
    await expect(b.write(bytes(1))).rejects.toSatisfy((e) => isDlmsError(e, 'CLOSED'));
    await b.close();
  });

  it('a pending read ends when the peer closes', async () => {
    const [a, b] = memoryChannelPair();
    const reading = drain(b.chunks);
    await a.close();
    expect(await reading).toEqual([]);
  });

  it('leaving a loop early does not close; the next loop continues', async () => {
    const [a, b] = memoryChannelPair();
    await a.write(bytes(1));
    await a.write(bytes(2));
    for await (const c of b.chunks) {
      expect(c).toEqual(bytes(1));
      break;
    }
    await a.close();
    expect(await drain(b.chunks)).toEqual([bytes(2)]);
  });

  it('abort makes both iterations throw LINK_FAILED', async () => {
    const [a, b] = memoryChannelPair();
    const ra = drain(a.chunks);
    const rb = drain(b.chunks);
    a.abort(new Error('cable cut'));
    await expect(ra).rejects.toSatisfy((e) => isDlmsError(e, 'LINK_FAILED'));
    await expect(rb).rejects.toSatisfy((e) => isDlmsError(e, 'LINK_FAILED'));
    await expect(b.write(bytes(1))).rejects.toSatisfy((e) => isDlmsError(e, 'CLOSED'));
  });

  it('rejects rates outside [0, 1]', () => {
    expect(() => memoryChannelPair({ dropRate: 1.5 })).toThrow(RangeError);
    expect(() => memoryChannelPair({ chunking: { maxPieceLength: 0 } })).toThrow(RangeError);
  });
});

describe('memoryChannelPair (lossy, seeded)', () => {
  const SEED = 42;

  it('is reproducible: the same seed gives the same outcome, another seed another one', async () => {
    const opts = { dropRate: 0.2, duplicateRate: 0.2, reorderRate: 0.2, corruptRate: 0.2, chunking: true };
    const r1 = await run({ ...opts, seed: SEED });
    const r2 = await run({ ...opts, seed: SEED });
    const r3 = await run({ ...opts, seed: SEED + 1 });
    expect(r1).toEqual(r2);
    expect(r1.got).not.toEqual(r3.got);
  });

  it('drop: loses whole writes and keeps the rest in order', async () => {
    const { got, stats } = await run({ seed: SEED, dropRate: 0.3 });
    const s = stats as { dropped: number; writes: number };
    expect(s.writes).toBe(100);
    expect(s.dropped).toBeGreaterThan(10);
    expect(got.length).toBe(100 - s.dropped);
    const ids = got.map((c) => c[1]!);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    for (const c of got) expect(c).toEqual(bytes(0xa0, c[1]!, 0xb0, c[1]!));
  });

  it('duplicate: some writes arrive twice, none is lost', async () => {
    const { got, stats } = await run({ seed: SEED, duplicateRate: 0.3 });
    const s = stats as { duplicated: number };
    expect(s.duplicated).toBeGreaterThan(10);
    expect(got.length).toBe(100 + s.duplicated);
    expect(new Set(got.map((c) => c[1])).size).toBe(100);
  });

  it('reorder: some writes are swapped with the next one, all arrive', async () => {
    const { got, stats } = await run({ seed: SEED, reorderRate: 0.3 });
    const s = stats as { reordered: number };
    expect(s.reordered).toBeGreaterThan(10);
    const ids = got.map((c) => c[1]!);
    expect([...ids].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(ids).not.toEqual([...ids].sort((x, y) => x - y));
  });

  it('corrupt: exactly one byte differs in each corrupted write', async () => {
    const [a, b] = memoryChannelPair({ seed: SEED, corruptRate: 0.5 });
    const reading = drain(b.chunks);
    const sent = Array.from({ length: 50 }, (_, i) =>
      Uint8Array.from({ length: 16 }, (_, j) => (i * 16 + j) & 0xff),
    );
    for (const m of sent) await a.write(m);
    await a.close();
    const got = await reading;
    expect(got.length).toBe(50);
    let corrupted = 0;
    got.forEach((g, i) => {
      const diff = g.reduce((n, v, j) => n + (v !== sent[i]![j] ? 1 : 0), 0);
      expect(diff).toBeLessThanOrEqual(1);
      corrupted += diff;
    });
    expect(corrupted).toBe(a.stats.corrupted);
    expect(corrupted).toBeGreaterThan(10);
  });

  it('chunking: splits writes into pieces of at most maxPieceLength, the stream intact', async () => {
    const [a, b] = memoryChannelPair({ seed: SEED, chunking: { maxPieceLength: 3 } });
    const reading = drain(b.chunks);
    const data = Uint8Array.from({ length: 200 }, (_, i) => i);
    await a.write(data);
    await a.close();
    const got = await reading;
    expect(got.length).toBeGreaterThan(200 / 3 - 1);
    for (const c of got) {
      expect(c.length).toBeGreaterThanOrEqual(1);
      expect(c.length).toBeLessThanOrEqual(3);
    }
    expect(concat(got)).toEqual(data);
  });

  it('delay: delivers later, in order, and close waits for what is in flight', async () => {
    const [a, b] = memoryChannelPair({ seed: SEED, delayMs: [1, 5], chunking: true });
    const reading = drain(b.chunks);
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    await a.write(data.subarray(0, 50));
    await a.write(data.subarray(50));
    await a.close();
    expect(concat(await reading)).toEqual(data);
  });

  it('each direction draws its own sequence', async () => {
    const [a, b] = memoryChannelPair({ seed: SEED, dropRate: 0.5 });
    for (let i = 0; i < 20; i++) await a.write(bytes(i));
    for (let i = 0; i < 20; i++) await b.write(bytes(i));
    expect(a.stats.dropped).not.toBe(b.stats.dropped);
  });
});

describe('memoryApduChannelPair', () => {
  it('carries whole APDUs both ways and ends on close', async () => {
    const [c, s] = memoryApduChannelPair();
    await c.send(bytes(0xc0, 1, 0xc1));
    await s.send(bytes(0xc4, 1));
    await c.close();
    expect(await drain(s.receive())).toEqual([bytes(0xc0, 1, 0xc1)]);
    await expect(s.send(bytes(1))).rejects.toSatisfy((e) => isDlmsError(e, 'CLOSED'));
  });

  it('drops whole APDUs reproducibly', async () => {
    const go = async () => {
      const [c, s] = memoryApduChannelPair({ seed: 7, dropRate: 0.5 });
      for (let i = 0; i < 30; i++) await c.send(bytes(i, i, i));
      await c.close();
      return (await drain(s.receive())).map((x) => x[0]);
    };
    const r1 = await go();
    expect(r1.length).toBeGreaterThan(5);
    expect(r1.length).toBeLessThan(25);
    expect(await go()).toEqual(r1);
  });
});

describe('memoryChannelPair properties', () => {
  it('chunking and delay never change the byte stream, whatever the seed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 16 }),
        async (seed, writes, maxPieceLength) => {
          const [a, b] = memoryChannelPair({ seed, chunking: { maxPieceLength }, delayMs: [0, 1] });
          const reading = drain(b.chunks);
          for (const w of writes) await a.write(w);
          await a.close();
          expect(concat(await reading)).toEqual(concat(writes));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('the wrapper over a chunking pair yields exactly the APDUs sent, whatever the seed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer(),
        fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }),
        async (seed, apdus) => {
          const [a, b] = memoryChannelPair({ seed, chunking: true });
          const client = wrapperApduChannel(a, { localWPort: 0x10, remoteWPort: 0x01 });
          const server = wrapperApduChannel(b, { localWPort: 0x01, remoteWPort: 0x10 });
          for (const x of apdus) await client.send(x);
          await client.close();
          const got: Uint8Array[] = [];
          for await (const x of server.receive()) got.push(Uint8Array.from(x));
          expect(got).toEqual(apdus.map((x) => Uint8Array.from(x)));
        },
      ),
      { numRuns: 50 },
    );
  });
});
