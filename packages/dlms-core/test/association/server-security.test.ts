/**
 * Server association security: HLS pass 3/4 (MD5, SHA-256, GMAC; right and wrong f(StoC); requests
 * before pass 3), and ciphered associations (glo-initiateRequest in the AARQ, glo- and general-glo
 * requests, responses ciphered the same way, replayed and tampered counters, wrong keys, plain requests
 * refused, dedicated key). The client side is computed with the security module's own functions; keys
 * and titles are those of the Green Book HLS-GMAC example (public vector gb-hls-gmac-f-stoc).
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryCounterStore,
  ServerAssociation,
  computeHlsResponse,
  decodeApdu,
  encodeApdu,
  fromHex,
  protectApdu,
  unprotectApdu,
  verifyHlsResponse,
  type Aare,
  type Apdu,
  type HlsMechanism,
  type ServerAssociationConfig,
} from '../../src/index.js';
import { IID, LN_ASSOCIATION, LN_REGISTER, aarq, config, initiateRequest, one } from './server-helpers.js';

const EK = fromHex('000102030405060708090A0B0C0D0E0F');
const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const CLIENT_ST = fromHex('4D4D4D0000000001');
const SERVER_ST = fromHex('4D4D4D0000BC614E');
const CTOS = new TextEncoder().encode('K56iVagY');
const STOC = new TextEncoder().encode('P6wRJ21F');

const GET_REGISTER = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: IID,
  attribute: { classId: 3, instanceId: LN_REGISTER, attributeId: 2 },
});

function replyToHls(f: Uint8Array): Uint8Array {
  return encodeApdu({
    type: 'action-request-normal',
    invokeIdAndPriority: IID,
    method: { classId: 15, instanceId: LN_ASSOCIATION, methodId: 1 },
    parameters: { type: 'octet-string', value: f },
  });
}

function aare(a: Apdu): Aare {
  if (a.type !== 'aare') throw new Error(a.type);
  return a;
}

const MECHS: readonly [string, HlsMechanism][] = [
  ['hls-md5', { mechanism: 3, secret: new TextEncoder().encode('hls secret') }],
  ['hls-sha256', { mechanism: 6, secret: new TextEncoder().encode('hls secret') }],
  ['hls-gmac', { mechanism: 5, encryptionKey: EK, authenticationKey: AK }],
];

describe('HLS', () => {
  for (const [name, m] of MECHS) {
    const cfg = (): ServerAssociationConfig =>
      config({
        authentication: m,
        systemTitle: SERVER_ST,
        counters: new MemoryCounterStore(),
        challenge: () => STOC,
      });
    const request = () =>
      aarq({
        ...(m.mechanism >= 5 ? { callingApTitle: CLIENT_ST } : {}),
        senderAcseRequirements: { authentication: true },
        mechanismName: name as never,
        callingAuthenticationValue: { type: 'charstring', value: CTOS },
      });
    const parties = { clientSystemTitle: CLIENT_ST, serverSystemTitle: SERVER_ST };

    it(`${name}: AARE carries StoC, pass 3 verifies f(StoC) and pass 4 returns f(CtoS)`, async () => {
      const a = new ServerAssociation(cfg());
      const r = aare(await one(a, request()));
      expect(r.result).toBe('accepted');
      expect(r.resultSourceDiagnostic).toEqual({
        source: 'acse-service-user',
        value: 'authentication-required',
      });
      expect(r.mechanismName).toBe(name);
      expect(r.responderAcseRequirements).toEqual({ authentication: true });
      expect(r.respondingAuthenticationValue).toEqual({ type: 'charstring', value: STOC });
      expect(a.state).toBe('awaiting-hls-pass3');
      // Anything but reply_to_HLS_authentication before pass 3 is refused.
      expect(await one(a, GET_REGISTER)).toEqual({
        type: 'exception-response',
        stateError: 'service-not-allowed',
        serviceError: 'operation-not-possible',
      });
      expect(a.state).toBe('awaiting-hls-pass3');
      const fStoC = computeHlsResponse(
        'client',
        m,
        { ctos: CTOS, stoc: STOC },
        { ...parties, invocationCounter: 1 },
      );
      const resp = await one(a, replyToHls(fStoC));
      if (resp.type !== 'action-response-normal') throw new Error(resp.type);
      expect(resp.response.result).toBe('success');
      const rp = resp.response.returnParameters;
      if (rp?.type !== 'data' || rp.data.type !== 'octet-string') throw new Error('no f(CtoS)');
      expect(verifyHlsResponse('client', m, { ctos: CTOS, stoc: STOC }, rp.data.value, parties)).toBe(true);
      expect(a.state).toBe('associated');
      expect(await one(a, GET_REGISTER)).toMatchObject({ type: 'get-response-normal' });
    });

    it(`${name}: a wrong f(StoC) is refused and the association is not established`, async () => {
      const a = new ServerAssociation(cfg());
      await one(a, request());
      const good = computeHlsResponse(
        'client',
        m,
        { ctos: CTOS, stoc: STOC },
        { ...parties, invocationCounter: 1 },
      );
      const bad = good.slice();
      bad[bad.length - 1] ^= 1;
      expect(await one(a, replyToHls(bad))).toEqual({
        type: 'action-response-normal',
        invokeIdAndPriority: IID,
        response: { result: 'other-reason' },
      });
      expect(a.state).toBe('idle');
      expect(await one(a, GET_REGISTER)).toMatchObject({
        type: 'exception-response',
        stateError: 'service-not-allowed',
      });
    });
  }

  it('matches the Green Book HLS-GMAC f(StoC) example (public vector gb-hls-gmac-f-stoc)', async () => {
    const m: HlsMechanism = { mechanism: 5, encryptionKey: EK, authenticationKey: AK };
    const a = new ServerAssociation(
      config({
        authentication: m,
        systemTitle: SERVER_ST,
        counters: new MemoryCounterStore(),
        challenge: () => STOC,
      }),
    );
    await one(
      a,
      aarq({
        callingApTitle: CLIENT_ST,
        mechanismName: 'hls-gmac',
        callingAuthenticationValue: { type: 'charstring', value: CTOS },
      }),
    );
    const resp = await one(a, replyToHls(fromHex('10000000011A52FE7DD3E72748973C1E28')));
    expect(resp).toMatchObject({ type: 'action-response-normal', response: { result: 'success' } });
  });

  it('HLS-GMAC without calling-AP-title is refused (calling-AP-title-not-recognized)', async () => {
    const a = new ServerAssociation(
      config({
        authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
        systemTitle: SERVER_ST,
        counters: new MemoryCounterStore(),
      }),
    );
    const r = aare(
      await one(
        a,
        aarq({ mechanismName: 'hls-gmac', callingAuthenticationValue: { type: 'charstring', value: CTOS } }),
      ),
    );
    expect(r.resultSourceDiagnostic.value).toBe('calling-AP-title-not-recognized');
  });
});

describe('ciphered association', () => {
  const cfg = (over: Partial<ServerAssociationConfig> = {}): ServerAssociationConfig =>
    config({
      ciphered: true,
      security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
      systemTitle: SERVER_ST,
      counters: new MemoryCounterStore(),
      ...over,
    });
  const glo = (
    plain: Uint8Array,
    invocationCounter: number,
    key = EK,
    form: 'glo' | 'general-glo' | 'ded' = 'glo',
    dedicated?: Uint8Array,
  ) =>
    protectApdu(plain, {
      form,
      key: form === 'ded' ? dedicated! : key,
      authKey: AK,
      systemTitle: CLIENT_ST,
      invocationCounter,
    });
  const cipheredAarq = (ic: number, key = EK, over = {}, dedicatedKey?: Uint8Array) =>
    aarq({
      applicationContextName: 'logical-name-referencing-with-ciphering',
      callingApTitle: CLIENT_ST,
      userInformation: {
        apdu: {
          type: 'ciphered-apdu',
          bytes: glo(encodeApdu(initiateRequest(dedicatedKey ? { dedicatedKey } : {})), ic, key),
        },
      },
      ...over,
    });
  const fromServer = (bytes: Uint8Array) =>
    unprotectApdu(bytes, { key: EK, authKey: AK, systemTitle: SERVER_ST });

  async function open(
    over: Partial<ServerAssociationConfig> = {},
    dedicatedKey?: Uint8Array,
  ): Promise<ServerAssociation> {
    const a = new ServerAssociation(cfg(over));
    const r = aare(await one(a, cipheredAarq(1, EK, {}, dedicatedKey)));
    expect(r.result).toBe('accepted');
    return a;
  }

  it('deciphers the glo-initiateRequest and answers a glo-initiateResponse with the server system title', async () => {
    const a = new ServerAssociation(cfg());
    const r = aare(await one(a, cipheredAarq(1)));
    expect(r.result).toBe('accepted');
    expect(r.applicationContextName).toBe('logical-name-referencing-with-ciphering');
    expect(r.respondingApTitle).toEqual(SERVER_ST);
    const ui = r.userInformation!.apdu;
    if (ui.type !== 'ciphered-apdu') throw new Error('expected a ciphered InitiateResponse');
    expect(ui.bytes[0]).toBe(0x28); // glo-initiateResponse
    const plain = decodeApdu(fromServer(ui.bytes).plaintext);
    expect(plain).toMatchObject({ type: 'initiate-response', negotiatedDlmsVersionNumber: 6 });
    expect(a.info.clientSystemTitle).toEqual(CLIENT_ST);
  });

  it('answers glo- and general-glo requests ciphered the same way, with fresh server counters', async () => {
    const a = await open();
    const r1 = await a.handle(glo(GET_REGISTER, 2));
    if (r1.kind !== 'model') throw new Error(r1.kind);
    // The driver learns how the request was protected (for access modes that demand it).
    expect(r1.protection).toEqual({ authenticated: true, encrypted: true });
    const s1 = await a.complete([{ type: 'double-long-unsigned', value: 7 }]);
    if (s1.kind !== 'send') throw new Error(s1.kind);
    expect(s1.apdus[0]![0]).toBe(0xcc); // glo-get-response
    const u1 = fromServer(s1.apdus[0]!);
    expect(u1.verified).toBe(true);
    expect(decodeApdu(u1.plaintext)).toMatchObject({
      type: 'get-response-normal',
      result: { type: 'data', data: { value: 7 } },
    });
    const r2 = await a.handle(glo(GET_REGISTER, 3, EK, 'general-glo'));
    if (r2.kind !== 'model') throw new Error(r2.kind);
    const s2 = await a.complete([{ type: 'double-long-unsigned', value: 8 }]);
    if (s2.kind !== 'send') throw new Error(s2.kind);
    expect(s2.apdus[0]![0]).toBe(0xdb);
    const u2 = fromServer(s2.apdus[0]!);
    expect(u2.envelope.invocationCounter).toBeGreaterThan(u1.envelope.invocationCounter!);
  });

  it('handleNow/completeNow give promises for ciphered requests (counters are asynchronous)', async () => {
    const a = await open();
    const r = a.handleNow(glo(GET_REGISTER, 2));
    expect(r).toBeInstanceOf(Promise);
    expect((await r).kind).toBe('model');
    const s = a.completeNow([{ type: 'double-long-unsigned', value: 7 }]);
    expect(s).toBeInstanceOf(Promise);
    const step = await s;
    if (step.kind !== 'send') throw new Error(step.kind);
    expect(step.apdus[0]![0]).toBe(0xcc);
  });

  it('refuses keys of the wrong length for the suite', () => {
    expect(
      () =>
        new ServerAssociation(
          cfg({
            security: { policy: 'authenticated', blockCipherKey: new Uint8Array(15), authenticationKey: AK },
          }),
        ),
    ).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });

  it('refuses a replayed counter with invocation-counter-error naming the next one expected', async () => {
    const a = await open();
    expect((await a.handle(glo(GET_REGISTER, 5))).kind).toBe('model');
    await a.complete(['object-undefined']);
    expect(await one(a, glo(GET_REGISTER, 5))).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'invocation-counter-error',
      invocationCounter: 6,
    });
  });

  it('moves the high-water mark only for frames whose tag verifies', async () => {
    const counters = new MemoryCounterStore();
    const a = await open({ counters });
    const forged = glo(GET_REGISTER, 100).slice();
    forged[forged.length - 1] ^= 0x55;
    expect(await one(a, forged)).toMatchObject({
      type: 'exception-response',
      serviceError: 'deciphering-error',
    });
    // Counter 100 did not stick: 10 is still accepted.
    expect((await a.handle(glo(GET_REGISTER, 10))).kind).toBe('model');
    await a.complete(['object-undefined']);
    expect(counters.lastIncoming({ systemTitle: CLIENT_ST, keyId: 'global-unicast' })).toBe(10);
  });

  it('refuses a plain request and an authentication-only request under an authenticated-encrypted policy', async () => {
    const a = await open();
    expect(await one(a, GET_REGISTER)).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'operation-not-possible',
    });
    const authOnly = protectApdu(GET_REGISTER, {
      form: 'glo',
      encrypted: false,
      key: EK,
      authKey: AK,
      systemTitle: CLIENT_ST,
      invocationCounter: 9,
    });
    expect(await one(a, authOnly)).toMatchObject({ serviceError: 'deciphering-error' });
  });

  it('answers a ciphered AARQ under a wrong key with initiate-error deciphering-error', async () => {
    const a = new ServerAssociation(cfg());
    const r = aare(await one(a, cipheredAarq(1, fromHex('FF0102030405060708090A0B0C0D0E0F'))));
    expect(r.result).toBe('rejected-permanent');
    expect(r.userInformation?.apdu).toEqual({
      type: 'confirmed-service-error',
      service: 'initiate-error',
      error: { kind: 'application-reference', value: 'deciphering-error' },
    });
    expect(a.state).toBe('idle');
  });

  it('answers a replayed ciphered AARQ (same counter) with a rejection', async () => {
    const counters = new MemoryCounterStore();
    const first = new ServerAssociation(cfg({ counters }));
    const bytes = cipheredAarq(1);
    expect(aare(await one(first, bytes)).result).toBe('accepted');
    const second = new ServerAssociation(cfg({ counters }));
    const r = aare(await one(second, bytes));
    expect(r.result).toBe('rejected-permanent');
    expect(r.userInformation?.apdu).toMatchObject({
      type: 'confirmed-service-error',
      service: 'initiate-error',
    });
  });

  it('refuses a ciphered AARQ without calling-AP-title, and one from an unexpected client', async () => {
    const a = new ServerAssociation(cfg());
    const r = aare(await one(a, cipheredAarq(1, EK, { callingApTitle: undefined })));
    expect(r.resultSourceDiagnostic).toEqual({
      source: 'acse-service-user',
      value: 'calling-AP-title-not-recognized',
    });
    const b = new ServerAssociation(cfg({ clientSystemTitle: fromHex('0102030405060708') }));
    expect(aare(await one(b, cipheredAarq(1))).resultSourceDiagnostic.value).toBe(
      'calling-AP-title-not-recognized',
    );
  });

  it('refuses a plain InitiateRequest in a ciphered context with a protection policy', async () => {
    const a = new ServerAssociation(cfg());
    const r = aare(
      await one(
        a,
        aarq({
          applicationContextName: 'logical-name-referencing-with-ciphering',
          callingApTitle: CLIENT_ST,
        }),
      ),
    );
    expect(r.result).toBe('rejected-permanent');
  });

  it('uses the dedicated key of the InitiateRequest for ded- requests and responses', async () => {
    const dedicated = fromHex('00112233445566778899AABBCCDDEEFF');
    const a = await open({}, dedicated);
    const step = await a.handle(glo(GET_REGISTER, 2, EK, 'ded', dedicated));
    if (step.kind !== 'model') throw new Error(step.kind);
    const s = await a.complete([{ type: 'unsigned', value: 1 }]);
    if (s.kind !== 'send') throw new Error(s.kind);
    expect(s.apdus[0]![0]).toBe(0xd4); // ded-get-response
    const u = unprotectApdu(s.apdus[0]!, {
      key: EK,
      dedicatedKey: dedicated,
      authKey: AK,
      systemTitle: SERVER_ST,
    });
    expect(decodeApdu(u.plaintext)).toMatchObject({ type: 'get-response-normal' });
  });

  it('under an authenticated policy accepts authentication-only requests and answers the same way', async () => {
    const a = await open({
      security: { policy: 'authenticated', blockCipherKey: EK, authenticationKey: AK },
    });
    const req = protectApdu(GET_REGISTER, {
      form: 'glo',
      encrypted: false,
      key: EK,
      authKey: AK,
      systemTitle: CLIENT_ST,
      invocationCounter: 2,
    });
    const step = await a.handle(req);
    if (step.kind !== 'model') throw new Error(step.kind);
    expect(step.protection).toEqual({ authenticated: true, encrypted: false });
    const s = await a.complete([{ type: 'unsigned', value: 3 }]);
    if (s.kind !== 'send') throw new Error(s.kind);
    const u = fromServer(s.apdus[0]!);
    expect(u.envelope.securityControl).toMatchObject({ authenticated: true, encrypted: false });
    expect(decodeApdu(u.plaintext)).toMatchObject({
      type: 'get-response-normal',
      result: { type: 'data', data: { value: 3 } },
    });
  });

  it('runs HLS-GMAC inside a ciphered association (ciphered AARQ, ciphered pass 3)', async () => {
    const m: HlsMechanism = { mechanism: 5, encryptionKey: EK, authenticationKey: AK };
    const counters = new MemoryCounterStore();
    const a = new ServerAssociation(cfg({ authentication: m, counters, challenge: () => STOC }));
    const r = aare(
      await one(
        a,
        cipheredAarq(1, EK, {
          mechanismName: 'hls-gmac',
          callingAuthenticationValue: { type: 'charstring', value: CTOS },
        }),
      ),
    );
    expect(r).toMatchObject({
      result: 'accepted',
      resultSourceDiagnostic: { value: 'authentication-required' },
      respondingApTitle: SERVER_ST,
    });
    const parties = { clientSystemTitle: CLIENT_ST, serverSystemTitle: SERVER_ST };
    const fStoC = computeHlsResponse(
      'client',
      m,
      { ctos: CTOS, stoc: STOC },
      { ...parties, invocationCounter: 3 },
    );
    // Plain pass 3 is refused under the policy; ciphered pass 3 goes through.
    expect(await one(a, replyToHls(fStoC))).toMatchObject({
      type: 'exception-response',
      serviceError: 'operation-not-possible',
    });
    const step = await a.handle(glo(replyToHls(fStoC), 2));
    if (step.kind !== 'send') throw new Error(step.kind);
    const resp = decodeApdu(fromServer(step.apdus[0]!).plaintext);
    if (resp.type !== 'action-response-normal') throw new Error(resp.type);
    const rp = resp.response.returnParameters;
    if (rp?.type !== 'data' || rp.data.type !== 'octet-string') throw new Error('no f(CtoS)');
    expect(verifyHlsResponse('client', m, { ctos: CTOS, stoc: STOC }, rp.data.value, parties)).toBe(true);
    expect(a.state).toBe('associated');
  });

  it('sizes GET blocks so that each ciphered block fits the client max PDU', async () => {
    const b = new ServerAssociation(cfg());
    await one(
      b,
      aarq({
        applicationContextName: 'logical-name-referencing-with-ciphering',
        callingApTitle: CLIENT_ST,
        userInformation: {
          apdu: {
            type: 'ciphered-apdu',
            bytes: glo(encodeApdu(initiateRequest({ clientMaxReceivePduSize: 128 })), 1),
          },
        },
      }),
    );
    const step = await b.handle(glo(GET_REGISTER, 2, EK, 'general-glo'));
    if (step.kind !== 'model') throw new Error(step.kind);
    const s = await b.complete([{ type: 'octet-string', value: new Uint8Array(1000) }]);
    if (s.kind !== 'send') throw new Error(s.kind);
    expect(s.apdus[0]!.length).toBeLessThanOrEqual(128);
    expect(decodeApdu(fromServer(s.apdus[0]!).plaintext)).toMatchObject({
      type: 'get-response-with-datablock',
      block: { blockNumber: 1, lastBlock: false },
    });
  });
});
