/**
 * Test helper: runs an {@link HdlcPrimary} and an {@link HdlcSecondary} against each other on a virtual
 * clock, with a seeded, per-frame lossy network (drop, duplicate, reorder, corrupt) in between. The
 * server application answers each request with `respond(request)`.
 */
import {
  decodeHdlcFrame,
  type HdlcFrame,
  HdlcPrimary,
  type HdlcLinkEvent,
  type HdlcOutput,
  HdlcSecondary,
  type HdlcPrimaryOptions,
  type HdlcSecondaryOptions,
  createHdlcFramer,
} from '@meteringlab/transport-hdlc-serial';

export interface Loss {
  seed?: number;
  drop?: number;
  duplicate?: number;
  reorder?: number;
  corrupt?: number;
}

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

type Dir = 'toS' | 'toP';

export class Sim {
  now = 0;
  readonly p: HdlcPrimary;
  readonly s: HdlcSecondary;
  readonly pEvents: HdlcLinkEvent[] = [];
  readonly sEvents: HdlcLinkEvent[] = [];
  readonly wire: { dir: Dir; frame: HdlcFrame }[] = [];
  readonly received: Uint8Array[] = [];
  /** Units in flight, both directions, in the order they were written (one shared timeline). */
  private readonly queue: { dir: Dir; bytes: Uint8Array }[] = [];
  private readonly held: Record<Dir, Uint8Array | undefined> = { toS: undefined, toP: undefined };
  private readonly rng: () => number;
  private readonly framers = { toS: createHdlcFramer(), toP: createHdlcFramer() };
  /** Optional hook replacing the loss model: return the byte strings to deliver for one written frame. */
  tamper: ((dir: Dir, bytes: Uint8Array) => Uint8Array[]) | undefined;
  respond: ((request: Uint8Array) => Uint8Array | undefined) | undefined = (r) => r;

  constructor(
    po: HdlcPrimaryOptions,
    so: HdlcSecondaryOptions = {},
    private readonly loss: Loss = {},
  ) {
    this.p = new HdlcPrimary(po);
    this.s = new HdlcSecondary(so);
    this.rng = prng(loss.seed ?? 1);
  }

  fromP(out: HdlcOutput): void {
    this.pEvents.push(...out.events);
    for (const e of out.events) if (e.type === 'apdu') this.received.push(e.apdu);
    for (const f of out.frames) this.write('toS', f);
  }

  fromS(out: HdlcOutput): void {
    this.sEvents.push(...out.events);
    for (const f of out.frames) this.write('toP', f);
    for (const e of out.events) {
      if (e.type === 'apdu' && this.respond) {
        const answer = this.respond(e.apdu);
        if (answer) this.fromS(this.s.send(answer, this.now));
      }
    }
  }

  private write(dir: Dir, bytes: Uint8Array): void {
    this.wire.push({ dir, frame: decodeHdlcFrame(bytes) });
    if (this.tamper) {
      for (const b of this.tamper(dir, bytes)) this.queue.push({ dir, bytes: b });
      return;
    }
    const l = this.loss;
    if (this.rng() < (l.drop ?? 0)) return;
    let b = bytes;
    if (this.rng() < (l.corrupt ?? 0)) {
      b = bytes.slice();
      b[Math.floor(this.rng() * b.length)] ^= 1 + Math.floor(this.rng() * 255);
    }
    const copies = this.rng() < (l.duplicate ?? 0) ? [b, b] : [b];
    if (this.rng() < (l.reorder ?? 0) && this.held[dir] === undefined) {
      this.held[dir] = b;
      return;
    }
    for (const c of copies) this.queue.push({ dir, bytes: c });
    const h = this.held[dir];
    if (h) {
      this.held[dir] = undefined;
      this.queue.push({ dir, bytes: h });
    }
  }

  /** Delivers one queued unit; false when both directions are empty. */
  step(): boolean {
    const unit = this.queue.shift();
    if (unit === undefined) return false;
    for (const item of this.framers[unit.dir].push(unit.bytes)) {
      if (item.type !== 'frame') continue;
      if (unit.dir === 'toS') this.fromS(this.s.receive(item.frame, this.now));
      else this.fromP(this.p.receive(item.frame, this.now));
    }
    return true;
  }

  /** Runs until `done()` or the budget of steps is used; advances the clock when nothing is in flight. */
  run(done: () => boolean, maxSteps = 100_000): void {
    for (let i = 0; i < maxSteps && !done(); i++) {
      if (this.step()) continue;
      for (const dir of ['toS', 'toP'] as const) {
        const h = this.held[dir];
        if (h) {
          this.held[dir] = undefined;
          this.queue.push({ dir, bytes: h });
        }
      }
      if (this.queue.length > 0) continue;
      const next = Math.min(this.p.nextDeadlineMs ?? Infinity, this.s.nextDeadlineMs ?? Infinity);
      if (next === Infinity) return;
      this.now = Math.max(this.now, next);
      this.fromP(this.p.tick(this.now));
      this.fromS(this.s.tick(this.now));
    }
  }

  connect(): void {
    this.fromP(this.p.connect(this.now));
    this.run(() => this.p.state !== 'connecting');
  }

  /** Sends `apdu` and runs until one more APDU arrived at the client (or nothing can happen anymore). */
  request(apdu: Uint8Array, maxSteps?: number): Uint8Array | undefined {
    const before = this.received.length;
    this.fromP(this.p.send(apdu, this.now));
    this.run(
      () => this.received.length > before || this.p.state === 'failed' || this.p.state === 'disconnected',
      maxSteps,
    );
    return this.received.length > before ? this.received[this.received.length - 1] : undefined;
  }
}

export function bytesOf(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}
