/**
 * @meteringlab/transport-hdlc-serial: IEC 62056-46 HDLC links over serial ports, TCP or any byte
 * channel, and the IEC 62056-21 mode E sign-on for optical probes.
 *
 * Pure parts: CRC-16/X.25, addresses, control field, frame codec, parameter negotiation, the
 * incremental framer, the primary and secondary link state machines, mode E messages. Thin drivers:
 * `connectHdlc` / `acceptHdlc` over a `ByteChannel`, `openSerialChannel`, a TCP byte channel, and
 * `signOnModeE`, `connectHdlcTcp`.
 */
export * from './crc16.js';
export * from './address.js';
export * from './control.js';
export * from './frame.js';
export * from './parameters.js';
export * from './framer.js';
export * from './link-common.js';
export * from './primary.js';
export * from './secondary.js';
export * from './link.js';
export * from './tcp.js';
export * from './serial.js';
export * from './mode-e.js';
export * from './connect-url.js';
