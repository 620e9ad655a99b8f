/**
 * The one door to `node:crypto` in dlms-core.
 *
 * Thin, typed wrappers over OpenSSL primitives the security layer needs: AES-GCM (with a 12-byte tag),
 * AES-CTR with the GCM counter layout (for encryption-only frames that carry no tag), GMAC, AES key wrap
 * (RFC 3394), digests, random bytes, constant-time comparison, ECDH and ECDSA on P-256 / P-384.
 *
 * It deliberately knows nothing about DLMS framing, security control bytes or counters, and it never
 * logs or formats key material. Every other module of dlms-core reaches crypto through this file, so
 * swapping the backend (e.g. WebCrypto) touches one place.
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomBytes as nodeRandomBytes,
  sign as nodeSign,
  timingSafeEqual,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { SecurityError } from '../errors.js';
import type { SecretKey } from './secret-key.js';

/** Length in bytes of the authentication tag DLMS uses with AES-GCM (Green Book 9.2.3.3.7: t = 96 bits). */
export const GCM_TAG_LENGTH = 12;

/** A raw key: bytes, or a {@link SecretKey} wrapper (preferred: it caches the OpenSSL key object). */
export type KeyInput = SecretKey | Uint8Array;

const keyObjects = new WeakMap<object, KeyObject>();

/**
 * An OpenSSL key object for `key`, created once per {@link SecretKey} and reused: building a key object
 * per call would copy the key on every frame.
 */
function cipherKey(key: KeyInput): KeyObject | Uint8Array {
  // Raw bytes go to OpenSSL as they are: caching them by identity would go stale if the caller reuses
  // the buffer for another key.
  if (key instanceof Uint8Array) return key;
  let ko = keyObjects.get(key);
  if (ko === undefined) {
    ko = createSecretKey(key.exportBytes());
    keyObjects.set(key, ko);
  }
  return ko;
}

function gcmAlgorithm(key: KeyInput): 'aes-128-gcm' | 'aes-256-gcm' {
  const n = key.length;
  if (n === 16) return 'aes-128-gcm';
  if (n === 32) return 'aes-256-gcm';
  throw new SecurityError('INVALID_KEY', `AES key must be 16 or 32 bytes, not ${n}`);
}

function ctrAlgorithm(key: KeyInput): 'aes-128-ctr' | 'aes-256-ctr' {
  return gcmAlgorithm(key) === 'aes-128-gcm' ? 'aes-128-ctr' : 'aes-256-ctr';
}

