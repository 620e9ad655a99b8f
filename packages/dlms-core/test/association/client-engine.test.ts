/**
 * The client machine against the server association engine of dlms-core (both sans-I/O): HLS pass 3/4
 * for MD5, SHA-256 and GMAC, suite 0 ciphering of every request and response, block transfer sized by
 * the negotiated PDU sizes, GBT, and the failures a wrong key or password must give.
 */
import { describe, expect, it } from 'vitest';
import {
  ClientAssociation,
  MemoryCounterStore,
  SequentialCounter,
  ServerAssociation,
  conformanceFromNames,
  ecGenerateKeyPair,
  fromHex,
  isDlmsError,
  type ClientAssociationOptions,
  type ClientStep,
  type ConformanceBit,
  type Data,
  type ModelRequest,
  type ModelResult,
  type ServerAssociationConfig,
} from '../../src/index.js';

const EK = fromHex('000102030405060708090A0B0C0D0E0F');
const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const CLIENT_ST = fromHex('4D4D4D0000000001');
const SERVER_ST = fromHex('4D4D4D0000BC614E');
const LN_REGISTER = Uint8Array.of(1, 0, 1, 8, 0, 255);

const ALL: ConformanceBit[] = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
];

/** A model of one register whose value is a long octet string, settable. */
function model(): (rs: readonly ModelRequest[]) => ModelResult[] {
  let value: Data = { type: 'octet-string', value: new Uint8Array(600).map((_, i) => i & 0xff) };
  return (rs) =>
    rs.map((r) => {
      if (r.op === 'get') return r.descriptor.attributeId === 2 ? value : 'object-undefined';
      if (r.op === 'set') {
        value = r.value;
        return 'success';
      }
      return { result: 'success', returnParameters: r.parameters ?? { type: 'null-data' } };
    });
}

async function run(
  client: ClientAssociation,
  server: ServerAssociation,
  first: ClientStep,
  m = model(),
): Promise<ClientStep> {
  let step = first;
  let t = 0;
  while (step.kind === 'send') {
    let s = await server.handle(step.apdu);
    while (s.kind === 'model') s = await server.complete(m(s.requests));
    if (s.kind !== 'send') throw new Error('server sent nothing');
    for (const a of s.apdus) step = client.receive(a, ++t);
  }
  return step;
}

function serverConfig(over: Partial<ServerAssociationConfig>): ServerAssociationConfig {
  return {
    referencing: 'ln',
    ciphered: false,
    authentication: { mechanism: 0 },
    conformance: conformanceFromNames(ALL),
    maxReceivePduSize: 256,
    ...over,
  };
}

const ciphered = (
  policy: 'authenticated' | 'authenticated-encrypted' = 'authenticated-encrypted',
): ClientAssociationOptions['security'] => ({
  policy,
  key: EK,
  authKey: AK,
  systemTitle: CLIENT_ST,
  invocationCounter: new SequentialCounter(1),
});

const cipheredServer = (over: Partial<ServerAssociationConfig> = {}): ServerAssociationConfig =>
  serverConfig({
    ciphered: true,
    security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
    systemTitle: SERVER_ST,
    counters: new MemoryCounterStore(),
    ...over,
  });

