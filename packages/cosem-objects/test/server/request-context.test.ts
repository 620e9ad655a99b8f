/**
 * What the request context carries from the engine to the object model: the selective access of a SET
 * (passed to the object), the association status (Association LN attribute 8 without an app hook), and
 * the protection of the request and of its response, which bit-mapped access modes (Association LN
 * version 3, Blue Book 4.4.4) demand. Checked on the model directly and through DlmsServer over the
 * in-memory APDU channel pair, with a ciphered association (Green Book HLS-GMAC example keys).
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryCounterStore,
  decodeApdu,
  encodeApdu,
  fromHex,
  protectApdu,
  unprotectApdu,
  type Apdu,
  type ApduChannel,
  type Data,
  type DataAccessResult,
  type SelectiveAccessDescriptor,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import { memoryApduChannelPair } from '@meteringlab/transport-tcp';
import {
  ACCESS_MODE_BITS,
  AssociationLn,
  BaseObject,
  DlmsServer,
  LogicalDevice,
  associationStatus,
  checkAccess,
  fullRights,
  responseProtectionFor,
  type AccessContext,
} from '../../src/index.js';

const EK = fromHex('000102030405060708090A0B0C0D0E0F');
const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const CLIENT_ST = fromHex('4D4D4D0000000001');
const SERVER_ST = fromHex('4D4D4D0000BC614E');
const IID = { invokeId: 3, confirmed: true, highPriority: true } as const;
const WINDOW_LN = Uint8Array.of(0, 0, 96, 2, 0, 255);
const ASSOCIATION_LN = Uint8Array.of(0, 0, 40, 0, 0, 255);

/** A data-like object whose attribute 2 accepts SET with selector 2 (e.g. a window of an array). */
class WindowObject extends BaseObject {
  readonly writes: { value: Data; access?: SelectiveAccessDescriptor }[] = [];
  constructor() {
    super(1, 0, WINDOW_LN);
    this.attributes.set(2, {
      selectors: [2],
      get: () => ({ type: 'unsigned', value: this.writes.length }),
      set: (value, _ctx, access): DataAccessResult => {
        this.writes.push(access === undefined ? { value } : { value, access });
        return 'success';
      },
    });
    this.attributes.set(3, { get: () => ({ type: 'unsigned', value: 3 }) });
  }
}

const b = ACCESS_MODE_BITS;
/** Attribute 2: read/write with an encrypted request; attribute 3: read, encrypted response. */
const v3Rights = (o: { classId: number }) =>
  o.classId === 1
    ? {
        attributes: [
          { index: 1, access: b.read },
          { index: 2, access: b.read | b.write | b.encryptedRequest, selectors: [2] },
          { index: 3, access: b.read | b.encryptedResponse },
        ],
        methods: [],
      }
    : fullRights(o as never);

function device(version = 3): { device: LogicalDevice; window: WindowObject } {
  const window = new WindowObject();
  const d = new LogicalDevice({ objects: [window] });
  d.addAssociation(
    new AssociationLn({ clientSap: 16, version, rights: version === 3 ? v3Rights : fullRights }),
  );
  return { device: d, window };
}

const selector2: SelectiveAccessDescriptor = {
  accessSelector: 2,
  accessParameters: { type: 'structure', value: [{ type: 'double-long-unsigned', value: 1 }] },
};

describe('SET with selective access', () => {
  it('reaches the object through LogicalDevice.set; an undeclared selector is other-reason', async () => {
    const { device: d, window } = device(2);
    const ctx = d.context(16);
    expect(await d.set(ctx, 1, WINDOW_LN, 2, { type: 'unsigned', value: 7 }, selector2)).toBe('success');
    expect(await d.set(ctx, 1, WINDOW_LN, 2, { type: 'unsigned', value: 8 })).toBe('success');
    expect(
      await d.set(ctx, 1, WINDOW_LN, 2, { type: 'unsigned', value: 9 }, { ...selector2, accessSelector: 1 }),
    ).toBe('other-reason');
    expect(window.writes).toEqual([
      { value: { type: 'unsigned', value: 7 }, access: selector2 },
      { value: { type: 'unsigned', value: 8 } },
    ]);
  });
});

