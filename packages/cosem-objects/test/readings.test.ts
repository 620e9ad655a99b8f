/**
 * Readings of real pushes: the public vectors (`../shared/vectors/public-vectors.json` beside the
 * repository; see its README for sources and licences) and hand-built layouts.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  decodeApdu,
  decodeDataBytes,
  fromHex,
  type Data,
  type DataNotification,
} from '@meteringlab/dlms-core';
import { notificationReadings, type Reading } from '@meteringlab/cosem-objects';

const VECTORS = fileURLToPath(new URL('../../../../shared/vectors/public-vectors.json', import.meta.url));
const present = existsSync(VECTORS);
if (!present)
  console.warn(`public vectors not found at ${VECTORS}: skipping the public-vector readings suite`);

interface Vector {
  id: string;
  hex: string;
  expected: Record<string, unknown>;
}
const vectors: Vector[] = present ? (JSON.parse(readFileSync(VECTORS, 'utf8')) as Vector[]) : [];
const vector = (id: string): Vector => {
  const v = vectors.find((x) => x.id === id);
  if (v === undefined) throw new Error(`vector ${id} missing`);
  return v;
};
const byObis = (rs: readonly Reading[], obis: string) => rs.find((r) => r.obis === obis);

describe.skipIf(!present)('public vectors', () => {
  it('han-aidon-se-list-tekniska-verken: structure{obis, value, scaler_unit} entries', () => {
    const v = vector('han-aidon-se-list-tekniska-verken');
    const frame = fromHex(v.hex);
    // HDLC frame as stated by the vector: [0] 7E | [1-2] A2 43 format+length | [3] 41 dest | [4-5] 08 83 src |
    // [6] 13 UI | [7-8] 85 EB HCS | [9-11] E6 E7 00 LLC | APDU … | BE 40 FCS | 7E.
    expect(frame[0]).toBe(0x7e);
    expect(frame[6]).toBe(0x13);
    expect([...frame.subarray(9, 12)]).toEqual([0xe6, 0xe7, 0x00]);
    const apdu = decodeApdu(frame.subarray(12, frame.length - 3)) as DataNotification;
    expect(apdu.type).toBe('data-notification');
    const r = notificationReadings(apdu);
    expect(r.unparsed).toBeUndefined();
    expect(r.readings.length).toBe(v.expected['list_items']);
    // Meter time from the Clock entry: 2019-12-16 07:59:40, deviation not specified.
    expect(r.meterTime).toBe('2019-12-16T07:59:40');
    const check = (obis: string, value: number, unit: string) => {
      const x = byObis(r.readings, obis);
      expect(x, obis).toBeDefined();
      expect(x!.value).toBe(value);
      expect(x!.unit).toBe(unit);
    };
    check('1.0.1.7.0.255', 1122, 'W');
    check('1.0.2.7.0.255', 0, 'W');
    check('1.0.3.7.0.255', 1507, 'var');
    check('1.0.31.7.0.255', 0, 'A');
    check('1.0.51.7.0.255', 7.5, 'A');
    check('1.0.32.7.0.255', 230.7, 'V');
    check('1.0.52.7.0.255', 249.9, 'V');
    check('1.0.72.7.0.255', 230.8, 'V');
    check('1.0.41.7.0.255', 1122, 'W');
    check('1.0.43.7.0.255', 1506, 'var');
    check('1.0.1.8.0.255', 10049926, 'Wh');
    check('1.0.2.8.0.255', 8, 'Wh');
    check('1.0.3.8.0.255', 6614347, 'varh');
    check('1.0.4.8.0.255', 5, 'varh');
    const a = byObis(r.readings, '1.0.51.7.0.255')!;
    expect(a.raw).toBe(75);
    expect(a.scaler).toBe(-1);
    expect(a.name).toBe('Current L2, instantaneous');
    expect(byObis(r.readings, '0.0.1.0.0.255')?.name).toBe('Clock');
  });

  it('llc-kaifa-ma304h4-se-list-obis: flat OBIS/value list, scalers from configuration', () => {
    const v = vector('llc-kaifa-ma304h4-se-list-obis');
    const bytes = fromHex(v.hex);
    expect([...bytes.subarray(0, 3)]).toEqual([0xe6, 0xe7, 0x00]); // LLC, then the APDU
    const apdu = decodeApdu(bytes.subarray(3)) as DataNotification;
    expect(apdu.dateTime).toBeUndefined();
    const r = notificationReadings(apdu, {
      // Kaifa sends no scaler_unit: current in mA, voltage in 0.1 V (the vector's notes, after amshan).
      scalerUnits: {
        '1-0:31.7.0.255': { scaler: -3, unit: 33 },
        '1-0:51.7.0.255': { scaler: -3, unit: 33 },
        '1-0:71.7.0.255': { scaler: -3, unit: 33 },
        '1-0:32.7.0.255': { scaler: -1, unit: 35 },
        '1-0:52.7.0.255': { scaler: -1, unit: 35 },
        '1-0:72.7.0.255': { scaler: -1, unit: 35 },
      },
    });
    expect(r.readings.length).toBe(v.expected['list_items']);
    expect(byObis(r.readings, '1.0.0.2.129.255')?.value).toBe('KFM_001');
    expect(byObis(r.readings, '0.0.96.1.0.255')?.value).toBe('7340734073407340');
    expect(byObis(r.readings, '0.0.96.1.7.255')?.value).toBe('MA304H4');
    expect(byObis(r.readings, '1.0.1.7.0.255')?.value).toBe(2816);
    expect(byObis(r.readings, '1.0.4.7.0.255')?.value).toBe(66);
    expect(byObis(r.readings, '1.0.31.7.0.255')).toMatchObject({
      raw: 6781,
      value: 6.781,
      unit: 'A',
      scaler: -3,
    });
    expect(byObis(r.readings, '1.0.51.7.0.255')).toMatchObject({ raw: 790, value: 0.79 });
    expect(byObis(r.readings, '1.0.71.7.0.255')).toMatchObject({ raw: 6125, value: 6.125 });
    expect(byObis(r.readings, '1.0.32.7.0.255')).toMatchObject({ raw: 2322, value: 232.2, unit: 'V' });
    expect(byObis(r.readings, '1.0.52.7.0.255')?.value).toBe(230);
    expect(byObis(r.readings, '1.0.72.7.0.255')?.value).toBe(228.9);
    expect(byObis(r.readings, '1.0.1.8.0.255')?.value).toBe(4786979);
    expect(byObis(r.readings, '1.0.3.8.0.255')?.value).toBe(26228);
    expect(byObis(r.readings, '1.0.4.8.0.255')?.value).toBe(578528);
    // 2021-09-22 17:35:30, deviation 0xFFC4 = −60: UTC+01:00 in the Blue Book sign convention.
    expect(r.meterTime).toBe('2021-09-22T17:35:30+01:00');
    // Without the configuration the raw values come through unscaled.
    const plain = notificationReadings(apdu);
    expect(byObis(plain.readings, '1.0.31.7.0.255')).toMatchObject({ value: 6781, scaler: 0 });
  });

  it('axdr-kamstrup-han-body: leading list version, then OBIS/value pairs', () => {
    const v = vector('axdr-kamstrup-han-body');
    const body = decodeDataBytes(fromHex(v.hex));
    expect(body.type === 'structure' && body.value.length).toBe(v.expected['element_count']);
    const r = notificationReadings(body);
    const strings = v.expected['visible_strings'] as string[];
    expect(r.extra).toEqual([{ type: 'visible-string', value: strings[0] }]);
    expect(r.readings.length).toBe(12);
    expect(byObis(r.readings, '1.1.0.0.5.255')?.value).toBe(strings[1]);
    expect(byObis(r.readings, '1.1.96.1.1.255')?.value).toBe(strings[2]);
    expect(byObis(r.readings, '1.1.1.7.0.255')?.value).toBe(0x0926);
    expect(byObis(r.readings, '1.1.32.7.0.255')?.value).toBe(230);
  });

  it('mbus-evn-doc-example-kaifa: leading date-time, OBIS/value/scaler_unit triples, trailing meter number', () => {
    const v = vector('mbus-evn-doc-example-kaifa');
    // expected.decrypted_apdu: 0F | long-invoke-id 8006870E | 0C date-time(12) | body: structure of 0x23
    // = 35 elements: date-time octet-string(12), 11 × (OBIS, value, scaler_unit), meter number.
    const apdu = decodeApdu(fromHex(v.expected['decrypted_apdu'] as string)) as DataNotification;
    expect(apdu.body.type === 'structure' && apdu.body.value.length).toBe(35);
    const r = notificationReadings(apdu);
    expect(r.unparsed).toBeUndefined();
    expect(r.readings.length).toBe(11);
    // The trailing meter number has no OBIS code in front of it: it goes to `extra`, after the leading date-time.
    expect(r.extra).toEqual([
      { type: 'octet-string', value: fromHex('07E5091B01092F0F00FF8880') },
      { type: 'octet-string', value: new TextEncoder().encode('181220000009') },
    ]);
    // expected: "1-0:1.8.0.255": "12937 Wh", "1-0:32.7.0.255": "233.7 V"
    expect(byObis(r.readings, '1.0.1.8.0.255')).toMatchObject({
      value: 12937,
      unit: 'Wh',
      scaler: 0,
      name: 'Active energy import (+A), total',
    });
    expect(byObis(r.readings, '1.0.32.7.0.255')).toMatchObject({
      value: 233.7,
      raw: 2337,
      scaler: -1,
      unit: 'V',
    });
    // Power factor: scaler −3, unit 255 (count): no unit symbol, the code is kept.
    const pf = byObis(r.readings, '1.0.13.7.0.255')!;
    expect(pf).toMatchObject({ value: 1, raw: 1000, scaler: -3, unitCode: 255 });
    expect(pf.unit).toBeUndefined();
    // Header date-time 2021-09-27 09:47:15, deviation 0x8880 = −120 (Blue Book sign): local + 2 h.
    expect(r.meterTime).toMatch(/^2021-09-27T09:47:15/);
  });

  it('data-notification-no-datetime: an opaque octet string is returned unparsed', () => {
    const v = vector('data-notification-no-datetime');
    const apdu = decodeApdu(fromHex(v.hex)) as DataNotification;
    const r = notificationReadings(apdu);
    expect(r.readings).toEqual([]);
    expect(r.meterTime).toBeUndefined();
    expect(r.unparsed).toEqual({
      type: 'octet-string',
      value: fromHex(v.expected['body'] as string).subarray(2),
    });
  });
});

describe('hand-built layouts', () => {
  const os = (hex: string): Data => ({ type: 'octet-string', value: fromHex(hex) });
  const su = (s: number, u: number): Data => ({
    type: 'structure',
    value: [
      { type: 'integer', value: s },
      { type: 'enum', value: u },
    ],
  });

  it('positional list from a push object list, header date-time as meter time', () => {
    const n: DataNotification = {
      type: 'data-notification',
      longInvokeIdAndPriority: {
        invokeId: 1,
        selfDescriptive: false,
        breakOnError: false,
        confirmed: false,
        highPriority: false,
      },
      dateTime: fromHex('07E8010101000000FF000000'),
      body: {
        type: 'structure',
        value: [
          os('0000010000FF'),
          { type: 'double-long-unsigned', value: 12345 },
          { type: 'long', value: -5 },
        ],
      },
    };
    const r = notificationReadings(n, {
      captureObjects: [
        { classId: 40, logicalName: '0.0.25.9.0.255', attributeIndex: 1 },
        { classId: 3, logicalName: '1-0:1.8.0.255', attributeIndex: 2, scalerUnit: { scaler: 1, unit: 30 } },
        { classId: 3, logicalName: '1.0.1.7.0.255', attributeIndex: 2, scalerUnit: { scaler: -1, unit: 27 } },
      ],
      systemTitle: fromHex('4D4D4D0000BC614E'),
    });
    expect(r.meterTime).toBe('2024-01-01T00:00:00Z');
    expect(r.systemTitle).toBe('4D4D4D0000BC614E');
    expect(r.readings.map((x) => [x.obis, x.value, x.unit, x.key])).toEqual([
      ['0.0.25.9.0.255', '0000010000FF', undefined, '40/0.0.25.9.0.255/1'],
      ['1.0.1.8.0.255', 123450, 'Wh', '3/1.0.1.8.0.255/2'],
      ['1.0.1.7.0.255', -0.5, 'W', '3/1.0.1.7.0.255/2'],
    ]);
    // A body that does not match the list length is unparsed.
    const two = [
      { classId: 1, logicalName: '0.0.96.1.0.255', attributeIndex: 2 },
      { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 },
    ];
    expect(notificationReadings(n.body, { captureObjects: two }).unparsed).toBe(n.body);
  });

  it('flat triples, nested in an array wrapper', () => {
    const body: Data = {
      type: 'array',
      value: [
        {
          type: 'structure',
          value: [
            os('0100010800FF'),
            { type: 'double-long-unsigned', value: 42 },
            su(3, 30),
            os('0100200700FF'),
            { type: 'long-unsigned', value: 2301 },
            su(-1, 35),
          ],
        },
      ],
    };
    const r = notificationReadings(body);
    expect(r.readings.map((x) => [x.obis, x.value, x.unit])).toEqual([
      ['1.0.1.8.0.255', 42000, 'Wh'],
      ['1.0.32.7.0.255', 230.1, 'V'],
    ]);
  });

  it('flat lists with one or two trailing non-OBIS elements put them in extra', () => {
    const pairs = [os('0100010800FF'), { type: 'double-long-unsigned', value: 42 }, su(0, 30)] as Data[];
    const serial: Data = { type: 'visible-string', value: '12345678' };
    const one = notificationReadings({ type: 'structure', value: [...pairs, serial] });
    expect(one.readings.map((x) => [x.obis, x.value, x.unit])).toEqual([['1.0.1.8.0.255', 42, 'Wh']]);
    expect(one.extra).toEqual([serial]);
    const lead: Data = { type: 'long-unsigned', value: 7 };
    const two = notificationReadings({
      type: 'array',
      value: [lead, ...pairs, serial, { type: 'null-data' }],
    });
    expect(two.readings).toHaveLength(1);
    expect(two.extra).toEqual([lead, serial, { type: 'null-data' }]);
    // Without a scaler_unit the trailing element still follows a value.
    const bare = notificationReadings({ type: 'structure', value: [pairs[0]!, pairs[1]!, serial] });
    expect(bare.readings.map((x) => x.value)).toEqual([42]);
    expect(bare.extra).toEqual([serial]);
  });

  it('more than two trailing elements, or a trailing container, leave the list unparsed', () => {
    const pairs = [os('0100010800FF'), { type: 'double-long-unsigned', value: 42 }] as Data[];
    const s: Data = { type: 'visible-string', value: 'x' };
    for (const body of [
      { type: 'structure', value: [...pairs, s, s, s] },
      { type: 'structure', value: [...pairs, { type: 'array', value: [] }] },
      { type: 'structure', value: [...pairs, s, { type: 'structure', value: [s] }] },
      // A stray element in the middle is not a trailing one.
      { type: 'structure', value: [...pairs, s, ...pairs] },
      { type: 'structure', value: [...pairs, s, pairs[0]] },
    ] as Data[]) {
      const r = notificationReadings(body);
      expect(r.readings).toEqual([]);
      expect(r.unparsed).toBe(body);
    }
  });

  it('scalerUnits are matched in any text form, the first key of a code wins, bad keys are ignored', () => {
    const body: Data = {
      type: 'structure',
      value: [os('0100200700FF'), { type: 'long-unsigned', value: 2301 }],
    };
    const scalerUnits = {
      'not an obis code': { scaler: 5, unit: 1 },
      '1-0:32.7.0*255': { scaler: -1, unit: 35 },
      '1.0.32.7.0.255': { scaler: -2, unit: 35 },
    };
    for (let i = 0; i < 2; i++) {
      const r = notificationReadings(body, { scalerUnits });
      expect(r.readings).toMatchObject([{ obis: '1.0.32.7.0.255', value: 230.1, unit: 'V', unitCode: 35 }]);
    }
  });

  it('scales like applyScaler, through the fast path and beyond it', () => {
    const cases: [Data, number, number | bigint, number][] = [
      [{ type: 'long', value: 3 }, -1, 3, 0.3],
      [{ type: 'double-long', value: -123456789 }, -3, -123456789, -123456.789],
      [{ type: 'unsigned', value: 7 }, 3, 7, 7000],
      [{ type: 'double-long-unsigned', value: 1 }, -30, 1, 1e-30],
      [{ type: 'long64', value: 12345678901234567890n }, -2, 12345678901234567890n, 123456789012345680],
      [{ type: 'float64', value: 0.1 }, 1, 0.1, 1],
    ];
    for (const [data, scaler, raw, value] of cases) {
      const r = notificationReadings({
        type: 'structure',
        value: [os('0100010800FF'), data, su(scaler, 30)],
      });
      expect(r.readings[0]).toMatchObject({ raw, value, scaler });
    }
  });

  it('unknown layouts are returned unparsed, never thrown', () => {
    for (const body of [
      { type: 'long', value: 5 },
      { type: 'structure', value: [] },
      { type: 'structure', value: [os('0100010800FF')] },
      {
        type: 'array',
        value: [
          {
            type: 'structure',
            value: [
              { type: 'long', value: 1 },
              { type: 'long', value: 2 },
            ],
          },
        ],
      },
    ] as Data[]) {
      const r = notificationReadings(body);
      expect(r.readings).toEqual([]);
      expect(r.unparsed).toBe(body);
    }
  });
});
