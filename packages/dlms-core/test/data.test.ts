/**
 * A-XDR Data codec: one fixture table exercised four ways (decode, encode, every prefix, one extra
 * byte), error fixtures, limits, and fast-check properties.
 *
 * Origin of the fixtures: assembled by hand, byte by byte, from the tag list of the Data CHOICE and
 * the TypeDescription CHOICE (IEC 62056-6-2 / Blue Book 4.1.5, also in the Green Book's xDLMS ASN.1)
 * and the A-XDR rules of IEC 61334-6 (big-endian integers, length = one byte below 0x80 else
 * 0x80|n + n bytes; compact-array = type description + contents as an octet string, array count as
 * Unsigned16). IEEE 754 bit patterns computed independently. Values are invented unless noted.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DecodeError,
  DlmsError,
  Reader,
  Writer,
  ArgumentError,
  decodeData,
  decodeDataBytes,
  encodeData,
  encodeDataBytes,
  fromHex,
  toHex,
  minSize,
  MAX_DATA_DEPTH,
  DataTag,
  DataTypeByTag,
  type Data,
  type DecodeErrorCode,
} from '../src/index.js';
import { arbData, arbDataOfType, SIMPLE_DATA_TYPES } from '../../../fixtures/src/arbitraries/data.js';

const u = (...b: number[]) => Uint8Array.from(b);
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i & 0xff);
const dt = (
  year: number,
  month: number,
  dayOfMonth: number,
  dayOfWeek: number,
  hour: number,
  minute: number,
  second: number,
  hundredths: number,
  deviation: number,
  clockStatus: number,
) => ({ year, month, dayOfMonth, dayOfWeek, hour, minute, second, hundredths, deviation, clockStatus });

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');
/** [index, month, day, day_id] of the special days fixture; year 2018 (07E2), day of week FF. */
const SPECIAL_DAYS: [number, number, number, number][] = [
  [1, 1, 1, 2],
  [2, 1, 2, 2],
  [3, 1, 3, 2],
  [4, 1, 20, 1],
  [5, 2, 10, 1],
  [6, 2, 23, 2],
  [7, 3, 8, 2],
  [8, 3, 9, 2],
  [9, 5, 1, 2],
  [10, 5, 2, 2],
  [11, 5, 9, 2],
];

/** The same response as quoted in the source, byte for byte. */
const SPECIAL_DAYS_CAPTURE = `
01 0B 02 03 12 00 01 09 05 07 E2 01 01 FF 11 02 02 03 12 00
02 09 05 07 E2 01 02 FF 11 02 02 03 12 00 03 09 05 07 E2 01
03 FF 11 02 02 03 12 00 04 09 05 07 E2 01 14 FF 11 01 02 03
12 00 05 09 05 07 E2 02 0A FF 11 01 02 03 12 00 06 09 05 07
E2 02 17 FF 11 02 02 03 12 00 07 09 05 07 E2 03 08 FF 11 02
02 03 12 00 08 09 05 07 E2 03 09 FF 11 02 02 03 12 00 09 09
05 07 E2 05 01 FF 11 02 02 03 12 00 0A 09 05 07 E2 05 02 FF
11 02 02 03 12 00 0B 09 05 07 E2 05 09 FF 11 02`;

interface Fixture {
  readonly name: string;
  /** Hex, annotated: spaces and `|` separate fields. */
  readonly hex: string;
  readonly data: Data;
}

