/**
 * The incremental framer: split at every offset, one byte at a time, several frames per chunk, garbage
 * between frames, 0x7E inside the FCS and the information field, shared flags, resynchronisation and
 * the size cap. Frames are produced by the codec (checked independently in codec.test.ts and against
 * the public vectors).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '@meteringlab/dlms-core';
import {
  type HdlcFrame,
  type HdlcFramerItem,
  clientAddress,
  createHdlcFramer,
  crc16x25,
  encodeHdlcFrame,
  serverAddress,
} from '@meteringlab/transport-hdlc-serial';

const base: HdlcFrame = {
  destination: serverAddress(1, 17),
  source: clientAddress(16),
  control: { type: 'i', ns: 0, nr: 0, pf: true },
  segmented: false,
  information: fromHex('E6E600C001C100080000010000FF0200'),
};

/** Finds an information field whose FCS contains 0x7E (searching a counter appended to a payload). */
function frameWithFlagInFcs(): Uint8Array {
  for (let i = 0; i < 65536; i++) {
    const info = Uint8Array.of(0xe6, 0xe6, 0x00, i >>> 8, i & 0xff);
    const b = encodeHdlcFrame({ ...base, information: info });
    if (b[b.length - 3] === 0x7e || b[b.length - 2] === 0x7e) return b;
  }
  throw new Error('no frame found');
}

const withFlagInFcs = frameWithFlagInFcs();
const withFlagInPayload = encodeHdlcFrame({ ...base, information: fromHex('E6E6007E7E7D7E00A07E') });
const rr = encodeHdlcFrame({
  ...base,
  control: { type: 'rr', nr: 3, pf: true },
  information: new Uint8Array(0),
});
const big = encodeHdlcFrame({
  ...base,
  segmented: true,
  information: new Uint8Array(1000).map((_, i) => (i * 7) & 0xff),
});
const frames = [encodeHdlcFrame(base), withFlagInFcs, withFlagInPayload, rr, big];
const stream = concat(...frames);

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function framesOf(items: HdlcFramerItem[]): string[] {
  return items.flatMap((i) => (i.type === 'frame' ? [toHex(i.bytes)] : []));
}

function feed(chunks: Uint8Array[]): HdlcFramerItem[] {
  const f = createHdlcFramer();
  return chunks.flatMap((c) => f.push(c));
}

