/**
 * Authentication mechanisms of association establishment (Green Book 9.2.7.4, "Authentication
 * mechanisms"; mechanism names 2.16.756.5.8.2.x):
 *
 * | id | name                         | f(StoC), computed by the client     | f(CtoS), computed by the server     |
 * |----|------------------------------|-------------------------------------|-------------------------------------|
 * | 0  | lowest-level-security        | —                                   | —                                   |
 * | 1  | low-level-security (LLS)     | password in the AARQ                | —                                   |
 * | 2  | HLS, manufacturer specific   | caller-supplied hook                | caller-supplied hook                |
 * | 3  | HLS-MD5                      | MD5(StoC ‖ HLS secret)              | MD5(CtoS ‖ HLS secret)              |
 * | 4  | HLS-SHA-1                    | SHA-1(StoC ‖ HLS secret)            | SHA-1(CtoS ‖ HLS secret)            |
 * | 5  | HLS-GMAC                     | SC ‖ IC ‖ GMAC(SC ‖ AK ‖ StoC)       | SC ‖ IC ‖ GMAC(SC ‖ AK ‖ CtoS)       |
 * | 6  | HLS-SHA-256                  | SHA-256(secret ‖ ST-C ‖ ST-S ‖ StoC ‖ CtoS) | SHA-256(secret ‖ ST-S ‖ ST-C ‖ CtoS ‖ StoC) |
 * | 7  | HLS-ECDSA                    | ECDSA(ST-C ‖ ST-S ‖ StoC ‖ CtoS)    | ECDSA(ST-S ‖ ST-C ‖ CtoS ‖ StoC)    |
 *
 * For GMAC the IV is the computing party's system title ‖ its invocation counter (the Green Book example
 * "gb-hls-gmac-f-stoc" pins SC, IV, AAD and tag). Every comparison is constant-time; ECDSA signatures
 * are raw r ‖ s.
 *
 * This module computes and checks the f() values; the association state machine decides when (pass 3
 * and 4) and carries them in reply_to_HLS_authentication.
 */
import { ArgumentError, SecurityError } from '../errors.js';
import { concatBytes } from '../hex.js';
import {
  constantTimeEqual,
  digest,
  ecdsaSign,
  ecdsaVerify,
  gmac,
  randomBytes,
  type KeyInput,
} from './crypto.js';
import { makeIv } from './cipher.js';
import { curveOfSuite, type EcSuite } from './key-agreement.js';
import { decodeSecurityControl, SC_AUTHENTICATION } from './security-control.js';
import type { SecretKey } from './secret-key.js';

/** Authentication mechanism ids. */
export type MechanismId = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** Green Book names of the mechanisms (mechanism-name OID 2.16.756.5.8.2.id). */
export const MECHANISM_NAME: Readonly<Record<MechanismId, string>> = {
  0: 'lowest-level-security',
  1: 'low-level-security',
  2: 'high-level-security',
  3: 'high-level-security-md5',
  4: 'high-level-security-sha1',
  5: 'high-level-security-gmac',
  6: 'high-level-security-sha256',
  7: 'high-level-security-ecdsa',
};

/** Challenge length limits (Green Book: 8 to 64 octets). */
export const MIN_CHALLENGE_LENGTH = 8;
export const MAX_CHALLENGE_LENGTH = 64;

/** A fresh random challenge of `length` bytes (8..64; 16 by default). */
export function generateChallenge(length = 16): Uint8Array {
  if (!Number.isInteger(length) || length < MIN_CHALLENGE_LENGTH || length > MAX_CHALLENGE_LENGTH) {
    throw new ArgumentError(
      `challenge length must be ${MIN_CHALLENGE_LENGTH}..${MAX_CHALLENGE_LENGTH}, not ${length}`,
    );
  }
  return randomBytes(length);
}

/** Throws `AUTHENTICATION_FAILED` when a challenge received from the peer is out of the 8..64 range. */
export function checkPeerChallenge(challenge: Uint8Array): void {
  if (challenge.length < MIN_CHALLENGE_LENGTH || challenge.length > MAX_CHALLENGE_LENGTH) {
    throw new SecurityError(
      'AUTHENTICATION_FAILED',
      `challenge of ${challenge.length} bytes is out of 8..64`,
    );
  }
}

