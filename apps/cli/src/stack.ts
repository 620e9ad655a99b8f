/**
 * The parts of the stack the `dlms` command calls, in one place.
 *
 * One of them (the typed JSON form of Data, `dataToJson`) is being written at the same time as this
 * command; until it is in the build, `to-json.ts` writes the same documented form itself. This module
 * contains no protocol logic of its own.
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
  dataToJson(d: Data): unknown;
}

const later = core as unknown as Partial<LaterParts>;

/** dlms-core's lossless typed JSON form of Data, when it is in the build. */
export const dataToJson = later.dataToJson;
