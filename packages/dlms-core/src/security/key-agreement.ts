/**
 * Key agreement for security suites 1 (P-256, SHA-256, AES-GCM-128) and 2 (P-384, SHA-384,
 * AES-GCM-256): ECC CDH shared secrets and the single-step concatenation KDF of NIST SP 800-56A
 * (rev. 2, 5.8.1.1), as the Green Book uses them (9.2.3.4.6; IEC 62056-5-3 Annex I) for
 * - the Ephemeral Unified Model C(2e, 0s) — Security setup method key_agreement;
 * - One-Pass Diffie-Hellman C(1e, 1s) — general-ciphering with agreed-key;
 * - the Static Unified Model C(0e, 2s) — general-ciphering with agreed-key.
 *
 * KDF: DerivedKey = first keydatalen bits of H(0x00000001 ‖ Z ‖ OtherInfo), one hash block being enough
 * for 128- and 256-bit keys; OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo (fixed-length fields,
 * SuppPubInfo and SuppPrivInfo empty), AlgorithmID = the value of the OID of the cipher that will use the
 * key (aes-gcm-128 2.16.756.5.8.3.0 → 60 85 74 05 08 03 00; aes-gcm-256 2.16.756.5.8.3.1 → … 03 01).
 * PartyUInfo / PartyVInfo are built by the caller-facing scheme functions below.
 *
 * Pure functions: no key storage, no certificate handling (public keys come in as raw X ‖ Y).
 */
import { ArgumentError } from '../errors.js';
import { concatBytes } from '../hex.js';
import { digest, ecdhSharedSecret, type EcCurve } from './crypto.js';

/** The suites that use elliptic curves. */
export type EcSuite = 1 | 2;

/** Curve of an ECC security suite. */
export function curveOfSuite(suite: EcSuite): EcCurve {
  return suite === 1 ? 'P-256' : 'P-384';
}

/** AlgorithmID of the KDF (OID value bytes of the AES-GCM variant the suite uses). */
export function kdfAlgorithmId(suite: EcSuite): Uint8Array {
  return new Uint8Array([0x60, 0x85, 0x74, 0x05, 0x08, 0x03, suite === 1 ? 0x00 : 0x01]);
}

/**
 * The NIST SP 800-56A concatenation KDF with SHA-256 (suite 1, 128-bit key) or SHA-384 (suite 2,
 * 256-bit key).
 */
export function concatKdf(suite: EcSuite, z: Uint8Array, otherInfo: Uint8Array): Uint8Array {
  const counter = new Uint8Array([0, 0, 0, 1]);
  const h = digest(suite === 1 ? 'sha256' : 'sha384', counter, z, otherInfo);
  return h.slice(0, suite === 1 ? 16 : 32);
}

function systemTitle8(st: Uint8Array, what: string): Uint8Array {
  if (st.length !== 8) throw new ArgumentError(`${what} system title must be 8 bytes`);
  return st;
}

/** OtherInfo = AlgorithmID ‖ PartyUInfo ‖ PartyVInfo. */
export function kdfOtherInfo(suite: EcSuite, partyUInfo: Uint8Array, partyVInfo: Uint8Array): Uint8Array {
  return concatBytes(kdfAlgorithmId(suite), partyUInfo, partyVInfo);
}

/** Inputs common to the schemes: the party system titles (U initiates, V responds). */
export interface PartyTitles {
  readonly systemTitleU: Uint8Array;
  readonly systemTitleV: Uint8Array;
}

/**
 * Ephemeral Unified Model C(2e, 0s): Z = ECDH(own ephemeral private, peer ephemeral public);
 * PartyUInfo = system title of U, PartyVInfo = system title of V. Either party calls it with its own
 * ephemeral private key and the other's ephemeral public key: both derive the same key.
 */
export function ephemeralUnifiedModel(
  suite: EcSuite,
  ownEphemeralPrivate: Uint8Array,
  peerEphemeralPublic: Uint8Array,
  titles: PartyTitles,
): Uint8Array {
  const z = ecdhSharedSecret(curveOfSuite(suite), ownEphemeralPrivate, peerEphemeralPublic);
  const other = kdfOtherInfo(
    suite,
    systemTitle8(titles.systemTitleU, 'U'),
    systemTitle8(titles.systemTitleV, 'V'),
  );
  return concatKdf(suite, z, other);
}

/** PartyUInfo with a transaction id: system title of U ‖ length of transaction-id (1 byte) ‖ transaction-id. */
function partyUWithTransaction(titles: PartyTitles, transactionId: Uint8Array): Uint8Array {
  if (transactionId.length > 127) throw new ArgumentError('transaction-id longer than 127 bytes');
  return concatBytes(
    systemTitle8(titles.systemTitleU, 'U'),
    new Uint8Array([transactionId.length]),
    transactionId,
  );
}

/**
 * One-Pass Diffie-Hellman C(1e, 1s): U uses an ephemeral key pair, V its static key pair;
 * Z = ECDH(ephemeral U, static V). U calls it with its ephemeral private and V's static public key,
 * V with its static private and U's ephemeral public key. PartyUInfo = ST(U) ‖ len ‖ transaction-id,
 * PartyVInfo = ST(V).
 */
export function onePassDiffieHellman(
  suite: EcSuite,
  ownPrivate: Uint8Array,
  peerPublic: Uint8Array,
  titles: PartyTitles,
  transactionId: Uint8Array,
): Uint8Array {
  const z = ecdhSharedSecret(curveOfSuite(suite), ownPrivate, peerPublic);
  const other = kdfOtherInfo(
    suite,
    partyUWithTransaction(titles, transactionId),
    systemTitle8(titles.systemTitleV, 'V'),
  );
  return concatKdf(suite, z, other);
}

/**
 * Static Unified Model C(0e, 2s): Z = ECDH(static U, static V); the transaction id brings the freshness.
 * OtherInfo = AlgorithmID ‖ ST(U) ‖ len(transaction-id) ‖ transaction-id ‖ ST(V) (the layout the GB
 * smart metering companion specification spells out for this scheme).
 */
export function staticUnifiedModel(
  suite: EcSuite,
  ownStaticPrivate: Uint8Array,
  peerStaticPublic: Uint8Array,
  titles: PartyTitles,
  transactionId: Uint8Array,
): Uint8Array {
  return onePassDiffieHellman(suite, ownStaticPrivate, peerStaticPublic, titles, transactionId);
}
