/**
 * The engine configuration built from an Association LN object: application context, mechanism,
 * secrets and xDLMS context info give `ServerAssociationConfig` (associationConfigFrom), overrides win,
 * missing secrets are an ArgumentError, and DlmsServer.addDevice without a map configures each client
 * SAP from its Association LN (an LLS association served end to end over the in-memory channel pair);
 * an ACCESS request through it is checked against the association's rights specification by
 * specification.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryCounterStore,
  conformanceFromNames,
  decodeApdu,
  encodeApdu,
  fromHex,
  type Apdu,
} from '@meteringlab/dlms-core';
import { memoryApduChannelPair } from '@meteringlab/transport-tcp';
import {
  AssociationLn,
  DEFAULT_SERVER_CONFORMANCE,
  DlmsServer,
  LogicalDevice,
  Register,
  associationConfigFrom,
  fullRights,
} from '../../src/index.js';

const EK = fromHex('000102030405060708090A0B0C0D0E0F');
const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
const SERVER_ST = fromHex('4D4D4D0000BC614E');
const PASSWORD = new TextEncoder().encode('12345678');

describe('associationConfigFrom', () => {
  it('exposes the context, mechanism, conformance and secrets, and builds the engine configuration', () => {
    const a = new AssociationLn({ clientSap: 16 });
    expect([a.applicationContext, a.mechanism, a.conformance]).toEqual([1, 0, DEFAULT_SERVER_CONFORMANCE]);
    expect(a.secrets).toEqual({});
    expect(associationConfigFrom(a)).toEqual({
      referencing: 'ln',
      ciphered: false,
      authentication: { mechanism: 0 },
      conformance: DEFAULT_SERVER_CONFORMANCE,
      maxReceivePduSize: 1024,
      dlmsVersion: 6,
    });
    expect(associationConfigFrom(a, { maxReceivePduSize: 512 }).maxReceivePduSize).toBe(512);
  });

  it('carries a ciphered HLS-GMAC association', () => {
    const counters = new MemoryCounterStore();
    const hls = { mechanism: 5, encryptionKey: EK, authenticationKey: AK } as const;
    const security = {
      policy: 'authenticated-encrypted',
      blockCipherKey: EK,
      authenticationKey: AK,
    } as const;
    const a = new AssociationLn({
      clientSap: 1,
      applicationContext: 3,
      mechanism: 5,
      xdlmsContextInfo: { conformance: 0x00181f, maxReceivePduSize: 2048 },
      secrets: { hls, security, systemTitle: SERVER_ST, counters },
    });
    expect(a.xdlmsContextInfo).toMatchObject({
      conformance: 0x00181f,
      maxReceivePduSize: 2048,
      dlmsVersion: 6,
    });
    expect(associationConfigFrom(a)).toEqual({
      referencing: 'ln',
      ciphered: true,
      authentication: hls,
      security,
      systemTitle: SERVER_ST,
      counters,
      conformance: 0x00181f,
      maxReceivePduSize: 2048,
      dlmsVersion: 6,
    });
    expect(associationConfigFrom(new AssociationLn({ clientSap: 2, applicationContext: 4 }))).toMatchObject({
      referencing: 'sn',
      ciphered: true,
    });
  });

  it('refuses a mechanism without its secret, and an unknown application context', () => {
    expect(() => associationConfigFrom(new AssociationLn({ clientSap: 1, mechanism: 1 }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    const md5 = { mechanism: 3, secret: PASSWORD } as const;
    expect(() =>
      associationConfigFrom(new AssociationLn({ clientSap: 1, mechanism: 6, secrets: { hls: md5 } })),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(
      associationConfigFrom(new AssociationLn({ clientSap: 1, mechanism: 3, secrets: { hls: md5 } }))
        .authentication,
    ).toBe(md5);
    expect(() => associationConfigFrom(new AssociationLn({ clientSap: 1, applicationContext: 9 }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
  });
});

describe('DlmsServer.addDevice without a configuration map', () => {
  it('configures each client SAP from its Association LN', async () => {
    const d = new LogicalDevice({
      objects: [
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: { type: 'double-long-unsigned', value: 5 },
          scalerUnit: { scaler: 0, unit: 30 },
        }),
      ],
    });
    d.addAssociation(
      new AssociationLn({
        logicalName: '0.0.40.0.3.255',
        clientSap: 1,
        mechanism: 1,
        rights: fullRights,
        xdlmsContextInfo: { conformance: conformanceFromNames(['get', 'set', 'access']) },
        secrets: { password: PASSWORD },
      }),
    );
    const server = new DlmsServer().addDevice(1, d);
    expect(server.deviceAt(1)!.associations.get(1)?.authentication).toEqual({
      mechanism: 1,
      password: PASSWORD,
    });
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 1 });
    const it = c.receive()[Symbol.asyncIterator]();
    const ask = async (a: Apdu) => {
      await c.send(encodeApdu(a));
      return decodeApdu((await it.next()).value as Uint8Array);
    };
    const aarq = (password: Uint8Array): Apdu => ({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      senderAcseRequirements: { authentication: true },
      mechanismName: 'lls',
      callingAuthenticationValue: { type: 'charstring', value: password },
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: conformanceFromNames(['get', 'set', 'access']),
          clientMaxReceivePduSize: 512,
        },
      },
    });
    expect(await ask(aarq(new TextEncoder().encode('wrong')))).toMatchObject({
      result: 'rejected-permanent',
      resultSourceDiagnostic: { value: 'authentication-failure' },
    });
    expect(await ask(aarq(PASSWORD))).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(
      await ask({
        type: 'get-request-normal',
        invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
        attribute: { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255), attributeId: 2 },
      }),
    ).toMatchObject({ result: { type: 'data', data: { value: 5 } } });
    // ACCESS: a SET of the register and a GET of logical_name, then of the register; the rights of the
    // association are checked for each (logical_name is read-only).
    const register = { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255) };
    expect(
      await ask({
        type: 'access-request',
        longInvokeIdAndPriority: {
          invokeId: 9,
          selfDescriptive: false,
          breakOnError: false,
          confirmed: true,
          highPriority: false,
        },
        specifications: [
          { type: 'access-request-set', attribute: { ...register, attributeId: 1 } },
          { type: 'access-request-get', attribute: { ...register, attributeId: 2 } },
        ],
        data: [{ type: 'octet-string', value: new Uint8Array(6) }, { type: 'null-data' }],
      }),
    ).toMatchObject({
      type: 'access-response',
      data: [{ type: 'null-data' }, { type: 'double-long-unsigned', value: 5 }],
      responses: [{ result: 'read-write-denied' }, { result: 'success' }],
    });
    await c.close();
    expect(await done).toMatchObject({ associations: 1 });
  });
});
