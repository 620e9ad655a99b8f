/**
 * Invocation counter policy (Green Book 9.2.7.2.4: the IC is part of the IV and must never repeat for
 * a key; a receiver rejects a counter that is not greater than the last one it accepted).
 *
 * {@link InvocationCounterStore} is the contract every store honours, keyed by (system title, key id):
 * - `nextOutgoing` hands out each value at most once, and resolves only once the store would not hand
 *   it out again after a crash (a durable store persists before it resolves, or persists a reserved
 *   block ahead);
 * - `checkIncoming` throws `REPLAYED_COUNTER` for a counter equal to or below the high-water mark and
 *   changes nothing;
 * - `acceptIncoming` re-checks and moves the mark; callers invoke it only after the tag verified (see
 *   `decipherWithCounters`), so a forged frame cannot move it.
 *
 * {@link CounterTable} is the pure in-memory bookkeeping shared by every store; {@link MemoryCounterStore}
 * wraps it for tests and short-lived tools. The durable file store lives in `@meteringlab/transport-tcp`
 * (dlms-core does no I/O).
 */
import { ArgumentError, SecurityError } from '../errors.js';
import { toHex } from '../hex.js';

/** Names of the keys a counter is kept for (any other string is allowed for private key slots). */
export type CounterKeyId =
  'global-unicast' | 'global-broadcast' | 'dedicated' | 'authentication' | (string & {});

/** Identifies one counter: the system title whose counter it is, and the key it is used with. */
export interface CounterId {
  /** System title (8 bytes) of the party that sends with this counter. */
  readonly systemTitle: Uint8Array;
  readonly keyId: CounterKeyId;
}

/** The largest invocation counter (32 bits). */
export const MAX_INVOCATION_COUNTER = 0xffffffff;

/** The contract of an invocation counter store. */
export interface InvocationCounterStore {
  /** The next outgoing counter for `id`; never the same value twice, durable before it resolves. */
  nextOutgoing(id: CounterId): Promise<number>;
  /** Throws `REPLAYED_COUNTER` unless `ic` is above the high-water mark of `id`. Changes nothing. */
  checkIncoming(id: CounterId, ic: number): void;
  /**
   * Moves the high-water mark of `id` to `ic` (call only after the frame's tag verified). Throws
   * `REPLAYED_COUNTER` when `ic` is no longer above the mark (a concurrent frame won).
   */
  acceptIncoming(id: CounterId, ic: number): Promise<void>;
  /** The high-water mark of `id`, or undefined when no frame was accepted yet. */
  lastIncoming(id: CounterId): number | undefined;
  /**
   * Makes every later {@link nextOutgoing} of `id` at least `next` (never lowers it): a client that
   * learned the meter's last seen counter (e.g. read from 0-0:43.1.0.255) starts above it. Values
   * handed out afterwards are made durable by `nextOutgoing` as usual.
   */
  raiseOutgoing(id: CounterId, next: number): Promise<void>;
}

/** The map key of a counter id: `HEX(system title)/key id`. */
export function counterKey(id: CounterId): string {
  return `${toHex(id.systemTitle)}/${id.keyId}`;
}

function checkNext(next: number): void {
  if (!Number.isInteger(next) || next < 0 || next > MAX_INVOCATION_COUNTER + 1) {
    throw new ArgumentError(`${next} is not a valid next invocation counter`);
  }
}

function checkCounter(ic: number): void {
  if (!Number.isInteger(ic) || ic < 0 || ic > MAX_INVOCATION_COUNTER) {
    throw new ArgumentError(`invocation counter ${ic} is not an unsigned 32-bit value`);
  }
}

/** A plain snapshot of a {@link CounterTable}, suitable for JSON. */
export interface CounterSnapshot {
  /** Next outgoing value per counter key (every value below it may have been used). */
  readonly outgoing: Readonly<Record<string, number>>;
  /** High-water mark of accepted incoming counters per counter key. */
  readonly incoming: Readonly<Record<string, number>>;
}

/**
 * The pure bookkeeping of counters: next outgoing values and incoming high-water marks. Synchronous,
 * no I/O; durable stores wrap it and persist its snapshot.
 */
export class CounterTable {
  private readonly outgoing = new Map<string, number>();
  private readonly incoming = new Map<string, number>();

  constructor(snapshot?: CounterSnapshot) {
    if (snapshot !== undefined) {
      for (const [k, v] of Object.entries(snapshot.outgoing)) {
        if (!Number.isInteger(v) || v < 0 || v > MAX_INVOCATION_COUNTER + 1)
          throw new ArgumentError(`bad outgoing counter for ${k}`);
        this.outgoing.set(k, v);
      }
      for (const [k, v] of Object.entries(snapshot.incoming)) {
        checkCounter(v);
        this.incoming.set(k, v);
      }
    }
  }

  /** The next outgoing value of `key` without taking it. */
  peekOutgoing(key: string): number {
    return this.outgoing.get(key) ?? 0;
  }

  /** Takes the next outgoing value of `key`; `COUNTER_EXHAUSTED` after 2^32 - 1. */
  takeOutgoing(key: string): number {
    const v = this.outgoing.get(key) ?? 0;
    if (v > MAX_INVOCATION_COUNTER) {
      throw new SecurityError(
        'COUNTER_EXHAUSTED',
        'the invocation counter is exhausted: a new key is needed',
      );
    }
    this.outgoing.set(key, v + 1);
    return v;
  }

  /** Raises the next outgoing value of `key` to at least `next` (never lowers it). */
  raiseOutgoing(key: string, next: number): void {
    if (next > (this.outgoing.get(key) ?? 0))
      this.outgoing.set(key, Math.min(next, MAX_INVOCATION_COUNTER + 1));
  }

  /** Throws `REPLAYED_COUNTER` unless `ic` is above the mark of `key`. */
  check(key: string, ic: number): void {
    checkCounter(ic);
    const last = this.incoming.get(key);
    if (last !== undefined && ic <= last) {
      throw new SecurityError(
        'REPLAYED_COUNTER',
        `invocation counter ${ic} is not above the last accepted ${last}`,
      );
    }
  }

  /** Checks then moves the mark of `key` to `ic`. */
  accept(key: string, ic: number): void {
    this.check(key, ic);
    this.incoming.set(key, ic);
  }

  /** The mark of `key`, if any. */
  last(key: string): number | undefined {
    return this.incoming.get(key);
  }

  /** A copy of the whole table. */
  snapshot(): CounterSnapshot {
    return { outgoing: Object.fromEntries(this.outgoing), incoming: Object.fromEntries(this.incoming) };
  }
}

/** An in-memory store: correct within one process, forgets everything on exit. */
export class MemoryCounterStore implements InvocationCounterStore {
  readonly table: CounterTable;

  constructor(snapshot?: CounterSnapshot) {
    this.table = new CounterTable(snapshot);
  }

  nextOutgoing(id: CounterId): Promise<number> {
    try {
      return Promise.resolve(this.table.takeOutgoing(counterKey(id)));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  checkIncoming(id: CounterId, ic: number): void {
    this.table.check(counterKey(id), ic);
  }

  raiseOutgoing(id: CounterId, next: number): Promise<void> {
    try {
      checkNext(next);
      this.table.raiseOutgoing(counterKey(id), next);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  acceptIncoming(id: CounterId, ic: number): Promise<void> {
    try {
      this.table.accept(counterKey(id), ic);
      return Promise.resolve();
    } catch (e) {
      return Promise.reject(e);
    }
  }

  lastIncoming(id: CounterId): number | undefined {
    return this.table.last(counterKey(id));
  }
}
