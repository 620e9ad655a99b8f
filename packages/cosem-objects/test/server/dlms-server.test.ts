/**
 * DlmsServer: the async driver over real channels. A logical device with a register (async provider),
 * a clock-less data object and two associations (public client 16: read-only, no authentication;
 * management client 1: LLS, full rights) is served over the in-memory APDU channel pair and over a real
 * wrapper TCP server on 127.0.0.1 (port 0). The client side is written here from dlms-core encoders:
 * AARQ, GET, SET, RLRQ. The TCP part doubles as the binding example: route a connection on the wPorts
 * of its first frame, then serve the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  conformanceFromNames,
  decodeApdu,
  encodeApdu,
  type Apdu,
  type ApduChannel,
  type Data,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import {
  connectWrapper,
  createWrapperServer,
  memoryApduChannelPair,
  memoryChannelPair,
  type WrapperServer,
} from '@meteringlab/transport-tcp';
import { acceptHdlc, connectHdlc } from '@meteringlab/transport-hdlc-serial';
import {
  AssociationLn,
  DataObject,
  DlmsServer,
  LogicalDevice,
  Register,
  fullRights,
  prependApdu,
  readOnlyRights,
} from '../../src/index.js';

const PASSWORD = new TextEncoder().encode('00000000');
const REGISTER_LN = new Uint8Array([1, 0, 1, 8, 0, 255]);
const BROKEN_LN = new Uint8Array([0, 0, 96, 1, 0, 255]);
const IID = { invokeId: 2, confirmed: true, highPriority: true } as const;
const CONFORMANCE = conformanceFromNames([
  'get',
  'set',
  'action',
  'selective-access',
  'block-transfer-with-get-or-read',
  'multiple-references',
]);

function makeServer(): { server: DlmsServer; energy: { wh: number } } {
  const energy = { wh: 123456 };
  const device = new LogicalDevice({
    objects: [
      new Register({
        logicalName: '1.0.1.8.0.255',
        scalerUnit: { scaler: 0, unit: 30 },
        value: async () => ({ type: 'double-long-unsigned', value: energy.wh }) as Data,
        onSet: (v) => {
          if (v.type !== 'double-long-unsigned') return 'type-unmatched';
          energy.wh = v.value;
          return 'success';
        },
      }),
      new DataObject({
        logicalName: '0.0.96.1.0.255',
        value: () => {
          throw new Error('meter bus down');
        },
      }),
    ],
  });
  device.addAssociation(
    new AssociationLn({ logicalName: '0.0.40.0.2.255', clientSap: 16, rights: readOnlyRights }),
  );
  device.addAssociation(
    new AssociationLn({ logicalName: '0.0.40.0.3.255', clientSap: 1, mechanism: 1, rights: fullRights }),
  );
  const base = {
    referencing: 'ln',
    ciphered: false,
    conformance: CONFORMANCE,
    maxReceivePduSize: 1024,
  } as const;
  const associations = new Map<number, ServerAssociationConfig>([
    [16, { ...base, authentication: { mechanism: 0 } }],
    [1, { ...base, authentication: { mechanism: 1, password: PASSWORD } }],
  ]);
  return { server: new DlmsServer().addDevice(1, device, associations), energy };
}

/** The xDLMS InitiateRequest of every AARQ here. */
const INITIATE = {
  apdu: {
    type: 'initiate-request',
    responseAllowed: true,
    proposedDlmsVersionNumber: 6,
    proposedConformance: 0x00ffff,
    clientMaxReceivePduSize: 512,
  },
} as const;

/** A minimal client over any ApduChannel: one request, one answer. */
class TestClient {
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(readonly channel: ApduChannel) {
    this.it = channel.receive()[Symbol.asyncIterator]();
  }
  async request(apdu: Apdu): Promise<Apdu> {
    await this.channel.send(encodeApdu(apdu));
    const r = await this.it.next();
    if (r.done) throw new Error('channel closed');
    return decodeApdu(r.value);
  }
  async ended(): Promise<boolean> {
    return (await this.it.next()).done === true;
  }
  associate(lls?: Uint8Array): Promise<Apdu> {
    return this.request({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      ...(lls === undefined
        ? {}
        : {
            senderAcseRequirements: { authentication: true },
            mechanismName: 'lls' as const,
            callingAuthenticationValue: { type: 'charstring' as const, value: lls },
          }),
      userInformation: INITIATE,
    });
  }
  get(instanceId: Uint8Array, classId = 3, attributeId = 2): Promise<Apdu> {
    return this.request({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId, instanceId, attributeId },
    });
  }
  set(value: Data): Promise<Apdu> {
    return this.request({
      type: 'set-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 3, instanceId: REGISTER_LN, attributeId: 2 },
      value,
    });
  }
}

