import { describe, expect, it } from 'vitest';
import { cosemDateTimeFromIso, entryDescriptor, rangeDescriptor, type Data } from '@meteringlab/dlms-core';
import {
  AssociationLn,
  checkAccess,
  Clock,
  clockFromData,
  DataObject,
  dateTimeToData,
  fullRights,
  LogicalDevice,
  logicalNameBytes,
  objectListFromData,
  ProfileGeneric,
  readOnlyRights,
  Register,
  registerValue,
  type RightsPolicy,
} from '@meteringlab/cosem-objects';

const u32 = (value: number): Data => ({ type: 'double-long-unsigned', value });

function device(now: () => Date = () => new Date('2024-01-01T00:00:00Z')) {
  let energy = 1000;
  const clock = new Clock({ now, timeZone: -60 });
  const reg = new Register({
    logicalName: '1.0.1.8.0.255',
    value: () => u32(energy),
    scalerUnit: { scaler: 0, unit: 30 },
  });
  const setpoint = new Register({
    logicalName: '1.0.1.35.0.255',
    value: u32(5),
    writable: true,
    scalerUnit: { scaler: -1, unit: 27 },
  });
  const name = new DataObject({
    logicalName: '0.0.42.0.0.255',
    value: { type: 'octet-string', value: new TextEncoder().encode('MLB0000000000001') },
  });
  const d = new LogicalDevice({ objects: [name, clock, reg, setpoint] });
  // Public client 16 reads; management client 1 reads and writes; only client 1 sees the setpoint writable.
  d.addAssociation(new AssociationLn({ clientSap: 16, rights: readOnlyRights }));
  d.addAssociation(
    new AssociationLn({ clientSap: 1, mechanism: 1, rights: fullRights, logicalName: '0.0.40.0.1.255' }),
  );
  return { d, clock, reg, setpoint, bump: (n: number) => (energy += n) };
}

describe('Data and Register', () => {
  it('serve values from providers, logical name as attribute 1', async () => {
    const { d, bump } = device();
    const ctx = d.context(16);
    expect(await d.get(ctx, 1, '0.0.42.0.0.255', 1)).toEqual({
      type: 'octet-string',
      value: logicalNameBytes('0.0.42.0.0.255'),
    });
    expect(await d.get(ctx, 3, '1.0.1.8.0.255', 2)).toEqual(u32(1000));
    bump(5);
    const v = await d.get(ctx, 3, '1.0.1.8.0.255', 2);
    const su = await d.get(ctx, 3, '1.0.1.8.0.255', 3);
    expect(registerValue(v as Data, su as Data)).toMatchObject({ raw: 1005, unitSymbol: 'Wh', value: 1005 });
  });

  it('set: denied to the public client, allowed to management, type checked', async () => {
    const { d } = device();
    expect(await d.set(d.context(16), 3, '1.0.1.35.0.255', 2, u32(7))).toBe('read-write-denied');
    expect(await d.set(d.context(1), 3, '1.0.1.35.0.255', 2, u32(7))).toBe('success');
    expect(await d.get(d.context(16), 3, '1.0.1.35.0.255', 2)).toEqual(u32(7));
    expect(await d.set(d.context(1), 3, '1.0.1.35.0.255', 2, { type: 'long', value: 1 })).toBe(
      'type-unmatched',
    );
    // The provider value has no setter: refused by the object even with full rights.
    expect(await d.set(d.context(1), 3, '1.0.1.8.0.255', 2, u32(7))).toBe('read-write-denied');
    // logical_name is never writable.
    expect(
      await d.set(d.context(1), 3, '1.0.1.35.0.255', 1, { type: 'octet-string', value: new Uint8Array(6) }),
    ).toBe('read-write-denied');
  });

  it('reset zeroes a stored value; unknown things answer object-undefined', async () => {
    const { d } = device();
    expect(
      (await d.action(d.context(16), 3, '1.0.1.35.0.255', 1, { type: 'integer', value: 0 })).result,
    ).toBe('read-write-denied');
    expect((await d.action(d.context(1), 3, '1.0.1.35.0.255', 1, { type: 'integer', value: 0 })).result).toBe(
      'success',
    );
    expect(await d.get(d.context(1), 3, '1.0.1.35.0.255', 2)).toEqual(u32(0));
    expect(await d.get(d.context(1), 3, '1.0.99.99.0.255', 2)).toBe('object-undefined');
    expect(await d.get(d.context(1), 1, '1.0.1.8.0.255', 2)).toBe('object-class-inconsistent');
    expect(await d.get(d.context(1), 3, '1.0.1.8.0.255', 9)).toBe('read-write-denied');
    expect(await d.get(d.context(99), 3, '1.0.1.8.0.255', 2)).toBe('read-write-denied');
    expect(checkAccess({ ...d.context(1), internal: true }, 3, '9.9.9.9.9.9', 2, 'set')).toBe('success');
  });

  it('authenticated modes need an authenticated association', async () => {
    const policy: RightsPolicy = (o) => ({
      attributes: [
        { index: 1, access: 'read-only' },
        { index: 2, access: 'authenticated-read-only' },
      ],
      methods: o.classId === 3 ? [{ index: 1, access: 'authenticated-access' }] : [],
    });
    const d = new LogicalDevice({
      objects: [
        new Register({ logicalName: '1.0.1.8.0.255', value: u32(3), scalerUnit: { scaler: 0, unit: 30 } }),
      ],
    });
    d.addAssociation(new AssociationLn({ clientSap: 1, rights: policy }));
    expect(await d.get(d.context(1, false), 3, '1.0.1.8.0.255', 2)).toBe('read-write-denied');
    expect(await d.get(d.context(1, true), 3, '1.0.1.8.0.255', 2)).toEqual(u32(3));
    expect(
      (await d.action(d.context(1, false), 3, '1.0.1.8.0.255', 1, { type: 'integer', value: 0 })).result,
    ).toBe('read-write-denied');
    expect(
      (await d.action(d.context(1, true), 3, '1.0.1.8.0.255', 1, { type: 'integer', value: 0 })).result,
    ).toBe('success');
  });
});

