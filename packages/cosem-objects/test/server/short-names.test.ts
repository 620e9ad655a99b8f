/**
 * Short names from the model: the map from a short name to an attribute or method is built from the
 * base names the device's Association SN lists (attribute i at base + 8(i−1), method m at base + the
 * class's method-1 offset + 8(m−1)), and DlmsServer gives it to SN associations configured without
 * `baseNames` (a configured map still wins).
 */
import { describe, expect, it } from 'vitest';
import {
  conformanceFromNames,
  decodeApdu,
  encodeApdu,
  type Apdu,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import { memoryApduChannelPair } from '@meteringlab/transport-tcp';
import {
  AssociationSn,
  DataObject,
  DlmsServer,
  LogicalDevice,
  Register,
  SN_FIRST_METHOD_OFFSET,
  fullRights,
  objectKey,
  shortNameResolver,
} from '../../src/index.js';

const REGISTER_LN = Uint8Array.of(1, 0, 1, 8, 0, 255);

function device(): LogicalDevice {
  const d = new LogicalDevice({
    objects: [
      new Register({
        logicalName: REGISTER_LN,
        value: { type: 'double-long-unsigned', value: 77 },
        scalerUnit: { scaler: 0, unit: 30 },
      }),
      // No base name: not reachable by short name.
      new DataObject({ logicalName: '0.0.96.1.0.255', value: { type: 'unsigned', value: 1 } }),
    ],
  });
  d.addAssociation(
    new AssociationSn({
      clientSap: 16,
      rights: fullRights,
      baseNames: new Map([
        [objectKey(12, '0.0.40.0.0.255'), 0xfa00],
        [objectKey(3, REGISTER_LN), 0x0100],
      ]),
      replyToHlsAuthentication: () => Uint8Array.of(1),
    }),
  );
  return d;
}

describe('LogicalDevice.baseNames', () => {
  it("maps the Association SN's base names to attributes and methods", () => {
    const names = device().baseNames(16)!;
    expect(names(0x0100)).toEqual({
      type: 'attribute',
      descriptor: { classId: 3, instanceId: REGISTER_LN, attributeId: 1 },
    });
    expect(names(0x0108)).toMatchObject({ type: 'attribute', descriptor: { classId: 3, attributeId: 2 } });
    expect(names(0x0110)).toMatchObject({ type: 'attribute', descriptor: { attributeId: 3 } });
    // Register reset (method 1) at base + 0x28.
    expect(names(0x0128)).toMatchObject({ type: 'method', descriptor: { classId: 3, methodId: 1 } });
    expect(names(0x0104)).toBeUndefined();
    // Association SN reply_to_HLS_authentication (method 8) at base + 0x20 + 7 × 8.
    expect(names(0xfa58)).toEqual({
      type: 'method',
      descriptor: { classId: 12, instanceId: Uint8Array.of(0, 0, 40, 0, 0, 255), methodId: 8 },
    });
    expect(names(0xfa08)).toMatchObject({ type: 'attribute', descriptor: { classId: 12, attributeId: 2 } });
    expect(SN_FIRST_METHOD_OFFSET.get(12)).toBe(0x20);
    // Defaults to the first Association SN; none for a client without one.
    expect(device().baseNames()!(0x0108)).toMatchObject({ descriptor: { attributeId: 2 } });
    expect(device().baseNames(1)).toBeUndefined();
  });

  it('takes method offsets from the caller for other classes', () => {
    const d = device();
    const register = d.find(3, REGISTER_LN)!;
    const names = shortNameResolver([{ baseName: 0x0200, object: register }], {
      firstMethodOffsets: new Map([[3, 0x18]]),
    });
    expect(names(0x0218)).toMatchObject({ type: 'method', descriptor: { methodId: 1 } });
    expect(names(0x0228)).toBeUndefined();
  });
});

describe('DlmsServer SN associations', () => {
  const base: ServerAssociationConfig = {
    referencing: 'sn',
    ciphered: false,
    authentication: { mechanism: 0 },
    conformance: conformanceFromNames(['read', 'write', 'multiple-references', 'parameterized-access']),
    maxReceivePduSize: 512,
  };
  async function read(config: ServerAssociationConfig, variableName: number): Promise<Apdu> {
    const server = new DlmsServer().addDevice(1, device(), { 16: config });
    const [c, s] = memoryApduChannelPair();
    const done = server.serve(s, { serverAddress: 1, clientAddress: 16 });
    const it = c.receive()[Symbol.asyncIterator]();
    const ask = async (a: Apdu) => {
      await c.send(encodeApdu(a));
      return decodeApdu((await it.next()).value as Uint8Array);
    };
    expect(
      await ask({
        type: 'aarq',
        applicationContextName: 'short-name-referencing-no-ciphering',
        userInformation: {
          apdu: {
            type: 'initiate-request',
            responseAllowed: true,
            proposedDlmsVersionNumber: 6,
            proposedConformance: base.conformance,
            clientMaxReceivePduSize: 512,
          },
        },
      }),
    ).toMatchObject({ type: 'aare', result: 'accepted' });
    const r = await ask({ type: 'read-request', variables: [{ type: 'variable-name', variableName }] });
    await c.close();
    await done;
    return r;
  }

  it('serve the Association SN map when the configuration has none', async () => {
    expect(await read(base, 0x0108)).toEqual({
      type: 'read-response',
      results: [{ type: 'data', data: { type: 'double-long-unsigned', value: 77 } }],
    });
  });

  it('keep a configured map as an override', async () => {
    const only = { ...base, baseNames: () => undefined };
    expect(await read(only, 0x0108)).toEqual({
      type: 'read-response',
      results: [{ type: 'data-access-error', result: 'object-undefined' }],
    });
  });
});
