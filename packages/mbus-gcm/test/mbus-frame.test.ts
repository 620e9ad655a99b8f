/**
 * M-Bus long-frame codec and framer. Fixtures: the EVN documentation sample's second telegram (public,
 * see vectors.test.ts; copied here with its fields annotated) and frames built by the encoder under test
 * only where a round trip is the point. Framer: every offset split, byte at a time, several frames per
 * chunk, garbage and bad checksums between frames, and fast-check properties on arbitrary bytes and
 * arbitrary chunkings.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FramingError, fromHex, isDlmsError } from '@meteringlab/dlms-core';
import {
  createMbusFramer,
  decodeMbusFrame,
  encodeMbusFrame,
  mbusChecksum,
  type MbusFramerItem,
} from '../src/index.js';

// EVN sample telegram 2 (Netze NÖ customer-interface documentation, via bernhardbirke/smartmeter-evn-postgresql).
const EVN_2 = fromHex(
  [
    '68', // start
    '14 14', // L = 20, repeated: C, A, CI + 17 bytes of user data
    '68', // start
    '53', // C: SND_UD
    'FF', // A: broadcast
    '11', // CI: DLMS transport, last telegram (0x10), sequence 1
    '01 67', // STSAP, DTSAP
    '41 9A 3C FD A4 4B E4 38 C9 6F 0E 38 BF 83 D9', // the rest of the ciphered APDU
    '83', // checksum: sum of C..end of user data mod 256
    '16', // stop
  ].join(' '),
);

const frameArb = fc.record({
  c: fc.integer({ min: 0, max: 255 }),
  a: fc.integer({ min: 0, max: 255 }),
  ci: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 252 }),
});

function frames(items: MbusFramerItem[]): Uint8Array[] {
  return items.flatMap((i) => (i.type === 'frame' ? [i.bytes] : []));
}

function skipped(items: MbusFramerItem[]): number {
  return items.reduce((n, i) => n + (i.type === 'error' ? i.skipped : 0), 0);
}

describe('decodeMbusFrame / encodeMbusFrame', () => {
  it('decodes the annotated EVN telegram and encodes it back byte for byte', () => {
    const f = decodeMbusFrame(EVN_2);
    expect(f).toMatchObject({ c: 0x53, a: 0xff, ci: 0x11 });
    expect(f.data.length).toBe(17);
    expect(mbusChecksum(EVN_2, 4, EVN_2.length - 2)).toBe(0x83);
    expect(encodeMbusFrame(f)).toEqual(EVN_2);
  });

  it('fails with TRUNCATED at every prefix and TRAILING_BYTES with one byte more', () => {
    for (let n = 0; n < EVN_2.length; n++) {
      expect(() => decodeMbusFrame(EVN_2.subarray(0, n)), `prefix ${n}`).toThrow(
        expect.objectContaining({ code: 'TRUNCATED' }),
      );
    }
    expect(() => decodeMbusFrame(Uint8Array.of(...EVN_2, 0))).toThrow(
      expect.objectContaining({ code: 'TRAILING_BYTES' }),
    );
  });

  it('rejects bad start, L fields, stop and checksum', () => {
    const bad = (i: number, v: number): Uint8Array => {
      const b = EVN_2.slice();
      b[i] = v;
      return b;
    };
    expect(() => decodeMbusFrame(bad(0, 0x10))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeMbusFrame(bad(2, 0x15))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeMbusFrame(bad(3, 0x00))).toThrow(expect.objectContaining({ code: 'BAD_FRAME' }));
    expect(() => decodeMbusFrame(bad(EVN_2.length - 1, 0x17))).toThrow(
      expect.objectContaining({ code: 'BAD_FRAME' }),
    );
    expect(() => decodeMbusFrame(bad(EVN_2.length - 2, 0x84))).toThrow(
      expect.objectContaining({ code: 'BAD_CHECKSUM' }),
    );
    expect(() => decodeMbusFrame(bad(10, 0x00))).toThrow(expect.objectContaining({ code: 'BAD_CHECKSUM' }));
    expect(() => decodeMbusFrame(fromHex('68020268FFFF16'))).toThrow(
      expect.objectContaining({ code: 'BAD_FRAME' }),
    );
  });

  it('rejects user data over 252 bytes and non-byte fields', () => {
    expect(() => encodeMbusFrame({ c: 0x53, a: 0, ci: 0, data: new Uint8Array(253) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => encodeMbusFrame({ c: 256, a: 0, ci: 0, data: new Uint8Array(0) })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('round-trips arbitrary frames', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const d = decodeMbusFrame(encodeMbusFrame(f));
        expect({ ...d, data: Array.from(d.data) }).toEqual({ ...f, data: Array.from(f.data) });
      }),
    );
  });

  it('throws only FramingErrors on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          decodeMbusFrame(b);
        } catch (e) {
          expect(e).toBeInstanceOf(FramingError);
        }
      }),
    );
  });
});

describe('createMbusFramer', () => {
  const a = encodeMbusFrame({ c: 0x53, a: 0xff, ci: 0x00, data: fromHex('0167DB0816166868') });
  const b = EVN_2;
  const stream = Uint8Array.of(...a, ...b);

  it('finds both frames at every split offset and byte by byte', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = createMbusFramer();
      const out = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(frames(out), `cut ${cut}`).toEqual([a, b]);
      expect(skipped(out)).toBe(0);
      expect(f.buffered).toBe(0);
    }
    const f = createMbusFramer();
    const out: MbusFramerItem[] = [];
    for (const x of stream) out.push(...f.push(Uint8Array.of(x)));
    expect(frames(out)).toEqual([a, b]);
  });

  it('gives frames of one chunk as views, and copies frames that span chunks', () => {
    const f = createMbusFramer();
    const [item] = f.push(b);
    expect(item!.type === 'frame' && item.bytes.buffer).toBe(b.buffer);
  });

  it('resynchronises after garbage, a bad checksum and a false start', () => {
    const corrupt = b.slice();
    corrupt[9]! ^= 0xff;
    const falseStart = fromHex('68 05 05 68 00'); // a header whose frame never completes properly
    const input = Uint8Array.of(0x00, 0x16, 0xe5, ...corrupt, ...falseStart, ...a, 0x68, 0x68, ...b);
    for (const step of [1, 3, 7, input.length]) {
      const f = createMbusFramer();
      const out: MbusFramerItem[] = [];
      for (let i = 0; i < input.length; i += step) out.push(...f.push(input.subarray(i, i + step)));
      expect(frames(out), `step ${step}`).toEqual([a, b]);
      expect(out.some((i) => i.type === 'error' && i.error.code === 'BAD_CHECKSUM')).toBe(true);
      expect(skipped(out) + a.length + b.length + f.buffered).toBe(input.length);
    }
  });

  it('holds at most maxFrameLength bytes and rejects longer frames when capped', () => {
    const f = createMbusFramer({ maxFrameLength: 20 });
    const out = f.push(a.length > 20 ? a : encodeMbusFrame({ c: 1, a: 2, ci: 3, data: new Uint8Array(30) }));
    expect(out.some((i) => i.type === 'error' && i.error.code === 'FRAME_TOO_LONG')).toBe(true);
    expect(f.buffered).toBeLessThan(20);
    expect(() => createMbusFramer({ maxFrameLength: 8 })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });

  it('property: any chunking of arbitrary bytes gives the same frames, skips and buffer as one push', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 40 }),
            frameArb.map(encodeMbusFrame),
            fc.constant(Uint8Array.of(0x68)),
          ),
          { maxLength: 8 },
        ),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
        (parts, sizes) => {
          const input = Uint8Array.from(parts.flatMap((p) => [...p]));
          const whole = createMbusFramer();
          const one = whole.push(input);
          const f = createMbusFramer();
          const many: MbusFramerItem[] = [];
          let at = 0;
          for (let i = 0; at < input.length; i++) {
            const n = sizes[i % sizes.length]!;
            many.push(...f.push(input.subarray(at, at + n)));
            at += n;
            expect(f.buffered).toBeLessThan(261);
          }
          expect(frames(many)).toEqual(frames(one));
          expect(skipped(many)).toBe(skipped(one));
          expect(f.buffered).toBe(whole.buffered);
          const frameBytes = frames(one).reduce((n, x) => n + x.length, 0);
          expect(frameBytes + skipped(one) + whole.buffered).toBe(input.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: frames separated by garbage without start characters are all found, in order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.uint8Array({ maxLength: 20 }).map((g) => g.map((x) => (x === 0x68 ? 0x69 : x))),
            frameArb,
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (pairs) => {
          const encoded = pairs.map(([, fr]) => encodeMbusFrame(fr));
          const input = Uint8Array.from(pairs.flatMap(([g], i) => [...g, ...encoded[i]!]));
          const f = createMbusFramer();
          const out: MbusFramerItem[] = [];
          for (let i = 0; i < input.length; i += 13) out.push(...f.push(input.subarray(i, i + 13)));
          expect(frames(out)).toEqual(encoded);
        },
      ),
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const f = createMbusFramer();
        for (const c of chunks) {
          for (const it of f.push(c)) if (it.type === 'error') expect(isDlmsError(it.error)).toBe(true);
        }
      }),
    );
  });
});
