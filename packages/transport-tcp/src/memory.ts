/**
 * In-memory channel pairs for tests: two connected {@link ByteChannel}s, or two connected
 * {@link ApduChannel}s, optionally lossy in a seeded, reproducible way.
 *
 * Each direction has its own pseudo-random generator derived from the seed, so what happens to the bytes
 * one side writes depends only on the seed, the options and that side's sequence of writes, never on
 * timing or on the other direction. What a lossy link does to each write, in this order:
 *
 * 1. drop (`dropRate`): the write is lost entirely;
 * 2. corrupt (`corruptRate`): one byte of it is XORed with a non-zero mask;
 * 3. duplicate (`duplicateRate`): it is delivered twice;
 * 4. reorder (`reorderRate`): it is held back and delivered right after the next write (or at close);
 * 5. chunking (byte pair only): each delivery is split into pieces of 1..`maxPieceLength` bytes;
 * 6. delay (`delayMs`, fixed or a `[min, max]` range): each piece arrives later, never before an earlier
 *    piece (delay alone never reorders).
 *
 * With no options the link is perfect: every write arrives once, intact, in order, as one chunk.
 * Writes are copied, so callers may reuse their buffers. There is no backpressure: writes resolve at
 * once and the receiving queue is unbounded (tests only).
 *
 * Close (see the contracts in `@meteringlab/dlms-core` `channel.ts`): closing either side ends the peer's
 * iteration after the bytes in flight (including a held-back reordered write) have arrived, ends the
 * local iteration at once, and makes every later write on either side reject with `TransportError`
 * `CLOSED`. `abort()` simulates a link failure: both iterations throw `TransportError` `LINK_FAILED`.
 *
 * Not here: timeouts, retransmission, framing. Those belong to the protocols under test.
 */
import { TransportError, type ApduChannel, type ByteChannel } from '@meteringlab/dlms-core';
import { AsyncQueue } from './queue.js';

/** What a lossy in-memory link does to the units written into it (all rates are probabilities, 0..1). */
export interface LossOptions {
  /** Seed of the pseudo-random generator (any 32-bit integer); default 1. */
  readonly seed?: number;
  /** Probability that a write is lost. */
  readonly dropRate?: number;
  /** Probability that one byte of a write is flipped. */
  readonly corruptRate?: number;
  /** Probability that a write is delivered twice. */
  readonly duplicateRate?: number;
  /** Probability that a write is held back and delivered after the next one. */
  readonly reorderRate?: number;
  /** Delivery delay in milliseconds: fixed, or uniformly drawn in `[min, max]` per piece. */
  readonly delayMs?: number | readonly [number, number];
}

/** Options of {@link memoryChannelPair}. */
export interface MemoryChannelOptions extends LossOptions {
  /** Split each delivery into random pieces (`true`: pieces of 1..8 bytes). */
  readonly chunking?: boolean | { readonly maxPieceLength: number };
}

/** Counters of one direction of an in-memory link (what happened to the writes of one side). */
export interface LinkStats {
  writes: number;
  dropped: number;
  corrupted: number;
  duplicated: number;
  reordered: number;
  /** Chunks (byte pair) or APDUs handed to the peer's queue. */
  delivered: number;
}

/** One end of {@link memoryChannelPair}. */
export interface MemoryByteChannel extends ByteChannel {
  /** What happened to the writes of this end. */
  readonly stats: Readonly<LinkStats>;
  /** Simulates a link failure: both ends' iterations throw `TransportError` `LINK_FAILED`. */
  abort(reason?: unknown): void;
}