describe('association status', () => {
  it('attribute 8 reads the status the engine put in the context', async () => {
    const { device: d } = device(2);
    const status = async (ctx: AccessContext) => d.get(ctx, 15, ASSOCIATION_LN, 8);
    expect(await status(d.context(16))).toEqual({ type: 'enum', value: 2 });
    expect(await status(d.context(16, false, { associationStatus: 1 }))).toEqual({ type: 'enum', value: 1 });
    expect(await status(d.context(16, false, { associationStatus: 0 }))).toEqual({ type: 'enum', value: 0 });
    expect(associationStatus('idle')).toBe(0);
    expect(associationStatus('awaiting-hls-pass3')).toBe(1);
    expect(associationStatus('associated')).toBe(2);
    expect(associationStatus('released')).toBe(0);
  });

  it('a status hook still overrides it; another association object reads non-associated', async () => {
    const d = new LogicalDevice();
    d.addAssociation(new AssociationLn({ clientSap: 16, hooks: { status: () => 1 } }));
    d.addAssociation(new AssociationLn({ logicalName: '0.0.40.0.3.255', clientSap: 1, rights: fullRights }));
    expect(await d.get(d.context(16), 15, ASSOCIATION_LN, 8)).toEqual({ type: 'enum', value: 1 });
    expect(await d.get(d.context(16, false, { associationStatus: 2 }), 15, '0.0.40.0.3.255', 8)).toEqual({
      type: 'enum',
      value: 0,
    });
  });
});

describe('bit-mapped access modes and protection', () => {
  it('checkAccess demands the request protection and a response protection the engine can give', () => {
    const { device: d } = device();
    const plain = d.context(16);
    const enc = d.context(16, false, { protection: { authenticated: false, encrypted: true } });
    const canProtect = { responseProtection: { authenticated: true, encrypted: true } };
    expect(checkAccess(plain, 1, WINDOW_LN, 2, 'get')).toBe('read-write-denied');
    expect(checkAccess(enc, 1, WINDOW_LN, 2, 'get')).toBe('success');
    expect(checkAccess(enc, 1, WINDOW_LN, 2, 'set')).toBe('success');
    expect(checkAccess(plain, 1, WINDOW_LN, 3, 'get')).toBe('read-write-denied');
    expect(checkAccess(d.context(16, false, canProtect), 1, WINDOW_LN, 3, 'get')).toBe('success');
    expect(responseProtectionFor(plain, 1, WINDOW_LN, 3, 'get')).toEqual({
      authenticated: false,
      encrypted: true,
      signed: false,
    });
    expect(responseProtectionFor(plain, 1, WINDOW_LN, 2, 'get')).toBeUndefined();
    // A digitally signed request or response is never available from this engine.
    const signedMode = (o: { classId: number }) =>
      o.classId === 1
        ? {
            attributes: [
              { index: 2, access: b.read | b.digitallySignedRequest },
              { index: 3, access: b.read | b.digitallySignedResponse },
            ],
            methods: [],
          }
        : undefined;
    const s = new LogicalDevice({ objects: [new WindowObject()] });
    s.addAssociation(new AssociationLn({ clientSap: 16, version: 3, rights: signedMode }));
    const both = s.context(16, true, {
      protection: { authenticated: true, encrypted: true },
      responseProtection: { authenticated: true, encrypted: true, signed: false },
    });
    expect(checkAccess(both, 1, WINDOW_LN, 2, 'get')).toBe('read-write-denied');
    expect(
      checkAccess({ ...both, protection: { ...both.protection!, signed: true } }, 1, WINDOW_LN, 2, 'get'),
    ).toBe('success');
    expect(checkAccess(both, 1, WINDOW_LN, 3, 'get')).toBe('read-write-denied');
  });
});

/** A client for one ciphered association (policy none: plain and glo requests both accepted). */
class CipheredClient {
  private readonly it: AsyncIterator<Uint8Array>;
  private ic = 1;
  constructor(readonly channel: ApduChannel) {
    this.it = channel.receive()[Symbol.asyncIterator]();
  }
  async raw(bytes: Uint8Array): Promise<Uint8Array> {
    await this.channel.send(bytes);
    const r = await this.it.next();
    if (r.done) throw new Error('channel closed');
    return r.value;
  }
  async plain(apdu: Apdu): Promise<Apdu> {
    return decodeApdu(await this.raw(encodeApdu(apdu)));
  }
  /** Sends `apdu` glo-ciphered (authenticated and encrypted); returns the answer and whether it was ciphered. */
  async ciphered(apdu: Apdu): Promise<{ apdu: Apdu; ciphered: boolean }> {
    return this.open(
      await this.raw(
        protectApdu(encodeApdu(apdu), {
          form: 'glo',
          key: EK,
          authKey: AK,
          systemTitle: CLIENT_ST,
          invocationCounter: ++this.ic,
        }),
      ),
    );
  }
  open(bytes: Uint8Array): { apdu: Apdu; ciphered: boolean } {
    // glo-get/set/action-response: 0xCC, 0xCD, 0xCF.
    if (![0xcc, 0xcd, 0xcf].includes(bytes[0]!)) return { apdu: decodeApdu(bytes), ciphered: false };
    const u = unprotectApdu(bytes, {
      key: EK,
      authKey: AK,
      systemTitle: SERVER_ST,
      requireAuthentication: false,
    });
    if (u.envelope.securityControl?.authenticated === true && !u.verified) throw new Error('unverified');
    return { apdu: decodeApdu(u.plaintext), ciphered: true };
  }
}

