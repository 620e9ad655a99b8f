/**
 * The parts of the stack the `dlms` command calls, in one place.
 *
 * Some of them (the APDU dispatcher, OBIS names, the JSON form of Data, deciphering, the transport
 * frame codecs) are being written at the same time as this command; until a part exists this module
 * reports it as missing, and the command says so instead of failing to build. It contains no protocol
 * logic of its own.
 */
import * as core from '@meteringlab/dlms-core';
import * as hdlc from '@meteringlab/transport-hdlc-serial';
import type { Data } from '@meteringlab/dlms-core';

export { decodeApdu, encodeApdu, apduName, type Apdu } from '@meteringlab/dlms-core';

/** What `unprotectApdu` returns. */
export interface Unprotected {
  readonly envelope: {
    readonly securityControl: unknown;
    readonly systemTitle?: Uint8Array;
    readonly invocationCounter?: number | bigint;
  } & Record<string, unknown>;
  readonly plaintext: Uint8Array;
  readonly verified: boolean;
}

/** Keys and options given to `unprotectApdu`. */
export interface UnprotectOptions {
  readonly key?: Uint8Array;
  readonly authKey?: Uint8Array;
  readonly systemTitle?: Uint8Array;
  readonly allowUnverified?: boolean;
}

interface CoreParts {
  obisName(obis: unknown): string | undefined;
  dataToJson(d: Data): unknown;
  unprotectApdu(bytes: Uint8Array, options: UnprotectOptions): Unprotected;
  decodeSecurityControl(byte: number): {
    readonly suite: number;
    readonly authenticated: boolean;
    readonly encrypted: boolean;
    readonly broadcastKey: boolean;
  };
}

const c = core as unknown as Partial<CoreParts>;
const h = hdlc as unknown as Partial<{ decodeHdlcFrame(b: Uint8Array): unknown }>;

/** Thrown when a part of the stack the command needs is not there yet. */
export class MissingPartError extends Error {
  constructor(readonly part: string) {
    super(`${part} is not available in this build of the stack`);
  }
}

function need<T>(f: T | undefined, name: string): T {
  if (f === undefined) throw new MissingPartError(name);
  return f;
}

export const obisName = (b: Uint8Array): string | undefined => (c.obisName ? c.obisName(b) : undefined);
export const dataToJson = c.dataToJson;
export const decodeSecurityControl = (byte: number): ReturnType<CoreParts['decodeSecurityControl']> | undefined =>
  c.decodeSecurityControl ? c.decodeSecurityControl(byte) : undefined;
export const hasUnprotect = (): boolean => c.unprotectApdu !== undefined;
export const unprotectApdu = (b: Uint8Array, o: UnprotectOptions): Unprotected =>
  need(c.unprotectApdu, 'unprotectApdu (dlms-core security)')(b, o);
export { decodeWrapperFrame } from '@meteringlab/transport-tcp';
export const decodeHdlcFrame = (b: Uint8Array): unknown =>
  need(h.decodeHdlcFrame, 'decodeHdlcFrame (transport-hdlc-serial)')(b);
export const hasHdlc = (): boolean => h.decodeHdlcFrame !== undefined;
