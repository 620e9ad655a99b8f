/**
 * general-signing (Green Book 9.2.7.3, digital signature of xDLMS APDUs): ECDSA with P-256/SHA-256
 * (suite 1) or P-384/SHA-384 (suite 2), signature carried raw as r ‖ s.
 *
 * The signed data is the APDU as encoded from its tag (0xDF) up to and including the content octet
 * string — transaction-id, both system titles, date-time, other-information and content, each with its
 * A-XDR length — i.e. everything except the signature field. The content may itself be a ciphered APDU
 * (sign-then-... or cipher-then-sign are both expressible); this module only signs and verifies.
 */
import { Writer } from '../writer.js';
import { encodeLength } from '../axdr/length.js';
import { SecurityError } from '../errors.js';
import { coordinateLength, ecdsaSign, ecdsaVerify } from './crypto.js';
import { GENERAL_SIGNING_TAG, type GeneralHeader, type GeneralSigning } from './envelope.js';
import { curveOfSuite, type EcSuite } from './key-agreement.js';

/** The bytes a general-signing signature covers. */
export function generalSigningSignedData(v: GeneralHeader & { readonly content: Uint8Array }): Uint8Array {
  const w = new Writer(64 + v.content.length);
  w.u8(GENERAL_SIGNING_TAG);
  for (const f of [
    v.transactionId,
    v.originatorSystemTitle,
    v.recipientSystemTitle,
    v.dateTime,
    v.otherInformation,
    v.content,
  ]) {
    encodeLength(w, f.length);
    w.bytes(f);
  }
  return w.toBytes();
}

/** Builds a signed general-signing APDU. */
export function signGeneralSigning(
  suite: EcSuite,
  privateKey: Uint8Array,
  fields: GeneralHeader & { readonly content: Uint8Array },
): GeneralSigning {
  const signature = ecdsaSign(curveOfSuite(suite), privateKey, generalSigningSignedData(fields));
  return {
    type: 'general-signing',
    transactionId: fields.transactionId,
    originatorSystemTitle: fields.originatorSystemTitle,
    recipientSystemTitle: fields.recipientSystemTitle,
    dateTime: fields.dateTime,
    otherInformation: fields.otherInformation,
    content: fields.content,
    signature,
  };
}

/** The suite a raw signature belongs to, from its length (64: P-256, 96: P-384). */
export function suiteOfSignature(signature: Uint8Array): EcSuite {
  if (signature.length === 2 * coordinateLength('P-256')) return 1;
  if (signature.length === 2 * coordinateLength('P-384')) return 2;
  throw new SecurityError(
    'AUTHENTICATION_FAILED',
    `a signature of ${signature.length} bytes is neither P-256 nor P-384`,
  );
}

/** True when the signature of `apdu` verifies under the originator's public key. */
export function verifyGeneralSigning(
  publicKey: Uint8Array,
  apdu: GeneralSigning,
  suite: EcSuite = suiteOfSignature(apdu.signature),
): boolean {
  return ecdsaVerify(curveOfSuite(suite), publicKey, generalSigningSignedData(apdu), apdu.signature);
}
