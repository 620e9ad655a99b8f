import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeDataBytes, encodeDataBytes, fromHex, type Data } from '@meteringlab/dlms-core';
import {
  captureObjectsFromData,
  captureObjectsToData,
  clockFromData,
  dateTimeToData,
  objectListFromData,
  objectListToData,
  profileBufferToData,
  profileRows,
  registerValue,
  shiftDateTime,
  shortNameObjectListFromData,
  shortNameObjectListToData,
  type AttributeAccessMode,
  type CaptureObject,
  type MethodAccessMode,
  type ObjectListEntry,
} from '@meteringlab/cosem-objects';

const dt = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => ({
  year: y,
  month: mo,
  dayOfMonth: d,
  dayOfWeek: 0xff,
  hour: h,
  minute: mi,
  second: s,
  hundredths: 0,
  deviation: -60,
  clockStatus: 0,
});

describe('registerValue', () => {
  it('scales and keeps the raw value', () => {
    const v = registerValue({ type: 'long-unsigned', value: 2307 }, decodeDataBytes(fromHex('02020FFF1623')));
    expect(v).toEqual({ raw: 2307, scaler: -1, unit: 35, unitSymbol: 'V', value: 230.7 });
    expect(registerValue({ type: 'long64-unsigned', value: 5n }, { scaler: 3, unit: 30 })?.value).toBe(5000);
  });
  it('gives undefined for non-numeric values or bad scaler_unit', () => {
    expect(registerValue({ type: 'visible-string', value: 'x' }, { scaler: 0, unit: 30 })).toBeUndefined();
    expect(registerValue({ type: 'long', value: 1 }, { type: 'null-data' })).toBeUndefined();
  });
});

describe('clockFromData', () => {
  it('reads the octet-string(12) time and the other attributes', () => {
    // 2019-12-16 07:59:40, deviation not specified, status not specified (Aidon HAN vector).
    const c = clockFromData(
      { type: 'octet-string', value: fromHex('07E30C1001073B28FF8000FF') },
      { timeZone: { type: 'long', value: -60 }, status: { type: 'unsigned', value: 0x80 } },
    );
    expect(c?.time).toMatchObject({ year: 2019, month: 12, dayOfMonth: 16, hour: 7, minute: 59, second: 40 });
    expect(c?.iso).toBe('2019-12-16T07:59:40');
    expect(c?.timeZone).toBe(-60);
    expect(c?.statusFlags?.daylightSavingActive).toBe(true);
    expect(clockFromData({ type: 'octet-string', value: new Uint8Array(5) })).toBeUndefined();
  });
  it('date-time round trip through octet-string', () => {
    const x = dt(2024, 3, 31, 1, 45);
    expect(clockFromData(dateTimeToData(x))?.time).toEqual(x);
  });
  it('shiftDateTime crosses days and years', () => {
    expect(shiftDateTime(dt(2023, 12, 31, 23, 45), 900)).toMatchObject({
      year: 2024,
      month: 1,
      dayOfMonth: 1,
      hour: 0,
      minute: 0,
    });
    expect(shiftDateTime({ ...dt(2023, 12, 31, 23, 45), year: 0xffff }, 900)).toBeUndefined();
  });
});

const captureObjects: CaptureObject[] = [
  { classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2, dataIndex: 0 },
  { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2, dataIndex: 0 },
  { classId: 1, logicalName: '0.0.96.10.1.255', attributeIndex: 2, dataIndex: 0 },
];