describe('ClientAssociation against the server engine', () => {
  it('LLS: associates with the right password, is rejected by name with a wrong one', async () => {
    const password = new TextEncoder().encode('12345678');
    const server = new ServerAssociation(serverConfig({ authentication: { mechanism: 1, password } }));
    const ok = new ClientAssociation({ authentication: { mechanism: 1, password } });
    expect((await run(ok, server, ok.associate(0))).kind).toBe('associated');

    const server2 = new ServerAssociation(serverConfig({ authentication: { mechanism: 1, password } }));
    const bad = new ClientAssociation({
      authentication: { mechanism: 1, password: new TextEncoder().encode('nope') },
    });
    const e = await run(bad, server2, bad.associate(0)).catch((x: unknown) => x);
    expect(isDlmsError(e, 'ASSOCIATION_REJECTED')).toBe(true);
    expect((e as Error).message).toContain('authentication-failure');
  });

  it('HLS-MD5 and HLS-SHA-256: pass 3 and 4', async () => {
    const secret = new TextEncoder().encode('secret-hls-1234');
    for (const mechanism of [3, 6] as const) {
      const server = new ServerAssociation(
        serverConfig({ authentication: { mechanism, secret }, systemTitle: SERVER_ST }),
      );
      const client = new ClientAssociation({
        authentication: { mechanism, secret },
        // Outside a ciphered context the AARE need not name the server: the client knows its title.
        ...(mechanism === 6 ? { systemTitle: CLIENT_ST, serverSystemTitle: SERVER_ST } : {}),
      });
      const end = await run(client, server, client.associate(0)).catch((e: unknown) => e);
      expect(end).toMatchObject({ kind: 'associated' });
      expect(server.state).toBe('associated');
    }
  });

  it('HLS-MD5 with a wrong secret: AUTHENTICATION_FAILED and back to idle', async () => {
    const server = new ServerAssociation(
      serverConfig({ authentication: { mechanism: 3, secret: new TextEncoder().encode('right') } }),
    );
    const client = new ClientAssociation({
      authentication: { mechanism: 3, secret: new TextEncoder().encode('wrong') },
    });
    const e = await run(client, server, client.associate(0)).catch((x: unknown) => x);
    expect(isDlmsError(e, 'AUTHENTICATION_FAILED')).toBe(true);
    expect(client.state).toBe('idle');
  });

  it('HLS-GMAC with suite 0 ciphering: association, long GET, SET in blocks, ACTION, release', async () => {
    const server = new ServerAssociation(
      cipheredServer({ authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK } }),
    );
    const client = new ClientAssociation({
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: ciphered(),
      maxReceivePduSize: 200,
    });
    const m = model();
    const a = await run(client, server, client.associate(0), m);
    expect(a.kind).toBe('associated');
    expect(client.negotiated?.serverSystemTitle).toEqual(SERVER_ST);

    const attribute = { classId: 1, instanceId: LN_REGISTER, attributeId: 2 };
    let progressSteps = 0;
    let step = client.get([{ attribute }], 0);
    while (step.kind === 'send') {
      if (step.progress) progressSteps++;
      let s = await server.handle(step.apdu);
      while (s.kind === 'model') s = await server.complete(m(s.requests));
      if (s.kind !== 'send') throw new Error('nothing');
      for (const x of s.apdus) step = client.receive(x, 1);
    }
    expect(progressSteps).toBeGreaterThan(1);
    expect(step.kind === 'completed' && step.outcome.service === 'get' && step.outcome.results[0]?.type).toBe(
      'data',
    );

    const value: Data = { type: 'octet-string', value: new Uint8Array(400).fill(3) };
    const set = await run(client, server, client.set([{ attribute, value }], 2), m);
    expect(set.kind === 'completed' && set.outcome).toEqual({ service: 'set', results: ['success'] });
    const get = await run(client, server, client.get([{ attribute }], 3), m);
    expect(get.kind === 'completed' && get.outcome).toEqual({
      service: 'get',
      results: [{ type: 'data', data: value }],
    });

    const act = await run(
      client,
      server,
      client.action(
        [
          {
            method: { classId: 9, instanceId: LN_REGISTER, methodId: 1 },
            parameters: { type: 'unsigned', value: 7 },
          },
        ],
        4,
      ),
      m,
    );
    expect(act.kind === 'completed' && act.outcome).toEqual({
      service: 'action',
      results: [
        { result: 'success', returnParameters: { type: 'data', data: { type: 'unsigned', value: 7 } } },
      ],
    });
    expect(client.lastServerInvocationCounter).toBeGreaterThan(0);
    const rel = await run(client, server, client.release(5), m);
    expect(rel.kind).toBe('released');
  });

  it('HLS-GMAC with the frame-counter quirk still associates', async () => {
    const server = new ServerAssociation(
      cipheredServer({ authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK } }),
    );
    const client = new ClientAssociation({
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: ciphered(),
      profile: { name: 'gmac-shared-ic', hlsGmacSharesFrameCounter: true },
    });
    expect((await run(client, server, client.associate(0))).kind).toBe('associated');
  });

  it('a wrong authentication key fails the ciphered association', async () => {
    const server = new ServerAssociation(cipheredServer());
    const client = new ClientAssociation({ security: { ...ciphered()!, authKey: fromHex('00'.repeat(16)) } });
    const e = await run(client, server, client.associate(0)).catch((x: unknown) => x);
    expect(isDlmsError(e)).toBe(true);
    expect(client.state).toBe('idle');
  });

  it('authenticated-only policy and GBT when only GBT is negotiated', async () => {
    const server = new ServerAssociation(
      cipheredServer({
        security: { policy: 'authenticated', blockCipherKey: EK, authenticationKey: AK },
        conformance: conformanceFromNames([
          'general-block-transfer',
          'get',
          'set',
          'action',
          'multiple-references',
        ]),
      }),
    );
    const client = new ClientAssociation({ security: ciphered('authenticated'), maxReceivePduSize: 128 });
    expect((await run(client, server, client.associate(0))).kind).toBe('associated');
    expect(client.has('general-block-transfer')).toBe(true);
    const got = await run(
      client,
      server,
      client.get([{ attribute: { classId: 1, instanceId: LN_REGISTER, attributeId: 2 } }], 1),
    );
    expect(got.kind === 'completed' && got.outcome.service === 'get' && got.outcome.results[0]).toMatchObject(
      { type: 'data' },
    );
  });

  it('sends a long SET in General-Block-Transfer when only GBT is negotiated', async () => {
    const server = new ServerAssociation(
      serverConfig({
        conformance: conformanceFromNames(['general-block-transfer', 'get', 'set', 'action']),
        maxReceivePduSize: 64,
      }),
    );
    const client = new ClientAssociation();
    const m = model();
    expect((await run(client, server, client.associate(0), m)).kind).toBe('associated');
    const attribute = { classId: 1, instanceId: LN_REGISTER, attributeId: 2 };
    const value: Data = { type: 'octet-string', value: new Uint8Array(200).fill(9) };
    const first = client.set([{ attribute, value }], 1);
    expect(first.kind === 'send' && first.apdu[0]).toBe(0xe0);
    expect(first.kind === 'send' && first.apdu.length).toBeLessThanOrEqual(64);
    const set = await run(client, server, first, m);
    expect(set.kind === 'completed' && set.outcome).toEqual({ service: 'set', results: ['success'] });
    const get = await run(client, server, client.get([{ attribute }], 2), m);
    expect(get.kind === 'completed' && get.outcome).toEqual({
      service: 'get',
      results: [{ type: 'data', data: value }],
    });
  });

  it('HLS-SHA-1 and HLS-ECDSA (suite 1) associate', async () => {
    const secret = new TextEncoder().encode('sha1-secret');
    const s1 = new ServerAssociation(serverConfig({ authentication: { mechanism: 4, secret } }));
    const c1 = new ClientAssociation({ authentication: { mechanism: 4, secret } });
    expect((await run(c1, s1, c1.associate(0))).kind).toBe('associated');

    const client = ecGenerateKeyPair('P-256');
    const server = ecGenerateKeyPair('P-256');
    const s7 = new ServerAssociation(
      serverConfig({
        authentication: {
          mechanism: 7,
          suite: 1,
          privateKey: server.privateKey,
          peerPublicKey: client.publicKey,
        },
        systemTitle: SERVER_ST,
      }),
    );
    const c7 = new ClientAssociation({
      authentication: {
        mechanism: 7,
        suite: 1,
        privateKey: client.privateKey,
        peerPublicKey: server.publicKey,
      },
      systemTitle: CLIENT_ST,
      serverSystemTitle: SERVER_ST,
    });
    expect((await run(c7, s7, c7.associate(0))).kind).toBe('associated');
    // The wrong server key: the client refuses the server's f(CtoS).
    const s7b = new ServerAssociation(
      serverConfig({
        authentication: {
          mechanism: 7,
          suite: 1,
          privateKey: ecGenerateKeyPair('P-256').privateKey,
          peerPublicKey: client.publicKey,
        },
        systemTitle: SERVER_ST,
      }),
    );
    const c7b = new ClientAssociation({
      authentication: {
        mechanism: 7,
        suite: 1,
        privateKey: client.privateKey,
        peerPublicKey: server.publicKey,
      },
      systemTitle: CLIENT_ST,
      serverSystemTitle: SERVER_ST,
    });
    expect(
      isDlmsError(await run(c7b, s7b, c7b.associate(0)).catch((e: unknown) => e), 'AUTHENTICATION_FAILED'),
    ).toBe(true);
  });

  it('dedicated key (ded- forms) and general-glo-ciphering envelopes', async () => {
    const dedicatedKey = fromHex('AABBCCDDEEFF00112233445566778899');
    for (const security of [
      { ...ciphered()!, dedicatedKey },
      { ...ciphered()!, form: 'general' as const },
      { ...ciphered()!, form: 'general' as const, dedicatedKey },
    ]) {
      const server = new ServerAssociation(cipheredServer());
      const client = new ClientAssociation({ security });
      const m = model();
      expect((await run(client, server, client.associate(0), m)).kind).toBe('associated');
      const step = client.get([{ attribute: { classId: 1, instanceId: LN_REGISTER, attributeId: 2 } }], 1);
      const first = step.kind === 'send' ? step.apdu[0] : undefined;
      // ded-get-request 0xD0, general-glo 0xDB, general-ded 0xDC
      expect(first).toBe(security.form === 'general' ? (security.dedicatedKey ? 0xdc : 0xdb) : 0xd0);
      const got = await run(client, server, step, m);
      expect(got.kind === 'completed' && got.outcome.service).toBe('get');
    }
  });
});
