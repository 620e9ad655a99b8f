/**
 * Key handling: RFC 3394 key wrap vectors (4.1 and 4.6), the Security setup key_transfer Data
 * structure, and the redaction of keys in string, JSON and inspect output.
 */
import { describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { fromHex, toHex } from '../../src/hex.js';
import { aesKeyUnwrap, aesKeyWrap } from '../../src/security/crypto.js';
import { decodeKeyTransfer, encodeKeyTransfer, unwrapKey, wrapKey } from '../../src/security/key-transfer.js';
import { SecretKey, checkSuiteKey } from '../../src/security/secret-key.js';
import { encodeDataBytes, decodeDataBytes } from '../../src/axdr/data.js';
import { SecurityError } from '../../src/errors.js';
import { protectApdu, unprotectApdu } from '../../src/security/protect.js';

const KEK128 = fromHex('000102030405060708090A0B0C0D0E0F');
const KEK256 = fromHex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');

describe('AES key wrap (RFC 3394)', () => {
  it('4.1: 128 bits of key data with a 128-bit KEK', () => {
    const wrapped = aesKeyWrap(KEK128, fromHex('00112233445566778899AABBCCDDEEFF'));
    expect(toHex(wrapped)).toBe('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
    expect(toHex(aesKeyUnwrap(KEK128, wrapped))).toBe('00112233445566778899AABBCCDDEEFF');
  });

  it('4.6: 256 bits of key data with a 256-bit KEK', () => {
    const data = fromHex('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F');
    const wrapped = aesKeyWrap(KEK256, data);
    expect(toHex(wrapped)).toBe(
      '28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21',
    );
    expect(toHex(aesKeyUnwrap(KEK256, wrapped))).toBe(toHex(data));
  });

  it('an altered wrapped key or wrong KEK fails the integrity check', () => {
    const wrapped = aesKeyWrap(KEK128, fromHex('00112233445566778899AABBCCDDEEFF'));
    const bad = wrapped.slice();
    bad[3]! ^= 1;
    expect(() => aesKeyUnwrap(KEK128, bad)).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => unwrapKey(fromHex('0F0E0D0C0B0A09080706050403020100'), wrapped)).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => wrapKey(KEK128, fromHex('0011'))).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });
});

describe('Security setup key_transfer', () => {
  it('builds array of structure { enum key_id, octet-string key_wrapped } and reads it back', () => {
    const ek = fromHex('00112233445566778899AABBCCDDEEFF');
    const ak = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const data = encodeKeyTransfer(KEK128, [
      { keyId: 'global-unicast-encryption-key', key: ek },
      { keyId: 'authentication-key', key: new SecretKey(ak) },
    ]);
    const bytes = encodeDataBytes(data);
    // 01 02 (array of 2) 02 02 (structure of 2) 16 00 (enum 0) 09 18 (octet-string 24) <RFC 3394 4.1 output> …
    expect(toHex(bytes.subarray(0, 10))).toBe('0102020216000918' + '1FA6');
    expect(toHex(bytes.subarray(8, 32))).toBe('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
    const keys = decodeKeyTransfer(KEK128, decodeDataBytes(bytes));
    expect(keys.map((k) => k.keyId)).toEqual(['global-unicast-encryption-key', 'authentication-key']);
    expect(toHex(keys[0]!.key.exportBytes())).toBe(toHex(ek));
    expect(toHex(keys[1]!.key.exportBytes())).toBe(toHex(ak));
  });

  it('rejects malformed parameters', () => {
    expect(() => decodeKeyTransfer(KEK128, { type: 'null-data' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() =>
      decodeKeyTransfer(KEK128, {
        type: 'array',
        value: [
          {
            type: 'structure',
            value: [
              { type: 'enum', value: 9 },
              { type: 'octet-string', value: new Uint8Array(24) },
            ],
          },
        ],
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('general-ciphering with a wrapped content key', () => {
    const contentKey = fromHex('0F0E0D0C0B0A09080706050403020100');
    const ak = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const st = fromHex('4D4D4D0000000001');
    const bytes = protectApdu(fromHex('C0010000080000010000FF0200'), {
      form: 'general-ciphering',
      key: contentKey,
      authKey: ak,
      systemTitle: st,
      invocationCounter: 1,
      keyInfo: { type: 'wrapped-key', kekId: 0, keyCipheredData: wrapKey(KEK128, contentKey) },
    });
    expect(unprotectApdu(bytes, { authKey: ak, masterKey: KEK128 }).verified).toBe(true);
    expect(() => unprotectApdu(bytes, { authKey: ak })).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY' }),
    );
  });
});

describe('SecretKey never shows its bytes', () => {
  const key = new SecretKey(fromHex('4D5944554D4D59474C4F42414C4B4559'));

  it('redacts string, JSON and inspect output', () => {
    expect(String(key)).toBe('[redacted]');
    expect(`${key}`).toBe('[redacted]');
    expect(JSON.stringify({ key })).toBe('{"key":"[redacted]"}');
    expect(inspect(key)).not.toMatch(/4D59|77|MYDUMMY/i);
    expect(inspect({ nested: { key } }, { depth: 5 })).toContain('[redacted]');
    expect(Object.keys(key)).toEqual([]);
  });

  it('copies its input and exports a copy', () => {
    const raw = fromHex('000102030405060708090A0B0C0D0E0F');
    const k = new SecretKey(raw);
    raw[0] = 0xff;
    const out = k.exportBytes();
    expect(out[0]).toBe(0);
    out[1] = 0xff;
    expect(k.exportBytes()[1]).toBe(1);
  });

  it('key lengths are checked per suite', () => {
    expect(() => checkSuiteKey(key, 0)).not.toThrow();
    expect(() => checkSuiteKey(key, 2)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });

  it('no error message carries key bytes', () => {
    const ek = fromHex('A1A2A3A4A5A6A7A8A9AAABACADAEAFB0');
    const bytes = protectApdu(fromHex('C0010000080000010000FF0200'), {
      key: ek,
      authKey: ek,
      systemTitle: fromHex('4D4D4D0000000001'),
      invocationCounter: 1,
    });
    const wrong = fromHex('B1B2B3B4B5B6B7B8B9BABBBCBDBEBFC0');
    for (const run of [
      () => unprotectApdu(bytes, { key: wrong, authKey: wrong }),
      () => unprotectApdu(bytes, { key: wrong.subarray(1), authKey: wrong }),
      () => unprotectApdu(bytes, { key: ek }),
    ]) {
      try {
        run();
        throw new Error('no error');
      } catch (e) {
        expect(e).toBeInstanceOf(SecurityError);
        const text = `${(e as Error).message} ${inspect(e)}`.toUpperCase();
        expect(text).not.toContain('A1A2A3');
        expect(text).not.toContain('B1B2B3');
      }
    }
  });
});
