/**
 * Speed of the HDLC layer. Run with `npx vitest bench --run packages/transport-hdlc-serial/bench`.
 *
 * (a) framer: a stream of 1,000 I frames (128-byte information fields, the default maximum) pushed in
 *     4 KiB chunks, so most frames are decoded as views and some span two chunks; frames/s is
 *     1,000 × the reported hz;
 * (b) frame codec: encode and decode of one such frame;
 * (c) link pair, sans-I/O: a primary and a secondary wired directly (no channel, no timers), window 7,
 *     128-byte fields, exchanging a 1,000-byte request and a 1,000-byte response (8 + 8 I frames);
 * (d) link pair over the in-memory byte channel of `@meteringlab/transport-tcp` with the async
 *     drivers, same parameters: APDU round trips/s as seen by an application.
 */
import { bench, describe } from 'vitest';
import { memoryChannelPair } from '@meteringlab/transport-tcp';
import {
  HdlcPrimary,
  HdlcSecondary,
  acceptHdlc,
  clientAddress,
  connectHdlc,
  createHdlcFramer,
  decodeHdlcFrame,
  encodeHdlcFrame,
  serverAddress,
} from '../src/index.js';

const info = Uint8Array.from({ length: 128 }, (_, i) => (i * 31) & 0xff);
const oneFrame = encodeHdlcFrame({
  destination: serverAddress(1, 17),
  source: clientAddress(16),
  control: { type: 'i', ns: 3, nr: 5, pf: false },
  segmented: true,
  information: info,
});
const stream = new Uint8Array(oneFrame.length * 1000);
for (let i = 0; i < 1000; i++) stream.set(oneFrame, i * oneFrame.length);
const chunks: Uint8Array[] = [];
for (let at = 0; at < stream.length; at += 4096) chunks.push(stream.subarray(at, at + 4096));

describe('HDLC framer', () => {
  bench('push 1,000 frames of 128-byte information (4 KiB chunks)', () => {
    const f = createHdlcFramer();
    let n = 0;
    for (const c of chunks) n += f.push(c).length;
    if (n !== 1000) throw new Error(`framed ${n}`);
  });
});

describe('HDLC frame codec', () => {
  const frame = decodeHdlcFrame(oneFrame);
  bench('encode one 128-byte I frame', () => {
    encodeHdlcFrame(frame);
  });
  bench('decode one 128-byte I frame', () => {
    decodeHdlcFrame(oneFrame);
  });
});

const params = { maxInfoTx: 128, maxInfoRx: 128, windowTx: 7, windowRx: 7 } as const;
const request = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
const response = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);

describe('HDLC link pair, window 7', () => {
  // (c) Sans-I/O: frames go straight from one machine to the other.
  const p = new HdlcPrimary({ clientAddress: 16, serverLogical: 1, serverPhysical: 17, ...params });
  const s = new HdlcSecondary(params);
  let toS: Uint8Array[] = [];
  let toP: Uint8Array[] = [];
  let got = 0;
  const pump = (): void => {
    while (toS.length + toP.length > 0) {
      const a = toS;
      toS = [];
      for (const b of a) {
        const out = s.receive(decodeHdlcFrame(b), 0);
        toP.push(...out.frames);
        for (const e of out.events) if (e.type === 'apdu') toP.push(...s.send(response, 0).frames);
      }
      const c = toP;
      toP = [];
      for (const b of c) {
        const out = p.receive(decodeHdlcFrame(b), 0);
        toS.push(...out.frames);
        for (const e of out.events) if (e.type === 'apdu') got++;
      }
    }
  };
  toS.push(...p.connect(0).frames);
  pump();
  bench('sans-I/O: 1,000-byte request + 1,000-byte response', () => {
    const before = got;
    toS.push(...p.send(request, 0).frames);
    pump();
    if (got !== before + 1) throw new Error('no response');
  });

  // (d) The async drivers over the in-memory byte channel.
  const [a, b] = memoryChannelPair();
  const ready = (async () => {
    const serverP = acceptHdlc(b, params);
    const client = await connectHdlc(a, {
      clientAddress: 16,
      serverLogical: 1,
      serverPhysical: 17,
      ...params,
    });
    const server = await serverP;
    void (async () => {
      for await (const _ of server.receive()) await server.send(response);
    })();
    return client;
  })();
  bench('drivers over memoryChannelPair: 1,000-byte request + 1,000-byte response', async () => {
    const client = await ready;
    await client.send(request);
    for await (const r of client.receive()) {
      if (r.length !== 1000) throw new Error('bad response');
      break;
    }
  });
});
