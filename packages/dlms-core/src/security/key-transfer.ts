/**
 * Key transfer for the Security setup object (IC 64, method 2 `key_transfer`; Green Book 9.2.4 / Blue
 * Book 4.4.7): keys travel wrapped with AES key wrap (RFC 3394) under the master key (KEK).
 *
 * The method parameter is `array key_data`, with
 * `key_data ::= structure { key_id: enum, key_wrapped: octet-string }` and key ids
 * 0 global unicast encryption key, 1 global broadcast encryption key, 2 authentication key,
 * 3 master key (KEK). This module builds and reads that Data value and wraps / unwraps the keys; it does
 * not decide who may change which key.
 */
import { ArgumentError, SecurityError } from '../errors.js';
import type { Data } from '../axdr/types.js';
import { aesKeyUnwrap, aesKeyWrap, type KeyInput } from './crypto.js';
import { SecretKey } from './secret-key.js';

/** Key ids of key_transfer. */
export const KeyTransferId = {
  'global-unicast-encryption-key': 0,
  'global-broadcast-encryption-key': 1,
  'authentication-key': 2,
  'master-key': 3,
} as const;

/** Name of a transferable key. */
export type KeyTransferName = keyof typeof KeyTransferId;

const NAME_OF_ID = new Map<number, KeyTransferName>(
  (Object.entries(KeyTransferId) as [KeyTransferName, number][]).map(([k, v]) => [v, k]),
);

function bytesOf(k: KeyInput): Uint8Array {
  return k instanceof Uint8Array ? k : k.exportBytes();
}

function checkKekAndKey(kek: KeyInput, keyLength: number): void {
  if (kek.length !== 16 && kek.length !== 32)
    throw new SecurityError('INVALID_KEY', 'master key must be 16 or 32 bytes');
  if (keyLength !== 16 && keyLength !== 32)
    throw new SecurityError('INVALID_KEY', 'a transferred key must be 16 or 32 bytes');
}

/** Wraps `key` under the master key `kek` (RFC 3394). */
export function wrapKey(kek: KeyInput, key: KeyInput): Uint8Array {
  checkKekAndKey(kek, key.length);
  return aesKeyWrap(kek, bytesOf(key));
}

/** Unwraps a key; an integrity failure throws `AUTHENTICATION_FAILED`. */
export function unwrapKey(kek: KeyInput, wrapped: Uint8Array): SecretKey {
  checkKekAndKey(kek, wrapped.length - 8);
  const raw = aesKeyUnwrap(kek, wrapped);
  const key = new SecretKey(raw);
  raw.fill(0);
  return key;
}

/** One key of a key transfer. */
export interface TransferredKey {
  readonly keyId: KeyTransferName;
  readonly key: SecretKey;
}

/** Builds the `array of key_data` parameter of key_transfer, wrapping every key under `kek`. */
export function encodeKeyTransfer(
  kek: KeyInput,
  keys: readonly { readonly keyId: KeyTransferName; readonly key: KeyInput }[],
): Data {
  if (keys.length === 0) throw new ArgumentError('key_transfer needs at least one key');
  return {
    type: 'array',
    value: keys.map(({ keyId, key }) => ({
      type: 'structure',
      value: [
        { type: 'enum', value: KeyTransferId[keyId] },
        { type: 'octet-string', value: wrapKey(kek, key) },
      ],
    })),
  };
}

/** Reads and unwraps a key_transfer parameter. Malformed shapes throw an {@link ArgumentError}. */
export function decodeKeyTransfer(kek: KeyInput, data: Data): TransferredKey[] {
  if (data.type !== 'array') throw new ArgumentError('key_transfer parameter must be an array of key_data');
  return data.value.map((item, i) => {
    if (item.type !== 'structure' || item.value.length !== 2)
      throw new ArgumentError(`key_data ${i} must be a structure of 2`);
    const [id, wrapped] = item.value as [Data, Data];
    if (id.type !== 'enum') throw new ArgumentError(`key_data ${i}: key_id must be an enum`);
    if (wrapped.type !== 'octet-string')
      throw new ArgumentError(`key_data ${i}: key_wrapped must be an octet-string`);
    const keyId = NAME_OF_ID.get(id.value);
    if (keyId === undefined) throw new ArgumentError(`key_data ${i}: unknown key_id ${id.value}`);
    return { keyId, key: unwrapKey(kek, wrapped.value) };
  });
}
