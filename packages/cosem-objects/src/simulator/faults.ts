/**
 * Fault injection for the meter simulator: a wrapper around the server side of an `ApduChannel` that
 * misbehaves the way field meters and links do, each fault with its own probability, all drawn from
 * one seeded source so that a run can be replayed:
 *
 * - `reject`: an AARQ is answered at once with an AARE rejected-permanent (acse-service-user
 *   no-reason-given) and never reaches the server (a meter refusing associations when busy);
 * - `drop`: a response is never sent (the client times out);
 * - `delay`: a response is held for a time drawn uniformly from `delayMs` (slow link or meter);
 * - `corrupt`: one byte of a response is flipped (bit errors that slipped through the link layer).
 *
 * It sits between the transport and `DlmsServer.serve`; it does not frame, and the delay is the only
 * time it uses (through the injectable `sleep`).
 */
import { encodeApdu, type ApduChannel } from '@meteringlab/dlms-core';
import { seededRandom } from './generators.js';

/** Probabilities (0..1) and parameters of the faults. */
export interface FaultOptions {
  /** Share of responses not sent. */
  readonly drop?: number;
  /** Share of responses with one byte flipped. */
  readonly corrupt?: number;
  /** Share of AARQs answered with an AARE rejected-permanent. */
  readonly reject?: number;
  /** Share of responses delayed (default 1 when `delayMs` is given). */
  readonly delay?: number;
  /** Delay range in milliseconds, [min, max]. */
  readonly delayMs?: readonly [number, number];
  /** Seed of the random source (default 1). */
  readonly seed?: number;
  /** How to wait (default `setTimeout`); tests may pass their own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the faults did. */
export interface FaultStats {
  dropped: number;
  corrupted: number;
  rejected: number;
  delayed: number;
}

/** A channel with faults, and their counters. */
export interface FaultyChannel extends ApduChannel {
  readonly stats: Readonly<FaultStats>;
}

/** True when the options inject any fault (so callers can skip the wrapper). */
export function hasFaults(o: FaultOptions): boolean {
  return (
    (o.drop ?? 0) > 0 ||
    (o.corrupt ?? 0) > 0 ||
    (o.reject ?? 0) > 0 ||
    (o.delayMs !== undefined && (o.delay ?? 1) > 0 && o.delayMs[1] > 0)
  );
}

const REJECTED_AARE = encodeApdu({
  type: 'aare',
  applicationContextName: 'logical-name-referencing-no-ciphering',
  result: 'rejected-permanent',
  resultSourceDiagnostic: { source: 'acse-service-user', value: 'no-reason-given' },
});

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Wraps the server side of `channel` with the faults of `options`. */
export function withFaults(channel: ApduChannel, options: FaultOptions): FaultyChannel {
  const random = seededRandom(options.seed ?? 1);
  const sleep = options.sleep ?? defaultSleep;
  const stats: FaultStats = { dropped: 0, corrupted: 0, rejected: 0, delayed: 0 };
  const hit = (p: number | undefined) => p !== undefined && p > 0 && random() < p;
  const [minDelay, maxDelay] = options.delayMs ?? [0, 0];
  const delayShare = options.delayMs === undefined ? 0 : (options.delay ?? 1);
  let chain: Promise<void> = Promise.resolve();

  const send = (apdu: Uint8Array): Promise<void> => {
    // Draw every decision now, in send order, so the sequence does not depend on timing.
    const drop = hit(options.drop);
    const corruptAt = hit(options.corrupt) ? Math.floor(random() * apdu.length) : -1;
    const wait = hit(delayShare) ? minDelay + random() * (maxDelay - minDelay) : 0;
    const next = chain.then(async () => {
      if (wait > 0) {
        stats.delayed++;
        await sleep(wait);
      }
      if (drop) {
        stats.dropped++;
        return;
      }
      let out = apdu;
      if (corruptAt >= 0) {
        stats.corrupted++;
        out = apdu.slice();
        out[corruptAt] = out[corruptAt]! ^ 0xff;
      }
      await channel.send(out);
    });
    chain = next.catch(() => undefined);
    return next;
  };

  return {
    stats,
    send,
    close: () => channel.close(),
    receive: () => ({
      [Symbol.asyncIterator]: () => {
        const it = channel.receive()[Symbol.asyncIterator]();
        return {
          next: async (): Promise<IteratorResult<Uint8Array>> => {
            for (;;) {
              const r = await it.next();
              if (r.done) return r;
              if (r.value[0] === 0x60 && hit(options.reject)) {
                stats.rejected++;
                await chain;
                await channel.send(REJECTED_AARE);
                continue;
              }
              return r;
            }
          },
          return: () => Promise.resolve({ value: undefined, done: true }),
        };
      },
    }),
  };
}
