/**
 * The parts of the stack the `dlms` command calls, in one place.
 *
 * A few of them (OBIS names, the JSON form of Data, the HDLC frame codec) are being written at the same
 * time as this command; until a part exists this module reports it as missing (or the command falls
 * back to less detail), instead of failing to build. It contains no protocol logic of its own.
 */
import * as core from '@meteringlab/dlms-core';
import * as hdlc from '@meteringlab/transport-hdlc-serial';
import type { Data } from '@meteringlab/dlms-core';

export {
  decodeApdu,
  encodeApdu,
  apduName,
  unprotectApdu,
  decodeSecurityControl,
  type Apdu,
  type UnprotectedApdu,
  type ProtectionEnvelope,
} from '@meteringlab/dlms-core';
export { decodeWrapperFrame } from '@meteringlab/transport-tcp';

interface CoreParts {
  obisName(obis: unknown): string | undefined;
  dataToJson(d: Data): unknown;
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
export const decodeHdlcFrame = (b: Uint8Array): unknown =>
  need(h.decodeHdlcFrame, 'decodeHdlcFrame (transport-hdlc-serial)')(b);
