/**
 * Reader and Writer: checked big-endian reads and writes, views, patches, and their errors.
 * Values and byte patterns computed by hand (two's complement, IEEE 754).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, DecodeError, Reader, Writer, fromHex, toHex } from '../src/index.js';

function decodeCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DecodeError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('Reader', () => {
  it('reads big-endian integers and floats', () => {
    const r = new Reader(
      fromHex(
        'FF 80 00 FF FE 80 00 00 00 00 FF FF FF FF 80 00 00 00 00 00 00 00 FF FF FF FF FF FF FF FF 3F C0 00 00 3F B9 99 99 99 99 99 9A',
      ),
    );
    expect(r.u8()).toBe(255);
    expect(r.i8()).toBe(-128);
    expect(r.i16()).toBe(0x00ff);
    expect(r.i16()).toBe(-384); // FE80
    expect(r.offset).toBe(6);
    r.pos = 4;
    expect(r.u16()).toBe(0xfe80);
    expect(r.i32()).toBe(0);
    expect(r.u32()).toBe(0xffffffff >>> 0);
    expect(r.i64()).toBe(-(2n ** 63n));
    expect(r.u64()).toBe(2n ** 64n - 1n);
    expect(r.f32()).toBe(1.5);
    expect(r.f64()).toBe(0.1);
    expect(r.done).toBe(true);
    expect(decodeCode(() => r.u8())).toBe('TRUNCATED');
  });

  it('fails with TRUNCATED at the offset of the read, without moving', () => {
    const reads: [(r: Reader) => unknown, number][] = [
      [(r) => r.u8(), 1],
      [(r) => r.i8(), 1],
      [(r) => r.u16(), 2],
      [(r) => r.i16(), 2],
      [(r) => r.u32(), 4],
      [(r) => r.i32(), 4],
      [(r) => r.u64(), 8],
      [(r) => r.i64(), 8],
      [(r) => r.f32(), 4],
      [(r) => r.f64(), 8],
      [(r) => r.bytesView(3), 3],
      [(r) => r.bytesCopy(3), 3],
      [(r) => r.sub(3), 3],
      [(r) => r.skip(3), 3],
    ];
    for (const [read, size] of reads) {
      const r = new Reader(new Uint8Array(size + 1), 2, size + 1);
      try {
        read(r);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        expect((e as DecodeError).code).toBe('TRUNCATED');
        expect((e as DecodeError).offset).toBe(0);
      }
      expect(r.pos).toBe(2);
    }
  });

  it('returns views, copies and sub-readers with absolute offsets', () => {
    const bytes = fromHex('00 01 02 03 04 05');
    const r = new Reader(bytes, 1);
    const v = r.bytesView(2);
    expect(v.buffer).toBe(bytes.buffer);
    expect(toHex(v)).toBe('0102');
    const c = r.bytesCopy(1);
    expect(c.buffer).not.toBe(bytes.buffer);
    const s = r.sub(2);
    expect(s.offset).toBe(3);
    expect(s.u16()).toBe(0x0405);
    expect(decodeCode(() => s.u8())).toBe('TRUNCATED');
    expect(r.rest()).toEqual(new Uint8Array(0));
    expect(decodeCode(() => r.peekU8())).toBe('TRUNCATED');
  });

  it('refuses counts that are not non-negative integers with INVALID_VALUE', () => {
    for (const n of [-1, 1.5, NaN]) {
      const r = new Reader(new Uint8Array(4));
      expect(decodeCode(() => r.bytesView(n))).toBe('INVALID_VALUE');
      expect(decodeCode(() => r.skip(n))).toBe('INVALID_VALUE');
      expect(decodeCode(() => r.sub(n))).toBe('INVALID_VALUE');
      expect(decodeCode(() => r.require(n))).toBe('INVALID_VALUE');
      expect(r.pos).toBe(0);
    }
  });

  it('checks trailing bytes', () => {
    const r = new Reader(fromHex('01 02'));
    r.u8();
    expect(decodeCode(() => r.expectEnd())).toBe('TRAILING_BYTES');
    r.u8();
    r.expectEnd();
  });

  it('rejects bounds outside the buffer with ArgumentError', () => {
    const b = new Uint8Array(4);
    expect(() => new Reader(b, 5)).toThrow(ArgumentError);
    expect(() => new Reader(b, 0, 5)).toThrow(ArgumentError);
    expect(() => new Reader(b, 3, 2)).toThrow(ArgumentError);
    expect(() => new Reader(b, -1)).toThrow(ArgumentError);
    expect(() => new Reader(b, 0.5)).toThrow(ArgumentError);
  });

  it('reads back what the Writer wrote', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.double({ noNaN: true }),
        fc.float({ noNaN: true }),
        (i8, i16, i32, u32, i64, u64, f64, f32) => {
          const w = new Writer(0);
          w.i8(i8).i16(i16).i32(i32).u32(u32).i64(i64).u64(u64).f64(f64).f32(f32);
          const r = new Reader(w.toBytes());
          expect([r.i8(), r.i16(), r.i32(), r.u32(), r.i64(), r.u64(), r.f64(), r.f32()]).toEqual([
            i8,
            i16,
            i32,
            u32,
            i64,
            u64,
            f64,
            f32,
          ]);
          expect(r.done).toBe(true);
        },
      ),
    );
  });
});

describe('Writer', () => {
  it('writes big-endian values and grows', () => {
    const w = new Writer(1);
    w.u8(1).i8(-1).u16(0x1234).i16(-2).u32(0xdeadbeef).i32(-1).u64(1n).i64(-2n).f32(1.5).f64(0.1);
    expect(toHex(w.view(), ' ')).toBe(
      '01 FF 12 34 FF FE DE AD BE EF FF FF FF FF 00 00 00 00 00 00 00 01 FF FF FF FF FF FF FF FE 3F C0 00 00 3F B9 99 99 99 99 99 9A',
    );
    const big = new Uint8Array(1000).fill(7);
    w.bytes(big);
    expect(w.length).toBe(1042);
    expect(w.toBytes().subarray(42)).toEqual(big);
  });

  it('rejects values out of range with ArgumentError, writing nothing', () => {
    const w = new Writer();
    const bad: (() => unknown)[] = [
      () => w.u8(256),
      () => w.u8(-1),
      () => w.u8(1.5),
      () => w.i8(128),
      () => w.u16(0x10000),
      () => w.i16(-32769),
      () => w.u32(2 ** 32),
      () => w.i32(2 ** 31),
      () => w.u64(-1n),
      () => w.u64(2n ** 64n),
      () => w.i64(2n ** 63n),
      () => w.u64(1 as unknown as bigint),
      () => w.f32('1' as unknown as number),
      () => w.f64(undefined as unknown as number),
    ];
    for (const f of bad) expect(f).toThrow(ArgumentError);
    expect(w.length).toBe(0);
  });

  it('reserves, patches and inserts', () => {
    const w = new Writer(2);
    const at = w.reserve(3);
    w.u8(0xaa);
    w.patchU8(at, 0x81);
    w.patchU16(at + 1, 0x0102);
    expect(toHex(w.view())).toBe('810102AA');
    w.insert(1, fromHex('EEFF'));
    expect(toHex(w.view())).toBe('81EEFF0102AA');
    expect(() => w.patchU8(6, 1)).toThrow(ArgumentError);
    expect(() => w.patchU16(5, 1)).toThrow(ArgumentError);
    expect(() => w.patchU8(0, 256)).toThrow(ArgumentError);
    expect(() => w.patchU16(0, 1.5)).toThrow(ArgumentError);
    expect(() => w.insert(7, fromHex('00'))).toThrow(ArgumentError);
    expect(() => w.reserve(-1)).toThrow(ArgumentError);
    expect(toHex(w.view())).toBe('81EEFF0102AA');
  });

  it('reset keeps the buffer and starts again', () => {
    const w = new Writer(4);
    w.u32(0x01020304);
    w.reset();
    expect(w.length).toBe(0);
    w.u8(9);
    expect(toHex(w.toBytes())).toBe('09');
  });

  it('toBytes copies, view does not', () => {
    const w = new Writer();
    w.u8(1);
    const copy = w.toBytes();
    const view = w.view();
    w.patchU8(0, 2);
    expect(copy[0]).toBe(1);
    expect(view[0]).toBe(2);
  });
});
