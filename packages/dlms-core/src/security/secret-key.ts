/**
 * A wrapper that keeps key material out of logs.
 *
 * `SecretKey` holds a copy of the key bytes in a private field. `toString`, `toJSON` and Node's
 * `util.inspect` all print `[redacted]`, so a key that ends up in a log line, an error, a JSON dump or a
 * REPL never shows its bytes. The bytes come out only through the explicit {@link SecretKey.exportBytes}.
 *
 * It does not zero memory on disposal (JavaScript gives no such guarantee) and does not check the key
 * length against a security suite: {@link checkSuiteKey} does that.
 */
import { SecurityError } from '../errors.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

let viewOf: (k: SecretKey) => Uint8Array;

/** A symmetric key whose bytes never appear in string, JSON or inspect output. */
export class SecretKey {
  readonly #bytes: Uint8Array;

  static {
    viewOf = (k) => k.#bytes;
  }

  /** Copies `bytes` (a later change of the caller's buffer does not change the key). */
  constructor(bytes: Uint8Array) {
    if (!(bytes instanceof Uint8Array)) throw new SecurityError('INVALID_KEY', 'a key must be bytes');
    this.#bytes = bytes.slice();
  }

  /** Length of the key in bytes. */
  get length(): number {
    return this.#bytes.length;
  }

  /** A copy of the key bytes. Call only to hand them to a cipher or a key transfer. */
  exportBytes(): Uint8Array {
    return this.#bytes.slice();
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [INSPECT](): string {
    return 'SecretKey [redacted]';
  }
}

/**
 * The key bytes without a copy, for the ciphering hot path inside dlms-core (not re-exported from the
 * package: callers use {@link SecretKey.exportBytes}). The view must never be modified or kept.
 */
export function keyBytesView(key: SecretKey | Uint8Array): Uint8Array {
  return key instanceof Uint8Array ? key : viewOf(key);
}

/** `key` as a {@link SecretKey} (returned as is when it already is one). */
export function toSecretKey(key: SecretKey | Uint8Array): SecretKey {
  return key instanceof SecretKey ? key : new SecretKey(key);
}

/**
 * Key length required by a security suite (Green Book 9.2.3.7, Table "Security suites"): 16 bytes for
 * suites 0 and 1 (AES-GCM-128), 32 bytes for suite 2 (AES-GCM-256).
 */
export function suiteKeyLength(suite: 0 | 1 | 2): 16 | 32 {
  return suite === 2 ? 32 : 16;
}

/** Throws `INVALID_KEY` unless `key` has the length of `suite`'s block cipher key. */
export function checkSuiteKey(key: SecretKey | Uint8Array, suite: 0 | 1 | 2, what = 'key'): void {
  const need = suiteKeyLength(suite);
  if (key.length !== need) {
    throw new SecurityError(
      'INVALID_KEY',
      `${what} must be ${need} bytes for security suite ${suite}, not ${key.length}`,
    );
  }
}