/** One end of {@link memoryApduChannelPair}. */
export interface MemoryApduChannel extends ApduChannel {
  /** What happened to the APDUs sent from this end. */
  readonly stats: Readonly<LinkStats>;
  /** Simulates a link failure: both ends' iterations throw `TransportError` `LINK_FAILED`. */
  abort(reason?: unknown): void;
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; plenty for test scheduling. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function checkRate(name: string, v: number | undefined): number {
  if (v === undefined) return 0;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be within [0, 1], got ${v}`);
  return v;
}

/** One direction of a link: applies the losses and feeds the peer's queue. */
class Pipe {
  readonly stats: LinkStats = {
    writes: 0,
    dropped: 0,
    corrupted: 0,
    duplicated: 0,
    reordered: 0,
    delivered: 0,
  };
  private readonly rng: () => number;
  private readonly drop: number;
  private readonly corrupt: number;
  private readonly duplicate: number;
  private readonly reorder: number;
  private readonly delay: readonly [number, number] | undefined;
  private readonly maxPiece: number;
  private held: Uint8Array[] | undefined;
  private readonly pending: { at: number; unit: Uint8Array }[] = [];
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private ending = false;

  constructor(
    private readonly target: AsyncQueue<Uint8Array>,
    options: MemoryChannelOptions,
    seed: number,
    chunking: boolean,
  ) {
    this.rng = prng(seed);
    this.drop = checkRate('dropRate', options.dropRate);
    this.corrupt = checkRate('corruptRate', options.corruptRate);
    this.duplicate = checkRate('duplicateRate', options.duplicateRate);
    this.reorder = checkRate('reorderRate', options.reorderRate);
    const d = options.delayMs;
    if (d === undefined || d === 0) this.delay = undefined;
    else if (typeof d === 'number') this.delay = [d, d];
    else this.delay = [d[0], d[1]];
    if (this.delay && !(this.delay[0] >= 0 && this.delay[1] >= this.delay[0])) {
      throw new RangeError('delayMs must be >= 0 (and min <= max for a range)');
    }
    const c = chunking ? options.chunking : undefined;
    this.maxPiece = c === undefined || c === false ? 0 : c === true ? 8 : c.maxPieceLength;
    if (c !== undefined && c !== false && !(Number.isInteger(this.maxPiece) && this.maxPiece >= 1)) {
      throw new RangeError('chunking.maxPieceLength must be an integer >= 1');
    }
  }

  write(bytes: Uint8Array): void {
    this.stats.writes++;
    if (this.drop > 0 && this.rng() < this.drop) {
      this.stats.dropped++;
      return;
    }
    const unit = bytes.slice();
    if (this.corrupt > 0 && this.rng() < this.corrupt && unit.length > 0) {
      const at = Math.floor(this.rng() * unit.length);
      unit[at] = unit[at]! ^ (1 + Math.floor(this.rng() * 255));
      this.stats.corrupted++;
    }
    const units = [unit];
    if (this.duplicate > 0 && this.rng() < this.duplicate) {
      units.push(unit.slice());
      this.stats.duplicated++;
    }
    if (this.held === undefined && this.reorder > 0 && this.rng() < this.reorder) {
      this.held = units;
      this.stats.reordered++;
      return;
    }
    for (const u of units) this.deliver(u);
    this.flushHeld();
  }

  private flushHeld(): void {
    const h = this.held;
    this.held = undefined;
    if (h) for (const u of h) this.deliver(u);
  }

  private deliver(unit: Uint8Array): void {
    if (this.maxPiece === 0 || unit.length <= 1) {
      this.schedule(unit);
      return;
    }
    let p = 0;
    while (p < unit.length) {
      const n = 1 + Math.floor(this.rng() * Math.min(this.maxPiece, unit.length - p));
      this.schedule(unit.subarray(p, p + n));
      p += n;
    }
  }

  private schedule(unit: Uint8Array): void {
    if (this.delay === undefined) {
      this.stats.delivered++;
      this.target.push(unit);
      return;
    }
    const [lo, hi] = this.delay;
    const now = Date.now();
    const at = Math.max(now + lo + (hi - lo) * this.rng(), this.lastAt);
    this.lastAt = at;
    this.pending.push({ at, unit });
    if (this.timer === undefined) this.arm();
  }

  private arm(): void {
    const first = this.pending[0];
    if (!first) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, first.at - Date.now()));
  }

  private fire(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.pending.length > 0 && this.pending[0]!.at <= now) {
      this.stats.delivered++;
      this.target.push(this.pending.shift()!.unit);
    }
    if (this.pending.length > 0) this.arm();
    else if (this.ending) this.target.end();
  }

  /** The writer side closed: deliver what is in flight, then end the peer's iteration. */
  finish(): void {
    this.flushHeld();
    this.ending = true;
    if (this.pending.length === 0) this.target.end();
  }

  /** The reader side closed or the link failed: forget what is in flight. */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.length = 0;
    this.held = undefined;
  }
}

/** Shared state of the two ends of a link. */
class Link {
  closed = false;
  readonly queues: [AsyncQueue<Uint8Array>, AsyncQueue<Uint8Array>] = [new AsyncQueue(), new AsyncQueue()];
  /** pipes[i] carries what end i writes, into queues[1 - i]. */
  readonly pipes: [Pipe, Pipe];

  constructor(options: MemoryChannelOptions, chunking: boolean) {
    const seed = (options.seed ?? 1) >>> 0;
    // Two well-separated seeds so the directions draw independent sequences.
    this.pipes = [
      new Pipe(this.queues[1], options, seed, chunking),
      new Pipe(this.queues[0], options, (seed ^ 0x9e3779b9) >>> 0, chunking),
    ];
  }

  write(end: 0 | 1, bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new TransportError('CLOSED', 'in-memory channel is closed'));
    this.pipes[end].write(bytes);
    return Promise.resolve();
  }

  close(end: 0 | 1): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.queues[end].discard();
      this.pipes[1 - end]!.cancel();
      this.pipes[end].finish();
    }
    return Promise.resolve();
  }

  abort(reason: unknown): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pipes) p.cancel();
    for (const q of this.queues) {
      q.fail(new TransportError('LINK_FAILED', 'in-memory link aborted', { cause: reason }));
    }
  }
}

/**
 * Two connected in-memory {@link ByteChannel}s: what one writes, the other reads from `chunks`.
 * With `options`, the link is lossy in a reproducible way (see the module notes for the order of the
 * effects); `chunking` splits writes into random pieces, the usual test for stream framers.
 */
export function memoryChannelPair(
  options: MemoryChannelOptions = {},
): [MemoryByteChannel, MemoryByteChannel] {
  const link = new Link(options, true);
  const end = (i: 0 | 1): MemoryByteChannel => ({
    write: (bytes) => link.write(i, bytes),
    chunks: link.queues[i],
    close: () => link.close(i),
    stats: link.pipes[i].stats,
    abort: (reason) => link.abort(reason),
  });
  return [end(0), end(1)];
}

/**
 * Two connected in-memory {@link ApduChannel}s: each `send` is one APDU on the other side's
 * `receive()`. Lossy options act on whole APDUs (as on a datagram link); there is no chunking here.
 */
export function memoryApduChannelPair(options: LossOptions = {}): [MemoryApduChannel, MemoryApduChannel] {
  const link = new Link(options, false);
  const end = (i: 0 | 1): MemoryApduChannel => ({
    send: (apdu) => link.write(i, apdu),
    receive: () => link.queues[i],
    close: () => link.close(i),
    stats: link.pipes[i].stats,
    abort: (reason) => link.abort(reason),
  });
  return [end(0), end(1)];
}
