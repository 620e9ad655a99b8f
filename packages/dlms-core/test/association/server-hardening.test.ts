/**
 * Server association hardening: a GET-Request-Next must carry the invoke-id of the long GET it
 * continues; the invocation counter inside an HLS-GMAC f(StoC) must be above the last one accepted from
 * that client system title (replayed pass 3 refused across associations sharing a counter store); and a
 * response can be given more protection than its request had (`complete(results, { responseProtection })`,
 * for access rights that demand protected responses). Keys and titles as in server-security.test.ts
 * (Green Book HLS-GMAC example). The ACCESS service (Access-Request 0xD9 / Access-Response 0xDA): a list
 * of GET/SET/ACTION in one APDU, continue-on-error and break-on-error.
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  conformanceFromNames,
  HLS_GMAC_COUNTER,
  MemoryCounterStore,
  ServerAssociation,
  computeHlsResponse,
  decodeApdu,
  encodeApdu,
  fromHex,
  protectApdu,
  unprotectApdu,
  type HlsMechanism,
} from '../../src/index.js';
import {
  IID,
  LN_ASSOCIATION,
  LN_CLOCK,
  LN_SCRIPT,
  OFFERED,
  PROPOSED,
  TestModel,
  LN_PROFILE,
  LN_REGISTER,
  aarq,
  associated,
  config,
  initiateRequest,
  one,
} from './server-helpers.js';

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

describe('GET-Request-Next invoke-id', () => {
  const getProfile = encodeApdu({
    type: 'get-request-normal',
    invokeIdAndPriority: IID,
    attribute: { classId: 7, instanceId: LN_PROFILE, attributeId: 2 },
  });
  const next = (invokeId: number, blockNumber: number) =>
    encodeApdu({
      type: 'get-request-next',
      invokeIdAndPriority: { ...IID, invokeId },
      blockNumber,
    });

  it('continues with the same invoke-id and aborts the long GET on another one', async () => {
    const a = await associated({}, { clientMaxReceivePduSize: 256 });
    expect(await one(a, getProfile)).toMatchObject({
      type: 'get-response-with-datablock',
      block: { lastBlock: false, blockNumber: 1 },
    });
    expect(await one(a, next(1, 1))).toMatchObject({
      type: 'get-response-with-datablock',
      block: { lastBlock: false, blockNumber: 2 },
    });
    expect(await one(a, next(5, 2))).toEqual({
      type: 'get-response-with-datablock',
      invokeIdAndPriority: { ...IID, invokeId: 5 },
      block: {
        lastBlock: true,
        blockNumber: 2,
        result: { type: 'data-access-result', result: 'long-get-aborted' },
      },
    });
    // The transfer is gone: the right invoke-id now finds no long GET.
    expect(await one(a, next(1, 2))).toMatchObject({
      block: { result: { type: 'data-access-result', result: 'no-long-get-in-progress' } },
    });
  });
});

describe('HLS-GMAC f(StoC) invocation counter', () => {
  const m: HlsMechanism = { mechanism: 5, encryptionKey: EK, authenticationKey: AK };
  const parties = { clientSystemTitle: CLIENT_ST, serverSystemTitle: SERVER_ST };
  const request = aarq({
    callingApTitle: CLIENT_ST,
    senderAcseRequirements: { authentication: true },
    mechanismName: 'hls-gmac',
    callingAuthenticationValue: { type: 'charstring', value: CTOS },
  });
  const pass3 = (ic: number) =>
    encodeApdu({
      type: 'action-request-normal',
      invokeIdAndPriority: IID,
      method: { classId: 15, instanceId: LN_ASSOCIATION, methodId: 1 },
      parameters: {
        type: 'octet-string',
        value: computeHlsResponse(
          'client',
          m,
          { ctos: CTOS, stoc: STOC },
          { ...parties, invocationCounter: ic },
        ),
      },
    });
  /** One association attempt on a fresh engine sharing `counters`; the pass-3 ACTION result. */
  async function attempt(counters: MemoryCounterStore, ic: number): Promise<string> {
    // The same challenges every time: only the counter tells a replay from a new pass 3.
    const a = new ServerAssociation(
      config({ authentication: m, systemTitle: SERVER_ST, counters, challenge: () => STOC }),
    );
    expect(await one(a, request)).toMatchObject({ type: 'aare', result: 'accepted' });
    const r = await one(a, pass3(ic));
    if (r.type !== 'action-response-normal') throw new Error(r.type);
    expect(a.state).toBe(r.response.result === 'success' ? 'associated' : 'idle');
    return r.response.result as string;
  }

  it('accepts rising counters and refuses a replayed or lower one', async () => {
    const counters = new MemoryCounterStore();
    expect(await attempt(counters, 5)).toBe('success');
    expect(counters.lastIncoming({ systemTitle: CLIENT_ST, keyId: HLS_GMAC_COUNTER })).toBe(5);
    expect(await attempt(counters, 5)).toBe('other-reason');
    expect(await attempt(counters, 4)).toBe('other-reason');
    expect(await attempt(counters, 6)).toBe('success');
    expect(counters.lastIncoming({ systemTitle: CLIENT_ST, keyId: HLS_GMAC_COUNTER })).toBe(6);
  });

  it('a forged f(StoC) does not move the mark', async () => {
    const counters = new MemoryCounterStore();
    const a = new ServerAssociation(
      config({ authentication: m, systemTitle: SERVER_ST, counters, challenge: () => STOC }),
    );
    await one(a, request);
    const bad = decodeApdu(pass3(9));
    if (bad.type !== 'action-request-normal' || bad.parameters?.type !== 'octet-string') throw new Error();
    const f = bad.parameters.value.slice();
    f[16]! ^= 1;
    const r = await one(a, encodeApdu({ ...bad, parameters: { type: 'octet-string', value: f } }));
    expect(r).toMatchObject({ response: { result: 'other-reason' } });
    expect(counters.lastIncoming({ systemTitle: CLIENT_ST, keyId: HLS_GMAC_COUNTER })).toBeUndefined();
    expect(await attempt(counters, 9)).toBe('success');
  });
});

