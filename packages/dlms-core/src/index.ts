/**
 * @meteringlab/dlms-core: DLMS/COSEM codecs without I/O.
 *
 * Bytes in, plain readonly objects out, and back. Nothing here opens a socket, a port, a timer or a
 * file; the only `node:` import is `node:crypto`, behind the security module.
 */
export * from './errors.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export * from './hex.js';
export * from './datetime.js';
export * from './axdr/types.js';
export * from './axdr/length.js';
export * from './axdr/data.js';
export * from './channel.js';
