/** The README's examples, run as written. */
import { describe, expect, it } from 'vitest';
import { decodeDataBytes, fromHex, type Data } from '@meteringlab/dlms-core';
import {
  AssociationLn,
  Clock,
  DataObject,
  LogicalDevice,
  ProfileGeneric,
  Register,
  fullRights,
  notificationReadings,
  readOnlyRights,
  registerValue,
} from '@meteringlab/cosem-objects';

describe('README examples', () => {
  it('decode a register and a push', () => {
    const v = registerValue(decodeDataBytes(fromHex('120903')), decodeDataBytes(fromHex('02020FFF1623')));
    expect(v).toEqual({ raw: 2307, scaler: -1, unit: 35, unitSymbol: 'V', value: 230.7 });
    const body = decodeDataBytes(fromHex('0101 0203 09060100200700FF 120903 02020FFF1623'));
    const { readings } = notificationReadings(body);
    expect(readings).toMatchObject([
      {
        obis: '1.0.32.7.0.255',
        name: 'Voltage L1, instantaneous',
        value: 230.7,
        raw: 2307,
        scaler: -1,
        unit: 'V',
      },
    ]);
  });

  it('define a small logical device', async () => {
    const energyWh = 0;
    const device = new LogicalDevice({
      objects: [
        new DataObject({
          logicalName: '0.0.42.0.0.255',
          value: { type: 'octet-string', value: new TextEncoder().encode('MLB0000000000001') },
        }),
        new Clock({ timeZone: -60 }),
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: () => ({ type: 'double-long-unsigned', value: energyWh }),
          scalerUnit: { scaler: 0, unit: 30 },
        }),
        new ProfileGeneric({
          logicalName: '1.0.99.1.0.255',
          capturePeriodS: 900,
          captureObjects: [
            { classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2 },
            { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 },
          ],
        }),
      ],
    });
    device.addAssociation(new AssociationLn({ clientSap: 16, rights: readOnlyRights }));
    device.addAssociation(
      new AssociationLn({ clientSap: 1, mechanism: 1, rights: fullRights, logicalName: '0.0.40.0.1.255' }),
    );
    const value = await device.get(device.context(16), 3, '1.0.1.8.0.255', 2);
    expect(value).toEqual({ type: 'double-long-unsigned', value: 0 });
    expect(await device.set(device.context(16), 3, '1.0.1.8.0.255', 2, value as Data)).toBe(
      'read-write-denied',
    );
    const p = device.find(7, '1.0.99.1.0.255') as ProfileGeneric;
    await p.capture();
    expect(p.bufferEntries().length).toBe(1);
    expect(p.bufferEntries()[0]![1]).toEqual({ type: 'double-long-unsigned', value: 0 });
  });
});