describe('DlmsServer over the in-memory APDU channel', () => {
  it('serves a public association read-only and a management LLS association read-write', async () => {
    const { server, energy } = makeServer();
    const [c16, s16] = memoryApduChannelPair();
    const done16 = server.serve(s16, { serverAddress: 1, clientAddress: 16 });
    const pub = new TestClient(c16);
    expect(await pub.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await pub.get(REGISTER_LN)).toEqual({
      type: 'get-response-normal',
      invokeIdAndPriority: IID,
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    });
    // Scaler-unit beside the value.
    expect(await pub.get(REGISTER_LN, 3, 3)).toMatchObject({
      result: { type: 'data', data: { type: 'structure' } },
    });
    // The public client may not write: the rights of its association are checked.
    expect(await pub.set({ type: 'double-long-unsigned', value: 1 })).toMatchObject({
      type: 'set-response-normal',
      result: 'read-write-denied',
    });
    expect(energy.wh).toBe(123456);
    // An object that does not exist, and one whose provider throws.
    expect(await pub.get(new Uint8Array([1, 0, 2, 8, 0, 255]))).toMatchObject({
      result: { type: 'data-access-result', result: 'object-undefined' },
    });
    expect(await pub.get(BROKEN_LN, 1, 2)).toMatchObject({
      result: { type: 'data-access-result', result: 'hardware-fault' },
    });
    expect(await pub.request({ type: 'rlrq', reason: 'normal' })).toEqual({ type: 'rlre', reason: 'normal' });
    await c16.close();
    expect(await done16).toMatchObject({ associations: 1, end: 'peer-closed', received: 7, sent: 7 });

    const [c1, s1] = memoryApduChannelPair();
    const done1 = server.serve(s1, { serverAddress: 1, clientAddress: 1 });
    const mgmt = new TestClient(c1);
    expect(await mgmt.associate(new TextEncoder().encode('wrong'))).toMatchObject({
      type: 'aare',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { value: 'authentication-failure' },
    });
    expect(await mgmt.associate(PASSWORD)).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await mgmt.set({ type: 'double-long-unsigned', value: 42 })).toMatchObject({ result: 'success' });
    expect(energy.wh).toBe(42);
    expect(await mgmt.get(REGISTER_LN)).toMatchObject({ result: { type: 'data', data: { value: 42 } } });
    await c1.close();
    expect(await done1).toMatchObject({ associations: 1, end: 'peer-closed' });
  });

  it('answers a value the provider got wrong (unencodable) with an exception and keeps the link', async () => {
    const { server } = makeServer();
    server
      .deviceAt(1)!
      .device.add(new DataObject({ logicalName: '0.0.96.1.1.255', value: { type: 'unsigned', value: 300 } }));
    const errors: unknown[] = [];
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 }, { onError: (e) => errors.push(e) });
    const client = new TestClient(c);
    await client.associate();
    expect(await client.get(new Uint8Array([0, 0, 96, 1, 1, 255]), 1, 2)).toEqual({
      type: 'exception-response',
      stateError: 'service-not-allowed',
      serviceError: 'other-reason',
    });
    expect(errors).toEqual([expect.objectContaining({ code: 'INVALID_ARGUMENT' })]);
    expect(await client.get(REGISTER_LN)).toMatchObject({ type: 'get-response-normal' });
    await c.close();
    await done;
  });

  it('reads the object list of the current association through 0.0.40.0.0.255', async () => {
    const { server } = makeServer();
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 });
    const client = new TestClient(c);
    await client.associate();
    const r = await client.get(new Uint8Array([0, 0, 40, 0, 0, 255]), 15, 2);
    if (r.type !== 'get-response-normal' || r.result.type !== 'data' || r.result.data.type !== 'array')
      throw new Error('no object list');
    expect(r.result.data.value.length).toBeGreaterThanOrEqual(2);
    await c.close();
    await done;
  });

  it('rejects a client address without an association and closes a link to an unknown device', async () => {
    const { server } = makeServer();
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 0x20 });
    const client = new TestClient(c);
    expect(await client.associate()).toMatchObject({
      type: 'aare',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { value: 'no-reason-given' },
    });
    expect(await client.get(REGISTER_LN)).toMatchObject({
      type: 'exception-response',
      stateError: 'service-not-allowed',
    });
    await c.close();
    expect(await done).toMatchObject({ associations: 0 });

    const [c2, s2] = memoryApduChannelPair();
    const summary = await server.serve(s2, { serverAddress: 9, clientAddress: 16 });
    expect(summary.end).toBe('unknown-device');
    expect(await new TestClient(c2).ended()).toBe(true);
  });

  it('closes after release when asked (closeOnRelease)', async () => {
    const { server } = makeServer();
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 }, { closeOnRelease: true });
    const client = new TestClient(c);
    await client.associate();
    expect(await client.request({ type: 'rlrq', reason: 'normal' })).toMatchObject({ type: 'rlre' });
    expect(await done).toMatchObject({ end: 'released' });
    expect(await client.ended()).toBe(true);
  });
});

