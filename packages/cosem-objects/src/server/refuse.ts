/**
 * Answers a link addressed to a logical device the server does not have, the way a server that keeps
 * the connection open should: every AARQ gets an AARE rejected-permanent (acse-service-user
 * `called-AP-title-not-recognized` by default) in the application context the client asked for, an
 * RLRQ gets an RLRE, and any other APDU an ExceptionResponse (service-not-allowed), since nothing is
 * associated. Bytes that do not decode as an APDU get the exception too. Ends when the peer closes.
 */
import {
  decodeApdu,
  encodeApdu,
  type ApduChannel,
  type AcseServiceUserDiagnostic,
} from '@meteringlab/dlms-core';

const NOT_ASSOCIATED = encodeApdu({
  type: 'exception-response',
  stateError: 'service-not-allowed',
  serviceError: 'operation-not-possible',
});
const RELEASED = encodeApdu({ type: 'rlre', reason: 'normal' });

/** Options of {@link refuseAssociations}. */
export interface RefuseOptions {
  /** The acse-service-user diagnostic of the AARE (default `called-AP-title-not-recognized`). */
  readonly diagnostic?: AcseServiceUserDiagnostic;
}

/**
 * The answer to one APDU on a link that refuses every association (see the module header): an AARE
 * rejected-permanent for an AARQ, an RLRE for an RLRQ, an ExceptionResponse for anything else.
 */
export function refusalAnswer(bytes: Uint8Array, options: RefuseOptions = {}): Uint8Array {
  try {
    const apdu = decodeApdu(bytes);
    if (apdu.type === 'aarq') {
      return encodeApdu({
        type: 'aare',
        applicationContextName: apdu.applicationContextName,
        result: 'rejected-permanent',
        resultSourceDiagnostic: {
          source: 'acse-service-user',
          value: options.diagnostic ?? 'called-AP-title-not-recognized',
        },
      });
    }
    if (apdu.type === 'rlrq') return RELEASED;
  } catch {
    // Not an APDU: nothing is associated, so the exception is the answer.
  }
  return NOT_ASSOCIATED;
}

/** Serves `channel` by refusing every association on it (see the module header). */
export async function refuseAssociations(channel: ApduChannel, options: RefuseOptions = {}): Promise<void> {
  for await (const bytes of channel.receive()) await channel.send(refusalAnswer(bytes, options));
}
