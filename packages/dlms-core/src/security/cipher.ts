/**
 * Ciphering and deciphering of xDLMS APDUs with AES-GCM (Green Book 9.2.7.2, "Cryptographic protection
 * of xDLMS APDUs"; IEC 62056-5-3 5.x), for every protected envelope of `envelope.ts`.
 *
 * - IV = system title of the sender (8 bytes) ‖ invocation counter (4 bytes, big-endian).
 * - Authentication and encryption (SC bit 4 and 5): AAD = SC ‖ AK, output ciphertext ‖ tag(12).
 * - Authentication only (bit 4): AAD = SC ‖ AK ‖ plaintext, output plaintext ‖ tag(12) (GMAC).
 * - Encryption only (bit 5): GCM encryption without a tag (no AAD, nothing sent after the ciphertext).
 * - general-ciphering appends transaction-id, originator-system-title, recipient-system-title, date-time
 *   and other-information to SC ‖ AK (each as its A-XDR octet string: length then value) — see
 *   {@link generalCipheringAad}.
 *
 * Deciphering never returns a byte of plaintext whose tag has not verified, unless the caller asked
 * for `allowUnverified` (diagnostic tools) — and then says so with `verified: false`. The invocation
 * counter policy (replay) lives in `counters.ts`; {@link decipherWithCounters} runs check → verify →
 * commit so that a forged frame with a huge counter cannot move the high-water mark.
 *
 * Not here: key agreement (`key-agreement.ts`), signing (`signing.ts`), HLS (`authentication.ts`).
 */
import { ArgumentError, SecurityError } from '../errors.js';
import { Writer } from '../writer.js';
import { encodeLength } from '../axdr/length.js';
import { gcmDecrypt, gcmEncrypt, gcmKeystreamXor, type KeyInput } from './crypto.js';
import {
  decodeSecurityControl,
  SC_AUTHENTICATION,
  SC_ENCRYPTION,
  type SecurityControl,
} from './security-control.js';
import type { CipheredContent, CipheringApdu, GeneralHeader } from './envelope.js';
import { keyBytesView, suiteKeyLength } from './secret-key.js';
import type { CounterId, InvocationCounterStore } from './counters.js';

/** Keys for one ciphering operation. */
export interface CipherKeys {
  /** The block cipher key (EK) selected by the envelope: global unicast, broadcast or dedicated. */
  readonly encryptionKey?: KeyInput;
  /** The authentication key (AK), needed when SC bit 4 is set. */
  readonly authenticationKey?: KeyInput;
}

/** The security parameters of one protected information. */
export interface SecurityHeaderInput {
  /** The raw security control byte. */
  readonly securityControl: number;
  /** The system title of the sender (8 bytes). */
  readonly systemTitle: Uint8Array;
  /** The invocation counter, 0..2^32-1. */
  readonly invocationCounter: number;
}

/** Result of {@link decipherInformation}. */
export interface Deciphered {
  readonly plaintext: Uint8Array;
  /** True when an authentication tag was present and verified. */
  readonly verified: boolean;
  readonly securityControl: SecurityControl;
}

/** Options of the deciphering functions. */
export interface DecipherOptions {
  /**
   * Return the plaintext of a tagged frame without checking its tag when no authentication key is
   * given (and accept frames with neither authentication nor encryption). For diagnostic tools only:
   * the result is marked `verified: false`.
   */
  readonly allowUnverified?: boolean;
}

const EMPTY = new Uint8Array(0);

function fillIv(iv: Uint8Array, systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  if (systemTitle.length !== 8) {
    throw new SecurityError(
      'INVALID_SYSTEM_TITLE',
      `system title must be 8 bytes, not ${systemTitle.length}`,
    );
  }
  if (!Number.isInteger(invocationCounter) || invocationCounter < 0 || invocationCounter > 0xffffffff) {
    throw new ArgumentError(`invocation counter ${invocationCounter} is not an unsigned 32-bit value`);
  }
  iv.set(systemTitle);
  iv[8] = invocationCounter >>> 24;
  iv[9] = (invocationCounter >>> 16) & 0xff;
  iv[10] = (invocationCounter >>> 8) & 0xff;
  iv[11] = invocationCounter & 0xff;
  return iv;
}

/** IV = system title (8) ‖ invocation counter (4, big-endian). */
export function makeIv(systemTitle: Uint8Array, invocationCounter: number): Uint8Array {
  return fillIv(new Uint8Array(12), systemTitle, invocationCounter);
}

/**
 * One IV buffer reused by every call: OpenSSL copies the IV when the cipher is created, and nothing
 * between filling and use can re-enter (all synchronous), so a per-call allocation buys nothing.
 */
const IV_SCRATCH = new Uint8Array(12);

/**
 * The general-ciphering part of the AAD: transaction-id ‖ originator-system-title ‖
 * recipient-system-title ‖ date-time ‖ other-information, each as an A-XDR octet string (length byte(s)
 * followed by the value). Green Book 9.2.7.2.4 lists these fields as part of the AAD of general-ciphering.
 * Whether each goes in with its length octet could not be confirmed from public sources; this stack
 * includes it, which keeps the concatenation unambiguous. Interoperability with a meter using
 * general-ciphering is to be checked against a real frame (no public vector exists).
 */