describe('HDLC framer', () => {
  it('has the 0x7E cases it claims', () => {
    expect([withFlagInFcs[withFlagInFcs.length - 3], withFlagInFcs[withFlagInFcs.length - 2]]).toContain(
      0x7e,
    );
    expect(Array.from(withFlagInPayload.subarray(1, -1))).toContain(0x7e);
  });

  it('several frames in one chunk', () => {
    const items = feed([stream]);
    expect(framesOf(items)).toEqual(frames.map((b) => toHex(b)));
    expect(items.every((i) => i.type === 'frame')).toBe(true);
  });

  it('split at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const items = feed([stream.subarray(0, cut), stream.subarray(cut)]);
      expect(framesOf(items)).toEqual(frames.map((b) => toHex(b)));
    }
  });

  it('one byte at a time', () => {
    const chunks = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    const items = feed(chunks);
    expect(framesOf(items)).toEqual(frames.map((b) => toHex(b)));
    expect(items.filter((i) => i.type === 'error')).toEqual([]);
  });

  it('random chunking (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const n = sizes[i % sizes.length]!;
          chunks.push(stream.subarray(at, at + n));
          at += n;
        }
        expect(framesOf(feed(chunks))).toEqual(frames.map((b) => toHex(b)));
      }),
    );
  });

  it('shares the closing flag between back-to-back frames', () => {
    // Drop the opening flag of every frame after the first: the previous closing flag opens it.
    const shared = concat(frames[0]!, ...frames.slice(1).map((f) => f.subarray(1)));
    for (const size of [1, 3, 7, shared.length]) {
      const chunks = [];
      for (let i = 0; i < shared.length; i += size) chunks.push(shared.subarray(i, i + size));
      expect(framesOf(feed(chunks))).toEqual(frames.map((b) => toHex(b)));
    }
  });

  it('skips inter-frame flag fill', () => {
    const items = feed([fromHex('7E7E7E'), frames[0]!, fromHex('7E7E'), frames[3]!]);
    expect(framesOf(items)).toEqual([toHex(frames[0]!), toHex(frames[3]!)]);
    expect(items.every((i) => i.type === 'frame')).toBe(true);
  });

  it('garbage between frames is reported and the next frame is kept, at every split', () => {
    const garbage = [
      fromHex('00112233'), // no flag at all
      fromHex('7E'), // a lone flag
      fromHex('7EA0'), // a flag and half a header
      fromHex('7EA9FF0102'), // a header with a length far beyond what follows
      fromHex('7EA01000'), // a header with a malformed address
      withFlagInFcs.subarray(0, 12), // the start of a real frame, cut
      fromHex('7EB01002'), // a bad format type
    ];
    for (const g of garbage) {
      const s = concat(frames[0]!, g, frames[1]!, g, frames[2]!);
      for (let cut = 0; cut <= s.length; cut++) {
        const items = feed([s.subarray(0, cut), s.subarray(cut)]);
        expect(framesOf(items), `garbage ${toHex(g)} cut ${cut}`).toEqual(
          [frames[0]!, frames[1]!, frames[2]!].map((b) => toHex(b)),
        );
      }
      const oneByOne = feed(Array.from(s, (_, i) => s.subarray(i, i + 1)));
      expect(framesOf(oneByOne)).toEqual([frames[0]!, frames[1]!, frames[2]!].map((b) => toHex(b)));
      const errs = oneByOne.filter((i) => i.type === 'error');
      if (g.length > 1) expect(errs.length).toBeGreaterThan(0);
      for (const e of errs)
        expect(e.type === 'error' && ['BAD_FRAME', 'BAD_CHECKSUM'].includes(e.error.code)).toBe(true);
    }
  });

  it('a bad checksum is reported and the following frame survives', () => {
    const bad = frames[2]!.slice();
    bad[bad.length - 2] ^= 0x55;
    for (let cut = 0; cut <= bad.length + frames[3]!.length; cut++) {
      const s = concat(bad, frames[3]!);
      const items = feed([s.subarray(0, cut), s.subarray(cut)]);
      expect(framesOf(items)).toEqual([toHex(frames[3]!)]);
      expect(items.some((i) => i.type === 'error' && i.error.code === 'BAD_CHECKSUM')).toBe(true);
    }
  });

  it('a bad HCS is reported before the whole frame arrived', () => {
    const bad = big.slice();
    bad[7] ^= 0x01; // HCS of 7E A? ?? 02 23 21 10 [HCS]
    const items = createHdlcFramer().push(bad.subarray(0, 20));
    expect(items.some((i) => i.type === 'error' && i.error.code === 'BAD_CHECKSUM')).toBe(true);
  });

  it('resynchronises on a good frame that started inside rejected bytes', () => {
    // A false header (7E A0 40 ...) whose announced length swallows a real frame: the framer must find
    // the real frame after the false one fails.
    const fake = fromHex('7EA0400223211093');
    const s = concat(fake, frames[3]!, new Uint8Array(80), frames[0]!);
    const items = feed(Array.from(s, (_, i) => s.subarray(i, i + 1)));
    expect(framesOf(items)).toEqual([toHex(frames[3]!), toHex(frames[0]!)]);
  });

  it('caps the frame size with FRAME_TOO_LONG, keeps the buffer bounded, and keeps working', () => {
    const f = createHdlcFramer({ maxFrameLength: 200 });
    const items = f.push(concat(big, frames[0]!));
    expect(items.some((i) => i.type === 'error' && i.error.code === 'FRAME_TOO_LONG')).toBe(true);
    expect(framesOf(items)).toEqual([toHex(frames[0]!)]);
    // A header announcing 2047 bytes never makes the framer buffer more than the cap.
    const g = createHdlcFramer({ maxFrameLength: 200 });
    const huge = fromHex('7EA7FF0223211093');
    g.push(huge);
    for (let i = 0; i < 50; i++) g.push(new Uint8Array(100));
    expect(g.buffered).toBeLessThanOrEqual(200);
  });

  it('checks addresses when asked, reporting UNKNOWN_ADDRESS and keeping the next frame', () => {
    const other = encodeHdlcFrame({ ...base, destination: serverAddress(1, 18) });
    const f = createHdlcFramer({ decode: { destination: serverAddress(1, 17) } });
    const items = f.push(concat(other, frames[0]!));
    expect(items[0]).toMatchObject({ type: 'error', error: { code: 'UNKNOWN_ADDRESS' } });
    expect(framesOf(items)).toEqual([toHex(frames[0]!)]);
  });

  it('arbitrary bytes never throw and never lose a following frame', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (junk) => {
        // The junk is followed by enough non-flag bytes to exhaust any false length, then a frame.
        const items = feed([junk, new Uint8Array(2100).fill(0x55), frames[0]!]);
        expect(framesOf(items).at(-1)).toBe(toHex(frames[0]!));
      }),
      { numRuns: 50 },
    );
  });

  it('CRC sanity for the constructed frame with 0x7E in its FCS', () => {
    const fcs = crc16x25(withFlagInFcs, 1, withFlagInFcs.length - 3);
    expect(withFlagInFcs[withFlagInFcs.length - 3]).toBe(fcs & 0xff);
  });
});