function bytesOf(k: KeyInput): Uint8Array {
  return k instanceof Uint8Array ? k : k.exportBytes();
}

/** LLS (mechanism 1): compares the received password with the expected one in constant time. */
export function verifyLlsPassword(expected: Uint8Array | SecretKey, received: Uint8Array): boolean {
  return constantTimeEqual(bytesOf(expected), received);
}

/** The two challenges of an HLS exchange. */
export interface HlsChallenges {
  /** Client to server challenge (in the AARQ). */
  readonly ctos: Uint8Array;
  /** Server to client challenge (in the AARE). */
  readonly stoc: Uint8Array;
}

/** System titles of both parties (needed by mechanisms 5, 6 and 7). */
export interface HlsParties {
  readonly clientSystemTitle?: Uint8Array;
  readonly serverSystemTitle?: Uint8Array;
}

/** Mechanism 2: the manufacturer's functions. */
export interface ManufacturerHls {
  /** f(challenge) as computed by `role` (the client answers StoC, the server CtoS). */
  respond(role: HlsRole, challenges: HlsChallenges): Uint8Array;
  /** Optional own check; by default the expected value is recomputed and compared in constant time. */
  verify?(role: HlsRole, challenges: HlsChallenges, received: Uint8Array): boolean;
}

/** The party computing (or checking) a value. */
export type HlsRole = 'client' | 'server';

/** HLS mechanism configuration. */
export type HlsMechanism =
  | { readonly mechanism: 2; readonly manufacturer: ManufacturerHls }
  | { readonly mechanism: 3 | 4 | 6; readonly secret: KeyInput }
  | {
      readonly mechanism: 5;
      /** The global unicast encryption key (EK): GMAC runs AES-GCM under it. */
      readonly encryptionKey: KeyInput;
      readonly authenticationKey: KeyInput;
      /** Security control byte of f(); 0x10 | suite by default (authentication only). */
      readonly securityControl?: number;
    }
  | {
      readonly mechanism: 7;
      readonly suite: EcSuite;
      /** Own signing key (to compute f). */
      readonly privateKey?: Uint8Array;
      /** The peer's public key X ‖ Y (to verify its f). */
      readonly peerPublicKey?: Uint8Array;
    };

/** Per-call inputs besides the challenges. */
export interface HlsCallOptions extends HlsParties {
  /** Mechanism 5: the invocation counter the computing party uses for f(). */
  readonly invocationCounter?: number;
}

function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new SecurityError('MISSING_KEY', `${what} is needed`);
  return v;
}

function title(v: Uint8Array | undefined, what: string): Uint8Array {
  if (v === undefined || v.length !== 8)
    throw new SecurityError('INVALID_SYSTEM_TITLE', `${what} system title (8 bytes) is needed`);
  return v;
}

/** The message a role hashes or signs for mechanisms 6 and 7. */
function orderedMessage(role: HlsRole, ch: HlsChallenges, p: HlsParties): Uint8Array {
  const stC = title(p.clientSystemTitle, 'client');
  const stS = title(p.serverSystemTitle, 'server');
  return role === 'client'
    ? concatBytes(stC, stS, ch.stoc, ch.ctos)
    : concatBytes(stS, stC, ch.ctos, ch.stoc);
}

/** The peer challenge `role` answers: the client answers StoC, the server CtoS. */
function answered(role: HlsRole, ch: HlsChallenges): Uint8Array {
  return role === 'client' ? ch.stoc : ch.ctos;
}

