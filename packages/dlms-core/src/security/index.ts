/**
 * The security module of dlms-core: security control, protected APDU envelopes, AES-GCM ciphering,
 * authentication mechanisms, key agreement, signing, key transfer and invocation counters.
 */
export { SecretKey, toSecretKey, suiteKeyLength, checkSuiteKey } from './secret-key.js';
export * from './security-control.js';
export * from './envelope.js';
export * from './cipher.js';
export * from './counters.js';
export * from './authentication.js';
export * from './key-agreement.js';
export * from './signing.js';
export * from './key-transfer.js';
export * from './protect.js';
export {
  GCM_TAG_LENGTH,
  constantTimeEqual,
  randomBytes,
  ecGenerateKeyPair,
  ecPublicKey,
  ecdhSharedSecret,
  ecdsaSign,
  ecdsaVerify,
  aesKeyWrap,
  aesKeyUnwrap,
  gmac,
  type EcCurve,
  type KeyInput,
} from './crypto.js';
