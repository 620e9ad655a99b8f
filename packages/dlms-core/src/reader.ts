/**
 * A checked cursor over a `Uint8Array`.
 *
 * Every read checks the bytes left and throws a {@link DecodeError} `TRUNCATED` with the absolute offset
 * when the input ends early. Byte strings are returned as views into the input (no copy); callers that
 * keep them beyond the input's lifetime copy them themselves. Multi-byte integers are big-endian, as in
 * A-XDR and BER.
 *
 * It never allocates per byte and never reads past `end`, so a decoder built on it cannot over-read.
 * A count that is not a non-negative integer (a decoder's arithmetic gone wrong on hostile input) is a
 * `DecodeError` `INVALID_VALUE`, never a silent move backwards. Bounds given to the constructor that do
 * not fit the buffer are a caller's mistake: {@link ArgumentError}.
 */
import { ArgumentError, DecodeError, type DecodeErrorCode } from './errors.js';

export class Reader {
  /** The whole input buffer (reads are limited to `[start, end)` of it). */
  readonly bytes: Uint8Array;
  /** Absolute position of the next byte to read. */
  pos: number;
  /** Absolute position one past the last readable byte. */
  readonly end: number;
  /** Offset reported in errors is `pos - base` (0 for the first byte of the input given to the decoder). */
  readonly base: number;
  private view: DataView | undefined;
  /** `bytes.buffer` and `bytes.byteOffset`, read once: views built from them are cheaper than `subarray`. */
  private readonly buffer: ArrayBufferLike;
  private readonly byteOffset: number;

  /**
   * A reader over `bytes[start, end)`; offsets in errors are counted from `base` (default `start`).
   *
   * @throws ArgumentError when the bounds are not integers with 0 ≤ start ≤ end ≤ bytes.length.
   */
  constructor(bytes: Uint8Array, start = 0, end = bytes.length, base = start) {
    if (
      !(bytes instanceof Uint8Array) ||
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      !Number.isInteger(base) ||
      start < 0 ||
      end > bytes.length ||
      start > end
    ) {
      throw new ArgumentError('Reader bounds out of range');
    }
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
    this.base = base;
    this.view = undefined;
    this.buffer = bytes.buffer;
    this.byteOffset = bytes.byteOffset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Offset of the next byte, relative to the start of the decoded input (used in errors). */
  get offset(): number {
    return this.pos - this.base;
  }

  /** True when every byte has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Throws `TRUNCATED` unless `n` more bytes are available (`INVALID_VALUE` if `n` is not a count). */
  require(n: number): void {
    this.checkCount(n);
    if (this.end - this.pos < n) {
      throw new DecodeError(
        'TRUNCATED',
        `needed ${n} byte(s) but only ${this.end - this.pos} left`,
        this.pos - this.base,
      );
    }
  }

  /** Builds a decode error at the current offset (or at `at`, an absolute position). */
  error(code: DecodeErrorCode, message: string, at: number = this.pos): DecodeError {
    return new DecodeError(code, message, at - this.base);
  }

  /** Throws `TRAILING_BYTES` unless the input is fully consumed. */
  expectEnd(what = 'message'): void {
    if (this.pos !== this.end) {
      throw new DecodeError(
        'TRAILING_BYTES',
        `${this.end - this.pos} byte(s) after the end of the ${what}`,
        this.pos - this.base,
      );
    }
  }

  /** Next byte without consuming it. */
  peekU8(): number {
    if (this.pos >= this.end) this.require(1);
    return this.bytes[this.pos]!;
  }

  u8(): number {
    if (this.pos >= this.end) this.require(1);
    return this.bytes[this.pos++]!;
  }

  i8(): number {
    const v = this.u8();
    return v > 127 ? v - 256 : v;
  }

  u16(): number {
    if (this.end - this.pos < 2) this.require(2);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 2;
    return (b[p]! << 8) | b[p + 1]!;
  }

  i16(): number {
    const v = this.u16();
    return v > 0x7fff ? v - 0x10000 : v;
  }

  u32(): number {
    if (this.end - this.pos < 4) this.require(4);
    const b = this.bytes;
    const p = this.pos;
    this.pos = p + 4;
    return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  i32(): number {
    const v = this.u32();
    return v | 0;
  }

  u64(): bigint {
    this.require(8);
    const v = this.dataView().getBigUint64(this.pos);
    this.pos += 8;
    return v;
  }

  i64(): bigint {
    this.require(8);
    const v = this.dataView().getBigInt64(this.pos);
    this.pos += 8;
    return v;
  }

  f32(): number {
    this.require(4);
    const v = this.dataView().getFloat32(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.require(8);
    const v = this.dataView().getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** `n` bytes as a view into the input (no copy). */
  bytesView(n: number): Uint8Array {
    this.checkCount(n);
    if (this.end - this.pos < n) this.require(n);
    const p = this.pos;
    this.pos = p + n;
    return new Uint8Array(this.buffer, this.byteOffset + p, n);
  }

  /** `n` bytes copied out of the input. */
  bytesCopy(n: number): Uint8Array {
    return this.bytesView(n).slice();
  }

  /** Every byte left, as a view. */
  rest(): Uint8Array {
    return this.bytesView(this.end - this.pos);
  }

  /** Skips `n` bytes. */
  skip(n: number): void {
    this.checkCount(n);
    if (this.end - this.pos < n) this.require(n);
    this.pos += n;
  }

  /**
   * A reader over the next `n` bytes, sharing this reader's offsets (errors inside report absolute
   * offsets of the original input). This reader moves past them.
   */
  sub(n: number): Reader {
    this.checkCount(n);
    if (this.end - this.pos < n) this.require(n);
    const r = new Reader(this.bytes, this.pos, this.pos + n, this.base);
    this.pos += n;
    return r;
  }

  private checkCount(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw this.error('INVALID_VALUE', `${n} is not a byte count`);
  }

  private dataView(): DataView {
    return (this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
  }
}
