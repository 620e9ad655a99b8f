/**
 * Invocation counters: outgoing values never repeat, incoming counters strictly increase, the
 * high-water mark moves only after a tag verified (a forged frame with a huge counter cannot lock out the
 * real sender), concurrent duplicates, exhaustion.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import {
  CounterTable,
  MemoryCounterStore,
  counterKey,
  MAX_INVOCATION_COUNTER,
} from '../../src/security/counters.js';
import { decipherWithCounters } from '../../src/security/cipher.js';
import {
  decodeCipheredApduBytes,
  encodeCipheredApduBytes,
  type CipheringApdu,
} from '../../src/security/envelope.js';
import { protectApdu, unprotectApdu } from '../../src/security/protect.js';

const EK = fromHex('000102030405060708090A0B0C0D0E0F');
const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const ST = fromHex('4D4D4D0000BC614E');
const PLAIN = fromHex('0F000001DB000922125A8591360000000049000000110000000A5A8513D014800000000D0000000A0100');
const id = { systemTitle: ST, keyId: 'global-unicast' as const };

const push = (ic: number) =>
  protectApdu(PLAIN, { key: EK, authKey: AK, systemTitle: ST, invocationCounter: ic });

describe('incoming counters', () => {
  it('accepts strictly increasing counters and rejects equal and lower ones', async () => {
    const counters = new MemoryCounterStore();
    await unprotectApdu(push(10), { key: EK, authKey: AK, counters });
    expect(counters.lastIncoming(id)).toBe(10);
    await expect(unprotectApdu(push(10), { key: EK, authKey: AK, counters })).rejects.toMatchObject({
      code: 'REPLAYED_COUNTER',
    });
    await expect(unprotectApdu(push(9), { key: EK, authKey: AK, counters })).rejects.toMatchObject({
      code: 'REPLAYED_COUNTER',
    });
    await unprotectApdu(push(12), { key: EK, authKey: AK, counters });
    expect(counters.lastIncoming(id)).toBe(12);
  });

  it('a forged frame with a huge counter does not move the mark: the real sender is not locked out', async () => {
    const counters = new MemoryCounterStore();
    await unprotectApdu(push(100), { key: EK, authKey: AK, counters });
    // Forge: take a genuine frame, set IC to 0xFFFFFFFF (tag no longer verifies).
    const env = decodeCipheredApduBytes(push(101)) as CipheringApdu;
    const forged = encodeCipheredApduBytes({ ...env, invocationCounter: MAX_INVOCATION_COUNTER });
    await expect(unprotectApdu(forged, { key: EK, authKey: AK, counters })).rejects.toMatchObject({
      code: 'AUTHENTICATION_FAILED',
    });
    expect(counters.lastIncoming(id)).toBe(100);
    const ok = await unprotectApdu(push(101), { key: EK, authKey: AK, counters });
    expect(ok.verified).toBe(true);
    expect(counters.lastIncoming(id)).toBe(101);
  });

  it('unauthenticated (encryption-only) frames are checked but never move the mark', async () => {
    const counters = new MemoryCounterStore();
    const enc = (ic: number) =>
      protectApdu(PLAIN, { authenticated: false, key: EK, systemTitle: ST, invocationCounter: ic });
    await unprotectApdu(push(5), { key: EK, authKey: AK, counters });
    await expect(unprotectApdu(enc(5), { key: EK, counters })).rejects.toMatchObject({
      code: 'REPLAYED_COUNTER',
    });
    const u = await unprotectApdu(enc(1000), { key: EK, counters });
    expect(u.verified).toBe(false);
    expect(counters.lastIncoming(id)).toBe(5);
  });

  it('two concurrent copies of one frame: only one is accepted', async () => {
    const counters = new MemoryCounterStore();
    const frame = push(7);
    const results = await Promise.allSettled([
      unprotectApdu(frame, { key: EK, authKey: AK, counters }),
      unprotectApdu(frame, { key: EK, authKey: AK, counters }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });

  it('decipherWithCounters: check → verify → commit on a decoded envelope', async () => {
    const counters = new MemoryCounterStore();
    const env = decodeCipheredApduBytes(push(3)) as CipheringApdu;
    const d = await decipherWithCounters(env, { encryptionKey: EK, authenticationKey: AK }, counters, id);
    expect(toHex(d.plaintext)).toBe(toHex(PLAIN));
    await expect(
      decipherWithCounters(env, { encryptionKey: EK, authenticationKey: AK }, counters, id),
    ).rejects.toMatchObject({ code: 'REPLAYED_COUNTER' });
    const forged = {
      ...(decodeCipheredApduBytes(push(4)) as CipheringApdu),
      invocationCounter: 50,
    } as CipheringApdu;
    await expect(
      decipherWithCounters(forged, { encryptionKey: EK, authenticationKey: AK }, counters, id),
    ).rejects.toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(counters.lastIncoming(id)).toBe(3);
  });

  it('counters are kept per system title and key', async () => {
    const counters = new MemoryCounterStore();
    await counters.acceptIncoming(id, 10);
    expect(() => counters.checkIncoming({ ...id, keyId: 'global-broadcast' }, 1)).not.toThrow();
    expect(() =>
      counters.checkIncoming({ systemTitle: fromHex('4D4D4D0000000001'), keyId: 'global-unicast' }, 1),
    ).not.toThrow();
    expect(() => counters.checkIncoming(id, 10)).toThrow(
      expect.objectContaining({ code: 'REPLAYED_COUNTER' }),
    );
    expect(counterKey(id)).toBe('4D4D4D0000BC614E/global-unicast');
  });
});

describe('outgoing counters', () => {
  it('raiseOutgoing moves the next outgoing value up, never down', async () => {
    const counters = new MemoryCounterStore();
    const id = { systemTitle: fromHex('4D4D4D0000BC614E'), keyId: 'global-unicast' };
    expect(await counters.nextOutgoing(id)).toBe(0);
    await counters.raiseOutgoing(id, 100);
    expect(await counters.nextOutgoing(id)).toBe(100);
    await counters.raiseOutgoing(id, 3);
    expect(await counters.nextOutgoing(id)).toBe(101);
    await expect(counters.raiseOutgoing(id, 2 ** 33)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('never hands out a value twice, also under concurrency', async () => {
    const counters = new MemoryCounterStore();
    const values = await Promise.all(Array.from({ length: 200 }, () => counters.nextOutgoing(id)));
    expect(new Set(values).size).toBe(200);
    expect(Math.max(...values)).toBe(199);
  });

  it('protectApdu with a store uses successive counters', async () => {
    const counters = new MemoryCounterStore();
    const a = decodeCipheredApduBytes(
      await protectApdu(PLAIN, { key: EK, authKey: AK, systemTitle: ST, counters }),
    ) as CipheringApdu;
    const b = decodeCipheredApduBytes(
      await protectApdu(PLAIN, { key: EK, authKey: AK, systemTitle: ST, counters }),
    ) as CipheringApdu;
    expect([a.invocationCounter, b.invocationCounter]).toEqual([0, 1]);
  });

  it('is exhausted after 2^32 - 1', async () => {
    const counters = new MemoryCounterStore({
      outgoing: { [counterKey(id)]: MAX_INVOCATION_COUNTER },
      incoming: {},
    });
    expect(await counters.nextOutgoing(id)).toBe(MAX_INVOCATION_COUNTER);
    await expect(counters.nextOutgoing(id)).rejects.toMatchObject({ code: 'COUNTER_EXHAUSTED' });
  });

  it('a table snapshot restores marks and outgoing values; raiseOutgoing never lowers', () => {
    const t = new CounterTable();
    t.takeOutgoing('a');
    t.accept('b', 5);
    const copy = new CounterTable(t.snapshot());
    expect(copy.peekOutgoing('a')).toBe(1);
    expect(copy.last('b')).toBe(5);
    copy.raiseOutgoing('a', 100);
    copy.raiseOutgoing('a', 50);
    expect(copy.peekOutgoing('a')).toBe(100);
    expect(() => new CounterTable({ outgoing: { a: -1 }, incoming: {} })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});