describe('response protection demanded by the model', () => {
  // Under the authenticated policy the InitiateRequest must come protected too.
  const cipheredAarq = (policy: 'none' | 'authenticated') =>
    aarq({
      applicationContextName: 'logical-name-referencing-with-ciphering',
      callingApTitle: CLIENT_ST,
      ...(policy === 'none'
        ? {}
        : {
            userInformation: {
              apdu: {
                type: 'ciphered-apdu',
                bytes: protectApdu(encodeApdu(initiateRequest()), {
                  form: 'glo',
                  key: EK,
                  authKey: AK,
                  systemTitle: CLIENT_ST,
                  invocationCounter: 1,
                }),
              },
            },
          }),
    });
  const fromServer = (bytes: Uint8Array) =>
    unprotectApdu(bytes, { key: EK, authKey: AK, systemTitle: SERVER_ST });

  async function openPlainPolicy(policy: 'none' | 'authenticated'): Promise<ServerAssociation> {
    const a = new ServerAssociation(
      config({
        ciphered: true,
        security: { policy, blockCipherKey: EK, authenticationKey: AK },
        systemTitle: SERVER_ST,
        counters: new MemoryCounterStore(),
      }),
    );
    expect(await one(a, cipheredAarq(policy))).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(a.info.ciphered).toBe(true);
    return a;
  }

  it('protects the response of a plain request (glo, authenticated and encrypted)', async () => {
    const a = await openPlainPolicy('none');
    const s = await a.handle(GET_REGISTER);
    if (s.kind !== 'model') throw new Error(s.kind);
    expect(s.protection).toBeUndefined();
    const out = await a.complete([{ type: 'unsigned', value: 1 }], {
      responseProtection: { authenticated: true, encrypted: true },
    });
    if (out.kind !== 'send') throw new Error(out.kind);
    expect(out.apdus[0]![0]).toBe(0xcc); // glo-get-response
    const u = fromServer(out.apdus[0]!);
    expect(u.verified).toBe(true);
    expect(u.envelope.securityControl).toMatchObject({ authenticated: true, encrypted: true });
    expect(decodeApdu(u.plaintext)).toMatchObject({ type: 'get-response-normal' });
  });

  it('adds encryption to the response of an authentication-only request', async () => {
    const a = await openPlainPolicy('authenticated');
    const req = protectApdu(GET_REGISTER, {
      form: 'glo',
      securityControl: 0x10,
      key: EK,
      authKey: AK,
      systemTitle: CLIENT_ST,
      invocationCounter: 2,
    });
    const s = await a.handle(req);
    if (s.kind !== 'model') throw new Error(s.kind);
    expect(s.protection).toEqual({ authenticated: true, encrypted: false });
    const plainAnswer = await a.complete([{ type: 'unsigned', value: 1 }]);
    if (plainAnswer.kind !== 'send') throw new Error(plainAnswer.kind);
    expect(fromServer(plainAnswer.apdus[0]!).envelope.securityControl).toMatchObject({ encrypted: false });
    const s2 = await a.handle(
      protectApdu(GET_REGISTER, {
        form: 'glo',
        securityControl: 0x10,
        key: EK,
        authKey: AK,
        systemTitle: CLIENT_ST,
        invocationCounter: 3,
      }),
    );
    if (s2.kind !== 'model') throw new Error(s2.kind);
    const out = await a.complete([{ type: 'unsigned', value: 1 }], {
      responseProtection: { encrypted: true },
    });
    if (out.kind !== 'send') throw new Error(out.kind);
    expect(fromServer(out.apdus[0]!).envelope.securityControl).toMatchObject({
      authenticated: true,
      encrypted: true,
    });
  });

  it('refuses to protect a response outside a ciphered association (ArgumentError, step kept open)', async () => {
    const a = await associated();
    const s = await a.handle(GET_REGISTER);
    if (s.kind !== 'model') throw new Error(s.kind);
    expect(a.info.ciphered).toBe(false);
    await expect(
      a.complete([{ type: 'unsigned', value: 1 }], { responseProtection: { authenticated: true } }),
    ).rejects.toBeInstanceOf(ArgumentError);
    expect(a.awaitingModel).toBe(true);
    expect(await a.complete([{ type: 'unsigned', value: 1 }])).toMatchObject({ kind: 'send' });
  });
});