const FIXTURES: Fixture[] = [
  { name: 'null-data', hex: '00', data: { type: 'null-data' } },
  { name: 'dont-care', hex: 'FF', data: { type: 'dont-care' } },
  { name: 'boolean false', hex: '03 | 00', data: { type: 'boolean', value: false } },
  { name: 'boolean true', hex: '03 | 01', data: { type: 'boolean', value: true } },
  {
    name: 'boolean true sent as 0x5A (kept raw)',
    hex: '03 | 5A',
    data: { type: 'boolean', value: true, raw: 0x5a },
  },
  // bit-string: length in bits (A-XDR length), then ceil(bits/8) bytes, first bit = MSB of byte 0;
  // the 4 unused trailing bits (here 1010) are kept.
  {
    name: 'bit-string 12 bits',
    hex: '04 | 0C | A5 FA',
    data: { type: 'bit-string', value: { length: 12, bytes: u(0xa5, 0xfa) } },
  },
  {
    name: 'bit-string empty',
    hex: '04 | 00',
    data: { type: 'bit-string', value: { length: 0, bytes: u() } },
  },
  { name: 'double-long -2', hex: '05 | FF FF FF FE', data: { type: 'double-long', value: -2 } },
  { name: 'double-long min', hex: '05 | 80 00 00 00', data: { type: 'double-long', value: -0x80000000 } },
  {
    name: 'double-long-unsigned max',
    hex: '06 | FF FF FF FF',
    data: { type: 'double-long-unsigned', value: 0xffffffff },
  },
  {
    name: 'double-long-unsigned 1234',
    hex: '06 | 00 00 04 D2',
    data: { type: 'double-long-unsigned', value: 1234 },
  },
  // OBIS 1.0.1.8.0.255 (active energy import, total) as it appears in every register list.
  {
    name: 'octet-string OBIS',
    hex: '09 | 06 | 01 00 01 08 00 FF',
    data: { type: 'octet-string', value: u(1, 0, 1, 8, 0, 255) },
  },
  { name: 'octet-string empty', hex: '09 | 00', data: { type: 'octet-string', value: u() } },
  {
    name: 'octet-string 127 bytes (last short length)',
    hex: `09 | 7F | ${toHex(seq(127))}`,
    data: { type: 'octet-string', value: seq(127) },
  },
  {
    name: 'octet-string 128 bytes (81 xx)',
    hex: `09 | 81 80 | ${toHex(seq(128))}`,
    data: { type: 'octet-string', value: seq(128) },
  },
  {
    name: 'octet-string 300 bytes (82 xx xx)',
    hex: `09 | 82 01 2C | ${toHex(seq(300))}`,
    data: { type: 'octet-string', value: seq(300) },
  },
  { name: 'visible-string ABC', hex: '0A | 03 | 41 42 43', data: { type: 'visible-string', value: 'ABC' } },
  // Bytes 0x80 and 0xFF map to U+0080 and U+00FF (latin1), not windows-1252.
  {
    name: 'visible-string high bytes',
    hex: '0A | 03 | 80 9F FF',
    data: { type: 'visible-string', value: '\u0080\u009f\u00ff' },
  },
  { name: 'utf8-string é€', hex: '0C | 05 | C3 A9 E2 82 AC', data: { type: 'utf8-string', value: 'é€' } },
  // A leading byte-order mark is content, not stripped.
  { name: 'utf8-string BOM', hex: '0C | 03 | EF BB BF', data: { type: 'utf8-string', value: '\ufeff' } },
  { name: 'bcd 0x12', hex: '0D | 12', data: { type: 'bcd', value: 0x12 } },
  { name: 'integer -1 (scaler)', hex: '0F | FF', data: { type: 'integer', value: -1 } },
  { name: 'integer 127', hex: '0F | 7F', data: { type: 'integer', value: 127 } },
  { name: 'long min', hex: '10 | 80 00', data: { type: 'long', value: -0x8000 } },
  { name: 'unsigned 255', hex: '11 | FF', data: { type: 'unsigned', value: 255 } },
  { name: 'long-unsigned 0x1234', hex: '12 | 12 34', data: { type: 'long-unsigned', value: 0x1234 } },
  { name: 'long64 -1', hex: '14 | FF FF FF FF FF FF FF FF', data: { type: 'long64', value: -1n } },
  { name: 'long64 min', hex: '14 | 80 00 00 00 00 00 00 00', data: { type: 'long64', value: -(2n ** 63n) } },
  {
    name: 'long64-unsigned max',
    hex: '15 | FF FF FF FF FF FF FF FF',
    data: { type: 'long64-unsigned', value: 2n ** 64n - 1n },
  },
  {
    name: 'long64-unsigned 2^53+1',
    hex: '15 | 00 20 00 00 00 00 00 01',
    data: { type: 'long64-unsigned', value: 2n ** 53n + 1n },
  },
  // enum 30 = Wh in the unit table (Blue Book 4.3.2).
  { name: 'enum 30', hex: '16 | 1E', data: { type: 'enum', value: 30 } },
  { name: 'float32 1.5', hex: '17 | 3F C0 00 00', data: { type: 'float32', value: 1.5 } },
  { name: 'float32 -0', hex: '17 | 80 00 00 00', data: { type: 'float32', value: -0 } },
  { name: 'float32 -Infinity', hex: '17 | FF 80 00 00', data: { type: 'float32', value: -Infinity } },
  { name: 'float32 canonical NaN', hex: '17 | 7F C0 00 00', data: { type: 'float32', value: NaN } },
  {
    name: 'float32 negative NaN (x86 default NaN, kept raw)',
    hex: '17 | FF C0 00 00',
    data: { type: 'float32', value: NaN, raw: u(0xff, 0xc0, 0, 0) },
  },
  {
    name: 'float32 signalling NaN (kept raw)',
    hex: '17 | 7F 80 00 01',
    data: { type: 'float32', value: NaN, raw: u(0x7f, 0x80, 0, 1) },
  },
  {
    name: 'float32 smallest subnormal',
    hex: '17 | 00 00 00 01',
    data: { type: 'float32', value: 2 ** -149 },
  },
  { name: 'float64 0.1', hex: '18 | 3F B9 99 99 99 99 99 9A', data: { type: 'float64', value: 0.1 } },
  {
    name: 'float64 canonical NaN',
    hex: '18 | 7F F8 00 00 00 00 00 00',
    data: { type: 'float64', value: NaN },
  },
  {
    name: 'float64 NaN with payload (kept raw)',
    hex: '18 | 7F F0 00 00 00 00 00 01',
    data: { type: 'float64', value: NaN, raw: u(0x7f, 0xf0, 0, 0, 0, 0, 0, 1) },
  },
  // 2026-11-21 (Saturday = 6) 08:15:00.00, deviation -60 (FFC4), clock status 0x80 (DST active).
  {
    name: 'date-time',
    hex: '19 | 07 EA | 0B | 15 | 06 | 08 | 0F | 00 | 00 | FF C4 | 80',
    data: { type: 'date-time', value: dt(2026, 11, 21, 6, 8, 15, 0, 0, -60, 0x80) },
  },
  // Every field not specified: year FFFF, deviation 8000, status FF.
  {
    name: 'date-time all wildcards',
    hex: '19 | FF FF | FF | FF | FF | FF | FF | FF | FF | 80 00 | FF',
    data: { type: 'date-time', value: dt(0xffff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, -0x8000, 0xff) },
  },
  {
    name: 'date',
    hex: '1A | 07 EA | 0B | 15 | 06',
    data: { type: 'date', value: { year: 2026, month: 11, dayOfMonth: 21, dayOfWeek: 6 } },
  },
  // Month FE = DST begin, day FE = last day of the month, day of week 7 = Sunday: "last Sunday of DST-begin month".
  {
    name: 'date with DST month and last day',
    hex: '1A | FF FF | FE | FE | 07',
    data: { type: 'date', value: { year: 0xffff, month: 0xfe, dayOfMonth: 0xfe, dayOfWeek: 7 } },
  },
  {
    name: 'time',
    hex: '1B | 17 | 3B | 3B | 63',
    data: { type: 'time', value: { hour: 23, minute: 59, second: 59, hundredths: 99 } },
  },
  { name: 'delta-integer -5', hex: '1C | FB', data: { type: 'delta-integer', value: -5 } },
  { name: 'delta-long -2', hex: '1D | FF FE', data: { type: 'delta-long', value: -2 } },
  {
    name: 'delta-double-long min',
    hex: '1E | 80 00 00 00',
    data: { type: 'delta-double-long', value: -0x80000000 },
  },
  { name: 'delta-unsigned 7', hex: '1F | 07', data: { type: 'delta-unsigned', value: 7 } },
  {
    name: 'delta-long-unsigned max',
    hex: '20 | FF FF',
    data: { type: 'delta-long-unsigned', value: 0xffff },
  },
  {
    name: 'delta-double-long-unsigned 1',
    hex: '21 | 00 00 00 01',
    data: { type: 'delta-double-long-unsigned', value: 1 },
  },
  {
    name: 'array of 2 long-unsigned',
    hex: '01 | 02 | 12 00 01 | 12 00 02',
    data: {
      type: 'array',
      value: [
        { type: 'long-unsigned', value: 1 },
        { type: 'long-unsigned', value: 2 },
      ],
    },
  },
  { name: 'empty array', hex: '01 | 00', data: { type: 'array', value: [] } },
  { name: 'empty structure', hex: '02 | 00', data: { type: 'structure', value: [] } },
  {
    name: 'array of 128 null-data (count 81 80)',
    hex: `01 | 81 80 | ${'00'.repeat(128)}`,
    data: { type: 'array', value: Array.from({ length: 128 }, () => ({ type: 'null-data' }) as Data) },
  },
  // A register list entry: {OBIS, value 1234, {scaler -1, unit Wh}}.
  {
    name: 'register entry',
    hex: '02 | 03 | 09 06 01 00 01 08 00 FF | 06 00 00 04 D2 | 02 02 | 0F FF | 16 1E',
    data: {
      type: 'structure',
      value: [
        { type: 'octet-string', value: u(1, 0, 1, 8, 0, 255) },
        { type: 'double-long-unsigned', value: 1234 },
        {
          type: 'structure',
          value: [
            { type: 'integer', value: -1 },
            { type: 'enum', value: 30 },
          ],
        },
      ],
    },
  },
  // Special days table (IC 11 attribute 2) of a meter, as quoted in a public blog post on reading it
  // (stepagrus.ru): array of 11 × structure{index long-unsigned, date octet-string(5), day_id unsigned}.
  {
    name: 'special days table (captured meter response)',
    hex:
      '01 0B' +
      SPECIAL_DAYS.map(
        ([i, m, d, id]) => `| 02 03 12 00 ${hex2(i)} 09 05 07 E2 ${hex2(m)} ${hex2(d)} FF 11 ${hex2(id)}`,
      ).join(' '),
    data: {
      type: 'array',
      value: SPECIAL_DAYS.map(
        ([i, m, d, id]) =>
          ({
            type: 'structure',
            value: [
              { type: 'long-unsigned', value: i },
              { type: 'octet-string', value: u(0x07, 0xe2, m, d, 0xff) },
              { type: 'unsigned', value: id },
            ],
          }) as Data,
      ),
    },
  },
  // compact-array: description long-unsigned (12), contents length 6, three untagged values.
  {
    name: 'compact-array of long-unsigned',
    hex: '13 | 12 | 06 | 00 01 00 02 00 03',
    data: {
      type: 'compact-array',
      description: { type: 'long-unsigned' },
      value: [1, 2, 3].map((value) => ({ type: 'long-unsigned', value }) as Data),
    },
  },
  // compact-array of structure{long-unsigned, octet-string}: variable-size elements keep their length byte.
  {
    name: 'compact-array of structures',
    hex: '13 | 02 02 12 09 | 09 | 00 01 02 AA BB | 00 02 01 CC',
    data: {
      type: 'compact-array',
      description: { type: 'structure', elements: [{ type: 'long-unsigned' }, { type: 'octet-string' }] },
      value: [
        {
          type: 'structure',
          value: [
            { type: 'long-unsigned', value: 1 },
            { type: 'octet-string', value: u(0xaa, 0xbb) },
          ],
        },
        {
          type: 'structure',
          value: [
            { type: 'long-unsigned', value: 2 },
            { type: 'octet-string', value: u(0xcc) },
          ],
        },
      ],
    },
  },
  // compact-array of array[2] of unsigned: the array description's count is an Unsigned16 (00 02).
  {
    name: 'compact-array of arrays',
    hex: '13 | 01 00 02 11 | 04 | 01 02 | 03 04',
    data: {
      type: 'compact-array',
      description: { type: 'array', count: 2, element: { type: 'unsigned' } },
      value: [
        {
          type: 'array',
          value: [
            { type: 'unsigned', value: 1 },
            { type: 'unsigned', value: 2 },
          ],
        },
        {
          type: 'array',
          value: [
            { type: 'unsigned', value: 3 },
            { type: 'unsigned', value: 4 },
          ],
        },
      ],
    },
  },
  {
    name: 'compact-array of null-data, empty',
    hex: '13 | 00 | 00',
    data: { type: 'compact-array', description: { type: 'null-data' }, value: [] },
  },
  {
    name: 'compact-array of date-time',
    hex: '13 | 19 | 0C | 07 EA 0B 15 06 08 0F 00 00 FF C4 00',
    data: {
      type: 'compact-array',
      description: { type: 'date-time' },
      value: [{ type: 'date-time', value: dt(2026, 11, 21, 6, 8, 15, 0, 0, -60, 0) }],
    },
  },
];

