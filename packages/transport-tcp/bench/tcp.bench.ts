/**
 * End-to-end wrapper traffic over loopback TCP: a client and an echo server on 127.0.0.1. "round trip":
 * one request, wait for its answer (what a DLMS client does); "pipelined": 1000 requests in flight, then
 * their 1000 answers (frames/s = hz x 1000 each way). Loopback only: this measures the stack, not a
 * network.
 */
import { afterAll, bench, describe } from 'vitest';
import { connectWrapper, createWrapperServer, type WrapperClient, type WrapperServer } from '../src/index.js';

let server: WrapperServer;
let client: WrapperClient;
let replies: AsyncIterator<Uint8Array>;

const small = new Uint8Array(64).fill(0xc0);
const large = new Uint8Array(1024).fill(0xc4);

async function setup(): Promise<void> {
  server = await createWrapperServer({
    port: 0,
    host: '127.0.0.1',
    onConnection: async (ch) => {
      for await (const f of ch.receiveFrames()) {
        await ch.sendFrame({ source: f.destination, destination: f.source, apdu: f.apdu });
      }
    },
  });
  client = await connectWrapper({
    host: '127.0.0.1',
    port: server.port,
    clientWPort: 0x10,
    serverWPort: 0x01,
  });
  replies = client.receive()[Symbol.asyncIterator]();
}

async function teardown(): Promise<void> {
  await client.close();
  await server.close();
}

async function pipelined(apdu: Uint8Array): Promise<void> {
  const sending = Promise.all(Array.from({ length: 1000 }, () => client.send(apdu)));
  for (let i = 0; i < 1000; i++) await replies.next();
  await sending;
}

await setup();

describe('wrapper over loopback TCP', () => {
  afterAll(teardown);
  bench('round trip, 64-byte APDU', async () => {
    await client.send(small);
    await replies.next();
  });
  bench('round trip, 1 KiB APDU', async () => {
    await client.send(large);
    await replies.next();
  });
  bench('pipelined x1000, 64-byte APDUs', () => pipelined(small), { iterations: 20 });
  bench('pipelined x1000, 1 KiB APDUs', () => pipelined(large), { iterations: 20 });
});