describe('Clock', () => {
  it('reads the injected time in local time with the Blue Book deviation', async () => {
    const { d } = device(() => new Date('2024-03-10T11:22:33.450Z'));
    const t = await d.get(d.context(16), 8, '0.0.1.0.0.255', 2);
    const c = clockFromData(t as Data)!;
    // time_zone −60: local = UTC + 1 h.
    expect(c.time).toMatchObject({
      year: 2024,
      month: 3,
      dayOfMonth: 10,
      hour: 12,
      minute: 22,
      second: 33,
      hundredths: 45,
      deviation: -60,
    });
    expect(c.iso).toBe('2024-03-10T12:22:33.45+01:00');
    expect(await d.get(d.context(16), 8, '0.0.1.0.0.255', 3)).toEqual({ type: 'long', value: -60 });
  });

  it('SET time and shift_time move the offset; adjust_to_quarter and _to_minute round', async () => {
    let host = new Date('2024-01-01T00:00:00Z').getTime();
    const clock = new Clock({ now: () => new Date(host) });
    const ctx = { clientSap: 1, authenticated: true };
    expect(await clock.set(2, dateTimeToData(cosemDateTimeFromIso('2024-01-01T10:07:29Z')), ctx)).toBe(
      'success',
    );
    expect(clock.now().toISOString()).toBe('2024-01-01T10:07:29.000Z');
    host += 60_000;
    expect(clock.now().toISOString()).toBe('2024-01-01T10:08:29.000Z');
    expect((await clock.action(1, { type: 'integer', value: 0 }, ctx)).result).toBe('success');
    expect(clock.now().toISOString()).toBe('2024-01-01T10:15:00.000Z');
    expect((await clock.action(6, { type: 'long', value: -40 }, ctx)).result).toBe('success');
    expect(clock.now().toISOString()).toBe('2024-01-01T10:14:20.000Z');
    expect((await clock.action(3, { type: 'integer', value: 0 }, ctx)).result).toBe('success');
    expect(clock.now().toISOString()).toBe('2024-01-01T10:14:00.000Z');
    expect((await clock.action(6, { type: 'long', value: 901 }, ctx)).result).toBe('other-reason');
    expect(await clock.set(2, { type: 'long', value: 1 }, ctx)).toBe('type-unmatched');
  });

  it('preset_adjusting_time then adjust_to_preset_time inside the validity interval', async () => {
    const clock = new Clock({ now: () => new Date('2024-01-01T00:00:00Z') });
    const ctx = { clientSap: 1, authenticated: true };
    const dt = (iso: string) => dateTimeToData(cosemDateTimeFromIso(iso));
    expect((await clock.action(4, { type: 'integer', value: 0 }, ctx)).result).toBe('other-reason');
    const p: Data = {
      type: 'structure',
      value: [dt('2024-01-01T06:00:00Z'), dt('2023-12-31T23:00:00Z'), dt('2024-01-01T01:00:00Z')],
    };
    expect((await clock.action(5, p, ctx)).result).toBe('success');
    expect((await clock.action(4, { type: 'integer', value: 0 }, ctx)).result).toBe('success');
    expect(clock.now().toISOString()).toBe('2024-01-01T06:00:00.000Z');
  });

  it('daylight saving: status bit 7 and deviation time_zone − dst deviation', async () => {
    const clock = new Clock({
      now: () => new Date('2024-07-01T10:00:00Z'),
      timeZone: -60,
      daylightSavingsEnabled: true,
      dstActive: () => true,
    });
    const ctx = { clientSap: 1, authenticated: true };
    const c = clockFromData((await clock.get(2, ctx)) as Data)!;
    expect(c.time).toMatchObject({ hour: 12, deviation: -120, clockStatus: 0x80 });
    expect(await clock.get(4, ctx)).toEqual({ type: 'unsigned', value: 0x80 });
  });
});