const bytesOf = (hex: string) => fromHex(hex.replace(/\|/g, ''));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DlmsError) return e.code;
    throw e;
  }
  return 'no error';
}

describe('tag list', () => {
  it('matches the Data CHOICE of IEC 62056-6-2 4.1.5', () => {
    expect(DataTag).toEqual({
      'null-data': 0,
      array: 1,
      structure: 2,
      boolean: 3,
      'bit-string': 4,
      'double-long': 5,
      'double-long-unsigned': 6,
      'octet-string': 9,
      'visible-string': 10,
      'utf8-string': 12,
      bcd: 13,
      integer: 15,
      long: 16,
      unsigned: 17,
      'long-unsigned': 18,
      'compact-array': 19,
      long64: 20,
      'long64-unsigned': 21,
      enum: 22,
      float32: 23,
      float64: 24,
      'date-time': 25,
      date: 26,
      time: 27,
      'delta-integer': 28,
      'delta-long': 29,
      'delta-double-long': 30,
      'delta-unsigned': 31,
      'delta-long-unsigned': 32,
      'delta-double-long-unsigned': 33,
      'dont-care': 255,
    });
    expect(DataTypeByTag.size).toBe(31);
  });

  it('covers every type in the fixture table', () => {
    const seen = new Set(FIXTURES.map((f) => f.data.type));
    expect([...seen].sort()).toEqual(Object.keys(DataTag).sort());
  });
});