export function generalCipheringAad(h: GeneralHeader): Uint8Array {
  const w = new Writer(64);
  for (const f of [
    h.transactionId,
    h.originatorSystemTitle,
    h.recipientSystemTitle,
    h.dateTime,
    h.otherInformation,
  ]) {
    encodeLength(w, f.length);
    w.bytes(f);
  }
  return w.toBytes();
}

function requireKey(key: KeyInput | undefined, suite: 0 | 1 | 2, what: string): KeyInput {
  if (key === undefined) throw new SecurityError('MISSING_KEY', `the ${what} is needed`);
  // The one per-call check on the hot path: a length compare (Green Book: 128-bit keys for suites 0
  // and 1, 256-bit for suite 2).
  if (key.length !== suiteKeyLength(suite)) {
    throw new SecurityError(
      'INVALID_KEY',
      `the ${what} must be ${suiteKeyLength(suite)} bytes for suite ${suite}`,
    );
  }
  return key;
}

/** The security control byte as a one-byte string, for every value (built once). */
const SC_BYTES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => Uint8Array.of(i));

/** AAD = SC ‖ AK ‖ extra ‖ plaintext, as parts (no concatenation, no copy of the key). */
function buildAad(sc: number, ak: KeyInput, extra: Uint8Array, plaintext: Uint8Array): Uint8Array[] {
  return [SC_BYTES[sc]!, keyBytesView(ak), extra, plaintext];
}

/** Output of {@link cipherInformation}. */
export interface CipheredInformation {
  /** Ciphertext, or the plaintext itself with authentication only. */
  readonly ciphertext: Uint8Array;
  readonly authTag?: Uint8Array;
}

/**
 * Applies the protection the security control byte asks for to `plaintext`. `extraAad` is the
 * general-ciphering header part ({@link generalCipheringAad}); empty for every other envelope.
 */
export function cipherInformation(
  header: SecurityHeaderInput,
  keys: CipherKeys,
  plaintext: Uint8Array,
  extraAad: Uint8Array = EMPTY,
): CipheredInformation {
  const sc = decodeSecurityControl(header.securityControl);
  const iv = fillIv(IV_SCRATCH, header.systemTitle, header.invocationCounter);
  if (sc.authenticated) {
    const ak = requireKey(keys.authenticationKey, sc.suite, 'authentication key');
    const ek = requireKey(keys.encryptionKey, sc.suite, 'encryption key');
    if (sc.encrypted) {
      const { ciphertext, tag } = gcmEncrypt(
        ek,
        iv,
        buildAad(header.securityControl, ak, extraAad, EMPTY),
        plaintext,
      );
      return { ciphertext, authTag: tag };
    }
    const { tag } = gcmEncrypt(ek, iv, buildAad(header.securityControl, ak, extraAad, plaintext), EMPTY);
    return { ciphertext: plaintext.slice(), authTag: tag };
  }
  if (sc.encrypted) {
    const ek = requireKey(keys.encryptionKey, sc.suite, 'encryption key');
    return { ciphertext: gcmKeystreamXor(ek, iv, plaintext) };
  }
  throw new SecurityError(
    'INVALID_SECURITY_CONTROL',
    'security control asks for neither authentication nor encryption',
  );
}

/**
 * Removes the protection of one ciphered information. Throws `AUTHENTICATION_FAILED` on a tag mismatch
 * (no plaintext), `MISSING_KEY` when a needed key is absent (unless `allowUnverified` for the
 * authentication key), `INVALID_KEY` on a wrong key length, and the security control errors of
 * `decodeSecurityControl`.
 */
export function decipherInformation(
  header: SecurityHeaderInput,
  keys: CipherKeys,
  ciphertext: Uint8Array,
  authTag: Uint8Array | undefined,
  extraAad: Uint8Array = EMPTY,
  options?: DecipherOptions,
): Deciphered {
  const sc = decodeSecurityControl(header.securityControl);
  if (sc.authenticated !== (authTag !== undefined)) {
    throw new SecurityError(
      'INVALID_SECURITY_CONTROL',
      'the tag must be present exactly when SC bit 4 is set',
    );
  }
  const iv = fillIv(IV_SCRATCH, header.systemTitle, header.invocationCounter);
  if (authTag !== undefined) {
    if (keys.authenticationKey === undefined && options?.allowUnverified === true) {
      if (!sc.encrypted) return { plaintext: ciphertext, verified: false, securityControl: sc };
      const ek = requireKey(keys.encryptionKey, sc.suite, 'encryption key');
      return { plaintext: gcmKeystreamXor(ek, iv, ciphertext), verified: false, securityControl: sc };
    }
    const ak = requireKey(keys.authenticationKey, sc.suite, 'authentication key');
    const ek = requireKey(keys.encryptionKey, sc.suite, 'encryption key');
    if (sc.encrypted) {
      const aad = buildAad(header.securityControl, ak, extraAad, EMPTY);
      return { plaintext: gcmDecrypt(ek, iv, aad, ciphertext, authTag), verified: true, securityControl: sc };
    }
    const aad = buildAad(header.securityControl, ak, extraAad, ciphertext);
    gcmDecrypt(ek, iv, aad, EMPTY, authTag);
    return { plaintext: ciphertext, verified: true, securityControl: sc };
  }
  if (sc.encrypted) {
    const ek = requireKey(keys.encryptionKey, sc.suite, 'encryption key');
    return { plaintext: gcmKeystreamXor(ek, iv, ciphertext), verified: false, securityControl: sc };
  }
  if (options?.allowUnverified === true)
    return { plaintext: ciphertext, verified: false, securityControl: sc };
  throw new SecurityError(
    'INVALID_SECURITY_CONTROL',
    'security control asks for neither authentication nor encryption',
  );
}

