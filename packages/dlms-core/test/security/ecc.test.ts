/**
 * Elliptic-curve parts of suites 1 and 2: ECDH (RFC 5903 vectors), ECDSA (RFC 6979 A.2.5 vector,
 * verified; node's signatures are randomised so only verification is pinned), the SP 800-56A KDF and the
 * three key agreement schemes, general-signing.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/hex.js';
import {
  digest,
  ecdhSharedSecret,
  ecdsaSign,
  ecdsaVerify,
  ecGenerateKeyPair,
  ecPublicKey,
} from '../../src/security/crypto.js';
import {
  concatKdf,
  ephemeralUnifiedModel,
  kdfAlgorithmId,
  kdfOtherInfo,
  onePassDiffieHellman,
  staticUnifiedModel,
} from '../../src/security/key-agreement.js';
import {
  signGeneralSigning,
  verifyGeneralSigning,
  generalSigningSignedData,
} from '../../src/security/signing.js';
import { decodeCipheredApduBytes, encodeCipheredApduBytes } from '../../src/security/envelope.js';
import { protectApdu, unprotectApdu } from '../../src/security/protect.js';

const h = (s: string) => fromHex(s.replace(/\s+/g, ''));

// RFC 5903 section 8.1 (256-bit random ECP group).
const P256 = {
  i: h('C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433'),
  gi: h(
    'DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180 5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3',
  ),
  r: h('C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53'),
  gr: h(
    'D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63 56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB',
  ),
  girx: h('D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE'),
};
// RFC 5903 section 8.2 (384-bit random ECP group).
const P384 = {
  i: h(
    '099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194',
  ),
  gi: h(
    '667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA 9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C',
  ),
  r: h(
    '41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC',
  ),
  gr: h(
    'E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571 DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C',
  ),
  girx: h(
    '11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746',
  ),
};

describe('ECDH (RFC 5903)', () => {
  it('P-256: public keys and shared secret from both sides', () => {
    expect(toHex(ecPublicKey('P-256', P256.i))).toBe(toHex(P256.gi));
    expect(toHex(ecPublicKey('P-256', P256.r))).toBe(toHex(P256.gr));
    expect(toHex(ecdhSharedSecret('P-256', P256.i, P256.gr))).toBe(toHex(P256.girx));
    expect(toHex(ecdhSharedSecret('P-256', P256.r, P256.gi))).toBe(toHex(P256.girx));
  });

  it('P-384: public keys and shared secret from both sides', () => {
    expect(toHex(ecPublicKey('P-384', P384.i))).toBe(toHex(P384.gi));
    expect(toHex(ecdhSharedSecret('P-384', P384.i, P384.gr))).toBe(toHex(P384.girx));
    expect(toHex(ecdhSharedSecret('P-384', P384.r, P384.gi))).toBe(toHex(P384.girx));
  });

  it('rejects a point off the curve and wrong lengths with INVALID_KEY', () => {
    const bad = P256.gr.slice();
    bad[63]! ^= 1;
    expect(() => ecdhSharedSecret('P-256', P256.i, bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
    expect(() => ecdhSharedSecret('P-256', P256.i, P256.gr.subarray(1))).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
    expect(() => ecdhSharedSecret('P-384', P256.i, P384.gr)).toThrow(
      expect.objectContaining({ code: 'INVALID_KEY' }),
    );
  });
});

describe('ECDSA raw r ‖ s', () => {
  // RFC 6979 A.2.5: P-256, SHA-256, message "sample".
  const x = h('C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721');
  const U = h(
    '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6 7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
  );
  const sig = h(
    'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716 F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
  );
  const sample = new TextEncoder().encode('sample');

  it('verifies the RFC 6979 signature and rejects any flipped bit', () => {
    expect(toHex(ecPublicKey('P-256', x))).toBe(toHex(U));
    expect(ecdsaVerify('P-256', U, sample, sig)).toBe(true);
    for (let bit = 0; bit < sig.length * 8; bit += 37) {
      const bad = sig.slice();
      bad[bit >> 3]! ^= 1 << (bit & 7);
      expect(ecdsaVerify('P-256', U, sample, bad)).toBe(false);
    }
    expect(ecdsaVerify('P-256', U, new TextEncoder().encode('samplf'), sig)).toBe(false);
  });

  it.each(['P-256', 'P-384'] as const)('%s: sign then verify, raw length 2n', (curve) => {
    const kp = ecGenerateKeyPair(curve);
    const s = ecdsaSign(curve, kp.privateKey, sample);
    expect(s.length).toBe(curve === 'P-256' ? 64 : 96);
    expect(ecdsaVerify(curve, kp.publicKey, sample, s)).toBe(true);
    expect(ecdsaVerify(curve, ecGenerateKeyPair(curve).publicKey, sample, s)).toBe(false);
  });
});

describe('key agreement (NIST SP 800-56A concatenation KDF)', () => {
  const titles = { systemTitleU: h('4D4D4D0000000001'), systemTitleV: h('4D4D4D0000BC614E') };

  it('computes H(00000001 ‖ Z ‖ AlgorithmID ‖ PartyUInfo ‖ PartyVInfo), truncated to the key length', () => {
    const z = P256.girx;
    const other = kdfOtherInfo(1, titles.systemTitleU, titles.systemTitleV);
    expect(toHex(other)).toBe('60857405080300' + '4D4D4D0000000001' + '4D4D4D0000BC614E');
    const expected = digest('sha256', h('00000001'), z, other).subarray(0, 16);
    expect(toHex(concatKdf(1, z, other))).toBe(toHex(expected));
    expect(toHex(kdfAlgorithmId(2))).toBe('60857405080301');
    expect(concatKdf(2, P384.girx, kdfOtherInfo(2, titles.systemTitleU, titles.systemTitleV))).toHaveLength(
      32,
    );
  });

  it.each([1, 2] as const)('suite %i: both parties derive the same key in every scheme', (suite) => {
    const curve = suite === 1 ? 'P-256' : 'P-384';
    const u = ecGenerateKeyPair(curve);
    const v = ecGenerateKeyPair(curve);
    const tid = h('0102030405060708');
    const len = suite === 1 ? 16 : 32;
    const a = ephemeralUnifiedModel(suite, u.privateKey, v.publicKey, titles);
    expect(a).toHaveLength(len);
    expect(toHex(ephemeralUnifiedModel(suite, v.privateKey, u.publicKey, titles))).toBe(toHex(a));
    const b = onePassDiffieHellman(suite, u.privateKey, v.publicKey, titles, tid);
    expect(toHex(onePassDiffieHellman(suite, v.privateKey, u.publicKey, titles, tid))).toBe(toHex(b));
    expect(toHex(b)).not.toBe(toHex(a));
    const c = staticUnifiedModel(suite, u.privateKey, v.publicKey, titles, h('09'));
    expect(toHex(c)).not.toBe(toHex(b));
  });

  it('the RFC 5903 P-256 secret through the Ephemeral Unified Model matches a hand-built KDF input', () => {
    const k = ephemeralUnifiedModel(1, P256.i, P256.gr, titles);
    const expected = digest(
      'sha256',
      h('00000001'),
      P256.girx,
      h('60857405080300'),
      titles.systemTitleU,
      titles.systemTitleV,
    );
    expect(toHex(k)).toBe(toHex(expected.subarray(0, 16)));
  });

  it('general-ciphering with an agreed key round-trips (suite 1)', () => {
    const server = ecGenerateKeyPair('P-256');
    const eph = ecGenerateKeyPair('P-256');
    const tid = h('0000000000000001');
    const key = onePassDiffieHellman(1, eph.privateKey, server.publicKey, titles, tid);
    const plain = h('C0010000080000010000FF0200');
    const bytes = protectApdu(plain, {
      form: 'general-ciphering',
      suite: 1,
      key,
      authKey: h('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
      systemTitle: titles.systemTitleU,
      recipientSystemTitle: titles.systemTitleV,
      transactionId: tid,
      invocationCounter: 7,
      keyInfo: { type: 'agreed-key', keyParameters: h('01'), keyCipheredData: eph.publicKey },
    });
    const u = unprotectApdu(bytes, {
      authKey: h('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
      resolveAgreedKey: (ki, apdu) =>
        onePassDiffieHellman(
          1,
          server.privateKey,
          ki.keyCipheredData,
          { systemTitleU: apdu.originatorSystemTitle, systemTitleV: apdu.recipientSystemTitle },
          apdu.transactionId,
        ),
    });
    expect(u.verified).toBe(true);
    expect(toHex(u.plaintext)).toBe(toHex(plain));
  });
});

describe('general-signing', () => {
  const fields = {
    transactionId: h('01'),
    originatorSystemTitle: h('4D4D4D0000000001'),
    recipientSystemTitle: h('4D4D4D0000BC614E'),
    dateTime: new Uint8Array(0),
    otherInformation: new Uint8Array(0),
    content: h('C0010000080000010000FF0200'),
  };

  it('signs everything but the signature: tag and every field with its length', () => {
    expect(toHex(generalSigningSignedData(fields))).toBe(
      'DF' +
        '0101' +
        '084D4D4D0000000001' +
        '084D4D4D0000BC614E' +
        '00' +
        '00' +
        '0DC0010000080000010000FF0200',
    );
  });

  it.each([1, 2] as const)('suite %i: sign, encode, decode, verify; tampering fails', (suite) => {
    const kp = ecGenerateKeyPair(suite === 1 ? 'P-256' : 'P-384');
    const apdu = signGeneralSigning(suite, kp.privateKey, fields);
    const bytes = encodeCipheredApduBytes(apdu);
    const back = decodeCipheredApduBytes(bytes);
    if (back.type !== 'general-signing') throw new Error('type');
    expect(verifyGeneralSigning(kp.publicKey, back)).toBe(true);
    const u = unprotectApdu(bytes, { signerPublicKey: kp.publicKey });
    expect(u.verified).toBe(true);
    expect(toHex(u.plaintext)).toBe(toHex(fields.content));
    const bad = bytes.slice();
    bad[5]! ^= 0x80;
    expect(() => unprotectApdu(bad, { signerPublicKey: kp.publicKey })).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => unprotectApdu(bytes)).toThrow(expect.objectContaining({ code: 'MISSING_KEY' }));
    expect(unprotectApdu(bytes, { allowUnverified: true }).verified).toBe(false);
  });

  it('a signed ciphered APDU: signature and inner tag both verified', () => {
    const kp = ecGenerateKeyPair('P-256');
    const ek = h('000102030405060708090A0B0C0D0E0F');
    const ak = h('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const inner = protectApdu(fields.content, {
      form: 'general-glo',
      suite: 1,
      key: ek,
      authKey: ak,
      systemTitle: fields.originatorSystemTitle,
      invocationCounter: 3,
    });
    const bytes = encodeCipheredApduBytes(
      signGeneralSigning(1, kp.privateKey, { ...fields, content: inner }),
    );
    const u = unprotectApdu(bytes, { signerPublicKey: kp.publicKey, key: ek, authKey: ak });
    expect(u.verified).toBe(true);
    expect(u.envelope.inner?.type).toBe('general-glo-ciphering');
    expect(toHex(u.plaintext)).toBe(toHex(fields.content));
  });
});
