import { describe, expect, it } from 'vitest';
import { type ApduChannel, type DlmsError } from '@meteringlab/dlms-core';
import { demuxWrapper, memoryChannelPair, wrapperApduChannel, type WrapperFrame } from '../src/index.js';

/** Reads `n` frames from a client-side wrapper channel. */
async function take(ch: ReturnType<typeof wrapperApduChannel>, n: number): Promise<WrapperFrame[]> {
  const out: WrapperFrame[] = [];
  for await (const f of ch.receiveFrames()) {
    out.push({ ...f, apdu: f.apdu.slice() });
    if (out.length === n) break;
  }
  return out;
}

describe('demuxWrapper', () => {
  it('serves each wPort pair on its own link and answers with the wPorts swapped', async () => {
    const [a, b] = memoryChannelPair();
    const server = wrapperApduChannel(b);
    const client = wrapperApduChannel(a);
    const seen: string[] = [];
    const served = demuxWrapper(server, async (link: ApduChannel, serverAddress, clientAddress) => {
      seen.push(`${serverAddress}/${clientAddress}`);
      for await (const apdu of link.receive()) {
        await link.send(Uint8Array.of(serverAddress, ...apdu));
      }
    });
    await client.sendFrame({ source: 16, destination: 1, apdu: Uint8Array.of(0xaa) });
    await client.sendFrame({ source: 17, destination: 2, apdu: Uint8Array.of(0xbb) });
    await client.sendFrame({ source: 16, destination: 1, apdu: Uint8Array.of(0xcc) });
    const answers = await take(client, 3);
    expect(answers.map((f) => [f.source, f.destination, [...f.apdu]])).toEqual([
      [1, 16, [1, 0xaa]],
      [2, 17, [2, 0xbb]],
      [1, 16, [1, 0xcc]],
    ]);
    expect(seen).toEqual(['1/16', '2/17']);
    await client.close();
    await served;
  });

  it('fails the connection beyond maxLinks pairs, and beyond maxPending queued requests', async () => {
    const [a, b] = memoryChannelPair();
    const client = wrapperApduChannel(a);
    const links = demuxWrapper(
      wrapperApduChannel(b),
      async (link) => {
        for await (const apdu of link.receive()) await link.send(apdu);
      },
      { maxLinks: 2 },
    );
    for (const d of [1, 2, 3]) await client.sendFrame({ source: 16, destination: d, apdu: Uint8Array.of(d) });
    await expect(links).rejects.toMatchObject({ code: 'LINK_FAILED' } satisfies Partial<DlmsError>);

    await client.close();
  });

  it('fails the connection when one pair has more than maxPending requests waiting', async () => {
    const [c, d] = memoryChannelPair();
    const client = wrapperApduChannel(c);
    // This server starts reading late, so the requests pile up for its pair first.
    const served = demuxWrapper(
      wrapperApduChannel(d),
      async (link) => {
        await new Promise((r) => setTimeout(r, 100));
        for await (const apdu of link.receive()) void apdu;
      },
      { maxPending: 2 },
    );
    for (let i = 0; i < 3; i++)
      await client.sendFrame({ source: 16, destination: 1, apdu: Uint8Array.of(i) });
    await expect(served).rejects.toMatchObject({ code: 'LINK_FAILED' } satisfies Partial<DlmsError>);
    await client.close();
  });
});