describe('Profile generic', () => {
  async function profileDevice() {
    let host = new Date('2024-01-01T00:00:00Z').getTime();
    let energy = 100;
    const d = new LogicalDevice({
      objects: [
        new Clock({ now: () => new Date(host) }),
        new Register({
          logicalName: '1.0.1.8.0.255',
          value: () => u32(energy),
          scalerUnit: { scaler: 0, unit: 30 },
        }),
        new Register({
          logicalName: '1.0.2.8.0.255',
          value: () => u32(energy * 2),
          scalerUnit: { scaler: 0, unit: 30 },
        }),
      ],
    });
    const p = new ProfileGeneric({
      logicalName: '1.0.99.1.0.255',
      capturePeriodS: 900,
      profileEntries: 3,
      captureObjects: [
        { classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2 },
        { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 },
        { classId: 3, logicalName: '1.0.2.8.0.255', attributeIndex: 2 },
      ],
    });
    d.add(p);
    d.addAssociation(new AssociationLn({ clientSap: 1, rights: fullRights }));
    for (let i = 0; i < 4; i++) {
      await p.capture();
      host += 900_000;
      energy += 10;
    }
    return { d, p };
  }
  const kids = (x: Data | string | number): readonly Data[] =>
    typeof x === 'object' && (x.type === 'array' || x.type === 'structure') ? x.value : [];
  const energyOf = (rows: Data | string | number) =>
    kids(rows).map((r) => (kids(r)[1] as { value: number }).value);

  it('captures from the device, FIFO with profile_entries, entries_in_use', async () => {
    const { d, p } = await profileDevice();
    const ctx = d.context(1);
    expect(await d.get(ctx, 7, '1.0.99.1.0.255', 7)).toEqual(u32(3));
    const all = await d.get(ctx, 7, '1.0.99.1.0.255', 2);
    expect(energyOf(all)).toEqual([110, 120, 130]);
    const first = p.bufferEntries()[0]!;
    expect(clockFromData(first[0]!)?.iso).toBe('2024-01-01T00:15:00.00Z');
    expect((await d.action(ctx, 7, '1.0.99.1.0.255', 1, { type: 'integer', value: 0 })).result).toBe(
      'success',
    );
    expect(await d.get(ctx, 7, '1.0.99.1.0.255', 7)).toEqual(u32(0));
  });

  it('entry descriptor: 1-based entries and columns, 0 = to the last', async () => {
    const { d } = await profileDevice();
    const ctx = d.context(1);
    const r = await d.get(
      ctx,
      7,
      '1.0.99.1.0.255',
      2,
      entryDescriptor({ fromEntry: 2, toEntry: 0, fromSelectedValue: 2, toSelectedValue: 3 }),
    );
    expect(r).toEqual({
      type: 'array',
      value: [
        { type: 'structure', value: [u32(120), u32(240)] },
        { type: 'structure', value: [u32(130), u32(260)] },
      ],
    });
    const beyond = await d.get(
      ctx,
      7,
      '1.0.99.1.0.255',
      2,
      entryDescriptor({ fromEntry: 5, toEntry: 9, fromSelectedValue: 1, toSelectedValue: 0 }),
    );
    expect(beyond).toEqual({ type: 'array', value: [] });
  });

  it('range descriptor on the clock column with selected values', async () => {
    const { d } = await profileDevice();
    const ctx = d.context(1);
    const clockCol = {
      classId: 8,
      logicalName: logicalNameBytes('0.0.1.0.0.255'),
      attributeIndex: 2,
      dataIndex: 0,
    };
    const r = await d.get(
      ctx,
      7,
      '1.0.99.1.0.255',
      2,
      rangeDescriptor({
        restrictingObject: clockCol,
        fromValue: dateTimeToData(cosemDateTimeFromIso('2024-01-01T00:30:00Z')),
        toValue: dateTimeToData(cosemDateTimeFromIso('2024-01-01T00:45:00Z')),
        selectedValues: [
          { classId: 3, logicalName: logicalNameBytes('1.0.1.8.0.255'), attributeIndex: 2, dataIndex: 0 },
        ],
      }),
    );
    expect(r).toEqual({
      type: 'array',
      value: [
        { type: 'structure', value: [u32(120)] },
        { type: 'structure', value: [u32(130)] },
      ],
    });
    const bad = await d.get(
      ctx,
      7,
      '1.0.99.1.0.255',
      2,
      rangeDescriptor({
        restrictingObject: { ...clockCol, classId: 1 },
        fromValue: u32(0),
        toValue: u32(1),
        selectedValues: [],
      }),
    );
    expect(bad).toBe('other-reason');
    // Selective access on an attribute that has none.
    expect(
      await d.get(
        ctx,
        7,
        '1.0.99.1.0.255',
        3,
        entryDescriptor({ fromEntry: 1, toEntry: 1, fromSelectedValue: 1, toSelectedValue: 1 }),
      ),
    ).toBe('other-reason');
  });

  it('changing capture_objects clears the buffer', async () => {
    const { d } = await profileDevice();
    const ctx = d.context(1);
    const co = await d.get(ctx, 7, '1.0.99.1.0.255', 3);
    expect(await d.set(ctx, 7, '1.0.99.1.0.255', 3, co as Data)).toBe('success');
    expect(await d.get(ctx, 7, '1.0.99.1.0.255', 7)).toEqual(u32(0));
  });
});