/** What the envelope itself does not carry: the sender's system title for service-specific forms. */
export interface EnvelopeContext {
  /**
   * System title of the sender. Required for glo-/ded- service-specific forms (it was exchanged in the
   * AARQ/AARE); general-glo/ded-ciphering and general-ciphering carry their own (originator), which is
   * used instead (it enters the IV, so a frame claiming another title fails its tag).
   */
  readonly systemTitle?: Uint8Array;
}

/** The system title the IV of `apdu` is built from. */
export function senderSystemTitle(apdu: CipheringApdu, ctx: EnvelopeContext): Uint8Array {
  switch (apdu.type) {
    case 'glo-ciphered':
    case 'ded-ciphered':
      if (ctx.systemTitle === undefined) {
        throw new SecurityError(
          'INVALID_SYSTEM_TITLE',
          'a service-specific ciphered APDU needs the sender system title',
        );
      }
      return ctx.systemTitle;
    case 'general-glo-ciphering':
    case 'general-ded-ciphering':
      return apdu.systemTitle;
    case 'general-ciphering':
      return apdu.originatorSystemTitle;
  }
}

/** The extra AAD of `apdu` (non-empty only for general-ciphering). */
export function extraAadOf(apdu: CipheringApdu): Uint8Array {
  return apdu.type === 'general-ciphering' ? generalCipheringAad(apdu) : EMPTY;
}

/** Deciphers one decoded envelope (no counter policy: see {@link decipherWithCounters}). */
export function decipherApdu(
  apdu: CipheringApdu,
  keys: CipherKeys,
  ctx: EnvelopeContext = {},
  options?: DecipherOptions,
): Deciphered {
  const systemTitle = senderSystemTitle(apdu, ctx);
  return decipherInformation(
    { securityControl: apdu.securityControl, systemTitle, invocationCounter: apdu.invocationCounter },
    keys,
    apdu.ciphertext,
    apdu.authTag,
    extraAadOf(apdu),
    options,
  );
}

/**
 * Deciphers with the replay policy, in the only safe order:
 * 1. `checkIncoming`: the counter must be above the high-water mark (`REPLAYED_COUNTER` otherwise);
 * 2. decipher and verify the tag (`AUTHENTICATION_FAILED` otherwise, mark untouched);
 * 3. `acceptIncoming`: only a verified frame moves the mark (it re-checks, so two concurrent frames with
 *    the same counter cannot both pass).
 * Frames that carry no tag (encryption only) are checked but never move the mark: anyone can forge
 * them, and a forged huge counter must not lock out the real sender.
 */
export async function decipherWithCounters(
  apdu: CipheringApdu,
  keys: CipherKeys,
  counters: InvocationCounterStore,
  counterId: CounterId,
  ctx: EnvelopeContext = {},
  options?: DecipherOptions,
): Promise<Deciphered> {
  counters.checkIncoming(counterId, apdu.invocationCounter);
  const result = decipherApdu(apdu, keys, ctx, options);
  if (result.verified) await counters.acceptIncoming(counterId, apdu.invocationCounter);
  return result;
}

/** Ciphers `plaintext` into the content fields of an envelope (SC, IC, ciphertext, tag). */
export function cipherContent(
  header: SecurityHeaderInput,
  keys: CipherKeys,
  plaintext: Uint8Array,
  extraAad: Uint8Array = EMPTY,
): CipheredContent {
  const { ciphertext, authTag } = cipherInformation(header, keys, plaintext, extraAad);
  return authTag === undefined
    ? { securityControl: header.securityControl, invocationCounter: header.invocationCounter, ciphertext }
    : {
        securityControl: header.securityControl,
        invocationCounter: header.invocationCounter,
        ciphertext,
        authTag,
      };
}

/** True when the tag of an authenticated information is present (SC bit 4). */
export function hasAuthentication(securityControl: number): boolean {
  return (securityControl & SC_AUTHENTICATION) !== 0;
}

/** True when the information is encrypted (SC bit 5). */
export function hasEncryption(securityControl: number): boolean {
  return (securityControl & SC_ENCRYPTION) !== 0;
}