function gmacResponse(
  m: Extract<HlsMechanism, { mechanism: 5 }>,
  systemTitle: Uint8Array,
  invocationCounter: number,
  challenge: Uint8Array,
  securityControl: number,
): Uint8Array {
  const sc = decodeSecurityControl(securityControl);
  if (!sc.authenticated || sc.encrypted) {
    throw new SecurityError(
      'INVALID_SECURITY_CONTROL',
      'HLS-GMAC uses authentication only (SC bit 4 set, bit 5 clear)',
    );
  }
  const ak = bytesOf(m.authenticationKey);
  const iv = makeIv(systemTitle, invocationCounter);
  const tag = gmac(m.encryptionKey, iv, concatBytes(new Uint8Array([securityControl]), ak, challenge));
  const out = new Uint8Array(5 + tag.length);
  out[0] = securityControl;
  out.set(iv.subarray(8), 1);
  out.set(tag, 5);
  return out;
}

/**
 * f() computed by `role` for the other party's challenge (the client answers StoC in pass 3, the
 * server answers CtoS in pass 4).
 */
export function computeHlsResponse(
  role: HlsRole,
  m: HlsMechanism,
  ch: HlsChallenges,
  o: HlsCallOptions = {},
): Uint8Array {
  switch (m.mechanism) {
    case 2:
      return m.manufacturer.respond(role, ch);
    case 3:
      return digest('md5', answered(role, ch), bytesOf(m.secret));
    case 4:
      return digest('sha1', answered(role, ch), bytesOf(m.secret));
    case 5: {
      const st = title(role === 'client' ? o.clientSystemTitle : o.serverSystemTitle, role);
      const ic = o.invocationCounter;
      if (ic === undefined)
        throw new ArgumentError('HLS-GMAC needs the invocation counter of the computing party');
      return gmacResponse(m, st, ic, answered(role, ch), m.securityControl ?? SC_AUTHENTICATION);
    }
    case 6:
      return digest('sha256', bytesOf(m.secret), orderedMessage(role, ch, o));
    case 7:
      return ecdsaSign(
        curveOfSuite(m.suite),
        need(m.privateKey, 'own ECDSA private key'),
        orderedMessage(role, ch, o),
      );
  }
}

/**
 * Checks the f() the peer of `role` sent (the client checks the server's f(CtoS), the server checks the
 * client's f(StoC)). Constant-time; never throws for a wrong value, only for missing inputs.
 */
export function verifyHlsResponse(
  role: HlsRole,
  m: HlsMechanism,
  ch: HlsChallenges,
  received: Uint8Array,
  o: HlsParties = {},
): boolean {
  const peer: HlsRole = role === 'client' ? 'server' : 'client';
  switch (m.mechanism) {
    case 2:
      return m.manufacturer.verify !== undefined
        ? m.manufacturer.verify(peer, ch, received)
        : constantTimeEqual(m.manufacturer.respond(peer, ch), received);
    case 5: {
      // SC ‖ IC ‖ tag: the IV uses the peer's system title and the IC it sent.
      if (received.length !== 17) return false;
      const st = title(peer === 'client' ? o.clientSystemTitle : o.serverSystemTitle, peer);
      const ic = ((received[1]! << 24) | (received[2]! << 16) | (received[3]! << 8) | received[4]!) >>> 0;
      let expected: Uint8Array;
      try {
        expected = gmacResponse(m, st, ic, answered(peer, ch), received[0]!);
      } catch (e) {
        if (
          e instanceof SecurityError &&
          (e.code === 'INVALID_SECURITY_CONTROL' || e.code === 'UNSUPPORTED_SECURITY')
        )
          return false;
        throw e;
      }
      return constantTimeEqual(expected, received);
    }
    case 7:
      return ecdsaVerify(
        curveOfSuite(m.suite),
        need(m.peerPublicKey, 'peer ECDSA public key'),
        orderedMessage(peer, ch, o),
        received,
      );
    default:
      return constantTimeEqual(computeHlsResponse(peer, m, ch, { ...o }), received);
  }
}

/** The invocation counter carried in an HLS-GMAC f() (for the caller's replay check). */
export function gmacResponseInvocationCounter(f: Uint8Array): number {
  if (f.length !== 17) throw new SecurityError('AUTHENTICATION_FAILED', 'HLS-GMAC response must be 17 bytes');
  return ((f[1]! << 24) | (f[2]! << 16) | (f[3]! << 8) | f[4]!) >>> 0;
}