describe('fixtures', () => {
  for (const { name, hex, data } of FIXTURES) {
    const bytes = bytesOf(hex);
    it(`${name}: decode, encode, prefixes, extra byte`, () => {
      expect(decodeDataBytes(bytes)).toEqual(data);
      expect(decodeDataBytes(bytes, { canonical: true })).toEqual(data);
      expect(toHex(encodeDataBytes(data))).toBe(toHex(bytes));
      for (let n = 0; n < bytes.length; n++) {
        const cut = bytes.subarray(0, n);
        expect(
          codeOf(() => decodeDataBytes(cut)),
          `prefix of ${n} bytes`,
        ).toBe('TRUNCATED');
      }
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      expect(codeOf(() => decodeDataBytes(longer))).toBe('TRAILING_BYTES');
      // decodeData itself stops at the end of the value.
      const r = new Reader(longer);
      expect(decodeData(r)).toEqual(data);
      expect(r.pos).toBe(bytes.length);
    });
  }

  it('the special days fixture is the captured response', () => {
    const f = FIXTURES.find((x) => x.name.startsWith('special days'))!;
    expect(toHex(bytesOf(f.hex))).toBe(toHex(fromHex(SPECIAL_DAYS_CAPTURE)));
  });

  it('reports offsets relative to the reader base', () => {
    const bytes = fromHex('AA BB 02 02 11 01 07');
    const r = new Reader(bytes, 2);
    try {
      decodeData(r);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DecodeError);
      expect((e as DecodeError).code).toBe('UNKNOWN_TAG');
      expect((e as DecodeError).offset).toBe(4);
    }
  });

  it('returns octet strings as views into the input', () => {
    const bytes = bytesOf('09 02 AA BB');
    const d = decodeDataBytes(bytes);
    expect(d.type === 'octet-string' && d.value.buffer).toBe(bytes.buffer);
  });
});

