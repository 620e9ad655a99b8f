/**
 * The server association against the public vectors (../shared/vectors/public-vectors.json beside the
 * repository; the Green Book AARQ/AARE examples as collected there): real AARQs from the Green Book
 * must be accepted, and where the Green Book shows the matching AARE, the server's answer must be that
 * AARE byte for byte. Skipped with a warning when the file is absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MemoryCounterStore,
  ServerAssociation,
  decodeApdu,
  encodeApdu,
  fromHex,
  protectApdu,
  toHex,
  unprotectApdu,
} from '../../src/index.js';
import { IID, LN_REGISTER, config } from './server-helpers.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const vectorsPath = `${repoRoot}../shared/vectors/public-vectors.json`;
const present = existsSync(vectorsPath);
if (!present)
  console.warn(`public vectors not found at ${vectorsPath}: skipping the server association vector suite`);

interface Vector {
  readonly id: string;
  readonly hex: string;
  readonly key_hex?: string;
  readonly auth_key_hex?: string;
}

const vectors: readonly Vector[] = present ? (JSON.parse(readFileSync(vectorsPath, 'utf8')) as Vector[]) : [];
const hexOf = (id: string): string => {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return v.hex;
};

async function answer(a: ServerAssociation, hex: string): Promise<Uint8Array> {
  const step = await a.handle(fromHex(hex));
  if (step.kind !== 'send') throw new Error(step.kind);
  return step.apdus[0]!;
}

/** The server of the Green Book AARE examples: conformance 0x00501F, server max PDU 500. */
const GB = { conformance: 0x00501f, maxReceivePduSize: 500 } as const;

describe.skipIf(!present)('public vectors: Green Book AARQs served', () => {
  it('answers gb-aarq-no-security with exactly gb-aare-accepted-no-security', async () => {
    const a = new ServerAssociation(config(GB));
    expect(toHex(await answer(a, hexOf('gb-aarq-no-security')))).toBe(hexOf('gb-aare-accepted-no-security'));
    expect(a.state).toBe('associated');
  });

  it('answers gb-aarq-hls-gmac with exactly gb-aare-hls-gmac-accepted, then verifies the example f(StoC)', async () => {
    const a = new ServerAssociation(
      config({
        ...GB,
        authentication: {
          mechanism: 5,
          encryptionKey: fromHex('000102030405060708090A0B0C0D0E0F'),
          authenticationKey: fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF'),
        },
        systemTitle: fromHex('4D4D4D0000BC614E'),
        // The example AARQ carries no calling-AP-title: the client title is configured.
        clientSystemTitle: fromHex('4D4D4D0000000001'),
        counters: new MemoryCounterStore(),
        challenge: () => new TextEncoder().encode('P6wRJ21F'),
      }),
    );
    expect(toHex(await answer(a, hexOf('gb-aarq-hls-gmac')))).toBe(hexOf('gb-aare-hls-gmac-accepted'));
    // f(StoC) of the Green Book example (public vector gb-hls-gmac-f-stoc, derived reply).
    const reply = encodeApdu({
      type: 'action-request-normal',
      invokeIdAndPriority: IID,
      method: { classId: 15, instanceId: new Uint8Array([0, 0, 40, 0, 0, 255]), methodId: 1 },
      parameters: { type: 'octet-string', value: fromHex('10000000011A52FE7DD3E72748973C1E28') },
    });
    expect(decodeApdu(await answer(a, toHex(reply)))).toMatchObject({ response: { result: 'success' } });
    expect(a.state).toBe('associated');
  });

  it('rejects an SN AARQ to an LN server exactly as gb-aare-rejected-app-context', async () => {
    const a = new ServerAssociation(config(GB));
    const lnAarq = decodeApdu(fromHex(hexOf('gb-aarq-no-security')));
    if (lnAarq.type !== 'aarq') throw new Error(lnAarq.type);
    const snAarq = encodeApdu({ ...lnAarq, applicationContextName: 'short-name-referencing-no-ciphering' });
    expect(toHex(await answer(a, toHex(snAarq)))).toBe(hexOf('gb-aare-rejected-app-context'));
    expect(a.state).toBe('idle');
  });

  it('accepts gb-aarq-lls with the example password 12345678', async () => {
    const a = new ServerAssociation(
      config({ ...GB, authentication: { mechanism: 1, password: new TextEncoder().encode('12345678') } }),
    );
    expect(decodeApdu(await answer(a, hexOf('gb-aarq-lls')))).toMatchObject({
      type: 'aare',
      result: 'accepted',
      mechanismName: 'lls',
    });
  });

  it('deciphers gb-aarq-ciphered-lls, learns its dedicated key and serves ded- requests with it', async () => {
    const EK = fromHex('000102030405060708090A0B0C0D0E0F');
    const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
    const clientTitle = fromHex('4D4D4D0000BC614E');
    const serverTitle = fromHex('4D4D4D0000000001');
    const a = new ServerAssociation(
      config({
        ...GB,
        ciphered: true,
        authentication: { mechanism: 1, password: new TextEncoder().encode('12345678') },
        security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
        systemTitle: serverTitle,
        counters: new MemoryCounterStore(),
      }),
    );
    const aare = decodeApdu(await answer(a, hexOf('gb-aarq-ciphered-lls')));
    if (aare.type !== 'aare' || aare.userInformation?.apdu.type !== 'ciphered-apdu')
      throw new Error('expected a ciphered AARE');
    expect(aare.result).toBe('accepted');
    expect(aare.respondingApTitle).toEqual(serverTitle);
    const init = decodeApdu(
      unprotectApdu(aare.userInformation.apdu.bytes, { key: EK, authKey: AK, systemTitle: serverTitle })
        .plaintext,
    );
    // Client offered 0x007E1F (gb-cipher-glo-initiate-request), server 0x00501F.
    expect(init).toEqual({
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: 6,
      negotiatedConformance: 0x00501f,
      serverMaxReceivePduSize: 500,
      vaaName: 7,
    });
    // The dedicated key of the example InitiateRequest.
    const dedicated = fromHex('00112233445566778899AABBCCDDEEFF');
    const get = encodeApdu({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 },
    });
    const step = await a.handle(
      protectApdu(get, {
        form: 'ded',
        key: dedicated,
        authKey: AK,
        systemTitle: clientTitle,
        invocationCounter: 0x01234568,
      }),
    );
    expect(step).toMatchObject({ kind: 'model', protection: { authenticated: true, encrypted: true } });
  });
});
