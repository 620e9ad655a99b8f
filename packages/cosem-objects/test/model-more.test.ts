import { describe, expect, it } from 'vitest';
import {
  decodeDataBytes,
  encodeApdu,
  encodeKeyTransfer,
  fromHex,
  type Data,
  type DataNotification,
} from '@meteringlab/dlms-core';
import {
  AssociationLn,
  attributeModeAllows,
  methodModeAllows,
  objectListFromData,
  ProfileGeneric,
  AssociationSn,
  clockFromData,
  Clock,
  CONNECTED,
  DemandRegister,
  DISCONNECTED,
  DisconnectControl,
  fullRights,
  IecHdlcSetup,
  LogicalDevice,
  notificationReadings,
  objectKey,
  PushSetup,
  READY_FOR_RECONNECTION,
  Register,
  SapAssignment,
  SecuritySetup,
  shortNameObjectListFromData,
} from '@meteringlab/cosem-objects';

const ctx = { clientSap: 1, authenticated: true };
const int0: Data = { type: 'integer', value: 0 };

describe('Demand register', () => {
  it('running demand, period close, sliding windows, next_period and reset', async () => {
    let t = Date.UTC(2024, 0, 1, 0, 0, 0);
    let power = 1000; // W
    const dr = new DemandRegister({
      logicalName: '1.0.1.4.0.255',
      scalerUnit: { scaler: 0, unit: 27 },
      sample: () => power,
      periodS: 900,
      numberOfPeriods: 1,
      now: () => new Date(t),
    });
    await dr.get(2, ctx); // first sample at 00:00
    t += 450_000;
    expect(await dr.get(2, ctx)).toEqual({ type: 'double-long', value: 500 }); // half the period at 1000 W
    power = 3000;
    t += 450_000; // 00:15: the period closes
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 1000 });
    expect(await dr.get(2, ctx)).toEqual({ type: 'double-long', value: 0 });
    expect(clockFromData((await dr.get(6, ctx)) as Data)?.iso).toBe('2024-01-01T00:15:00.00Z');
    expect(clockFromData((await dr.get(7, ctx)) as Data)?.iso).toBe('2024-01-01T00:15:00.00Z');
    t += 300_000;
    expect(await dr.get(2, ctx)).toEqual({ type: 'double-long', value: 1000 }); // 3000 W for a third
    expect((await dr.action(2, int0, ctx)).result).toBe('success'); // next_period at 00:20
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 1000 });
    expect(await dr.get(2, ctx)).toEqual({ type: 'double-long', value: 0 });
    expect((await dr.action(1, int0, ctx)).result).toBe('success');
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 0 });
    expect(await dr.get(6, ctx)).toEqual({ type: 'null-data' });
    expect(await dr.get(8, ctx)).toEqual({ type: 'double-long-unsigned', value: 900 });
    expect(await dr.get(4, ctx)).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: 0 },
        { type: 'enum', value: 27 },
      ],
    });
  });

  it('sliding window of 3 subperiods', async () => {
    let t = Date.UTC(2024, 0, 1);
    let power = 300;
    const dr = new DemandRegister({
      logicalName: '1.0.1.5.0.255',
      scalerUnit: { scaler: 0, unit: 27 },
      sample: () => power,
      periodS: 60,
      numberOfPeriods: 3,
      now: () => new Date(t),
    });
    await dr.update();
    t += 60_000; // subperiod 1 at 300 W
    await dr.update();
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 100 }); // 300·60 / (3·60)
    power = 600;
    await dr.update();
    t += 60_000; // subperiod 2 at 600 W
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 300 }); // (300+600)·60 / 180
    t += 60_000; // subperiod 3 at 600 W
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 500 });
    t += 60_000; // subperiod 4: the first one leaves the window
    expect(await dr.get(3, ctx)).toEqual({ type: 'double-long', value: 600 });
  });
});

