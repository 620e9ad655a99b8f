/**
 * One wrapper connection, several links: IEC 62056-47 lets every frame carry its own wPorts, so a
 * head-end may talk to several logical devices (or as several clients) over one TCP connection. This
 * splits a {@link WrapperApduChannel} into one {@link ApduChannel} per (destination wPort, source wPort)
 * pair, handed to `serve` on the pair's first frame; answers go back with the wPorts swapped.
 *
 * Limits on what the peer controls: at most `maxLinks` pairs per connection and `maxPending` APDUs
 * waiting per pair (a DLMS client waits for each answer, so a deeper queue is a misbehaving peer);
 * beyond either, the connection fails with `TransportError` `LINK_FAILED`. What a pair is served with is
 * the caller's business.
 */
import { TransportError, type ApduChannel } from '@meteringlab/dlms-core';
import { AsyncQueue } from './queue.js';
import type { WrapperApduChannel } from './wrapper-channel.js';

/** Limits of {@link demuxWrapper}. */
export interface DemuxLimits {
  /** Most wPort pairs on one connection (default 64). */
  readonly maxLinks?: number;
  /** Most APDUs waiting for one pair (default 8). */
  readonly maxPending?: number;
}

/** Serves one wPort pair: `serverAddress` is the destination wPort, `clientAddress` the source. */
export type DemuxServe = (link: ApduChannel, serverAddress: number, clientAddress: number) => Promise<void>;

/**
 * Reads every frame of `channel`, routing each pair of wPorts to its own channel served by `serve`.
 * Resolves when the peer closes and every pair has been served; rejects with the channel's error
 * (framing, idle timeout) or a limit's. A `serve` that fails ends only its own pair.
 */
export async function demuxWrapper(
  channel: WrapperApduChannel,
  serve: DemuxServe,
  limits: DemuxLimits = {},
): Promise<void> {
  const maxLinks = limits.maxLinks ?? 64;
  const maxPending = limits.maxPending ?? 8;
  const links = new Map<string, { queue: AsyncQueue<Uint8Array>; done: Promise<unknown> }>();
  let failure: unknown;
  try {
    for await (const frame of channel.receiveFrames()) {
      const key = `${frame.destination}/${frame.source}`;
      let link = links.get(key);
      if (link === undefined) {
        if (links.size >= maxLinks) {
          throw new TransportError('LINK_FAILED', `more than ${maxLinks} wPort pairs on one connection`);
        }
        const queue = new AsyncQueue<Uint8Array>();
        const { destination, source } = frame;
        const sub: ApduChannel = {
          send: (apdu) => channel.sendFrame({ source: destination, destination: source, apdu }),
          close: () => {
            queue.end();
            return Promise.resolve();
          },
          receive: () => queue,
        };
        link = { queue, done: serve(sub, destination, source).catch((e: unknown) => e) };
        links.set(key, link);
      }
      if (link.queue.length >= maxPending) {
        throw new TransportError(
          'LINK_FAILED',
          `more than ${maxPending} requests pending to wPort ${frame.destination}`,
        );
      }
      // The framer may hand out views into its input: keep a copy while the APDU waits in a queue.
      link.queue.push(frame.apdu.slice());
    }
  } catch (e) {
    failure = e;
  } finally {
    for (const l of links.values()) l.queue.end();
  }
  await Promise.all([...links.values()].map((l) => l.done));
  if (failure !== undefined) throw failure;
}