interface ErrorFixture {
  readonly name: string;
  readonly hex: string;
  readonly code: DecodeErrorCode;
  readonly offset?: number;
  readonly limits?: Parameters<typeof decodeDataBytes>[1];
}

const ERRORS: ErrorFixture[] = [
  { name: 'empty input', hex: '', code: 'TRUNCATED', offset: 0 },
  { name: 'unused tag 7', hex: '07', code: 'UNKNOWN_TAG', offset: 0 },
  { name: 'unused tag 8', hex: '08 00', code: 'UNKNOWN_TAG', offset: 0 },
  { name: 'unused tag 11', hex: '0B', code: 'UNKNOWN_TAG', offset: 0 },
  { name: 'unused tag 14', hex: '0E 00', code: 'UNKNOWN_TAG', offset: 0 },
  { name: 'reserved tag 34', hex: '22 00', code: 'UNKNOWN_TAG', offset: 0 },
  { name: 'unknown tag inside a structure', hex: '02 02 11 01 FE', code: 'UNKNOWN_TAG', offset: 4 },
  { name: 'indefinite length 0x80', hex: '09 80', code: 'INVALID_VALUE', offset: 1 },
  { name: 'length of 5 bytes', hex: '09 85 00 00 00 00 01 AA', code: 'LIMIT_EXCEEDED', offset: 1 },
  { name: 'invalid UTF-8', hex: '0C 02 C3 28', code: 'INVALID_VALUE', offset: 2 },
  { name: 'UTF-8 encoded surrogate', hex: '0C 03 ED A0 80', code: 'INVALID_VALUE', offset: 2 },
  // 2^31 elements announced, 0 bytes left: refused before allocating.
  { name: 'array of 2^31 elements in 6 bytes', hex: '01 84 80 00 00 00', code: 'TRUNCATED', offset: 0 },
  { name: 'structure of 0xFFFFFFFF elements', hex: '02 84 FF FF FF FF 00', code: 'TRUNCATED', offset: 0 },
  { name: 'octet-string longer than the input', hex: '09 84 FF FF FF FF 00', code: 'TRUNCATED', offset: 6 },
  { name: 'bit-string of 2^32-1 bits', hex: '04 84 FF FF FF FF 00', code: 'TRUNCATED', offset: 6 },
  { name: 'compact-array of null-data with contents', hex: '13 00 01 00', code: 'INVALID_VALUE', offset: 0 },
  {
    name: 'compact-array of empty structures with contents',
    hex: '13 02 00 01 00',
    code: 'INVALID_VALUE',
    offset: 0,
  },
  {
    name: 'compact-array of array[0] with contents',
    hex: '13 01 00 00 11 01 05',
    code: 'INVALID_VALUE',
    offset: 0,
  },
  {
    name: 'compact-array of array[3] of dont-care with contents',
    hex: '13 01 00 03 FF 02 00 00',
    code: 'INVALID_VALUE',
    offset: 0,
  },
  { name: 'compact-array nested in a description', hex: '13 13 11 00', code: 'UNKNOWN_TAG', offset: 1 },
  { name: 'unknown tag in a description', hex: '13 02 01 07 00', code: 'UNKNOWN_TAG', offset: 3 },
  { name: 'compact-array contents end inside an element', hex: '13 06 03 00 00 01', code: 'TRUNCATED' },
  { name: 'description structure count beyond input', hex: '13 02 05 11', code: 'TRUNCATED', offset: 1 },
  {
    name: 'non-shortest length, canonical',
    hex: '09 81 01 AA',
    code: 'INVALID_VALUE',
    offset: 1,
    limits: { canonical: true },
  },
  {
    name: 'non-shortest count, canonical',
    hex: '01 82 00 01 00',
    code: 'INVALID_VALUE',
    offset: 1,
    limits: { canonical: true },
  },
  {
    name: 'depth limit',
    hex: '02 01 02 01 02 01 00',
    code: 'LIMIT_EXCEEDED',
    offset: 4,
    limits: { maxDepth: 2 },
  },
  {
    name: 'depth limit in a compact-array description',
    hex: '13 02 01 02 01 11 00',
    code: 'LIMIT_EXCEEDED',
    offset: 3,
    limits: { maxDepth: 2 },
  },
  // The array and its 5 elements are 6 values: refused at the array, before its elements are read.
  {
    name: 'value count limit',
    hex: '01 05 00 00 00 00 00',
    code: 'LIMIT_EXCEEDED',
    offset: 0,
    limits: { maxValues: 5 },
  },
  { name: 'value count limit of 0', hex: '00', code: 'LIMIT_EXCEEDED', offset: 0, limits: { maxValues: 0 } },
  {
    name: 'value count limit inside a compact array',
    hex: '13 11 05 01 02 03 04 05',
    code: 'LIMIT_EXCEEDED',
    limits: { maxValues: 4 },
  },
];

