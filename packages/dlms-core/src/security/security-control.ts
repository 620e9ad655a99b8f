/**
 * The security control byte (SC) of the security header (Green Book 9.2.7.2.4, "Security header"):
 *
 * ```
 * bit 7      6        5           4                3..0
 *     compr. key set  encryption  authentication   security suite id
 * ```
 *
 * Key set 0 selects the unicast key, 1 the broadcast key. Decoding rejects what this stack cannot
 * honour: suite ids 3–15 are reserved (`UNSUPPORTED_SECURITY`), and compression (bit 7) is not
 * implemented (`UNSUPPORTED_SECURITY`). It does not decide whether a protection level is acceptable for a
 * given association: that is the caller's policy.
 */
import { ArgumentError, SecurityError } from '../errors.js';

/** Security suite ids (0: AES-GCM-128; 1: AES-GCM-128 + ECDH/ECDSA P-256; 2: AES-GCM-256 + P-384). */
export type SecuritySuite = 0 | 1 | 2;

/** The decoded security control byte. */
export interface SecurityControl {
  readonly suite: SecuritySuite;
  /** Bit 4: the frame carries an authentication tag (and the AAD includes the authentication key). */
  readonly authenticated: boolean;
  /** Bit 5: the information is encrypted. */
  readonly encrypted: boolean;
  /** Bit 6: false = unicast key, true = broadcast key. */
  readonly broadcastKey: boolean;
  /** Bit 7: compression. Always false here: a set bit is rejected on decode. */
  readonly compressed: boolean;
}

export const SC_AUTHENTICATION = 0x10;
export const SC_ENCRYPTION = 0x20;
export const SC_KEY_SET = 0x40;
export const SC_COMPRESSION = 0x80;

/** Decodes and validates a security control byte. */
export function decodeSecurityControl(byte: number): SecurityControl {
  if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) {
    throw new SecurityError('INVALID_SECURITY_CONTROL', `security control ${byte} is not a byte`);
  }
  const suite = byte & 0x0f;
  if (suite > 2) throw new SecurityError('UNSUPPORTED_SECURITY', `security suite ${suite} is reserved`);
  if ((byte & SC_COMPRESSION) !== 0) {
    throw new SecurityError('UNSUPPORTED_SECURITY', 'compressed security (SC bit 7) is not supported');
  }
  return {
    suite: suite as SecuritySuite,
    authenticated: (byte & SC_AUTHENTICATION) !== 0,
    encrypted: (byte & SC_ENCRYPTION) !== 0,
    broadcastKey: (byte & SC_KEY_SET) !== 0,
    compressed: false,
  };
}

/** Encodes a security control byte. */
export function encodeSecurityControl(
  sc: Omit<SecurityControl, 'compressed'> & { readonly compressed?: boolean },
): number {
  if (sc.suite !== 0 && sc.suite !== 1 && sc.suite !== 2)
    throw new ArgumentError(`security suite ${String(sc.suite)} is not 0, 1 or 2`);
  if (sc.compressed) throw new ArgumentError('compression is not supported');
  return (
    sc.suite |
    (sc.authenticated ? SC_AUTHENTICATION : 0) |
    (sc.encrypted ? SC_ENCRYPTION : 0) |
    (sc.broadcastKey ? SC_KEY_SET : 0)
  );
}