describe('Disconnect control', () => {
  it('mode 1: remote disconnect and direct remote reconnect', async () => {
    const changes: boolean[] = [];
    const dc = new DisconnectControl({ controlMode: 1, onChange: (_s, out) => void changes.push(out) });
    expect(await dc.get(2, ctx)).toEqual({ type: 'boolean', value: true });
    expect((await dc.action(1, int0, ctx)).result).toBe('success');
    expect(dc.controlState).toBe(DISCONNECTED);
    expect(await dc.get(3, ctx)).toEqual({ type: 'enum', value: 0 });
    expect((await dc.action(1, int0, ctx)).result).toBe('success'); // repeated: no change, no error
    expect((await dc.action(2, int0, ctx)).result).toBe('success');
    expect(dc.controlState).toBe(CONNECTED);
    expect(changes).toEqual([false, true]);
    // Manual disconnect (f) then manual reconnect (e).
    expect(await dc.trigger('manual-disconnect')).toBe(true);
    expect(dc.controlState).toBe(READY_FOR_RECONNECTION);
    expect(dc.outputState).toBe(false);
    expect(await dc.trigger('local-reconnect')).toBe(false); // h is not allowed in mode 1
    expect(await dc.trigger('manual-reconnect')).toBe(true);
    expect(dc.controlState).toBe(CONNECTED);
  });

  it('mode 2: remote reconnect only arms, the customer reconnects', async () => {
    const dc = new DisconnectControl({ controlMode: 2 });
    await dc.action(1, int0, ctx);
    await dc.action(2, int0, ctx);
    expect(dc.controlState).toBe(READY_FOR_RECONNECTION);
    expect(dc.outputState).toBe(false);
    await dc.action(2, int0, ctx); // no transition from ready by remote reconnect in mode 2
    expect(dc.controlState).toBe(READY_FOR_RECONNECTION);
    await dc.action(1, int0, ctx); // b
    expect(dc.controlState).toBe(DISCONNECTED);
  });

  it('mode 3/4 have no manual disconnect; mode 0 stays connected; control_mode is writable', async () => {
    const m3 = new DisconnectControl({ controlMode: 3 });
    expect(await m3.trigger('manual-disconnect')).toBe(false);
    expect(await m3.trigger('local-disconnect')).toBe(true);
    const m0 = new DisconnectControl({ controlMode: 0, controlState: DISCONNECTED });
    expect(m0.controlState).toBe(CONNECTED);
    await m0.action(1, int0, ctx);
    expect(m0.controlState).toBe(CONNECTED);
    expect(await m0.set(4, { type: 'enum', value: 6 }, ctx)).toBe('success');
    expect(await m0.set(4, { type: 'enum', value: 7 }, ctx)).toBe('other-reason');
    expect((await m0.action(1, { type: 'long', value: 0 }, ctx)).result).toBe('type-unmatched');
  });
});

describe('Push setup', () => {
  it('builds the body from the push object list and calls send', async () => {
    const sent: { body: Data; n: DataNotification }[] = [];
    const d = new LogicalDevice({
      objects: [
        new Clock({ now: () => new Date('2024-05-01T12:00:00Z') }),
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: { type: 'double-long-unsigned', value: 4242 },
          scalerUnit: { scaler: 0, unit: 30 },
        }),
      ],
    });
    const push = new PushSetup({
      pushObjectList: [
        { classId: 40, logicalName: '0.0.25.9.0.255', attributeIndex: 1 },
        { classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2 },
        { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 },
        { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 3 },
        { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 3, dataIndex: 2 },
      ],
      sendDestinationAndMethod: { transportService: 0, destination: '192.0.2.1:4059', message: 0 },
      send: (body, n) => void sent.push({ body, n }),
    });
    d.add(push);
    d.addAssociation(new AssociationLn({ clientSap: 1, rights: fullRights }));
    expect((await d.action(d.context(1), 40, '0.0.25.9.0.255', 1, int0)).result).toBe('success');
    expect(sent.length).toBe(1);
    const { body, n } = sent[0]!;
    expect(n.dateTime).toBeUndefined();
    expect(n.longInvokeIdAndPriority.invokeId).toBe(1);
    expect(body).toEqual({
      type: 'structure',
      value: [
        { type: 'octet-string', value: Uint8Array.of(0, 0, 25, 9, 0, 255) },
        (await d.get(d.context(1), 8, '0.0.1.0.0.255', 2)) as Data,
        { type: 'double-long-unsigned', value: 4242 },
        {
          type: 'structure',
          value: [
            { type: 'integer', value: 0 },
            { type: 'enum', value: 30 },
          ],
        },
        { type: 'enum', value: 30 },
      ],
    });
    // The notification encodes, and the readings layer understands it positionally.
    expect(encodeApdu(n)[0]).toBe(0x0f);
    const r = notificationReadings(n, {
      captureObjects: push
        .pushObjectList()
        .map((c, i) => (i === 2 ? { ...c, scalerUnit: { scaler: 0, unit: 30 } } : c)),
    });
    expect(r.meterTime).toBe('2024-05-01T12:00:00.00Z');
    expect(r.readings[2]).toMatchObject({ obis: '1.0.1.8.0.255', value: 4242, unit: 'Wh' });
    const sdm = await push.get(3, ctx);
    expect(sdm).toEqual({
      type: 'structure',
      value: [
        { type: 'enum', value: 0 },
        { type: 'octet-string', value: new TextEncoder().encode('192.0.2.1:4059') },
        { type: 'enum', value: 0 },
      ],
    });
  });
});