describe('DlmsServer fills the request context', () => {
  const config: ServerAssociationConfig = {
    referencing: 'ln',
    ciphered: true,
    security: { policy: 'none', blockCipherKey: EK, authenticationKey: AK },
    systemTitle: SERVER_ST,
    counters: new MemoryCounterStore(),
    authentication: { mechanism: 0 },
    conformance: 0x00181f,
    maxReceivePduSize: 1024,
  };

  it('enforces request protection, protects responses as the rights demand, passes SET access, reports status', async () => {
    const { device: d, window } = device();
    const server = new DlmsServer().addDevice(1, d, { 16: config });
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 });
    const client = new CipheredClient(c);
    expect(
      await client.plain({
        type: 'aarq',
        applicationContextName: 'logical-name-referencing-with-ciphering',
        callingApTitle: CLIENT_ST,
        userInformation: {
          apdu: {
            type: 'initiate-request',
            responseAllowed: true,
            proposedDlmsVersionNumber: 6,
            proposedConformance: 0x00181f,
            clientMaxReceivePduSize: 1024,
          },
        },
      }),
    ).toMatchObject({ type: 'aare', result: 'accepted' });
    const get = (attributeId: number, instanceId = WINDOW_LN, classId = 1): Apdu => ({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId, instanceId, attributeId },
    });
    // Attribute 2 demands an encrypted request.
    expect(await client.plain(get(2))).toMatchObject({
      result: { type: 'data-access-result', result: 'read-write-denied' },
    });
    expect(await client.ciphered(get(2))).toMatchObject({
      ciphered: true,
      apdu: { result: { type: 'data', data: { type: 'unsigned', value: 0 } } },
    });
    // Attribute 3 demands an encrypted response: a plain request gets a ciphered answer.
    const r3 = client.open(await client.raw(encodeApdu(get(3))));
    expect(r3).toMatchObject({ ciphered: true, apdu: { result: { type: 'data', data: { value: 3 } } } });
    // SET with selective access, encrypted as attribute 2 demands: the object sees the selector.
    const set: Apdu = {
      type: 'set-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 1, instanceId: WINDOW_LN, attributeId: 2 },
      accessSelection: selector2,
      value: { type: 'unsigned', value: 5 },
    };
    expect(await client.plain(set)).toMatchObject({ result: 'read-write-denied' });
    expect(await client.ciphered(set)).toMatchObject({
      apdu: { type: 'set-response-normal', result: 'success' },
    });
    expect(window.writes).toEqual([{ value: { type: 'unsigned', value: 5 }, access: selector2 }]);
    // association_status through the engine: associated.
    expect(await client.plain(get(8, ASSOCIATION_LN, 15))).toMatchObject({
      result: { type: 'data', data: { type: 'enum', value: 2 } },
    });
    await c.close();
    expect(await done).toMatchObject({ end: 'peer-closed', associations: 1 });
  });

  it('refuses a read whose right demands a protected response on a plain association', async () => {
    const { device: d } = device();
    const server = new DlmsServer().addDevice(1, d, {
      16: {
        referencing: 'ln',
        ciphered: false,
        authentication: { mechanism: 0 },
        conformance: 0x00181f,
        maxReceivePduSize: 1024,
      },
    });
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 });
    const client = new CipheredClient(c);
    await client.plain({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x00181f,
          clientMaxReceivePduSize: 1024,
        },
      },
    });
    expect(
      await client.plain({
        type: 'get-request-normal',
        invokeIdAndPriority: IID,
        attribute: { classId: 1, instanceId: WINDOW_LN, attributeId: 3 },
      }),
    ).toMatchObject({ result: { type: 'data-access-result', result: 'read-write-denied' } });
    await c.close();
    await done;
  });
});
