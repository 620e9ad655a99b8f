/**
 * Authentication mechanisms 1–7 in both roles: each side computes its f() and the other side verifies
 * it (constant-time); wrong secrets, swapped challenges and flipped bits are rejected.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/hex.js';
import { digest, ecGenerateKeyPair } from '../../src/security/crypto.js';
import {
  MECHANISM_NAME,
  checkPeerChallenge,
  computeHlsResponse,
  generateChallenge,
  gmacResponseInvocationCounter,
  verifyHlsResponse,
  verifyLlsPassword,
  type HlsMechanism,
} from '../../src/security/authentication.js';

const parties = {
  clientSystemTitle: fromHex('4D4D4D0000000001'),
  serverSystemTitle: fromHex('4D4D4D0000BC614E'),
};
const ch = { ctos: fromHex('4B35366956616759'), stoc: fromHex('503677524A323146') };
const secret = new TextEncoder().encode('0123456789ABCDEF');
const client = ecGenerateKeyPair('P-256');
const server = ecGenerateKeyPair('P-256');

const MECHS: { name: string; client: HlsMechanism; server: HlsMechanism }[] = [
  {
    name: '2 manufacturer hook',
    client: {
      mechanism: 2,
      manufacturer: {
        respond: (role, c) =>
          digest('sha256', new TextEncoder().encode(role), role === 'client' ? c.stoc : c.ctos),
      },
    },
    server: {
      mechanism: 2,
      manufacturer: {
        respond: (role, c) =>
          digest('sha256', new TextEncoder().encode(role), role === 'client' ? c.stoc : c.ctos),
      },
    },
  },
  { name: '3 HLS-MD5', client: { mechanism: 3, secret }, server: { mechanism: 3, secret } },
  { name: '4 HLS-SHA1', client: { mechanism: 4, secret }, server: { mechanism: 4, secret } },
  {
    name: '5 HLS-GMAC',
    client: {
      mechanism: 5,
      encryptionKey: fromHex('000102030405060708090A0B0C0D0E0F'),
      authenticationKey: fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
    },
    server: {
      mechanism: 5,
      encryptionKey: fromHex('000102030405060708090A0B0C0D0E0F'),
      authenticationKey: fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
    },
  },
  { name: '6 HLS-SHA256', client: { mechanism: 6, secret }, server: { mechanism: 6, secret } },
  {
    name: '7 HLS-ECDSA',
    client: { mechanism: 7, suite: 1, privateKey: client.privateKey, peerPublicKey: server.publicKey },
    server: { mechanism: 7, suite: 1, privateKey: server.privateKey, peerPublicKey: client.publicKey },
  },
];

describe('HLS mechanisms, both roles', () => {
  it.each(MECHS)(
    '$name: pass 3 (client f(StoC)) and pass 4 (server f(CtoS)) verify; tampering fails',
    ({ client: c, server: s }) => {
      const fStoC = computeHlsResponse('client', c, ch, { ...parties, invocationCounter: 1 });
      expect(verifyHlsResponse('server', s, ch, fStoC, parties)).toBe(true);
      const fCtoS = computeHlsResponse('server', s, ch, { ...parties, invocationCounter: 0x01234567 });
      expect(verifyHlsResponse('client', c, ch, fCtoS, parties)).toBe(true);
      // The two directions differ, and neither answers the other's challenge.
      expect(toHex(fStoC)).not.toBe(toHex(fCtoS));
      expect(verifyHlsResponse('client', c, ch, fStoC, parties)).toBe(false);
      for (let bit = 0; bit < fStoC.length * 8; bit += 7) {
        const bad = fStoC.slice();
        bad[bit >> 3]! ^= 1 << (bit & 7);
        expect(verifyHlsResponse('server', s, ch, bad, parties), `bit ${bit}`).toBe(false);
      }
      expect(
        verifyHlsResponse('server', s, { ctos: ch.ctos, stoc: fromHex('0000000000000000') }, fStoC, parties),
      ).toBe(false);
    },
  );

  it('3 and 4 are MD5 / SHA-1 of challenge ‖ secret; 6 is SHA-256 of secret ‖ ST-C ‖ ST-S ‖ StoC ‖ CtoS', () => {
    expect(toHex(computeHlsResponse('client', { mechanism: 3, secret }, ch))).toBe(
      toHex(digest('md5', ch.stoc, secret)),
    );
    expect(toHex(computeHlsResponse('server', { mechanism: 4, secret }, ch))).toBe(
      toHex(digest('sha1', ch.ctos, secret)),
    );
    expect(toHex(computeHlsResponse('client', { mechanism: 6, secret }, ch, parties))).toBe(
      toHex(digest('sha256', secret, parties.clientSystemTitle, parties.serverSystemTitle, ch.stoc, ch.ctos)),
    );
    expect(toHex(computeHlsResponse('server', { mechanism: 6, secret }, ch, parties))).toBe(
      toHex(digest('sha256', secret, parties.serverSystemTitle, parties.clientSystemTitle, ch.ctos, ch.stoc)),
    );
  });

  it('a wrong secret fails for 3, 4, 6; a wrong key fails for 5 and 7', () => {
    const other = new TextEncoder().encode('0123456789ABCDEX');
    for (const m of [3, 4, 6] as const) {
      const f = computeHlsResponse('client', { mechanism: m, secret }, ch, parties);
      expect(verifyHlsResponse('server', { mechanism: m, secret: other }, ch, f, parties)).toBe(false);
    }
    const g = MECHS[3]!.client;
    const f5 = computeHlsResponse('client', g, ch, { ...parties, invocationCounter: 9 });
    expect(gmacResponseInvocationCounter(f5)).toBe(9);
    expect(
      verifyHlsResponse(
        'server',
        {
          mechanism: 5,
          encryptionKey: fromHex('000102030405060708090A0B0C0D0E0F'),
          authenticationKey: fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDED0'),
        },
        ch,
        f5,
        parties,
      ),
    ).toBe(false);
    const f7 = computeHlsResponse('client', MECHS[5]!.client, ch, parties);
    expect(
      verifyHlsResponse(
        'server',
        { mechanism: 7, suite: 1, peerPublicKey: ecGenerateKeyPair('P-256').publicKey },
        ch,
        f7,
        parties,
      ),
    ).toBe(false);
  });

  it('HLS-ECDSA on suite 2 (P-384)', () => {
    const c = ecGenerateKeyPair('P-384');
    const f = computeHlsResponse('client', { mechanism: 7, suite: 2, privateKey: c.privateKey }, ch, parties);
    expect(f).toHaveLength(96);
    expect(
      verifyHlsResponse('server', { mechanism: 7, suite: 2, peerPublicKey: c.publicKey }, ch, f, parties),
    ).toBe(true);
  });

  it('missing inputs are errors, not silent passes', () => {
    expect(() => computeHlsResponse('client', { mechanism: 6, secret }, ch)).toThrow(
      expect.objectContaining({ code: 'INVALID_SYSTEM_TITLE' }),
    );
    expect(() => computeHlsResponse('client', { mechanism: 7, suite: 1 }, ch, parties)).toThrow(
      expect.objectContaining({ code: 'MISSING_KEY' }),
    );
    expect(() => computeHlsResponse('client', MECHS[3]!.client, ch, parties)).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(verifyHlsResponse('server', MECHS[3]!.server, ch, new Uint8Array(16), parties)).toBe(false);
  });
});

describe('challenges and LLS', () => {
  it('generates 8..64 random bytes and rejects other lengths', () => {
    expect(generateChallenge()).toHaveLength(16);
    expect(generateChallenge(8)).toHaveLength(8);
    expect(generateChallenge(64)).toHaveLength(64);
    expect(toHex(generateChallenge(32))).not.toBe(toHex(generateChallenge(32)));
    expect(() => generateChallenge(7)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => generateChallenge(65)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkPeerChallenge(new Uint8Array(7))).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => checkPeerChallenge(new Uint8Array(65))).toThrow(
      expect.objectContaining({ code: 'AUTHENTICATION_FAILED' }),
    );
    expect(() => checkPeerChallenge(new Uint8Array(8))).not.toThrow();
  });

  it('LLS compares passwords exactly', () => {
    const pw = new TextEncoder().encode('12345678');
    expect(verifyLlsPassword(pw, new TextEncoder().encode('12345678'))).toBe(true);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (other) => {
        expect(verifyLlsPassword(pw, other)).toBe(toHex(other) === toHex(pw));
      }),
    );
  });

  it('names mechanisms 0..7 after the Green Book', () => {
    expect(MECHANISM_NAME[0]).toBe('lowest-level-security');
    expect(MECHANISM_NAME[5]).toBe('high-level-security-gmac');
    expect(MECHANISM_NAME[7]).toBe('high-level-security-ecdsa');
  });
});