describe('DlmsServer over a wrapper TCP server on 127.0.0.1', () => {
  let tcp: WrapperServer | undefined;
  afterEach(async () => {
    await tcp?.close();
    tcp = undefined;
  });

  /** The binding an app writes: route each connection on its first frame's wPorts, then serve it. */
  async function listen(server: DlmsServer): Promise<WrapperServer> {
    return createWrapperServer({
      port: 0,
      host: '127.0.0.1',
      onConnection: async (channel) => {
        const first = await channel.receiveFrames()[Symbol.asyncIterator]().next();
        if (first.done) return;
        const { source, destination, apdu } = first.value;
        await server.serve(prependApdu(channel, apdu), { serverAddress: destination, clientAddress: source });
      },
    });
  }

  it('runs an LLS association and a GET of a register over real TCP', async () => {
    const { server } = makeServer();
    tcp = await listen(server);
    const ch = await connectWrapper({ host: '127.0.0.1', port: tcp.port, clientWPort: 1, serverWPort: 1 });
    const client = new TestClient(ch);
    expect(await client.associate(PASSWORD)).toMatchObject({
      type: 'aare',
      result: 'accepted',
      mechanismName: 'lls',
    });
    expect(await client.get(REGISTER_LN)).toEqual({
      type: 'get-response-normal',
      invokeIdAndPriority: IID,
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    });
    expect(await client.request({ type: 'rlrq', reason: 'normal' })).toEqual({
      type: 'rlre',
      reason: 'normal',
    });
    await ch.close();
  });

  it('multiplexes two associations on one wrapper connection with serveRouted (per-frame wPorts)', async () => {
    const { server, energy } = makeServer();
    let summary: Promise<unknown> | undefined;
    tcp = await createWrapperServer({
      port: 0,
      host: '127.0.0.1',
      onConnection: async (channel) => {
        summary = server.serveRouted(channel);
        await summary;
      },
    });
    const ch = await connectWrapper({ host: '127.0.0.1', port: tcp.port, clientWPort: 16, serverWPort: 1 });
    const frames = ch.receiveFrames()[Symbol.asyncIterator]();
    const ask = async (source: number, destination: number, apdu: Apdu) => {
      await ch.sendFrame({ source, destination, apdu: encodeApdu(apdu) });
      const f = await frames.next();
      if (f.done) throw new Error('closed');
      return { source: f.value.source, destination: f.value.destination, apdu: decodeApdu(f.value.apdu) };
    };
    const aarq = (lls?: Uint8Array): Apdu => ({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      ...(lls === undefined
        ? {}
        : {
            mechanismName: 'lls' as const,
            callingAuthenticationValue: { type: 'charstring' as const, value: lls },
          }),
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x00ffff,
          clientMaxReceivePduSize: 512,
        },
      },
    });
    expect(await ask(16, 1, aarq())).toMatchObject({
      source: 1,
      destination: 16,
      apdu: { type: 'aare', result: 'accepted' },
    });
    expect(await ask(1, 1, aarq(PASSWORD))).toMatchObject({
      source: 1,
      destination: 1,
      apdu: { type: 'aare', result: 'accepted' },
    });
    const set = (v: number): Apdu => ({
      type: 'set-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 3, instanceId: REGISTER_LN, attributeId: 2 },
      value: { type: 'double-long-unsigned', value: v },
    });
    // Same connection, two rights: the public client is refused, the management client writes.
    expect((await ask(16, 1, set(5))).apdu).toMatchObject({ result: 'read-write-denied' });
    expect((await ask(1, 1, set(6))).apdu).toMatchObject({ result: 'success' });
    expect(energy.wh).toBe(6);
    // A frame to a logical device the server does not have, once the link is up: dropped, not answered.
    await ch.sendFrame({
      source: 16,
      destination: 0x33,
      apdu: encodeApdu({ type: 'rlrq', reason: 'normal' }),
    });
    expect(await ask(16, 1, { type: 'rlrq', reason: 'normal' })).toMatchObject({
      source: 1,
      destination: 16,
      apdu: { type: 'rlre' },
    });
    await ch.close();
    expect(await summary).toMatchObject({ associations: 2, misaddressed: 1, end: 'peer-closed' });
  });

  it('drops a connection addressed to an unknown logical device (wPort)', async () => {
    const { server } = makeServer();
    tcp = await listen(server);
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: tcp.port,
      clientWPort: 16,
      serverWPort: 0x33,
    });
    const client = new TestClient(ch);
    await ch.send(encodeApdu({ type: 'rlrq', reason: 'normal' }));
    expect(await client.ended()).toBe(true);
    await ch.close();
  });
});

