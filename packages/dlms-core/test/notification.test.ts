/**
 * Data-Notification (0x0F) and EventNotificationRequest (0xC2). Fixtures annotated field by field with
 * their origin; round trip, every prefix TRUNCATED, one extra byte TRAILING_BYTES.
 */
import { describe, expect, it } from 'vitest';
import { dataNotificationDateTime, decodeApdu, fromHex, isDlmsError, type Data } from '../src/index.js';
import { codeOf, runFixtures } from './apdu-fixtures.js';

const PUSH_IID = {
  invokeId: 0,
  selfDescriptive: false,
  breakOnError: false,
  confirmed: true,
  highPriority: false,
};
const os = (hex: string): Data => ({ type: 'octet-string', value: fromHex(hex) });

/** The 336-byte push used by the speed benchmark: 16 entries, 13 of them {OBIS, value, scaler-unit}. */
const OBIS_13 = [
  '0100010700FF',
  '0100020700FF',
  '0100030700FF',
  '0100040700FF',
  '01001F0700FF',
  '0100330700FF',
  '0100470700FF',
  '0100200700FF',
  '0100340700FF',
  '0100480700FF',
  '0100010800FF',
  '0100020800FF',
  '0100030800FF',
];
const UNITS = [27, 27, 29, 29, 33, 33, 33, 35, 35, 35, 30, 30, 32];
const SCALERS = [0, 0, 0, 0, -2, -2, -2, -1, -1, -1, 0, 0, 0];
const hex8 = (n: number) => n.toString(16).padStart(8, '0').toUpperCase();
const hex2 = (n: number) => (n & 0xff).toString(16).padStart(2, '0').toUpperCase();
const PUSH_336 = [
  '0F 40000000 00', // Data-Notification, long-invoke-id 0 confirmed, no date-time
  '0210', // structure of 16
  '090C 07EA0B150607000000FF8800', // clock as octet-string(12)
  '0A10 31323334353637383930313233343536', // visible-string(16) meter id
  '0A15 414141414141414141414141414141414141414141', // visible-string(21)
  ...OBIS_13.map(
    (o, i) => `0203 0906${o} 06${hex8(1000 * i + 7)} 0202 0F${hex2(SCALERS[i]!)} 16${hex2(UNITS[i]!)}`, // {OBIS, double-long-unsigned, {scaler, unit}}
  ),
].join('');

runFixtures('Data-Notification fixtures', [
  {
    name: 'no date-time, octet-string body',
    origin: 'public vector data-notification-no-datetime (u9n/dlms-cosem tests, MIT at 0747b15)',
    hex: [
      '0F', // Data-Notification
      '000001DB', // long-invoke-id 475, unconfirmed, normal priority
      '00', // date-time: empty octet string (absent)
      '0922 125A8591360000000049000000110000000A5A8513D014800000000D0000000A0100', // body: octet-string(34)
    ].join(''),
    apdu: {
      type: 'data-notification',
      longInvokeIdAndPriority: {
        invokeId: 0x1db,
        selfDescriptive: false,
        breakOnError: false,
        confirmed: false,
        highPriority: false,
      },
      body: os('125A8591360000000049000000110000000A5A8513D014800000000D0000000A0100'),
    },
  },
  {
    name: 'with a 12-byte date-time (EVN/Kaifa documentation sample, decrypted)',
    origin:
      'public vector mbus-evn-doc-example-kaifa expected.decrypted_apdu, first entries (bernhardbirke/smartmeter-evn-postgresql, MIT)',
    hex: [
      '0F 8006870E', // long-invoke-id 0x06870E, high priority, unconfirmed
      '0C 07E5091B01092F0F00FF8880', // date-time octet string (12): 2021-09-27 09:47:15, dev -120, status 0x80
      '0202 090C07E5091B01092F0F00FF8880 0906 0100010800FF', // body shortened to its first two items (hand-cut)
    ].join(''),
    apdu: {
      type: 'data-notification',
      longInvokeIdAndPriority: {
        invokeId: 0x06870e,
        selfDescriptive: false,
        breakOnError: false,
        confirmed: false,
        highPriority: true,
      },
      dateTime: fromHex('07E5091B01092F0F00FF8880'),
      body: { type: 'structure', value: [os('07E5091B01092F0F00FF8880'), os('0100010800FF')] },
    },
  },
  {
    name: 'date-time of another length is kept (hand-built)',
    origin: 'hand-built: A-XDR octet string of 5 bytes in the date-time field',
    hex: '0F 00000001 05 0102030405 1100',
    apdu: {
      type: 'data-notification',
      longInvokeIdAndPriority: { ...PUSH_IID, invokeId: 1, confirmed: false },
      dateTime: fromHex('0102030405'),
      body: { type: 'unsigned', value: 0 },
    },
  },
  {
    name: 'every Long-Invoke-Id-And-Priority bit, reserved bits kept (hand-built)',
    origin: 'hand-built: bits 31..28 set, reserved bits 24-27 = 0x5, invoke-id 0xABCDEF',
    hex: '0F F5ABCDEF 00 00',
    apdu: {
      type: 'data-notification',
      longInvokeIdAndPriority: {
        invokeId: 0xabcdef,
        selfDescriptive: true,
        breakOnError: true,
        confirmed: true,
        highPriority: true,
        reserved: 5,
      },
      body: { type: 'null-data' },
    },
  },
  {
    name: 'the 336-byte benchmark push',
    origin:
      'built by hand for the speed budget (structure of 16: clock, two ids, 13 x {OBIS, value, scaler-unit})',
    hex: PUSH_336,
    apdu: {
      type: 'data-notification',
      longInvokeIdAndPriority: PUSH_IID,
      body: {
        type: 'structure',
        value: [
          os('07EA0B150607000000FF8800'),
          { type: 'visible-string', value: '1234567890123456' },
          { type: 'visible-string', value: 'A'.repeat(21) },
          ...OBIS_13.map((o, i): Data => ({
            type: 'structure',
            value: [
              os(o),
              { type: 'double-long-unsigned', value: 1000 * i + 7 },
              {
                type: 'structure',
                value: [
                  { type: 'integer', value: SCALERS[i]! },
                  { type: 'enum', value: UNITS[i]! },
                ],
              },
            ],
          })),
        ],
      },
    },
  },
]);

