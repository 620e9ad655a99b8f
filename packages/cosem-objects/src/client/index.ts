/**
 * The client side of cosem-objects: `DlmsClient` over any APDU channel, target parsing, and typed
 * readers (register, clock, profile, object list).
 */
export * from './targets.js';
export * from './dlms-client.js';
export * from './readers.js';