describe('DlmsServer over an HDLC link (in-memory byte pair)', () => {
  it('serves the logical device named by the HDLC upper address, with long responses segmented by the link', async () => {
    const { server } = makeServer();
    const [clientBytes, serverBytes] = memoryChannelPair();
    // The binding an app writes for HDLC: accept only known logical devices, then serve the link.
    const served = (async () => {
      const link = await acceptHdlc(serverBytes, { accept: (a) => server.deviceAt(a.upper) !== undefined });
      return server.serve(link, { serverAddress: link.server.upper, clientAddress: link.client.upper });
    })();
    const link = await connectHdlc(clientBytes, {
      clientAddress: 16,
      serverLogical: 1,
      serverPhysical: 0x11,
      maxInfoRx: 64,
      maxInfoTx: 64,
    });
    const client = new TestClient(link);
    expect(await client.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await client.get(REGISTER_LN)).toMatchObject({
      result: { type: 'data', data: { value: 123456 } },
    });
    // The object list is longer than one 64-byte information field: HDLC segments it.
    const list = await client.get(new Uint8Array([0, 0, 40, 0, 0, 255]), 15, 2);
    expect(list).toMatchObject({
      type: 'get-response-normal',
      result: { type: 'data', data: { type: 'array' } },
    });
    await link.close();
    expect(await served).toMatchObject({ associations: 1, end: 'peer-closed' });
  });
});