function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Result of an AES-GCM encryption. */
export interface GcmSealed {
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

const GCM_OPTIONS = { authTagLength: GCM_TAG_LENGTH } as const;

/**
 * Additional authenticated data: one byte string, or several fed to GCM in order (equivalent to their
 * concatenation, without building it: the authentication key never gets copied into a scratch buffer).
 */
export type Aad = Uint8Array | readonly Uint8Array[];

function setAad(c: { setAAD(b: Uint8Array): unknown }, aad: Aad): void {
  if (aad instanceof Uint8Array) {
    if (aad.length > 0) c.setAAD(aad);
    return;
  }
  for (const part of aad) if (part.length > 0) c.setAAD(part);
}

/** AES-GCM encryption with a 96-bit IV and a 12-byte tag. */
export function gcmEncrypt(key: KeyInput, iv: Uint8Array, aad: Aad, plaintext: Uint8Array): GcmSealed {
  const c = createCipheriv(gcmAlgorithm(key), cipherKey(key), iv, GCM_OPTIONS);
  setAad(c, aad);
  const head = c.update(plaintext);
  const tail = c.final();
  const ciphertext = tail.length === 0 ? asBytes(head) : asBytes(Buffer.concat([head, tail]));
  return { ciphertext, tag: asBytes(c.getAuthTag()) };
}

/**
 * AES-GCM decryption and tag check. On a tag mismatch it throws `AUTHENTICATION_FAILED` and the
 * plaintext computed so far is zeroed and dropped: no unauthenticated byte ever leaves this function.
 * OpenSSL compares the tag in constant time.
 */
export function gcmDecrypt(
  key: KeyInput,
  iv: Uint8Array,
  aad: Aad,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Uint8Array {
  if (tag.length !== GCM_TAG_LENGTH) {
    throw new SecurityError('AUTHENTICATION_FAILED', `authentication tag must be ${GCM_TAG_LENGTH} bytes`);
  }
  const d = createDecipheriv(gcmAlgorithm(key), cipherKey(key), iv, GCM_OPTIONS);
  d.setAuthTag(tag);
  setAad(d, aad);
  const head = d.update(ciphertext);
  try {
    d.final();
  } catch (cause) {
    head.fill(0);
    throw new SecurityError('AUTHENTICATION_FAILED', 'authentication tag does not verify', { cause });
  }
  return asBytes(head);
}

/**
 * The GCM keystream without authentication: AES-CTR starting at counter block IV ‖ 00000002, which is
 * exactly the encryption GCM applies (NIST SP 800-38D, 7.1 step 5: GCTR starts at inc32(J0), J0 =
 * IV ‖ 0^31 ‖ 1). Used for encryption-only DLMS frames (security control bit 5 alone), which carry no tag.
 * The same function encrypts and decrypts.
 */
export function gcmKeystreamXor(key: KeyInput, iv: Uint8Array, data: Uint8Array): Uint8Array {
  const counter = new Uint8Array(16);
  counter.set(iv.subarray(0, 12));
  counter[15] = 2;
  const c = createCipheriv(ctrAlgorithm(key), cipherKey(key), counter);
  const out = c.update(data);
  c.final();
  return asBytes(out);
}

/** GMAC (GCM over an empty plaintext): the 12-byte tag over `aad`. */
export function gmac(key: KeyInput, iv: Uint8Array, aad: Aad): Uint8Array {
  return gcmEncrypt(key, iv, aad, new Uint8Array(0)).tag;
}

/** True when `a` and `b` are equal; the time taken depends only on the lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    // Still spend one comparison so the early exit does not depend on content.
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  return asBytes(nodeRandomBytes(n));
}

/** Hash functions used by the HLS mechanisms, ECDSA and the key derivation function. */
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha384';

/** Digest of the concatenation of `parts`. */
export function digest(algorithm: HashAlgorithm, ...parts: readonly Uint8Array[]): Uint8Array {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return asBytes(h.digest());
}

const KEY_WRAP_IV = new Uint8Array([0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6]);

function wrapAlgorithm(kek: KeyInput): 'id-aes128-wrap' | 'id-aes256-wrap' {
  return gcmAlgorithm(kek) === 'aes-128-gcm' ? 'id-aes128-wrap' : 'id-aes256-wrap';
}

/** AES key wrap (RFC 3394, default IV A6A6A6A6A6A6A6A6). */
export function aesKeyWrap(kek: KeyInput, keyData: Uint8Array): Uint8Array {
  if (keyData.length < 16 || keyData.length % 8 !== 0) {
    throw new SecurityError('INVALID_KEY', 'key data to wrap must be a multiple of 8 bytes, at least 16');
  }
  const c = createCipheriv(wrapAlgorithm(kek), cipherKey(kek), KEY_WRAP_IV);
  return asBytes(Buffer.concat([c.update(keyData), c.final()]));
}

/** AES key unwrap (RFC 3394); an integrity check failure throws `AUTHENTICATION_FAILED`. */
export function aesKeyUnwrap(kek: KeyInput, wrapped: Uint8Array): Uint8Array {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) {
    throw new SecurityError(
      'AUTHENTICATION_FAILED',
      'wrapped key must be a multiple of 8 bytes, at least 24',
    );
  }
  const d = createDecipheriv(wrapAlgorithm(kek), cipherKey(kek), KEY_WRAP_IV);
  try {
    return asBytes(Buffer.concat([d.update(wrapped), d.final()]));
  } catch (cause) {
    throw new SecurityError('AUTHENTICATION_FAILED', 'wrapped key fails the integrity check', { cause });
  }
}

// ---------------------------------------------------------------------------------------------------
// Elliptic curves. Keys are raw bytes as DLMS carries them: a private key is the scalar d (32 or 48
// bytes), a public key is the uncompressed point X ‖ Y without the 0x04 prefix (64 or 96 bytes).

/** The NIST curves of security suites 1 (P-256) and 2 (P-384). */
export type EcCurve = 'P-256' | 'P-384';

const OPENSSL_CURVE: Record<EcCurve, string> = { 'P-256': 'prime256v1', 'P-384': 'secp384r1' };
const HASH_OF_CURVE: Record<EcCurve, 'sha256' | 'sha384'> = { 'P-256': 'sha256', 'P-384': 'sha384' };

/** Byte length of one coordinate (and of the private scalar) on `curve`. */
export function coordinateLength(curve: EcCurve): number {
  return curve === 'P-256' ? 32 : 48;
}

function b64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');
}

