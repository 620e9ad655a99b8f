/**
 * Splits one wrapper connection into one APDU channel per (destination wPort, source wPort) pair, so
 * a head-end may talk to several meters of the concentrator over a single TCP connection (IEC 62056-47
 * allows any wPorts per frame). Each pair is handed to `serve` once, on its first frame; answers go
 * back with the wPorts swapped.
 *
 * Limits: at most `maxLinks` pairs per connection and `maxPending` APDUs waiting per pair (a DLMS
 * client waits for each answer, so a deeper queue is a misbehaving peer); beyond either, the connection
 * fails with a TransportError. Not here: what a pair is served with (dlms-endpoint.ts).
 */
import { TransportError, type ApduChannel } from '@meteringlab/dlms-core';
import type { WrapperApduChannel } from '@meteringlab/transport-tcp';

/** Limits of {@link demuxWrapper}. */
export interface DemuxLimits {
  readonly maxLinks?: number;
  readonly maxPending?: number;
}

/** A minimal single-consumer queue of APDUs. */
class ApduQueue {
  private readonly items: Uint8Array[] = [];
  private waiter: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private ended = false;

  get length(): number {
    return this.items.length;
  }

  push(apdu: Uint8Array): void {
    if (this.ended) return;
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: apdu, done: false });
    } else this.items.push(apdu);
  }

  end(): void {
    this.ended = true;
    if (this.waiter !== undefined && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
}

/**
 * Reads every frame of `channel`, routing each pair of wPorts to its own channel served by `serve`.
 * Resolves when the peer closes and every pair has been served; rejects with the channel's error
 * (framing, idle timeout) or a limit's.
 */
export async function demuxWrapper(
  channel: WrapperApduChannel,
  serve: (link: ApduChannel, serverAddress: number, clientAddress: number) => Promise<void>,
  limits: DemuxLimits = {},
): Promise<void> {
  const maxLinks = limits.maxLinks ?? 64;
  const maxPending = limits.maxPending ?? 8;
  const links = new Map<string, { queue: ApduQueue; done: Promise<unknown> }>();
  let failure: unknown;
  try {
    for await (const frame of channel.receiveFrames()) {
      const key = `${frame.destination}/${frame.source}`;
      let link = links.get(key);
      if (link === undefined) {
        if (links.size >= maxLinks)
          throw new TransportError('LINK_FAILED', `more than ${maxLinks} wPort pairs on one connection`);
        const queue = new ApduQueue();
        const { destination, source } = frame;
        const sub: ApduChannel = {
          send: (apdu) => channel.sendFrame({ source: destination, destination: source, apdu }),
          close: () => {
            queue.end();
            return Promise.resolve();
          },
          receive: () => ({ [Symbol.asyncIterator]: () => ({ next: () => queue.next() }) }),
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