runFixtures('EventNotificationRequest fixtures', [
  {
    name: 'without time',
    origin: 'hand-built from the ASN.1 (time OCTET STRING OPTIONAL)',
    hex: [
      'C2', // event-notification-request
      '00', // time absent
      '0001 0000600B00FF 02', // Data 0-0:96.11.0.255 (event code) attribute 2
      '1105', // value: unsigned 5
    ].join(''),
    apdu: {
      type: 'event-notification-request',
      attribute: { classId: 1, instanceId: fromHex('0000600B00FF'), attributeId: 2 },
      value: { type: 'unsigned', value: 5 },
    },
  },
  {
    name: 'with time',
    origin: 'hand-built from the ASN.1',
    hex: 'C2 01 0C 07EA0B1506080000 00FF8800 0001 0000600B00FF 02 1200FF',
    apdu: {
      type: 'event-notification-request',
      time: fromHex('07EA0B150608000000FF8800'),
      attribute: { classId: 1, instanceId: fromHex('0000600B00FF'), attributeId: 2 },
      value: { type: 'long-unsigned', value: 255 },
    },
  },
]);

describe('Data-Notification helpers', () => {
  it('the benchmark push is 336 bytes', () => {
    expect(fromHex(PUSH_336).length).toBe(336);
  });
  it('reads a 12-byte date-time as a COSEM date-time', () => {
    const v = decodeApdu(fromHex('0F8006870E0C07E5091B01092F0F00FF888000'));
    if (v.type !== 'data-notification') throw new Error('wrong type');
    expect(dataNotificationDateTime(v)).toEqual({
      year: 2021,
      month: 9,
      dayOfMonth: 27,
      dayOfWeek: 1,
      hour: 9,
      minute: 47,
      second: 15,
      hundredths: 0,
      deviation: -120,
      clockStatus: 0x80,
    });
  });
  it('gives undefined for an absent or odd-sized date-time', () => {
    const a = decodeApdu(fromHex('0F000000010000'));
    const b = decodeApdu(fromHex('0F00000001020102 00'.replace(/ /g, '')));
    if (a.type !== 'data-notification' || b.type !== 'data-notification') throw new Error('wrong type');
    expect(dataNotificationDateTime(a)).toBeUndefined();
    expect(dataNotificationDateTime(b)).toBeUndefined();
  });
  it('rejects an EventNotificationRequest time flag other than 0 or 1', () => {
    expect(codeOf(() => decodeApdu(fromHex('C202')))).toBe('INVALID_VALUE');
  });
  it('applies the Data limits of decodeApdu options', () => {
    const nested = fromHex('0F 00000001 00 0101 0101 0101 00'.replace(/ /g, ''));
    expect(decodeApdu(nested).type).toBe('data-notification');
    let code: string | undefined;
    try {
      decodeApdu(nested, { dataLimits: { maxDepth: 2 } });
    } catch (e) {
      code = isDlmsError(e) ? e.code : 'other';
    }
    expect(code).toBe('LIMIT_EXCEEDED');
  });
});
