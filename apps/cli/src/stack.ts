/**
 * The parts of the stack the `dlms` command calls, in one place.
 *
 * Two of them (the well-known OBIS names and the typed JSON form of Data) are being written at the
 * same time as this command; until they are in the build the command prints less (no OBIS names) or
 * uses the same documented JSON form written here. It contains no protocol logic of its own.
 */
import * as core from '@meteringlab/dlms-core';
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

interface LaterParts {
  obisName(obis: unknown): string | undefined;
  dataToJson(d: Data): unknown;
}

const later = core as unknown as Partial<LaterParts>;

/** The well-known name of a logical name, when dlms-core has the table. */
export const obisName = (b: Uint8Array): string | undefined => (later.obisName ? later.obisName(b) : undefined);
/** dlms-core's lossless typed JSON form of Data, when it is in the build. */
export const dataToJson = later.dataToJson;