describe('error fixtures', () => {
  for (const { name, hex, code, offset, limits } of ERRORS) {
    it(`${name}: ${code}`, () => {
      try {
        decodeDataBytes(bytesOf(hex), limits);
        expect.unreachable('should have thrown');
      } catch (e) {
        expect(e).toBeInstanceOf(DecodeError);
        expect((e as DecodeError).code).toBe(code);
        if (offset !== undefined) expect((e as DecodeError).offset).toBe(offset);
      }
    });
  }

  it('accepts non-shortest lengths by default and re-encodes them in the shortest form', () => {
    const d = decodeDataBytes(bytesOf('09 81 01 AA'));
    expect(d).toEqual({ type: 'octet-string', value: u(0xaa) });
    expect(toHex(encodeDataBytes(d))).toBe('0901AA');
    expect(decodeDataBytes(bytesOf('01 82 00 01 00'))).toEqual({
      type: 'array',
      value: [{ type: 'null-data' }],
    });
  });

  it('allows 32 levels of nesting by default and refuses 33', () => {
    const nested = (n: number) => fromHex('0201'.repeat(n) + '00');
    expect(decodeDataBytes(nested(32)).type).toBe('structure');
    expect(codeOf(() => decodeDataBytes(nested(33)))).toBe('LIMIT_EXCEEDED');
    expect(codeOf(() => decodeDataBytes(fromHex('0101'.repeat(10_000) + '00')))).toBe('LIMIT_EXCEEDED');
  });

  it('decodes 1000 levels when allowed, and refuses deeper limits that could overflow the stack', () => {
    const nested = (n: number) => fromHex('0201'.repeat(n) + '00');
    expect(decodeDataBytes(nested(MAX_DATA_DEPTH), { maxDepth: MAX_DATA_DEPTH }).type).toBe('structure');
    expect(codeOf(() => decodeDataBytes(nested(MAX_DATA_DEPTH + 1), { maxDepth: MAX_DATA_DEPTH }))).toBe(
      'LIMIT_EXCEEDED',
    );
    for (const maxDepth of [MAX_DATA_DEPTH + 1, -1, 1.5, NaN]) {
      expect(() => decodeDataBytes(fromHex('00'), { maxDepth })).toThrow(ArgumentError);
    }
    expect(() => decodeDataBytes(fromHex('00'), { maxValues: -1 })).toThrow(ArgumentError);
    expect(decodeDataBytes(fromHex('0102 00 00'), { maxValues: Infinity }).type).toBe('array');
  });

  it('refuses a compact array of empty elements after reading at most a few bytes (no hang)', () => {
    // A description of array[65535] of array[65535] of null-data: zero bytes per element.
    expect(codeOf(() => decodeDataBytes(bytesOf('13 01 FF FF 01 FF FF 00 01 00')))).toBe('INVALID_VALUE');
  });

  it('stops a compact array of large element descriptions at the value limit', () => {
    // array[65535] of array[65535] of unsigned, contents 1 byte: values are counted before they are read.
    const code = codeOf(() =>
      decodeDataBytes(bytesOf('13 01 FF FF 01 FF FF 11 01 07'), { maxValues: 100_000 }),
    );
    expect(['LIMIT_EXCEEDED', 'TRUNCATED']).toContain(code);
  });
});

