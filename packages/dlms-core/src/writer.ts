/**
 * A growable big-endian byte writer.
 *
 * It writes into one buffer that doubles when full (never a per-byte concatenation), and can reserve a
 * length field to be filled in once the content is known (`reserve` / `patchU8` / `patchU16`).
 * Values out of range for the field are rejected with an {@link ArgumentError} rather than truncated.
 */
import { ArgumentError } from './errors.js';

const EMPTY = new Uint8Array(0);

export class Writer {
  private buf: Uint8Array;
  private dv: DataView | undefined;
  /** Number of bytes written so far. */
  length = 0;

  constructor(initialCapacity = 256) {
    this.buf = initialCapacity > 0 ? new Uint8Array(initialCapacity) : EMPTY;
  }

  private ensure(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2 || 64;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = undefined;
  }

  private dataView(): DataView {
    return (this.dv ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength));
  }

  u8(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xff)
      throw new ArgumentError(`${v} is not an unsigned 8-bit value`);
    this.ensure(1);
    this.buf[this.length++] = v;
    return this;
  }

  i8(v: number): this {
    if (!Number.isInteger(v) || v < -128 || v > 127)
      throw new ArgumentError(`${v} is not a signed 8-bit value`);
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff)
      throw new ArgumentError(`${v} is not an unsigned 16-bit value`);
    this.ensure(2);
    this.buf[this.length++] = v >>> 8;
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  i16(v: number): this {
    if (!Number.isInteger(v) || v < -0x8000 || v > 0x7fff)
      throw new ArgumentError(`${v} is not a signed 16-bit value`);
    return this.u16(v & 0xffff);
  }

  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new ArgumentError(`${v} is not an unsigned 32-bit value`);
    }
    this.ensure(4);
    const b = this.buf;
    let p = this.length;
    b[p++] = v >>> 24;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = v & 0xff;
    this.length = p;
    return this;
  }

  i32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new ArgumentError(`${v} is not a signed 32-bit value`);
    }
    return this.u32(v >>> 0);
  }

  u64(v: bigint): this {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) {
      throw new ArgumentError(`${String(v)} is not an unsigned 64-bit value`);
    }
    this.ensure(8);
    this.dataView().setBigUint64(this.length, v);
    this.length += 8;
    return this;
  }

  i64(v: bigint): this {
    if (typeof v !== 'bigint' || v < -0x8000000000000000n || v > 0x7fffffffffffffffn) {
      throw new ArgumentError(`${String(v)} is not a signed 64-bit value`);
    }
    this.ensure(8);
    this.dataView().setBigInt64(this.length, v);
    this.length += 8;
    return this;
  }

  f32(v: number): this {
    if (typeof v !== 'number') throw new ArgumentError(`${String(v)} is not a number`);
    this.ensure(4);
    this.dataView().setFloat32(this.length, v);
    this.length += 4;
    return this;
  }

  f64(v: number): this {
    if (typeof v !== 'number') throw new ArgumentError(`${String(v)} is not a number`);
    this.ensure(8);
    this.dataView().setFloat64(this.length, v);
    this.length += 8;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** Reserves `n` zero bytes (e.g. a length field) and returns their position for a later patch. */
  reserve(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`${n} is not a byte count`);
    this.ensure(n);
    const at = this.length;
    this.buf.fill(0, at, at + n);
    this.length += n;
    return at;
  }

  /** Overwrites the byte at `at` (within what was written). */
  patchU8(at: number, v: number): void {
    this.checkAt(at, 1);
    if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new ArgumentError(`${v} does not fit one byte`);
    this.buf[at] = v;
  }

  /** Overwrites two bytes at `at` (within what was written), big-endian. */
  patchU16(at: number, v: number): void {
    this.checkAt(at, 2);
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new ArgumentError(`${v} does not fit two bytes`);
    this.buf[at] = v >>> 8;
    this.buf[at + 1] = v & 0xff;
  }

  /** Inserts `b` at position `at`, moving what follows (used to prefix a length once it is known). */
  insert(at: number, b: Uint8Array): void {
    if (!Number.isInteger(at) || at < 0 || at > this.length)
      throw new ArgumentError(`insert position ${at} out of range`);
    this.ensure(b.length);
    this.buf.copyWithin(at + b.length, at, this.length);
    this.buf.set(b, at);
    this.length += b.length;
  }

  private checkAt(at: number, n: number): void {
    if (!Number.isInteger(at) || at < 0 || at + n > this.length) {
      throw new ArgumentError(`patch position ${at} is outside the ${this.length} byte(s) written`);
    }
  }

  /**
   * Forgets what was written and keeps the buffer, for encoders that write many messages in a row
   * (allocating a fresh buffer costs more than encoding a small message). Views returned by
   * {@link view} before the reset see the next writes.
   */
  reset(): void {
    this.length = 0;
  }

  /** A view of the bytes written so far (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