describe('capture objects and profile rows', () => {
  it('round trip capture objects (bytes as in the Blue Book layout)', () => {
    const d = captureObjectsToData(captureObjects);
    // array(3) of structure { long-unsigned 8, octet-string 0.0.1.0.0.255, integer 2, long-unsigned 0 } ...
    expect(encodeDataBytes(d).slice(0, 20)).toEqual(
      fromHex('0103 0204 120008 0906 0000010000FF 0F02 120000'),
    );
    expect(captureObjectsFromData(d)).toEqual(captureObjects);
    expect(captureObjectsFromData({ type: 'array', value: [{ type: 'null-data' }] })).toBeUndefined();
  });

  it('expands null-data: repeats values, clock = previous + capture period', () => {
    const row = (...v: Data[]): Data => ({ type: 'structure', value: v });
    const buffer: Data = {
      type: 'array',
      value: [
        row(
          dateTimeToData(dt(2024, 1, 1, 23, 45)),
          { type: 'double-long-unsigned', value: 100 },
          { type: 'unsigned', value: 0 },
        ),
        row({ type: 'null-data' }, { type: 'double-long-unsigned', value: 110 }, { type: 'null-data' }),
        row({ type: 'null-data' }, { type: 'null-data' }, { type: 'unsigned', value: 8 }),
      ],
    };
    const t = profileRows(buffer, captureObjects, { capturePeriodS: 900 })!;
    expect(t.columns.map((c) => c.key)).toEqual([
      '8/0.0.1.0.0.255/2',
      '3/1.0.1.8.0.255/2',
      '1/0.0.96.10.1.255/2',
    ]);
    expect(t.columns[0]!.label).toBe('Clock');
    expect(t.columns[1]!.label).toBe('Active energy import (+A), total');
    const times = t.rows.map((r) => clockFromData(r['8/0.0.1.0.0.255/2']!)?.time);
    expect(times[1]).toMatchObject({ year: 2024, month: 1, dayOfMonth: 2, hour: 0, minute: 0 });
    expect(times[2]).toMatchObject({ dayOfMonth: 2, hour: 0, minute: 15 });
    expect(t.rows.map((r) => (r['3/1.0.1.8.0.255/2'] as { value: number }).value)).toEqual([100, 110, 110]);
    expect(t.rows.map((r) => (r['1/0.0.96.10.1.255/2'] as { value: number }).value)).toEqual([0, 0, 8]);
    // Without expansion the nulls stay.
    const raw = profileRows(buffer, captureObjects, { expandNulls: false })!;
    expect(raw.rows[1]!['8/0.0.1.0.0.255/2']).toEqual({ type: 'null-data' });
    // Without a capture period the clock repeats.
    const rep = profileRows(buffer, captureObjects)!;
    expect(rep.rows[1]!['8/0.0.1.0.0.255/2']).toEqual(rep.rows[0]!['8/0.0.1.0.0.255/2']);
  });

  it('property: profileRows(profileBufferToData(rows, compressed)) gives the rows back', () => {
    const start = Date.UTC(2024, 0, 1);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 })), {
          maxLength: 12,
        }),
        (steps) => {
          let t = start;
          const rows = steps.map(([regular, energy, status]) => {
            t += regular ? 900_000 : 1_000;
            const d = new Date(t);
            return {
              '8/0.0.1.0.0.255/2': dateTimeToData({
                ...dt(
                  d.getUTCFullYear(),
                  d.getUTCMonth() + 1,
                  d.getUTCDate(),
                  d.getUTCHours(),
                  d.getUTCMinutes(),
                  d.getUTCSeconds(),
                ),
              }),
              '3/1.0.1.8.0.255/2': { type: 'double-long-unsigned', value: energy } as Data,
              '1/0.0.96.10.1.255/2': { type: 'unsigned', value: status } as Data,
            };
          });
          const buffer = profileBufferToData(rows, captureObjects, { compress: true, capturePeriodS: 900 });
          const back = profileRows(buffer, captureObjects, { capturePeriodS: 900 })!;
          expect(back.rows).toEqual(rows);
          // Compression really happened wherever a value repeated.
          const kids = (x: Data): readonly Data[] =>
            x.type === 'array' || x.type === 'structure' ? x.value : [];
          const nulls = kids(buffer)
            .flatMap(kids)
            .filter((v) => v.type === 'null-data');
          const repeats = rows
            .slice(1)
            .filter(
              (r, i) =>
                (r['1/0.0.96.10.1.255/2'] as { value: number }).value ===
                (rows[i]!['1/0.0.96.10.1.255/2'] as { value: number }).value,
            );
          expect(nulls.length).toBeGreaterThanOrEqual(repeats.length);
        },
      ),
    );
  });

  it('rejects non-array buffers', () => {
    expect(profileRows({ type: 'null-data' }, captureObjects)).toBeUndefined();
    expect(profileRows({ type: 'array', value: [{ type: 'null-data' }] }, captureObjects)).toBeUndefined();
  });
});