describe('Security setup', () => {
  const kek = fromHex('000102030405060708090A0B0C0D0E0F');
  const key = fromHex('00112233445566778899AABBCCDDEEFF');

  it('key_transfer unwraps with the master key and hands the keys over', async () => {
    const got: string[] = [];
    const s = new SecuritySetup({
      serverSystemTitle: fromHex('4D4D4D0000BC614E'),
      masterKey: kek,
      onKeyTransfer: (keys) => {
        for (const k of keys) got.push(`${k.keyId}:${k.key.length}`);
      },
    });
    const p = encodeKeyTransfer(kek, [{ keyId: 'global-unicast-encryption-key', key }]);
    expect((await s.action(2, p, ctx)).result).toBe('success');
    expect(got).toEqual(['global-unicast-encryption-key:16']);
    // Wrapped under another KEK: integrity check fails.
    const wrong = encodeKeyTransfer(fromHex('FF0102030405060708090A0B0C0D0E0F'), [
      { keyId: 'authentication-key', key },
    ]);
    expect((await s.action(2, wrong, ctx)).result).toBe('other-reason');
    expect((await s.action(2, { type: 'array', value: [int0] }, ctx)).result).toBe('type-unmatched');
  });

  it('security_activate only strengthens the policy; system titles', async () => {
    const s = new SecuritySetup({ serverSystemTitle: fromHex('4D4D4D0000BC614E'), securityPolicy: 0b0100 });
    expect((await s.action(1, { type: 'enum', value: 0b1100 }, ctx)).result).toBe('success');
    expect((await s.action(1, { type: 'enum', value: 0b0100 }, ctx)).result).toBe('other-reason');
    expect(s.securityPolicy).toBe(0b1100);
    expect(await s.get(5, ctx)).toEqual({ type: 'octet-string', value: fromHex('4D4D4D0000BC614E') });
    expect(await s.set(4, { type: 'octet-string', value: fromHex('4142434445464748') }, ctx)).toBe('success');
    expect(await s.set(4, { type: 'octet-string', value: fromHex('41') }, ctx)).toBe('other-reason');
    expect(
      (
        await new SecuritySetup({ serverSystemTitle: new Uint8Array(8) }).action(
          2,
          { type: 'array', value: [] },
          ctx,
        )
      ).result,
    ).toBe('other-reason');
  });
});