describe('Association LN', () => {
  it('object_list lists the device as the association sees it', async () => {
    const { d } = device();
    const list16 = objectListFromData((await d.get(d.context(16), 15, '0.0.40.0.0.255', 2)) as Data)!;
    const names = list16.map((e) => `${e.classId}/${e.logicalName}`);
    expect(names).toContain('15/0.0.40.0.0.255');
    expect(names).toContain('8/0.0.1.0.0.255');
    expect(names).toContain('3/1.0.1.8.0.255');
    expect(names).toContain('1/0.0.42.0.0.255');
    const reg = list16.find((e) => e.logicalName === '1.0.1.8.0.255')!;
    expect(reg.version).toBe(0);
    expect(reg.accessRights.attributes).toEqual([
      { index: 1, access: 'read-only' },
      { index: 2, access: 'read-only' },
      { index: 3, access: 'read-only' },
    ]);
    expect(reg.accessRights.methods).toEqual([]);
    const list1 = objectListFromData((await d.get(d.context(1), 15, '0.0.40.0.0.255', 2)) as Data)!;
    const clock = list1.find((e) => e.classId === 8)!;
    expect(clock.accessRights.attributes.find((a) => a.index === 2)?.access).toBe('read-and-write');
    expect(clock.accessRights.methods.map((m) => m.index)).toEqual([1, 3, 4, 5, 6]);
  });

  it('publishes partners, context, mechanism and status', async () => {
    const { d } = device();
    const get = (i: number) => d.get(d.context(1), 15, '0.0.40.0.0.255', i);
    expect(await get(3)).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: 1 },
        { type: 'long-unsigned', value: 1 },
      ],
    });
    expect(await get(4)).toEqual({
      type: 'octet-string',
      value: Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x01, 0x01),
    });
    expect(await get(6)).toEqual({
      type: 'octet-string',
      value: Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, 0x02, 0x01),
    });
    expect(await get(8)).toEqual({ type: 'enum', value: 2 });
    expect(await get(7)).toBe('read-write-denied');
    const info = await get(5);
    expect(typeof info === 'object' && info.type === 'structure' ? info.value[0] : undefined).toEqual({
      type: 'bit-string',
      value: { length: 24, bytes: Uint8Array.of(0x00, 0x10, 0x1d) },
    });
  });

  it('HLS methods delegate to the engine hooks', async () => {
    const seen: Uint8Array[] = [];
    const a = new AssociationLn({
      clientSap: 1,
      mechanism: 5,
      hooks: {
        replyToHlsAuthentication: (r) => (r[0] === 1 ? Uint8Array.of(9, 9) : undefined),
        changeHlsSecret: (s) => {
          seen.push(s);
          return s.length === 16;
        },
      },
    });
    const ctx = { clientSap: 1, authenticated: false };
    expect(await a.action(1, { type: 'octet-string', value: Uint8Array.of(1) }, ctx)).toEqual({
      result: 'success',
      returnValue: { type: 'octet-string', value: Uint8Array.of(9, 9) },
    });
    expect((await a.action(1, { type: 'octet-string', value: Uint8Array.of(2) }, ctx)).result).toBe(
      'other-reason',
    );
    expect((await a.action(1, { type: 'integer', value: 2 }, ctx)).result).toBe('type-unmatched');
    expect((await a.action(2, { type: 'octet-string', value: new Uint8Array(16) }, ctx)).result).toBe(
      'success',
    );
    expect((await a.action(2, { type: 'octet-string', value: new Uint8Array(3) }, ctx)).result).toBe(
      'other-reason',
    );
    expect(seen.length).toBe(2);
  });
});

