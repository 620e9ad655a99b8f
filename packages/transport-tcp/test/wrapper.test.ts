import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, isDlmsError, DlmsError } from '@meteringlab/dlms-core';
import {
  createWrapperFramer,
  decodeWrapperFrame,
  encodeWrapperFrame,
  type WrapperFrame,
} from '../src/index.js';

/**
 * Fixtures built by hand from the header layout of IEC 62056-47:2006 5.3.2 (version, source wPort,
 * destination wPort, length; all u16 big-endian). The APDUs are ordinary xDLMS GET request/response
 * bytes; their content does not matter to the wrapper.
 */
const FIXTURES: { name: string; hex: string; frame: WrapperFrame }[] = [
  {
    name: 'public client (0x10) to management logical device (0x01), GET request',
    hex:
      '0001' + // version 1
      '0010' + // source wPort: public client
      '0001' + // destination wPort: management logical device
      '000D' + // length: 13 APDU bytes
      'C001C100080000010000FF0200', // get-request-normal, clock 0.0.1.0.0.255 attribute 2
    frame: { source: 0x10, destination: 0x01, apdu: fromHex('C001C100080000010000FF0200') },
  },
  {
    name: 'management logical device back to the public client, GET response',
    hex: '0001' + '0001' + '0010' + '0004' + 'C401C100', // get-response-normal, success, no data (short)
    frame: { source: 0x01, destination: 0x10, apdu: fromHex('C401C100') },
  },
  {
    name: 'empty APDU, highest wPorts',
    hex: '0001' + 'FFFF' + 'FFFF' + '0000',
    frame: { source: 0xffff, destination: 0xffff, apdu: new Uint8Array(0) },
  },
];

const plain = (f: WrapperFrame) => ({
  source: f.source,
  destination: f.destination,
  apdu: Uint8Array.from(f.apdu),
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function expectCode(fn: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(isDlmsError(thrown), `expected a DlmsError ${code}, got ${String(thrown)}`).toBe(true);
  expect((thrown as DlmsError).code).toBe(code);
}

describe('wrapper codec', () => {
  for (const f of FIXTURES) {
    it(`encodes and decodes: ${f.name}`, () => {
      const bytes = fromHex(f.hex);
      expect(encodeWrapperFrame(f.frame)).toEqual(bytes);
      expect(plain(decodeWrapperFrame(bytes))).toEqual(plain(f.frame));
    });

    it(`every prefix is TRUNCATED, one more byte is TRAILING_BYTES: ${f.name}`, () => {
      const bytes = fromHex(f.hex);
      for (let i = 0; i < bytes.length; i++)
        expectCode(() => decodeWrapperFrame(bytes.subarray(0, i)), 'TRUNCATED');
      expectCode(() => decodeWrapperFrame(concat([bytes, Uint8Array.of(0)])), 'TRAILING_BYTES');
    });
  }

  it('decodes the APDU as a view', () => {
    const bytes = fromHex(FIXTURES[0]!.hex);
    const f = decodeWrapperFrame(bytes);
    expect(f.apdu.buffer).toBe(bytes.buffer);
  });

  it('rejects a version other than 0x0001 with BAD_VERSION', () => {
    expectCode(() => decodeWrapperFrame(fromHex('0002 0010 0001 0000')), 'BAD_VERSION');
    expectCode(() => decodeWrapperFrame(fromHex('0000 0010 0001 0000')), 'BAD_VERSION');
  });

  it('rejects a length over maxApduLength with FRAME_TOO_LONG', () => {
    expectCode(
      () => decodeWrapperFrame(fromHex('0001 0010 0001 0005 0102030405'), { maxApduLength: 4 }),
      'FRAME_TOO_LONG',
    );
  });

  it('refuses to encode what does not fit', () => {
    expectCode(
      () => encodeWrapperFrame({ source: 0x10000, destination: 1, apdu: new Uint8Array(0) }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => encodeWrapperFrame({ source: 1, destination: -1, apdu: new Uint8Array(0) }),
      'INVALID_ARGUMENT',
    );
    expectCode(
      () => encodeWrapperFrame({ source: 1, destination: 1, apdu: new Uint8Array(0x10000) }),
      'INVALID_ARGUMENT',
    );
    expectCode(() => createWrapperFramer({ maxApduLength: 70000 }), 'INVALID_ARGUMENT');
  });
});

describe('wrapper framer', () => {
  const stream = concat(FIXTURES.map((f) => fromHex(f.hex)));
  const expected = FIXTURES.map((f) => plain(f.frame));

  it('returns every frame when the stream is split at every offset', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const framer = createWrapperFramer();
      const got = [...framer.push(stream.subarray(0, cut)), ...framer.push(stream.subarray(cut))];
      expect(got.map(plain), `cut at ${cut}`).toEqual(expected);
      expect(framer.buffered).toBe(0);
    }
  });

  it('returns every frame when split at every pair of offsets', () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const framer = createWrapperFramer();
        const got = [
          ...framer.push(stream.subarray(0, i)),
          ...framer.push(stream.subarray(i, j)),
          ...framer.push(stream.subarray(j)),
        ];
        expect(got.map(plain)).toEqual(expected);
      }
    }
  });

  it('returns every frame when fed one byte at a time', () => {
    const framer = createWrapperFramer();
    const got: WrapperFrame[] = [];
    for (let i = 0; i < stream.length; i++) {
      got.push(...framer.push(stream.subarray(i, i + 1)));
      expect(framer.buffered).toBeLessThanOrEqual(8 + 13);
    }
    expect(got.map(plain)).toEqual(expected);
  });

  it('returns several frames of one chunk as views into it', () => {
    const framer = createWrapperFramer();
    const got = framer.push(stream);
    expect(got.map(plain)).toEqual(expected);
    for (const f of got) expect(f.apdu.buffer).toBe(stream.buffer);
  });

  it('copies a frame that spans chunks, so the caller may reuse its buffer', () => {
    const framer = createWrapperFramer();
    const bytes = fromHex(FIXTURES[0]!.hex);
    const first = bytes.slice(0, 12);
    expect(framer.push(first)).toEqual([]);
    first.fill(0xee);
    const [f] = framer.push(bytes.slice(12));
    expect(plain(f!)).toEqual(expected[0]);
  });

  it('fails on a bad version as soon as the version bytes arrive, then refuses input', () => {
    const framer = createWrapperFramer();
    const good = fromHex(FIXTURES[1]!.hex);
    expect(framer.push(good).length).toBe(1);
    expect(framer.push(Uint8Array.of(0x00))).toEqual([]);
    let err: unknown;
    try {
      framer.push(Uint8Array.of(0x02));
    } catch (e) {
      err = e;
    }
    expect(isDlmsError(err, 'BAD_VERSION')).toBe(true);
    expect((err as { offset: number }).offset).toBe(good.length);
    expect(framer.failed).toBe(true);
    expectCode(() => framer.push(fromHex(FIXTURES[0]!.hex)), 'FRAMER_FAILED');
  });

  it('fails on an oversize length, whole or split, then refuses input', () => {
    const bad = fromHex('0001 0010 0001 0101');
    for (let cut = 0; cut <= bad.length; cut++) {
      const framer = createWrapperFramer({ maxApduLength: 256 });
      expectCode(() => {
        framer.push(bad.subarray(0, cut));
        framer.push(bad.subarray(cut));
      }, 'FRAME_TOO_LONG');
      expectCode(() => framer.push(new Uint8Array(0)), 'FRAMER_FAILED');
    }
  });

  it('fails on garbage after good frames', () => {
    const framer = createWrapperFramer();
    expect(framer.push(stream).length).toBe(3);
    expectCode(() => framer.push(new TextEncoder().encode('GET / HTTP/1.1\r\n')), 'BAD_VERSION');
  });

  it('accepts exactly maxApduLength', () => {
    const framer = createWrapperFramer({ maxApduLength: 4 });
    expect(framer.push(fromHex(FIXTURES[1]!.hex)).length).toBe(1);
  });
});