const obis = fc
  .tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
  .map((a) => a.join('.'));
const attrAccess = fc.constantFrom<AttributeAccessMode>(
  'no-access',
  'read-only',
  'write-only',
  'read-and-write',
  'authenticated-read-only',
  'authenticated-write-only',
  'authenticated-read-and-write',
);
const methAccess = fc.constantFrom<MethodAccessMode>('no-access', 'access', 'authenticated-access');
const entry: fc.Arbitrary<ObjectListEntry> = fc.record({
  classId: fc.nat(0xffff),
  version: fc.nat(255),
  logicalName: obis,
  accessRights: fc.record({
    attributes: fc.array(
      fc.oneof(
        fc.record({ index: fc.integer({ min: -128, max: 127 }), access: attrAccess }),
        fc.record({
          index: fc.integer({ min: -128, max: 127 }),
          access: attrAccess,
          selectors: fc.array(fc.integer({ min: -128, max: 127 }), { maxLength: 3 }),
        }),
      ),
      { maxLength: 5 },
    ),
    methods: fc.array(fc.record({ index: fc.integer({ min: -128, max: 127 }), access: methAccess }), {
      maxLength: 4,
    }),
  }),
});

describe('object lists', () => {
  it('property: objectListFromData(objectListToData(x)) equals x, through the wire too', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 6 }), (list) => {
        const d = objectListToData(list);
        expect(objectListFromData(d)).toEqual(list);
        expect(objectListFromData(decodeDataBytes(encodeDataBytes(d)))).toEqual(list);
      }),
    );
  });

  it('version 0 carries method access as boolean', () => {
    const list: ObjectListEntry[] = [
      {
        classId: 1,
        version: 0,
        logicalName: '0.0.42.0.0.255',
        accessRights: {
          attributes: [{ index: 1, access: 'read-only' }],
          methods: [{ index: 1, access: 'access' }],
        },
      },
    ];
    const d = objectListToData(list, { associationVersion: 0 });
    const kids = (x: Data): readonly Data[] => (x.type === 'array' || x.type === 'structure' ? x.value : []);
    // object_list[0].access_rights.method_access[0]
    const m = { value: kids(kids(kids(kids(d)[0]!)[3]!)[1]!)[0]! }.value;
    expect(kids(m)[1]).toEqual({ type: 'boolean', value: true });
    expect(objectListFromData(d, { associationVersion: 0 })).toEqual(list);
  });

  it('version 3 keeps bit-mapped access as numbers', () => {
    const list: ObjectListEntry[] = [
      {
        classId: 3,
        version: 0,
        logicalName: '1.0.1.8.0.255',
        accessRights: { attributes: [{ index: 2, access: 0b101 }], methods: [{ index: 1, access: 0b101 }] },
      },
    ];
    expect(
      objectListFromData(objectListToData(list, { associationVersion: 3 }), { associationVersion: 3 }),
    ).toEqual(list);
  });

  it('decodes a hand-encoded element', () => {
    // array(1) structure(4) { class 1, version 0, 0.0.42.0.0.255, structure { array(1) {attr 1, read-only, null}, array(0) } }
    const d = decodeDataBytes(
      fromHex('0101 0204 120001 1100 0906 00002A0000FF 0202 0101 0203 0F01 1601 00 0100'),
    );
    expect(objectListFromData(d)).toEqual([
      {
        classId: 1,
        version: 0,
        logicalName: '0.0.42.0.0.255',
        accessRights: { attributes: [{ index: 1, access: 'read-only' }], methods: [] },
      },
    ]);
    expect(objectListFromData({ type: 'array', value: [{ type: 'null-data' }] })).toBeUndefined();
  });

  it('SN object list round trip, base names above 0x7FFF', () => {
    const list = [
      { baseName: 0xfa00, classId: 12, version: 4, logicalName: '0.0.40.0.0.255' },
      { baseName: 0x0100, classId: 3, version: 0, logicalName: '1.0.1.8.0.255' },
    ];
    const d = shortNameObjectListToData(list);
    expect(shortNameObjectListFromData(decodeDataBytes(encodeDataBytes(d)))).toEqual(list);
  });
});