function checkPublic(curve: EcCurve, pub: Uint8Array): void {
  if (pub.length !== 2 * coordinateLength(curve)) {
    throw new SecurityError(
      'INVALID_KEY',
      `${curve} public key must be ${2 * coordinateLength(curve)} bytes (X ‖ Y)`,
    );
  }
}

function checkPrivate(curve: EcCurve, d: Uint8Array): void {
  if (d.length !== coordinateLength(curve)) {
    throw new SecurityError('INVALID_KEY', `${curve} private key must be ${coordinateLength(curve)} bytes`);
  }
}

/** The public key X ‖ Y of the private scalar `d`. */
export function ecPublicKey(curve: EcCurve, d: Uint8Array): Uint8Array {
  checkPrivate(curve, d);
  const ecdh = createECDH(OPENSSL_CURVE[curve]);
  try {
    ecdh.setPrivateKey(d);
  } catch (cause) {
    throw new SecurityError('INVALID_KEY', `not a valid ${curve} private key`, { cause });
  }
  return asBytes(ecdh.getPublicKey()).subarray(1);
}

/** A fresh key pair on `curve`. */
export function ecGenerateKeyPair(curve: EcCurve): {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
} {
  const ecdh = createECDH(OPENSSL_CURVE[curve]);
  ecdh.generateKeys();
  let d = asBytes(ecdh.getPrivateKey());
  const n = coordinateLength(curve);
  if (d.length < n) {
    const padded = new Uint8Array(n);
    padded.set(d, n - d.length);
    d = padded;
  }
  return { privateKey: d, publicKey: asBytes(ecdh.getPublicKey()).subarray(1) };
}

/**
 * The ECC CDH shared secret Z (the x coordinate of d·Q, NIST SP 800-56A 5.7.1.2). The peer's point is
 * validated by OpenSSL (it must lie on the curve); an invalid point throws `INVALID_KEY`.
 */
export function ecdhSharedSecret(
  curve: EcCurve,
  privateKey: Uint8Array,
  peerPublicKey: Uint8Array,
): Uint8Array {
  checkPrivate(curve, privateKey);
  checkPublic(curve, peerPublicKey);
  const ecdh = createECDH(OPENSSL_CURVE[curve]);
  const point = new Uint8Array(1 + peerPublicKey.length);
  point[0] = 0x04;
  point.set(peerPublicKey, 1);
  try {
    ecdh.setPrivateKey(privateKey);
    return asBytes(ecdh.computeSecret(point));
  } catch (cause) {
    throw new SecurityError('INVALID_KEY', `invalid ${curve} key for ECDH`, { cause });
  }
}

function privateKeyObject(curve: EcCurve, d: Uint8Array): KeyObject {
  const pub = ecPublicKey(curve, d);
  const n = coordinateLength(curve);
  return createPrivateKey({
    key: { kty: 'EC', crv: curve, d: b64url(d), x: b64url(pub.subarray(0, n)), y: b64url(pub.subarray(n)) },
    format: 'jwk',
  });
}

function publicKeyObject(curve: EcCurve, pub: Uint8Array): KeyObject {
  checkPublic(curve, pub);
  const n = coordinateLength(curve);
  try {
    return createPublicKey({
      key: { kty: 'EC', crv: curve, x: b64url(pub.subarray(0, n)), y: b64url(pub.subarray(n)) },
      format: 'jwk',
    });
  } catch (cause) {
    throw new SecurityError('INVALID_KEY', `not a valid ${curve} public key`, { cause });
  }
}

/**
 * ECDSA signature over `message` with SHA-256 (P-256) or SHA-384 (P-384), returned raw as r ‖ s
 * (each zero-padded to the coordinate length), the form DLMS carries.
 */
export function ecdsaSign(curve: EcCurve, privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  const sig = nodeSign(HASH_OF_CURVE[curve], message, {
    key: privateKeyObject(curve, privateKey),
    dsaEncoding: 'ieee-p1363',
  });
  return asBytes(sig);
}

/** Verifies a raw r ‖ s ECDSA signature; false for any mismatch or malformed signature. */
export function ecdsaVerify(
  curve: EcCurve,
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== 2 * coordinateLength(curve)) return false;
  return nodeVerify(
    HASH_OF_CURVE[curve],
    message,
    { key: publicKeyObject(curve, publicKey), dsaEncoding: 'ieee-p1363' },
    signature,
  );
}