describe('wrapper framer properties', () => {
  const frameArb = fc.record({
    source: fc.integer({ min: 0, max: 0xffff }),
    destination: fc.integer({ min: 0, max: 0xffff }),
    apdu: fc.uint8Array({ maxLength: 300 }),
  });

  it('any chunking of any frame sequence yields exactly the frames', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 20 }),
        (frames, cuts) => {
          const bytes = concat(frames.map(encodeWrapperFrame));
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const framer = createWrapperFramer();
          const got: WrapperFrame[] = [];
          let prev = 0;
          for (const p of [...points, bytes.length]) {
            got.push(...framer.push(bytes.subarray(prev, p)));
            prev = p;
          }
          expect(got.map(plain)).toEqual(frames.map(plain));
          expect(framer.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes give frames or a FramingError, nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }),
        fc.integer({ min: 0, max: 0xffff }),
        (chunks, max) => {
          const framer = createWrapperFramer({ maxApduLength: max });
          for (const c of chunks) {
            try {
              for (const f of framer.push(c)) expect(f.apdu.length).toBeLessThanOrEqual(max);
            } catch (e) {
              expect(isDlmsError(e)).toBe(true);
              expect((e as Error).name).toBe('FramingError');
            }
          }
          try {
            decodeWrapperFrame(concat(chunks), { maxApduLength: max });
          } catch (e) {
            expect((e as Error).name).toBe('FramingError');
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes with a valid version prefix also fail cleanly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 50 }), (tail, step) => {
        const bytes = concat([Uint8Array.of(0, 1), tail]);
        const framer = createWrapperFramer({ maxApduLength: 100 });
        for (let i = 0; i < bytes.length; i += step) {
          try {
            framer.push(bytes.subarray(i, i + step));
          } catch (e) {
            expect((e as Error).name).toBe('FramingError');
          }
        }
      }),
    );
  });
});