describe('DlmsServer.router (push-driven routing of addressed APDUs)', () => {
  const aarqBytes = encodeApdu({
    type: 'aarq',
    applicationContextName: 'logical-name-referencing-no-ciphering',
    userInformation: INITIATE,
  });
  const getBytes = (instanceId: Uint8Array, classId = 3) =>
    encodeApdu({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId, instanceId, attributeId: 2 },
    });
  const STATUS_LN = new Uint8Array([0, 0, 96, 5, 0, 255]);

  function routed(): DlmsServer {
    const { server } = makeServer();
    // A synchronous provider beside the register's asynchronous one.
    server
      .deviceAt(1)!
      .device.add(
        new DataObject({ logicalName: '0.0.96.5.0.255', value: () => ({ type: 'unsigned', value: 9 }) }),
      );
    return server;
  }

  it('answers a GET to a synchronous provider at once, an asynchronous one through a promise', async () => {
    const router = routed().router();
    const aare = await router.handle({ source: 16, destination: 1, apdu: aarqBytes });
    if (aare === 'close') throw new Error('closed');
    expect(aare).toHaveLength(1);
    // The answer goes back with the wPorts swapped.
    expect(aare[0]).toMatchObject({ source: 1, destination: 16 });
    expect(decodeApdu(aare[0]!.apdu)).toMatchObject({ type: 'aare', result: 'accepted' });

    const now = router.handle({ source: 16, destination: 1, apdu: getBytes(STATUS_LN, 1) });
    if (now instanceof Promise || now === 'close') throw new Error('expected a synchronous answer');
    expect(decodeApdu(now[0]!.apdu)).toMatchObject({
      type: 'get-response-normal',
      result: { type: 'data', data: { type: 'unsigned', value: 9 } },
    });

    const later = router.handle({ source: 16, destination: 1, apdu: getBytes(REGISTER_LN) });
    expect(later).toBeInstanceOf(Promise);
    const answers = await later;
    if (answers === 'close') throw new Error('closed');
    expect(decodeApdu(answers[0]!.apdu)).toMatchObject({
      result: { type: 'data', data: { type: 'double-long-unsigned', value: 123456 } },
    });
    expect(router.summary('peer-closed')).toEqual({
      received: 3,
      sent: 3,
      associations: 1,
      misaddressed: 0,
      end: 'peer-closed',
    });
  });

  it('closes on a first frame to an unknown device, drops later ones, and refuses unknown clients', async () => {
    expect(routed().router().handle({ source: 16, destination: 7, apdu: aarqBytes })).toBe('close');

    const router = routed().router();
    await router.handle({ source: 16, destination: 1, apdu: aarqBytes });
    expect(router.handle({ source: 16, destination: 7, apdu: aarqBytes })).toEqual([]);
    const refused = router.handle({ source: 99, destination: 1, apdu: aarqBytes });
    if (refused instanceof Promise || refused === 'close') throw new Error('expected a synchronous answer');
    expect(decodeApdu(refused[0]!.apdu)).toMatchObject({ type: 'aare', result: 'rejected-permanent' });
    expect(router.summary('peer-closed')).toMatchObject({ received: 3, misaddressed: 1, associations: 1 });
  });

  it('accepts a provider that returns a thenable that is not a native promise', async () => {
    const server = routed();
    const thenable = {
      then(resolve: (d: Data) => void) {
        setTimeout(() => resolve({ type: 'unsigned', value: 77 }), 1);
      },
    };
    server
      .deviceAt(1)!
      .device.add(
        new DataObject({ logicalName: '0.0.96.5.1.255', value: () => thenable as unknown as Promise<Data> }),
      );
    const router = server.router();
    await router.handle({ source: 16, destination: 1, apdu: aarqBytes });
    const out = router.handle({
      source: 16,
      destination: 1,
      apdu: getBytes(new Uint8Array([0, 0, 96, 5, 1, 255]), 1),
    });
    expect(out).toBeInstanceOf(Promise);
    const answers = await out;
    if (answers === 'close') throw new Error('closed');
    expect(decodeApdu(answers[0]!.apdu)).toMatchObject({
      result: { type: 'data', data: { type: 'unsigned', value: 77 } },
    });
  });

  it('answers hardware-fault when a synchronous provider throws, and keeps the link', async () => {
    const errors: unknown[] = [];
    const router = routed().router({ onError: (e) => errors.push(e) });
    await router.handle({ source: 16, destination: 1, apdu: aarqBytes });
    const out = router.handle({ source: 16, destination: 1, apdu: getBytes(BROKEN_LN, 1) });
    if (out instanceof Promise || out === 'close') throw new Error('expected a synchronous answer');
    expect(decodeApdu(out[0]!.apdu)).toMatchObject({
      result: { type: 'data-access-result', result: 'hardware-fault' },
    });
    expect(errors).toEqual([expect.objectContaining({ message: 'meter bus down' })]);
  });
});