describe('encoder validation', () => {
  const bad: [string, unknown][] = [
    ['unsigned 256', { type: 'unsigned', value: 256 }],
    ['integer -129', { type: 'integer', value: -129 }],
    ['long-unsigned 1.5', { type: 'long-unsigned', value: 1.5 }],
    ['double-long-unsigned -1', { type: 'double-long-unsigned', value: -1 }],
    ['long64 out of range', { type: 'long64', value: 2n ** 63n }],
    ['long64-unsigned as number', { type: 'long64-unsigned', value: 1 }],
    ['visible-string above U+00FF', { type: 'visible-string', value: 'Ā' }],
    ['utf8-string lone surrogate', { type: 'utf8-string', value: 'a\ud800b' }],
    ['bit-string with too few bytes', { type: 'bit-string', value: { length: 9, bytes: u(1) } }],
    ['boolean raw 1', { type: 'boolean', value: true, raw: 1 }],
    ['boolean raw with false', { type: 'boolean', value: false, raw: 7 }],
    ['float32 raw that is not a NaN', { type: 'float32', value: NaN, raw: u(0x3f, 0x80, 0, 0) }],
    ['float32 raw with a number', { type: 'float32', value: 1, raw: u(0xff, 0xc0, 0, 0) }],
    ['float64 raw of 4 bytes', { type: 'float64', value: NaN, raw: u(0xff, 0xc0, 0, 0) }],
    ['date-time month 256', { type: 'date-time', value: dt(2026, 256, 1, 1, 0, 0, 0, 0, 0, 0) }],
    ['unknown type', { type: 'long128', value: 1 }],
    [
      'compact-array element of the wrong type',
      { type: 'compact-array', description: { type: 'unsigned' }, value: [{ type: 'integer', value: 1 }] },
    ],
    [
      'compact-array of null-data with elements',
      { type: 'compact-array', description: { type: 'null-data' }, value: [{ type: 'null-data' }] },
    ],
    [
      'compact-array array of the wrong count',
      {
        type: 'compact-array',
        description: { type: 'array', count: 2, element: { type: 'unsigned' } },
        value: [{ type: 'array', value: [{ type: 'unsigned', value: 1 }] }],
      },
    ],
    [
      'compact-array description naming compact-array',
      { type: 'compact-array', description: { type: 'compact-array' }, value: [] },
    ],
  ];
  for (const [name, d] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => encodeDataBytes(d as Data)).toThrow(ArgumentError);
    });
  }

  it('encodes a plain NaN as the canonical quiet NaN', () => {
    expect(toHex(encodeDataBytes({ type: 'float32', value: NaN }))).toBe('177FC00000');
    expect(toHex(encodeDataBytes({ type: 'float64', value: -NaN }))).toBe('187FF8000000000000');
  });

  it('computes minimum element sizes', () => {
    expect(minSize({ type: 'structure', elements: [{ type: 'date-time' }, { type: 'octet-string' }] })).toBe(
      13,
    );
    expect(minSize({ type: 'array', count: 0, element: { type: 'long64' } })).toBe(0);
    expect(minSize({ type: 'array', count: 3, element: { type: 'long' } })).toBe(6);
  });
});