describe('Rights of the built-in policies', () => {
  /** A data object that gains attribute 3 and a method after its rights were first asked for. */
  class Growing extends DataObject {
    grow(): void {
      this.attributes.set(3, { get: () => u32(3) });
      this.methods.set(1, () => ({ result: 'success' }));
    }
  }

  it('follow a table change after they were first given (the cached rights are rebuilt)', () => {
    const obj = new Growing({ logicalName: '0.0.96.1.0.255', value: u32(1) });
    for (const policy of [readOnlyRights, fullRights]) {
      expect(policy(obj)!.attributes.map((a) => a.index)).toEqual([1, 2]);
      expect(policy(obj)!.methods).toEqual([]);
    }
    obj.grow();
    expect(readOnlyRights(obj)!.attributes.map((a) => [a.index, a.access])).toEqual([
      [1, 'read-only'],
      [2, 'read-only'],
      [3, 'read-only'],
    ]);
    expect(readOnlyRights(obj)!.methods).toEqual([{ index: 1, access: 'no-access' }]);
    expect(fullRights(obj)!.attributes.map((a) => [a.index, a.access])).toEqual([
      [1, 'read-only'],
      [2, 'read-and-write'],
      [3, 'read-and-write'],
    ]);
    expect(fullRights(obj)!.methods).toEqual([{ index: 1, access: 'access' }]);
  });
});
