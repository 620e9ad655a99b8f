/**
 * Public vectors (../shared/vectors/public-vectors.json beside the repository): Green Book security
 * examples, the 13 encrypted UDP DataNotification pushes under "MYDUMMYGLOBALKEY", and the EVN (Kaifa)
 * M-Bus documentation sample (encryption only, no tag). Skips with a visible message when absent.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromHex, toHex } from '../../src/hex.js';
import { decodeCipheredApduBytes } from '../../src/security/envelope.js';
import { protectApdu, unprotectApdu } from '../../src/security/protect.js';
import { computeHlsResponse, verifyHlsResponse } from '../../src/security/authentication.js';
import { cipherInformation, decipherInformation } from '../../src/security/cipher.js';
import { MemoryCounterStore } from '../../src/security/counters.js';
import { SecretKey } from '../../src/security/secret-key.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const vectorsPath = `${repoRoot}../shared/vectors/public-vectors.json`;
const present = existsSync(vectorsPath);
if (!present)
  console.warn(`public vectors not found at ${vectorsPath}: skipping the public-vector security suite`);

interface Vector {
  id: string;
  layer: string;
  hex: string | string[];
  plaintext_hex?: string;
  key_hex?: string;
  auth_key_hex?: string;
  system_title_hex?: string;
  invocation_counter_hex?: string;
  security_control_hex?: string;
  challenge_hex?: string;
  expected?: Record<string, unknown>;
  derived_values?: Record<string, unknown>;
}

const vectors: Vector[] = present ? (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vector[]) : [];
const byId = (id: string): Vector => {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return v;
};

describe.skipIf(!present)('public vectors: Green Book ciphering', () => {
  it('gb-cipher-suite0-get-request-clock: cipher and decipher, field by field', () => {
    const v = byId('gb-cipher-suite0-get-request-clock');
    const header = {
      securityControl: parseInt(v.security_control_hex!, 16),
      systemTitle: fromHex(v.system_title_hex!),
      invocationCounter: parseInt(v.invocation_counter_hex!, 16),
    };
    const keys = { encryptionKey: fromHex(v.key_hex!), authenticationKey: fromHex(v.auth_key_hex!) };
    const out = cipherInformation(header, keys, fromHex(v.plaintext_hex!));
    expect(toHex(out.ciphertext) + toHex(out.authTag!)).toBe(v.hex);
    const gcmOut = fromHex(v.hex as string);
    const back = decipherInformation(header, keys, gcmOut.subarray(0, -12), gcmOut.subarray(-12));
    expect(toHex(back.plaintext)).toBe(v.plaintext_hex);
    expect(back.verified).toBe(true);
  });

  it('gb-cipher-suite0-get-request-clock: the whole glo-get-request through protectApdu / unprotectApdu', () => {
    const v = byId('gb-cipher-suite0-get-request-clock');
    const apduHex = (v.derived_values as { glo_get_request_apdu: string }).glo_get_request_apdu;
    const bytes = protectApdu(fromHex(v.plaintext_hex!), {
      form: 'glo',
      key: fromHex(v.key_hex!),
      authKey: fromHex(v.auth_key_hex!),
      systemTitle: fromHex(v.system_title_hex!),
      invocationCounter: 0x01234567,
    });
    expect(toHex(bytes)).toBe(apduHex);
    const u = unprotectApdu(fromHex(apduHex), {
      key: new SecretKey(fromHex(v.key_hex!)),
      authKey: new SecretKey(fromHex(v.auth_key_hex!)),
      systemTitle: fromHex(v.system_title_hex!),
    });
    expect(toHex(u.plaintext)).toBe(v.plaintext_hex);
    expect(u.verified).toBe(true);
    expect(u.envelope.service).toBe('get-request');
    expect(u.envelope.invocationCounter).toBe(0x01234567);
    expect(u.envelope.securityControl).toEqual({
      suite: 0,
      authenticated: true,
      encrypted: true,
      broadcastKey: false,
      compressed: false,
    });
  });

  it('gb-cipher-glo-initiate-request: the ciphered AARQ user-information, byte for byte', () => {
    const v = byId('gb-cipher-glo-initiate-request');
    const opts = {
      key: fromHex(v.key_hex!),
      authKey: fromHex(v.auth_key_hex!),
      systemTitle: fromHex(v.system_title_hex!),
    };
    const bytes = protectApdu(fromHex(v.plaintext_hex!), {
      ...opts,
      form: 'glo',
      invocationCounter: 0x01234567,
    });
    expect(toHex(bytes)).toBe(v.hex);
    const u = unprotectApdu(fromHex(v.hex as string), opts);
    expect(toHex(u.plaintext)).toBe(v.plaintext_hex);
    expect(u.envelope.tag).toBe(0x21);
    // The same bytes sit in the user-information (BE 34 04 32 …) of the ciphered AARQ example.
    const aarq = byId('gb-aarq-ciphered-lls').hex as string;
    expect(aarq.endsWith('BE34' + '0432' + v.hex)).toBe(true);
  });

  it('gb-hls-gmac-f-stoc: HLS mechanism 5 f(StoC) computed by the client and verified by the server', () => {
    const v = byId('gb-hls-gmac-f-stoc');
    const mech = {
      mechanism: 5 as const,
      encryptionKey: fromHex(v.key_hex!),
      authenticationKey: fromHex(v.auth_key_hex!),
    };
    const ch = { stoc: fromHex(v.challenge_hex!), ctos: fromHex('4B35366956616759') };
    const parties = {
      clientSystemTitle: fromHex(v.system_title_hex!),
      serverSystemTitle: fromHex('4D4D4D0000BC614E'),
    };
    const f = computeHlsResponse('client', mech, ch, { ...parties, invocationCounter: 1 });
    expect(toHex(f)).toBe(
      (v.derived_values as { reply_to_hls_authentication_octet_string: string })
        .reply_to_hls_authentication_octet_string,
    );
    expect(toHex(f.subarray(5))).toBe(v.hex);
    expect(verifyHlsResponse('server', mech, ch, f, parties)).toBe(true);
    const bad = f.slice();
    bad[16]! ^= 1;
    expect(verifyHlsResponse('server', mech, ch, bad, parties)).toBe(false);
  });
});

describe.skipIf(!present)('public vectors: UDP general-glo-ciphering pushes (key "MYDUMMYGLOBALKEY")', () => {
  it('deciphers all 13 pushes, verifies every tag, and matches the plaintexts', async () => {
    const v = byId('wrapper-udp-gen-glo-data-notification');
    const frames = v.hex as string[];
    const plaintexts = (v.derived_values as { plaintexts: string[] }).plaintexts;
    const ics = (v.derived_values as { invocation_counters: string[] }).invocation_counters;
    expect(frames).toHaveLength(13);
    const key = new SecretKey(new TextEncoder().encode('MYDUMMYGLOBALKEY'));
    expect(toHex(key.exportBytes())).toBe(v.key_hex);
    const counters = new MemoryCounterStore();
    for (let i = 0; i < frames.length; i++) {
      const wire = fromHex(frames[i]!);
      // Wrapper header (8 bytes): version 0x0001, source wPort, destination wPort, length.
      expect(toHex(wire.subarray(0, 2))).toBe('0001');
      const length = (wire[6]! << 8) | wire[7]!;
      const apdu = wire.subarray(8);
      expect(apdu.length).toBe(length);
      const u = await unprotectApdu(apdu, { key, authKey: key, counters });
      expect(u.verified).toBe(true);
      expect(u.envelope.type).toBe('general-glo-ciphering');
      expect(toHex(u.envelope.systemTitle!)).toBe(v.system_title_hex);
      expect(u.envelope.invocationCounter).toBe(parseInt(ics[i]!, 16));
      expect(toHex(u.plaintext)).toBe(plaintexts[i]);
    }
    expect(plaintexts[0]).toBe((v.expected as { decrypted_message_0: string }).decrypted_message_0);
    // Replaying any of them is rejected.
    await expect(
      unprotectApdu(fromHex(frames[3]!).subarray(8), { key, authKey: key, counters }),
    ).rejects.toMatchObject({ code: 'REPLAYED_COUNTER' });
  });

  it('re-enciphers push 0 to the same bytes', () => {
    const v = byId('wrapper-udp-gen-glo-data-notification');
    const key = fromHex(v.key_hex!);
    const apdu = fromHex((v.hex as string[])[0]!).subarray(8);
    const plain = fromHex((v.derived_values as { plaintexts: string[] }).plaintexts[0]!);
    const again = protectApdu(plain, {
      form: 'general-glo',
      key,
      authKey: key,
      systemTitle: fromHex(v.system_title_hex!),
      invocationCounter: 0x1e5,
    });
    expect(toHex(again)).toBe(toHex(apdu));
  });
});

describe.skipIf(!present)('public vectors: EVN (Kaifa) M-Bus sample, encryption only without tag', () => {
  it('reassembles the two M-Bus long frames and deciphers the general-glo-ciphering APDU', () => {
    const v = byId('mbus-evn-doc-example-kaifa');
    const [f1, f2] = (v.hex as string[]).map(fromHex) as [Uint8Array, Uint8Array];
    // Long frame: 68 L L 68 | C A CI | STSAP DTSAP | data | CS 16. The APDU spans both frames.
    const part = (f: Uint8Array) => f.subarray(9, f.length - 2);
    const apdu = new Uint8Array([...part(f1), ...part(f2)]);
    const env = decodeCipheredApduBytes(apdu);
    expect(env.type).toBe('general-glo-ciphering');
    if (env.type !== 'general-glo-ciphering') return;
    expect(toHex(env.systemTitle)).toBe(v.system_title_hex);
    expect(env.securityControl).toBe(0x20);
    expect(env.authTag).toBeUndefined();
    const u = unprotectApdu(apdu, { key: fromHex(v.key_hex!) });
    expect(u.verified).toBe(false);
    expect(u.envelope.invocationCounter).toBe(0x23);
    expect(toHex(u.plaintext)).toBe((v.expected as { decrypted_apdu: string }).decrypted_apdu);
  });
});