/** Encodings of arbitrary Data, then damaged: bytes flipped, cut, inserted or removed. */
const arbDamagedEncoding = fc
  .tuple(
    arbData({ maxDepth: 3 }),
    fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('set', 'cut', 'insert', 'delete'),
        byte: fc.integer({ min: 0, max: 255 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([d, edits]) => {
    let b = Array.from(encodeDataBytes(d));
    for (const { at, kind, byte } of edits) {
      const i = b.length === 0 ? 0 : at % b.length;
      if (kind === 'set') b[i] = byte;
      else if (kind === 'cut') b = b.slice(0, i);
      else if (kind === 'insert') b.splice(i, 0, byte);
      else b.splice(i, 1);
    }
    return Uint8Array.from(b);
  });

const arbInput = fc.oneof(fc.uint8Array({ maxLength: 64 }), arbDamagedEncoding);

describe('properties', () => {
  it('decode(encode(x)) deep-equals x for every simple type', () => {
    for (const type of SIMPLE_DATA_TYPES) {
      fc.assert(
        fc.property(arbDataOfType(type), (d) => {
          expect(decodeDataBytes(encodeDataBytes(d))).toEqual(d);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('decode(encode(x)) deep-equals x for arbitrary Data', () => {
    fc.assert(
      fc.property(arbData({ maxDepth: 4 }), (d) => {
        const bytes = encodeDataBytes(d);
        expect(decodeDataBytes(bytes)).toEqual(d);
        expect(decodeDataBytes(bytes, { canonical: true })).toEqual(d);
      }),
      { numRuns: 1000 },
    );
  });

  it('encodes into a shared writer after other content', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5 }), arbData(), (prefix, d) => {
        const w = new Writer(1);
        w.bytes(prefix);
        encodeData(w, d);
        const r = new Reader(w.toBytes(), prefix.length);
        expect(decodeData(r)).toEqual(d);
        expect(r.done).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('encode(decode(b)) equals b for any b that decodes canonically', () => {
    let decoded = 0;
    fc.assert(
      fc.property(arbInput, (b) => {
        let d: Data;
        try {
          d = decodeDataBytes(b, { canonical: true });
        } catch (e) {
          expect(e).toBeInstanceOf(DlmsError);
          return;
        }
        decoded++;
        expect(toHex(encodeDataBytes(d))).toBe(toHex(b));
      }),
      { numRuns: 3000 },
    );
    expect(decoded).toBeGreaterThan(50);
  });

  it('lenient decoding is stable: decode(encode(decode(b))) equals decode(b)', () => {
    fc.assert(
      fc.property(arbInput, (b) => {
        let d: Data;
        try {
          d = decodeDataBytes(b);
        } catch {
          return;
        }
        expect(decodeDataBytes(encodeDataBytes(d))).toEqual(d);
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes decode or throw a DlmsError, never anything else', () => {
    fc.assert(
      fc.property(arbInput, fc.nat({ max: 40 }), fc.nat({ max: 2000 }), (b, maxDepth, maxValues) => {
        for (const limits of [undefined, { maxDepth, maxValues }, { canonical: true }]) {
          try {
            decodeDataBytes(b, limits);
          } catch (e) {
            if (!(e instanceof DecodeError)) throw e;
          }
        }
      }),
      { numRuns: 5000 },
    );
  });
});
