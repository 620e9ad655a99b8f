/**
 * AES-GCM ciphering: NIST GCM vectors, a differential test against node-forge (an independent AES-GCM),
 * every envelope form × protection level × suite, tampering (any flipped bit → SecurityError and never
 * plaintext), encryption-only frames without a tag, key and security control errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import forge from 'node-forge';
import { fromHex, toHex } from '../../src/hex.js';
import { DlmsError, SecurityError } from '../../src/errors.js';
import { gcmDecrypt, gcmEncrypt, gcmKeystreamXor, gmac } from '../../src/security/crypto.js';
import { cipherInformation, decipherInformation, makeIv } from '../../src/security/cipher.js';
import { decodeSecurityControl, encodeSecurityControl } from '../../src/security/security-control.js';
import { decodeCipheredApduBytes } from '../../src/security/envelope.js';
import { protectApdu, unprotectApdu, type ProtectForm } from '../../src/security/protect.js';
import { SecretKey } from '../../src/security/secret-key.js';

// "The Galois/Counter Mode of Operation (GCM)", McGrew & Viega (the NIST-hosted GCM specification),
// Appendix B test cases 2, 4 and 16; tags truncated to DLMS's 12 bytes.
const NIST = [
  {
    name: 'test case 2 (AES-128, zero key, one block)',
    key: '00000000000000000000000000000000',
    iv: '000000000000000000000000',
    aad: '',
    pt: '00000000000000000000000000000000',
    ct: '0388dace60b6a392f328c2b971b2fe78',
    tag: 'ab6e47d42cec13bdf53a67b21257bddf',
  },
  {
    name: 'test case 4 (AES-128, AAD, 60-byte plaintext)',
    key: 'feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ct: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    tag: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  {
    name: 'test case 16 (AES-256, AAD, 60-byte plaintext)',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    aad: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    pt: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    ct: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    tag: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

describe('AES-GCM primitives', () => {
  it.each(NIST)('$name', (v) => {
    const sealed = gcmEncrypt(fromHex(v.key), fromHex(v.iv), fromHex(v.aad), fromHex(v.pt));
    expect(toHex(sealed.ciphertext)).toBe(v.ct.toUpperCase());
    expect(toHex(sealed.tag)).toBe(v.tag.toUpperCase().slice(0, 24));
    expect(toHex(gcmDecrypt(fromHex(v.key), fromHex(v.iv), fromHex(v.aad), fromHex(v.ct), sealed.tag))).toBe(
      v.pt.toUpperCase(),
    );
    // Encryption only: the same keystream without a tag.
    expect(toHex(gcmKeystreamXor(fromHex(v.key), fromHex(v.iv), fromHex(v.pt)))).toBe(v.ct.toUpperCase());
  });

  function forgeGcm(key: Uint8Array, iv: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
    const c = forge.cipher.createCipher(
      'AES-GCM',
      forge.util.createBuffer(Buffer.from(key).toString('binary')),
    );
    c.start({
      iv: forge.util.createBuffer(Buffer.from(iv).toString('binary')),
      additionalData: Buffer.from(aad).toString('binary'),
      tagLength: 96,
    });
    c.update(forge.util.createBuffer(Buffer.from(pt).toString('binary')));
    c.finish();
    return {
      ct: Buffer.from(c.output.getBytes(), 'binary').toString('hex').toUpperCase(),
      tag: Buffer.from(c.mode.tag.getBytes(), 'binary').toString('hex').toUpperCase(),
    };
  }

  it('agrees with node-forge on random keys, IVs, AAD and plaintexts (both key sizes)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
        ),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 300 }),
        (key, iv, aad, pt) => {
          const ours = gcmEncrypt(key, iv, aad, pt);
          const theirs = forgeGcm(key, iv, aad, pt);
          expect(toHex(ours.ciphertext)).toBe(theirs.ct);
          expect(toHex(ours.tag)).toBe(theirs.tag);
          expect(toHex(gcmKeystreamXor(key, iv, pt))).toBe(theirs.ct);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('GMAC equals the tag of GCM over an empty plaintext', () => {
    const k = fromHex('000102030405060708090A0B0C0D0E0F');
    const iv = fromHex('4D4D4D000000000100000001');
    expect(toHex(gmac(k, iv, fromHex('10D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF503677524A323146')))).toBe(
      '1A52FE7DD3E72748973C1E28',
    );
  });
});

describe('security control byte', () => {
  it('decodes every bit', () => {
    expect(decodeSecurityControl(0x30)).toEqual({
      suite: 0,
      authenticated: true,
      encrypted: true,
      broadcastKey: false,
      compressed: false,
    });
    expect(decodeSecurityControl(0x51)).toEqual({
      suite: 1,
      authenticated: true,
      encrypted: false,
      broadcastKey: true,
      compressed: false,
    });
    expect(decodeSecurityControl(0x22)).toEqual({
      suite: 2,
      authenticated: false,
      encrypted: true,
      broadcastKey: false,
      compressed: false,
    });
  });

  it('round-trips every valid byte and rejects reserved suites and compression', () => {
    for (let b = 0; b < 256; b++) {
      if ((b & 0x0f) > 2 || (b & 0x80) !== 0) {
        expect(() => decodeSecurityControl(b), `0x${b.toString(16)}`).toThrow(
          expect.objectContaining({ code: 'UNSUPPORTED_SECURITY' }),
        );
      } else {
        expect(encodeSecurityControl(decodeSecurityControl(b))).toBe(b);
      }
    }
    expect(() => decodeSecurityControl(256)).toThrow(
      expect.objectContaining({ code: 'INVALID_SECURITY_CONTROL' }),
    );
  });
});

const EK16 = fromHex('000102030405060708090A0B0C0D0E0F');
const AK16 = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const EK32 = fromHex('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F');
const AK32 = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDFE0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF');
const ST = fromHex('4D4D4D0000BC614E');
const GET = fromHex('C0010000080000010000FF0200');

const FORMS: ProtectForm[] = ['glo', 'ded', 'general-glo', 'general-ded', 'general-ciphering'];
const LEVELS = [
  { authenticated: true, encrypted: true },
  { authenticated: true, encrypted: false },
  { authenticated: false, encrypted: true },
];
const SUITES = [0, 1, 2] as const;

function keysFor(suite: 0 | 1 | 2) {
  return suite === 2 ? { key: EK32, authKey: AK32 } : { key: EK16, authKey: AK16 };
}

const CASES = FORMS.flatMap((form) =>
  SUITES.flatMap((suite) => LEVELS.map((level) => ({ form, suite, ...level }))),
);

describe('protectApdu / unprotectApdu: every form × protection level × suite', () => {
  it.each(CASES)(
    '$form suite $suite auth=$authenticated enc=$encrypted round-trips',
    ({ form, suite, authenticated, encrypted }) => {
      const keys = keysFor(suite);
      const extra =
        form === 'general-ciphering'
          ? {
              transactionId: fromHex('0102'),
              recipientSystemTitle: fromHex('4D4D4D0000000001'),
              dateTime: fromHex('07E5091B01092F0F00FF8880'),
            }
          : {};
      const bytes = protectApdu(GET, {
        form,
        suite,
        authenticated,
        encrypted,
        ...keys,
        systemTitle: ST,
        invocationCounter: 42,
        ...extra,
      });
      const env = decodeCipheredApduBytes(bytes);
      if (env.type === 'general-signing') throw new Error('type');
      expect(env.securityControl).toBe(suite | (authenticated ? 0x10 : 0) | (encrypted ? 0x20 : 0));
      expect(env.authTag === undefined).toBe(!authenticated);
      // Authentication only leaves the APDU readable; encryption hides it.
      expect(toHex(env.ciphertext) === toHex(GET)).toBe(!encrypted);
      const u = unprotectApdu(bytes, {
        key: keys.key,
        authKey: authenticated ? keys.authKey : undefined,
        dedicatedKey: keys.key,
        systemTitle: ST,
      });
      expect(toHex(u.plaintext)).toBe(toHex(GET));
      expect(u.verified).toBe(authenticated);
      expect(u.envelope.invocationCounter).toBe(42);
    },
  );

  it.each(CASES.filter((c) => c.authenticated))(
    '$form suite $suite enc=$encrypted: flipping any bit after the tag byte fails, never with plaintext',
    ({ form, suite, authenticated, encrypted }) => {
      const keys = keysFor(suite);
      const bytes = protectApdu(GET, {
        form,
        suite,
        authenticated,
        encrypted,
        ...keys,
        systemTitle: ST,
        invocationCounter: 7,
      });
      for (let bit = 8; bit < bytes.length * 8; bit++) {
        const bad = bytes.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        try {
          decodeCipheredApduBytes(bad);
        } catch (e) {
          // A flipped length byte makes the envelope malformed: a decode error, never plaintext.
          expect(e, `bit ${bit}`).toBeInstanceOf(DlmsError);
          continue;
        }
        let out: unknown;
        try {
          out = unprotectApdu(bad, { ...keys, dedicatedKey: keys.key, systemTitle: ST });
        } catch (e) {
          expect(e, `bit ${bit}`).toBeInstanceOf(SecurityError);
          continue;
        }
        throw new Error(`bit ${bit} flipped and still deciphered: ${JSON.stringify(out)}`);
      }
    },
  );

  it('a wrong tag is AUTHENTICATION_FAILED (header, counter, ciphertext and tag each)', () => {
    const bytes = protectApdu(GET, {
      form: 'general-glo',
      ...keysFor(0),
      systemTitle: ST,
      invocationCounter: 7,
    });
    // DB 08 ST(8) len SC IC(4) ct tag(12)
    const positions = {
      systemTitle: 3,
      securityControl: 11,
      invocationCounter: 14,
      ciphertext: 17,
      tag: bytes.length - 1,
    };
    for (const [what, at] of Object.entries(positions)) {
      const bad = bytes.slice();
      bad[at]! ^= what === 'securityControl' ? 0x40 : 0x01;
      expect(() => unprotectApdu(bad, { ...keysFor(0), broadcastKey: EK16 }), what).toThrow(
        expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
      );
    }
  });

  it('a wrong key fails authentication; a wrong key length is INVALID_KEY', () => {
    const bytes = protectApdu(GET, { ...keysFor(0), systemTitle: ST, invocationCounter: 1 });
    expect(() => unprotectApdu(bytes, { key: EK16, authKey: EK16 })).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => unprotectApdu(bytes, { key: EK32, authKey: AK16 })).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
    expect(() =>
      protectApdu(GET, { suite: 2, ...keysFor(0), systemTitle: ST, invocationCounter: 1 }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });

  it('a tag without an authentication key is MISSING_KEY, unless allowUnverified', () => {
    const bytes = protectApdu(GET, { ...keysFor(0), systemTitle: ST, invocationCounter: 1 });
    expect(() => unprotectApdu(bytes, { key: EK16 })).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY' }),
    );
    const u = unprotectApdu(bytes, { key: EK16, allowUnverified: true });
    expect(u.verified).toBe(false);
    expect(toHex(u.plaintext)).toBe(toHex(GET));
    expect(() => unprotectApdu(bytes, { authKey: AK16 })).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY' }),
    );
  });

  it('encryption-only frames need no authentication key and say verified: false', () => {
    const bytes = protectApdu(GET, {
      authenticated: false,
      key: EK16,
      systemTitle: ST,
      invocationCounter: 9,
    });
    const u = unprotectApdu(bytes, { key: EK16 });
    expect(u.verified).toBe(false);
    expect(toHex(u.plaintext)).toBe(toHex(GET));
  });

  it('clearing the authentication bit (downgrade to encryption only) is rejected when authentication is expected', () => {
    const bytes = protectApdu(GET, {
      form: 'general-glo',
      ...keysFor(0),
      systemTitle: ST,
      invocationCounter: 3,
    });
    const bad = bytes.slice();
    bad[11] = 0x20;
    expect(() => unprotectApdu(bad, keysFor(0))).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => unprotectApdu(bad, { key: EK16, requireAuthentication: true })).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    // Without the expectation the frame is deciphered as encryption only, and marked unverified.
    expect(unprotectApdu(bad, { key: EK16 }).verified).toBe(false);
  });

  it('broadcast key set selects the broadcast key', () => {
    const bk = fromHex('0F0E0D0C0B0A09080706050403020100');
    const bytes = protectApdu(GET, {
      broadcastKey: true,
      key: bk,
      authKey: AK16,
      systemTitle: ST,
      invocationCounter: 1,
    });
    expect(() => unprotectApdu(bytes, { key: EK16, authKey: AK16 })).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY' }),
    );
    expect(toHex(unprotectApdu(bytes, { key: EK16, broadcastKey: bk, authKey: AK16 }).plaintext)).toBe(
      toHex(GET),
    );
  });

  it('service-specific forms need the sender system title; it must be 8 bytes', () => {
    const bytes = protectApdu(GET, { form: 'glo', ...keysFor(0), systemTitle: ST, invocationCounter: 1 });
    expect(() => unprotectApdu(bytes, keysFor(0))).toThrow(
      expect.objectContaining({ code: 'INVALID_SYSTEM_TITLE' }),
    );
    expect(() => unprotectApdu(bytes, { ...keysFor(0), systemTitle: ST.subarray(1) })).toThrow(
      expect.objectContaining({ code: 'INVALID_SYSTEM_TITLE' }),
    );
    expect(() =>
      protectApdu(fromHex('0F00000001'), {
        form: 'glo',
        ...keysFor(0),
        systemTitle: ST,
        invocationCounter: 1,
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('compressed or reserved security control in a frame is UNSUPPORTED_SECURITY; no protection is INVALID_SECURITY_CONTROL', () => {
    const mk = (sc: number) =>
      fromHex('DB08' + toHex(ST) + '06' + sc.toString(16).padStart(2, '0') + '00000001' + 'C0');
    expect(() => unprotectApdu(mk(0xa0), { key: EK16 })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_SECURITY' }),
    );
    expect(() => unprotectApdu(mk(0x23), { key: EK16 })).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_SECURITY' }),
    );
    expect(() => unprotectApdu(mk(0x00), { key: EK16 })).toThrow(
      expect.objectContaining({ code: 'INVALID_SECURITY_CONTROL' }),
    );
    expect(() => unprotectApdu(mk(0x00), keysFor(0))).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(unprotectApdu(mk(0x00), { ...keysFor(0), allowUnverified: true }).verified).toBe(false);
  });

  it('general-ciphering binds its header fields into the AAD', () => {
    const bytes = protectApdu(GET, {
      form: 'general-ciphering',
      ...keysFor(0),
      systemTitle: ST,
      invocationCounter: 5,
      transactionId: fromHex('AA'),
      recipientSystemTitle: ST,
      keyInfo: { type: 'identified-key', keyId: 0 },
    });
    // DD 01 AA: change the transaction id.
    const bad = bytes.slice();
    bad[2] = 0xab;
    expect(() => unprotectApdu(bad, keysFor(0))).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(unprotectApdu(bytes, keysFor(0)).verified).toBe(true);
  });

  it('low-level: decipherInformation zero-length information and the IV layout', () => {
    expect(toHex(makeIv(ST, 0x01234567))).toBe('4D4D4D0000BC614E01234567');
    const header = { securityControl: 0x30, systemTitle: ST, invocationCounter: 1 };
    const keys = { encryptionKey: new SecretKey(EK16), authenticationKey: new SecretKey(AK16) };
    const c = cipherInformation(header, keys, new Uint8Array(0));
    expect(c.ciphertext).toHaveLength(0);
    expect(decipherInformation(header, keys, c.ciphertext, c.authTag).verified).toBe(true);
    expect(() => decipherInformation(header, keys, c.ciphertext, undefined)).toThrow(
      expect.objectContaining({ code: 'INVALID_SECURITY_CONTROL' }),
    );
  });

  it('random plaintexts, keys and counters round-trip (suite 0 and 2)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0 as const, 2 as const),
        fc.constantFrom(...FORMS.filter((f) => f !== 'glo' && f !== 'ded')),
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ minLength: 8, maxLength: 8 }),
        (suite, form, plain, ic, st) => {
          const keys = suite === 2 ? { key: EK32, authKey: AK32 } : { key: EK16, authKey: AK16 };
          const bytes = protectApdu(plain, { form, suite, ...keys, systemTitle: st, invocationCounter: ic });
          const u = unprotectApdu(bytes, { ...keys, dedicatedKey: keys.key });
          expect(toHex(u.plaintext)).toBe(toHex(plain));
          expect(u.verified).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('robustness', () => {
  it('unprotectApdu on arbitrary bytes returns or throws a DlmsError, never anything else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0x21, 0xc8, 0xcc, 0xd4, 0xdb, 0xdc, 0xdd, 0xdf),
        fc.uint8Array({ maxLength: 120 }),
        (tag, rest) => {
          const b = new Uint8Array(rest.length + 1);
          b[0] = tag;
          b.set(rest, 1);
          for (const opts of [
            { key: EK16, authKey: AK16, systemTitle: ST },
            { key: EK16, systemTitle: ST, allowUnverified: true },
          ]) {
            try {
              unprotectApdu(b, opts);
            } catch (e) {
              expect(e).toBeInstanceOf(DlmsError);
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('ded forms use the dedicated key, not the global one', () => {
    const dk = fromHex('00112233445566778899AABBCCDDEEFF');
    const bytes = protectApdu(GET, {
      form: 'ded',
      key: dk,
      authKey: AK16,
      systemTitle: ST,
      invocationCounter: 1,
    });
    expect(bytes[0]).toBe(0xd0);
    expect(() =>
      unprotectApdu(bytes, { key: EK16, dedicatedKey: EK16, authKey: AK16, systemTitle: ST }),
    ).toThrow(expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }));
    expect(
      unprotectApdu(bytes, { key: EK16, dedicatedKey: dk, authKey: AK16, systemTitle: ST }).verified,
    ).toBe(true);
  });
});
