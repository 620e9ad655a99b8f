/**
 * Throughput of the wrapper framer and encoder. Each iteration handles a batch of 1000 frames, so
 * frames/s = hz x 1000. "whole": the batch in one chunk (frames are views, no copy); "MSS": cut into
 * 1460-byte chunks like TCP segments (frames spanning two segments are copied); "7-byte": a worst case
 * of tiny reads; "per-frame": one chunk per frame, as a request/response exchange delivers them.
 */
import { bench, describe } from 'vitest';
import { createWrapperFramer, encodeWrapperFrame } from '../src/index.js';

const BATCH = 1000;

function stream(apduLength: number): { bytes: Uint8Array; frames: Uint8Array[] } {
  const apdu = Uint8Array.from({ length: apduLength }, (_, i) => i & 0xff);
  const frames = Array.from({ length: BATCH }, (_, i) =>
    encodeWrapperFrame({ source: 0x10, destination: 1 + (i & 7), apdu }),
  );
  const bytes = new Uint8Array(frames.reduce((s, f) => s + f.length, 0));
  let at = 0;
  for (const f of frames) {
    bytes.set(f, at);
    at += f.length;
  }
  return { bytes, frames };
}

function cut(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function run(chunks: Uint8Array[]): void {
  const framer = createWrapperFramer();
  let n = 0;
  for (const c of chunks) n += framer.push(c).length;
  if (n !== BATCH) throw new Error(`expected ${BATCH} frames, got ${n}`);
}

for (const size of [64, 1024]) {
  const { bytes, frames } = stream(size);
  const mss = cut(bytes, 1460);
  const tiny = cut(bytes, 7);
  const apdu = frames[0]!.subarray(8);
  describe(`wrapper framer, ${size}-byte APDUs (x${BATCH} frames per op)`, () => {
    bench('whole stream in one chunk', () => run([bytes]));
    bench('one chunk per frame', () => run(frames));
    bench('1460-byte chunks (MSS)', () => run(mss));
    bench('7-byte chunks', () => run(tiny));
  });
  describe(`wrapper encoder, ${size}-byte APDUs (x${BATCH} frames per op)`, () => {
    bench('encodeWrapperFrame', () => {
      for (let i = 0; i < BATCH; i++) encodeWrapperFrame({ source: 0x10, destination: 1, apdu });
    });
  });
}