describe('ACCESS service', () => {
  const ACCESS = conformanceFromNames(['access']);
  const open = () =>
    associated({ conformance: OFFERED | ACCESS }, { proposedConformance: PROPOSED | ACCESS });
  const liid = (breakOnError: boolean) => ({
    invokeId: 0x123456,
    selfDescriptive: false,
    breakOnError,
    confirmed: true,
    highPriority: false,
  });
  const register = { classId: 3, instanceId: LN_REGISTER, attributeId: 2 };
  const unknown = { classId: 3, instanceId: Uint8Array.of(1, 0, 2, 8, 0, 255), attributeId: 2 };

  it('performs GET, SET and ACTION of one request and answers one Data and one result each', async () => {
    const a = await open();
    const model = new TestModel();
    const r = await one(
      a,
      encodeApdu({
        type: 'access-request',
        longInvokeIdAndPriority: liid(false),
        specifications: [
          { type: 'access-request-get', attribute: register },
          { type: 'access-request-set', attribute: { classId: 8, instanceId: LN_CLOCK, attributeId: 2 } },
          { type: 'access-request-get', attribute: unknown },
          { type: 'access-request-action', method: { classId: 9, instanceId: LN_SCRIPT, methodId: 1 } },
          { type: 'access-request-action', method: { classId: 9, instanceId: LN_SCRIPT, methodId: 1 } },
          {
            type: 'access-request-get-with-selection',
            attribute: register,
            accessSelection: { accessSelector: 1, accessParameters: { type: 'null-data' } },
          },
        ],
        data: [
          { type: 'null-data' },
          { type: 'octet-string', value: new Uint8Array(12) },
          { type: 'null-data' },
          { type: 'long-unsigned', value: 7 },
          { type: 'null-data' },
          { type: 'null-data' },
        ],
      }),
      model,
    );
    expect(r).toEqual({
      type: 'access-response',
      longInvokeIdAndPriority: liid(false),
      data: [
        { type: 'double-long-unsigned', value: 123456 },
        { type: 'null-data' },
        { type: 'null-data' },
        { type: 'long-unsigned', value: 7 },
        { type: 'null-data' },
        { type: 'double-long-unsigned', value: 123456 },
      ],
      responses: [
        { type: 'access-response-get', result: 'success' },
        { type: 'access-response-set', result: 'success' },
        { type: 'access-response-get', result: 'object-undefined' },
        { type: 'access-response-action', result: 'success' },
        { type: 'access-response-action', result: 'success' },
        { type: 'access-response-get', result: 'success' },
      ],
    });
    expect(model.seen.map((q) => q.op)).toEqual(['get', 'set', 'get', 'action', 'action', 'get']);
    // An action with null-data has no parameters; the selection reaches the model.
    expect(model.seen[4]).not.toHaveProperty('parameters');
    expect(model.seen[5]).toMatchObject({ access: { accessSelector: 1 } });
  });

  it('under break-on-error stops at the first failure (the rest: temporary-failure, not performed)', async () => {
    const a = await open();
    const model = new TestModel();
    const r = await one(
      a,
      encodeApdu({
        type: 'access-request',
        longInvokeIdAndPriority: liid(true),
        specifications: [
          { type: 'access-request-get', attribute: register },
          { type: 'access-request-get', attribute: unknown },
          { type: 'access-request-set', attribute: register },
        ],
        data: [{ type: 'null-data' }, { type: 'null-data' }, { type: 'double-long-unsigned', value: 1 }],
      }),
      model,
    );
    expect(r).toMatchObject({
      type: 'access-response',
      responses: [
        { type: 'access-response-get', result: 'success' },
        { type: 'access-response-get', result: 'object-undefined' },
        { type: 'access-response-set', result: 'temporary-failure' },
      ],
    });
    expect(model.seen).toHaveLength(2);
    expect(model.values.get(model.key(3, LN_REGISTER, 2))).toEqual({
      type: 'double-long-unsigned',
      value: 123456,
    });
  });

  it('is refused when not negotiated, and when the list of data does not match', async () => {
    const request = encodeApdu({
      type: 'access-request',
      longInvokeIdAndPriority: liid(false),
      specifications: [{ type: 'access-request-get', attribute: register }],
      data: [{ type: 'null-data' }],
    });
    expect(await one(await associated(), request)).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'service-not-supported',
    });
    const a = await open();
    expect(
      await one(
        a,
        encodeApdu({
          type: 'access-request',
          longInvokeIdAndPriority: liid(false),
          specifications: [{ type: 'access-request-get', attribute: register }],
          data: [],
        }),
      ),
    ).toEqual({ type: 'exception-response', stateError: 'service-unknown', serviceError: 'other-reason' });
    expect(await one(a, request)).toMatchObject({
      type: 'access-response',
      responses: [{ result: 'success' }],
    });
  });
});
