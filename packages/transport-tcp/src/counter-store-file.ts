/**
 * A durable invocation counter store in one JSON file (the `InvocationCounterStore` contract of
 * `@meteringlab/dlms-core`).
 *
 * Every change is written to a temporary file beside the target, fsynced, renamed over the target, and
 * the directory fsynced: after a crash the file holds either the previous or the new state, never a torn
 * one. Outgoing counters are reserved in blocks (`outgoingBlock`, 1 by default): the ceiling of the block
 * is on disk before any value of it is handed out, and after a restart counting resumes at that ceiling,
 * so a value is never reused (a crash only skips the unused rest of a block). Incoming high-water marks are
 * on disk before `acceptIncoming` resolves. Concurrent changes are coalesced into one write.
 *
 * The bookkeeping itself (`CounterTable`) lives in dlms-core; this file only adds the I/O. It does not
 * lock the file against a second process: one store per file.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  ArgumentError,
  CounterTable,
  DecodeError,
  MAX_INVOCATION_COUNTER,
  counterKey,
  type CounterId,
  type InvocationCounterStore,
} from '@meteringlab/dlms-core';

/** Options of {@link FileCounterStore.open}. */
export interface FileCounterStoreOptions {
  /**
   * Outgoing values reserved per write (default 1: one fsync per outgoing frame). A larger block writes
   * less often; a crash then skips at most `outgoingBlock - 1` values.
   */
  readonly outgoingBlock?: number;
}

const FORMAT = 'meteringlab-invocation-counters';

interface FileContent {
  readonly format: typeof FORMAT;
  readonly version: 1;
  /** Per counter key: every outgoing value below this may have been used. */
  readonly outgoing: Record<string, number>;
  /** Per counter key: the highest accepted incoming counter. */
  readonly incoming: Record<string, number>;
}

function isCounterRecord(v: unknown, max: number): v is Record<string, number> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  return Object.values(v).every((n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= max);
}

function parse(text: string): FileContent {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (cause) {
    throw new DecodeError('INVALID_VALUE', 'counter file is not JSON', 0, { cause });
  }
  const c = v as Partial<FileContent> | null;
  if (
    c === null ||
    typeof c !== 'object' ||
    c.format !== FORMAT ||
    c.version !== 1 ||
    !isCounterRecord(c.outgoing, MAX_INVOCATION_COUNTER + 1) ||
    !isCounterRecord(c.incoming, MAX_INVOCATION_COUNTER)
  ) {
    throw new DecodeError('INVALID_VALUE', 'counter file has an unknown format', 0);
  }
  return c as FileContent;
}

let tmpSeq = 0;

/** Writes `data` to `path` atomically and durably (temp file, fsync, rename, directory fsync). */
async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++tmpSeq}.tmp`);
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  // The rename itself is durable only once the directory entry is on disk.
  try {
    const dh = await open(dirname(path), 'r');
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  }
}

interface Reservation {
  readonly ceiling: number;
  readonly durable: Promise<void>;
}

/** A durable {@link InvocationCounterStore} backed by one JSON file. */
export class FileCounterStore implements InvocationCounterStore {
  private readonly table: CounterTable;
  /** Ceilings to persist, per counter key (loaded ones included). */
  private readonly ceilings = new Map<string, number>();
  private readonly reservations = new Map<string, Reservation>();
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly block: number,
    content: FileContent | undefined,
  ) {
    this.table = new CounterTable({ outgoing: content?.outgoing ?? {}, incoming: content?.incoming ?? {} });
    for (const [k, v] of Object.entries(content?.outgoing ?? {})) this.ceilings.set(k, v);
  }

  /** Opens (or starts) the store at `path`. A file that exists but does not parse is an error, never a reset. */
  static async open(path: string, options: FileCounterStoreOptions = {}): Promise<FileCounterStore> {
    const block = options.outgoingBlock ?? 1;
    if (!Number.isInteger(block) || block < 1)
      throw new RangeError('outgoingBlock must be a positive integer');
    let content: FileContent | undefined;
    try {
      content = parse(await readFile(path, 'utf8'));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    return new FileCounterStore(path, block, content);
  }

  async nextOutgoing(id: CounterId): Promise<number> {
    const key = counterKey(id);
    const v = this.table.takeOutgoing(key);
    let r = this.reservations.get(key);
    if (r === undefined || v >= r.ceiling) {
      const ceiling = Math.min(v + this.block, MAX_INVOCATION_COUNTER + 1);
      this.ceilings.set(key, ceiling);
      const durable: Promise<void> = this.persist().catch((e: unknown) => {
        // A failed reservation is dropped so the next call reserves (and writes) again.
        if (this.reservations.get(key) === reservation) this.reservations.delete(key);
        throw e;
      });
      const reservation: Reservation = { ceiling, durable };
      r = reservation;
      this.reservations.set(key, r);
    }
    await r.durable;
    return v;
  }

  checkIncoming(id: CounterId, ic: number): void {
    this.table.check(counterKey(id), ic);
  }

  /**
   * Makes every later {@link nextOutgoing} of `id` at least `next`. Nothing is written now: a value is
   * only handed out by `nextOutgoing`, which reserves it durably first.
   */
  async raiseOutgoing(id: CounterId, next: number): Promise<void> {
    if (!Number.isInteger(next) || next < 0 || next > MAX_INVOCATION_COUNTER + 1) {
      throw new ArgumentError(`${next} is not a valid next invocation counter`);
    }
    this.table.raiseOutgoing(counterKey(id), next);
  }

  async acceptIncoming(id: CounterId, ic: number): Promise<void> {
    this.table.accept(counterKey(id), ic);
    await this.persist();
  }

  lastIncoming(id: CounterId): number | undefined {
    return this.table.last(counterKey(id));
  }

  /** Resolves once every change made so far is on disk. */
  async flush(): Promise<void> {
    await this.queued;
    await this.inFlight;
  }

  private serialize(): string {
    const content: FileContent = {
      format: FORMAT,
      version: 1,
      outgoing: Object.fromEntries(this.ceilings),
      incoming: { ...this.table.snapshot().incoming },
    };
    return `${JSON.stringify(content, null, 2)}\n`;
  }

  /** A promise for a write that starts no earlier than now (so it includes every change made so far). */
  private persist(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.inFlight === undefined) return this.startWrite();
    const after = this.inFlight;
    const next = after
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => {
        this.queued = undefined;
        return this.startWrite();
      });
    this.queued = next;
    return next;
  }

  private startWrite(): Promise<void> {
    const p: Promise<void> = writeAtomic(this.path, this.serialize()).finally(() => {
      if (this.inFlight === p) this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }
}
