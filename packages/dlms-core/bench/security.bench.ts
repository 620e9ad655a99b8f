/**
 * Speed of the push receive path: decipher + decode of a 273-byte general-glo-ciphering
 * DataNotification (security control 0x30: authenticated and encrypted, suite 0). Goal: at least
 * 150,000 frames per second on one core. Run with `npx vitest bench --run packages/dlms-core/bench/security.bench.ts`.
 *
 * The frame is built once at load with the stack's own encoders and its size asserted, so the figures
 * stay comparable. Keys are `SecretKey`s, built once: the hot path reuses their OpenSSL key objects.
 */
import { bench, describe } from 'vitest';
import {
  SecretKey,
  decodeApdu,
  decodeCipheredApduBytes,
  decipherApdu,
  encodeApdu,
  protectApdu,
  unprotectApdu,
  type CipheringApdu,
  type Data,
} from '../src/index.js';

const enc = new TextEncoder();
const register = (c: number, i: number): Data => ({
  type: 'structure',
  value: [
    { type: 'octet-string', value: Uint8Array.of(1, 0, c, 8, 0, 255) },
    { type: 'double-long-unsigned', value: 123_456 + i * 7919 },
    {
      type: 'structure',
      value: [
        { type: 'integer', value: -1 },
        { type: 'enum', value: 30 },
      ],
    },
  ],
});

const plain = encodeApdu({
  type: 'data-notification',
  longInvokeIdAndPriority: {
    invokeId: 1,
    highPriority: false,
    confirmed: false,
    breakOnError: false,
    selfDescriptive: false,
  },
  dateTime: Uint8Array.of(0x07, 0xea, 11, 21, 6, 8, 15, 0, 0, 0xff, 0xc4, 0),
  body: {
    type: 'structure',
    value: [
      { type: 'octet-string', value: enc.encode('KFM_0123456789ABCDEF0123456789AB') },
      ...[1, 2, 3, 4, 21, 22, 41, 42, 61].map(register),
    ],
  },
});

const EK = new SecretKey(Uint8Array.from({ length: 16 }, (_, i) => i));
const AK = new SecretKey(Uint8Array.from({ length: 16 }, (_, i) => 0xd0 + i));
const ST = Uint8Array.of(0x4b, 0x46, 0x4d, 0x67, 0x50, 0, 0, 9);
const frame = protectApdu(plain, {
  form: 'general-glo',
  key: EK,
  authKey: AK,
  systemTitle: ST,
  invocationCounter: 0x1234,
});
if (plain.length !== 243 || frame.length !== 273) {
  throw new Error(`bench frame is ${frame.length} bytes (plaintext ${plain.length}), expected 273 (243)`);
}
const options = { key: EK, authKey: AK };
const keys = { encryptionKey: EK, authenticationKey: AK };

describe('general-glo-ciphering DataNotification, 273 bytes, SC 0x30', () => {
  bench('unprotectApdu + decodeApdu', () => {
    const u = unprotectApdu(frame, options);
    decodeApdu(u.plaintext);
  });

  bench('decodeCipheredApdu + decipherApdu + decodeApdu (low level)', () => {
    const env = decodeCipheredApduBytes(frame) as CipheringApdu;
    decodeApdu(decipherApdu(env, keys).plaintext);
  });

  bench('unprotectApdu only', () => {
    unprotectApdu(frame, options);
  });
});
