/**
 * @meteringlab/transport-tcp: the IEC 62056-47 wrapper over TCP and UDP, plus in-memory channel pairs
 * for tests.
 *
 * The wrapper codec and framer are pure; the TCP and UDP drivers are thin shells over `node:net` and
 * `node:dgram` that implement the `ByteChannel` and `ApduChannel` contracts of `@meteringlab/dlms-core`.
 */
export * from './memory.js';
export * from './wrapper.js';
export * from './wrapper-channel.js';
export * from './wrapper-demux.js';
export * from './tcp.js';
export * from './wrapper-tcp.js';
export * from './udp.js';
export * from './counter-store-file.js';