describe('SAP assignment, IEC HDLC setup, Association SN', () => {
  it('SAP assignment list and connect_logical_device', async () => {
    const s = new SapAssignment({ entries: [{ sap: 1, logicalDeviceName: 'MLB0000000000001' }] });
    const enc = (sap: number, name: string): Data => ({
      type: 'structure',
      value: [
        { type: 'long-unsigned', value: sap },
        { type: 'octet-string', value: new TextEncoder().encode(name) },
      ],
    });
    expect(await s.get(2, ctx)).toEqual({ type: 'array', value: [enc(1, 'MLB0000000000001')] });
    expect((await s.action(1, enc(17, 'MLB0000000000017'), ctx)).result).toBe('success');
    expect((await s.action(1, enc(1, ''), ctx)).result).toBe('success');
    expect(await s.get(2, ctx)).toEqual({ type: 'array', value: [enc(17, 'MLB0000000000017')] });
  });

  it('IEC HDLC setup defaults and checked writes', async () => {
    const h = new IecHdlcSetup();
    expect(await h.get(2, ctx)).toEqual({ type: 'enum', value: 5 });
    expect(await h.get(5, ctx)).toEqual({ type: 'long-unsigned', value: 128 });
    expect(await h.set(3, { type: 'unsigned', value: 7 }, ctx)).toBe('success');
    expect(await h.set(3, { type: 'unsigned', value: 8 }, ctx)).toBe('other-reason');
    expect(await h.set(3, { type: 'long-unsigned', value: 2 }, ctx)).toBe('type-unmatched');
    expect(h.numberOf(3)).toBe(7);
  });

  it('Association SN lists objects by base name', async () => {
    const d = new LogicalDevice({
      objects: [
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: { type: 'long', value: 1 },
          scalerUnit: { scaler: 0, unit: 30 },
        }),
      ],
    });
    const sn = new AssociationSn({
      clientSap: 16,
      baseNames: new Map([
        [objectKey(12, '0.0.40.0.0.255'), 0xfa00],
        [objectKey(3, '1.0.1.8.0.255'), 0x0100],
      ]),
      replyToHlsAuthentication: () => Uint8Array.of(1),
    });
    d.addAssociation(sn);
    const list = shortNameObjectListFromData(decodeDataBytes(fromHex('0100')))!;
    expect(list).toEqual([]);
    expect(
      shortNameObjectListFromData((await d.get(d.context(16), 12, '0.0.40.0.0.255', 2)) as Data),
    ).toEqual([
      { baseName: 0x0100, classId: 3, version: 0, logicalName: '1.0.1.8.0.255' },
      { baseName: 0xfa00, classId: 12, version: 4, logicalName: '0.0.40.0.0.255' },
    ]);
    expect((await sn.action(8, { type: 'octet-string', value: Uint8Array.of(0) }, ctx)).result).toBe(
      'success',
    );
  });
});

describe('access rights details', () => {
  it('bit-mapped (version 3) modes check the read/write and protection bits; selectors are published', async () => {
    const d = new LogicalDevice({
      objects: [
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: { type: 'long', value: 1 },
          writable: true,
          scalerUnit: { scaler: 0, unit: 30 },
        }),
        new ProfileGeneric({ logicalName: '1.0.99.1.0.255', captureObjects: [] }),
      ],
    });
    d.addAssociation(
      new AssociationLn({
        clientSap: 3,
        version: 3,
        rights: (o) => ({
          attributes: [
            { index: 1, access: 0b001 },
            {
              index: 2,
              access: o.classId === 3 ? 0b101 : 0b001,
              ...(o.classId === 7 ? { selectors: [1, 2] } : {}),
            },
          ],
          methods: [{ index: 1, access: 0b100 }],
        }),
      }),
    );
    const c = d.context(3);
    // 0b101: read, with an authenticated request (bit 2).
    expect(await d.get(c, 3, '1.0.1.8.0.255', 2)).toBe('read-write-denied');
    const signedOff = { protection: { authenticated: true, encrypted: false } };
    expect(await d.get(d.context(3, false, signedOff), 3, '1.0.1.8.0.255', 2)).toEqual({
      type: 'long',
      value: 1,
    });
    expect(await d.set(c, 3, '1.0.1.8.0.255', 2, { type: 'long', value: 2 })).toBe('read-write-denied');
    expect((await d.action(c, 3, '1.0.1.8.0.255', 1, int0)).result).toBe('read-write-denied');
    const list = objectListFromData((await d.get(c, 15, '0.0.40.0.0.255', 2)) as Data, {
      associationVersion: 3,
    })!;
    expect(list.find((e) => e.classId === 7)?.accessRights.attributes[1]).toEqual({
      index: 2,
      access: 1,
      selectors: [1, 2],
    });
    expect(list.find((e) => e.classId === 15)?.version).toBe(3);
    expect(attributeModeAllows('authenticated-read-and-write', 'set', false)).toBe(false);
    expect(attributeModeAllows('write-only', 'get', true)).toBe(false);
    expect(methodModeAllows('no-access', true)).toBe(false);
  });

  it('the default policy publishes the profile buffer selectors', async () => {
    const d = new LogicalDevice({
      objects: [new ProfileGeneric({ logicalName: '1.0.99.1.0.255', captureObjects: [] })],
    });
    d.addAssociation(new AssociationLn({ clientSap: 1 }));
    const list = objectListFromData((await d.get(d.context(1), 15, '0.0.40.0.0.255', 2)) as Data)!;
    const buffer = list.find((e) => e.classId === 7)!.accessRights.attributes.find((a) => a.index === 2);
    expect(buffer).toEqual({ index: 2, access: 'read-only', selectors: [1, 2] });
  });
});
