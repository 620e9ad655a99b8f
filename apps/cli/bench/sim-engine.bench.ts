/**
 * The server's JavaScript cost per GET without sockets: the default simulated meter's `DlmsServer`
 * serving 1000 GET requests (energy register, attribute 2) per iteration over an in-process channel
 * that hands the same request bytes back as soon as the previous answer is sent. Set against
 * `server.bench.ts`, it tells how much of a served GET is the engine and object model (this) and how
 * much is sockets and the loopback (the rest).
 */
import { bench, describe } from 'vitest';
import { encodeApdu, type ApduChannel } from '@meteringlab/dlms-core';
import {
  buildSimulatedMeter,
  DEFAULT_SIMULATOR_PROFILE,
  parseSimulatorProfile,
} from '@meteringlab/cosem-objects';

const AARQ = encodeApdu({
  type: 'aarq',
  applicationContextName: 'logical-name-referencing-no-ciphering',
  userInformation: {
    apdu: {
      type: 'initiate-request',
      responseAllowed: true,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x00ffff,
      clientMaxReceivePduSize: 1024,
    },
  },
});
const GET = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
  attribute: { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255), attributeId: 2 },
});
const PER_ITERATION = 1000;

/** A channel that yields an AARQ then `count` GETs; `serve` asks for the next one once it has answered. */
function loopChannel(count: number): ApduChannel {
  let given = 0;
  const done = Promise.resolve({ value: undefined, done: true as const });
  return {
    send: () => Promise.resolve(),
    close: () => Promise.resolve(),
    receive: () => ({
      [Symbol.asyncIterator]: () => ({
        next: () =>
          given > count ? done : Promise.resolve({ value: given++ === 0 ? AARQ : GET, done: false as const }),
      }),
    }),
  };
}

const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE));

describe(`${PER_ITERATION} GETs through DlmsServer + the default meter, no I/O`, () => {
  bench(
    'serve (one association)',
    async () => {
      await meter.server.serve(loopChannel(PER_ITERATION), { serverAddress: 1, clientAddress: 16 });
    },
    { time: 2000 },
  );
});
