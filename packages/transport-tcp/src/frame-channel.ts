/**
 * The part of a wrapper APDU channel shared by the stream (TCP) and datagram (UDP) flavours: filtering
 * received frames into APDUs by wPort, and choosing the wPorts of an outgoing APDU.
 *
 * Internal to this package (not exported from the index).
 */
import { ProtocolError } from '@meteringlab/dlms-core';
import type { WrapperFrame } from './wrapper.js';
import type { WrapperApduChannel, WrapperChannelOptions, WrapperChannelStats } from './wrapper-channel.js';

/** What a concrete channel provides. */
export interface FrameChannelParts {
  /** Received frames, one consumer at a time; must set what `lastFrame` returns. */
  readonly frames: AsyncIterable<WrapperFrame> & { next(): Promise<IteratorResult<WrapperFrame>> };
  lastFrame(): WrapperFrame | undefined;
  sendFrame(frame: WrapperFrame): Promise<void>;
  close(): Promise<void>;
  readonly ports: Pick<WrapperChannelOptions, 'localWPort' | 'remoteWPort'>;
  readonly stats: WrapperChannelStats;
}

/** Builds the {@link WrapperApduChannel} surface from the parts of a concrete channel. */
export function frameChannel(parts: FrameChannelParts): WrapperApduChannel {
  const { frames, ports, stats } = parts;
  const { localWPort, remoteWPort } = ports;

  const apdus: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          const r = await frames.next();
          if (r.done) return { value: undefined, done: true };
          const f = r.value;
          if (
            (localWPort !== undefined && f.destination !== localWPort) ||
            (remoteWPort !== undefined && f.source !== remoteWPort)
          ) {
            stats.misaddressed++;
            continue;
          }
          return { value: f.apdu, done: false };
        }
      },
      return: () => Promise.resolve({ value: undefined, done: true }),
    }),
  };

  return {
    send: (apdu) => {
      const last = parts.lastFrame();
      const from = localWPort ?? last?.destination;
      const to = remoteWPort ?? last?.source;
      if (from === undefined || to === undefined) {
        return Promise.reject(
          new ProtocolError(
            'INVALID_STATE',
            'no wPorts to send with: set localWPort/remoteWPort or receive a frame first',
          ),
        );
      }
      return parts.sendFrame({ source: from, destination: to, apdu });
    },
    sendFrame: (frame) => parts.sendFrame(frame),
    receive: () => apdus,
    receiveFrames: () => frames,
    close: () => parts.close(),
    stats,
  };
}
