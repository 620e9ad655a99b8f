/**
 * The typed JSON form of Data: examples of every type, the lossless round trip through
 * `JSON.stringify`, and validation errors with their paths.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, decodeDataBytes, fromHex, type Data } from '../src/index.js';
import { dataFromJson, dataToJson, typeDescriptionFromJson } from '../src/axdr/json.js';
import { arbData, arbDataOfType, SIMPLE_DATA_TYPES } from '../../../fixtures/src/arbitraries/data.js';

const viaText = (d: Data) => JSON.parse(JSON.stringify(dataToJson(d))) as unknown;

describe('examples', () => {
  const cases: [string, Data, unknown][] = [
    ['null-data', { type: 'null-data' }, { type: 'null-data' }],
    ['dont-care', { type: 'dont-care' }, { type: 'dont-care' }],
    ['boolean', { type: 'boolean', value: true }, { type: 'boolean', value: true }],
    ['boolean raw', { type: 'boolean', value: true, raw: 0x5a }, { type: 'boolean', value: true, raw: 90 }],
    [
      'bit-string',
      { type: 'bit-string', value: { length: 12, bytes: fromHex('A5F0') } },
      { type: 'bit-string', value: '101001011111' },
    ],
    [
      'bit-string with padding bits set',
      { type: 'bit-string', value: { length: 12, bytes: fromHex('A5FA') } },
      { type: 'bit-string', value: '101001011111', unused: '1010' },
    ],
    [
      'double-long-unsigned',
      { type: 'double-long-unsigned', value: 4294967295 },
      { type: 'double-long-unsigned', value: 4294967295 },
    ],
    ['integer', { type: 'integer', value: -3 }, { type: 'integer', value: -3 }],
    [
      'long64 safe',
      { type: 'long64', value: -(2n ** 53n - 1n) },
      { type: 'long64', value: -9007199254740991 },
    ],
    [
      'long64 beyond 2^53',
      { type: 'long64', value: -(2n ** 53n) },
      { type: 'long64', value: '-9007199254740992' },
    ],
    [
      'long64-unsigned max',
      { type: 'long64-unsigned', value: 2n ** 64n - 1n },
      { type: 'long64-unsigned', value: '18446744073709551615' },
    ],
    ['float32', { type: 'float32', value: 1.5 }, { type: 'float32', value: 1.5 }],
    ['float64 -0', { type: 'float64', value: -0 }, { type: 'float64', value: '-0' }],
    ['float64 NaN', { type: 'float64', value: NaN }, { type: 'float64', value: 'NaN' }],
    ['float32 -Infinity', { type: 'float32', value: -Infinity }, { type: 'float32', value: '-Infinity' }],
    [
      'float32 raw NaN',
      { type: 'float32', value: NaN, raw: fromHex('FFC00000') },
      { type: 'float32', value: 'NaN', raw: 'FFC00000' },
    ],
    [
      'octet-string',
      { type: 'octet-string', value: fromHex('0100010800ff') },
      { type: 'octet-string', value: '0100010800FF' },
    ],
    [
      'visible-string',
      { type: 'visible-string', value: 'KFM\u00ff' },
      { type: 'visible-string', value: 'KFM\u00ff' },
    ],
    ['utf8-string', { type: 'utf8-string', value: 'é€😀' }, { type: 'utf8-string', value: 'é€😀' }],
    [
      'date-time',
      {
        type: 'date-time',
        value: {
          year: 2024,
          month: 6,
          dayOfMonth: 15,
          dayOfWeek: 6,
          hour: 20,
          minute: 23,
          second: 45,
          hundredths: 0,
          deviation: -120,
          clockStatus: 0x80,
        },
      },
      {
        type: 'date-time',
        value: {
          year: 2024,
          month: 6,
          dayOfMonth: 15,
          dayOfWeek: 6,
          hour: 20,
          minute: 23,
          second: 45,
          hundredths: 0,
          deviation: -120,
          clockStatus: 128,
        },
        text: '2024-06-15 Sat 20:23:45.00 UTC+02:00 (deviation -120) [dst]',
        iso: '2024-06-15T20:23:45.00+02:00',
      },
    ],
    [
      'date-time with wildcards (no iso)',
      {
        type: 'date-time',
        value: {
          year: 0xffff,
          month: 1,
          dayOfMonth: 1,
          dayOfWeek: 0xff,
          hour: 0,
          minute: 0,
          second: 0,
          hundredths: 0xff,
          deviation: -0x8000,
          clockStatus: 0xff,
        },
      },
      {
        type: 'date-time',
        value: {
          year: 65535,
          month: 1,
          dayOfMonth: 1,
          dayOfWeek: 255,
          hour: 0,
          minute: 0,
          second: 0,
          hundredths: 255,
          deviation: -32768,
          clockStatus: 255,
        },
        text: '****-01-01 * 00:00:00.** local status *',
      },
    ],
    [
      'date',
      { type: 'date', value: { year: 2026, month: 0xfe, dayOfMonth: 0xfe, dayOfWeek: 7 } },
      {
        type: 'date',
        value: { year: 2026, month: 254, dayOfMonth: 254, dayOfWeek: 7 },
        text: '2026-dst-begin-last Sun',
      },
    ],
    [
      'time',
      { type: 'time', value: { hour: 23, minute: 59, second: 59, hundredths: 99 } },
      { type: 'time', value: { hour: 23, minute: 59, second: 59, hundredths: 99 }, text: '23:59:59.99' },
    ],
    [
      'structure',
      {
        type: 'structure',
        value: [
          { type: 'integer', value: -1 },
          { type: 'enum', value: 30 },
        ],
      },
      {
        type: 'structure',
        value: [
          { type: 'integer', value: -1 },
          { type: 'enum', value: 30 },
        ],
      },
    ],
    [
      'compact-array',
      decodeDataBytes(fromHex('13 02 02 12 09 09 0001 02AABB 0002 01CC')),
      {
        type: 'compact-array',
        description: { type: 'structure', elements: [{ type: 'long-unsigned' }, { type: 'octet-string' }] },
        value: [
          {
            type: 'structure',
            value: [
              { type: 'long-unsigned', value: 1 },
              { type: 'octet-string', value: 'AABB' },
            ],
          },
          {
            type: 'structure',
            value: [
              { type: 'long-unsigned', value: 2 },
              { type: 'octet-string', value: 'CC' },
            ],
          },
        ],
      },
    ],
  ];
  for (const [name, d, json] of cases) {
    it(name, () => {
      expect(dataToJson(d)).toEqual(json);
      expect(dataFromJson(json)).toEqual(d);
      expect(dataFromJson(viaText(d))).toEqual(d);
    });
  }

  it('accepts 64-bit values as strings even when small', () => {
    expect(dataFromJson({ type: 'long64', value: '-5' })).toEqual({ type: 'long64', value: -5n });
  });
});

describe('round trip', () => {
  it('dataFromJson(dataToJson(d)) deep-equals d, through JSON text, for every simple type', () => {
    for (const type of SIMPLE_DATA_TYPES) {
      fc.assert(
        fc.property(arbDataOfType(type), (d) => {
          expect(dataFromJson(dataToJson(d))).toEqual(d);
          expect(dataFromJson(viaText(d))).toEqual(d);
        }),
        { numRuns: 200 },
      );
    }
  });

  it('dataFromJson(dataToJson(d)) deep-equals d, through JSON text, for arbitrary Data', () => {
    fc.assert(
      fc.property(arbData({ maxDepth: 4 }), (d) => {
        expect(dataFromJson(viaText(d))).toEqual(d);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('validation', () => {
  const bad: [string, unknown, string][] = [
    ['not an object', 42, '$'],
    ['unknown type', { type: 'long128', value: 1 }, '$.type'],
    ['missing value', { type: 'unsigned' }, '$.value'],
    ['integer out of range', { type: 'unsigned', value: 256 }, '$.value'],
    ['fraction', { type: 'long', value: 1.5 }, '$.value'],
    ['integer as string', { type: 'long', value: '1' }, '$.value'],
    ['64-bit unsafe number', { type: 'long64', value: 2 ** 60 }, '$.value'],
    ['64-bit out of range', { type: 'long64-unsigned', value: '-1' }, '$.value'],
    ['64-bit not decimal', { type: 'long64', value: '0x10' }, '$.value'],
    ['float word', { type: 'float64', value: 'nan' }, '$.value'],
    ['float32 not representable', { type: 'float32', value: 0.1 }, '$.value'],
    ['odd hex', { type: 'octet-string', value: 'ABC' }, '$.value'],
    ['hex with separators', { type: 'octet-string', value: 'AB CD' }, '$.value'],
    ['bit text', { type: 'bit-string', value: '012' }, '$.value'],
    ['padding length', { type: 'bit-string', value: '101', unused: '1' }, '$.unused'],
    ['boolean as number', { type: 'boolean', value: 1 }, '$.value'],
    ['boolean raw 1', { type: 'boolean', value: true, raw: 1 }, '$.raw'],
    [
      'date field',
      { type: 'date', value: { year: 2026, month: 256, dayOfMonth: 1, dayOfWeek: 1 } },
      '$.value.month',
    ],
    [
      'date-time deviation',
      {
        type: 'date-time',
        value: {
          year: 2026,
          month: 1,
          dayOfMonth: 1,
          dayOfWeek: 1,
          hour: 0,
          minute: 0,
          second: 0,
          hundredths: 0,
          deviation: 40000,
          clockStatus: 0,
        },
      },
      '$.value.deviation',
    ],
    [
      'nested',
      { type: 'structure', value: [{ type: 'null-data' }, { type: 'integer', value: 200 }] },
      '$.value[1].value',
    ],
    ['array value not a list', { type: 'array', value: {} }, '$.value'],
    [
      'description',
      { type: 'compact-array', description: { type: 'compact-array' }, value: [] },
      '$.description.type',
    ],
    [
      'description count',
      {
        type: 'compact-array',
        description: { type: 'array', count: 70000, element: { type: 'unsigned' } },
        value: [],
      },
      '$.description.count',
    ],
  ];
  for (const [name, json, path] of bad) {
    it(`rejects ${name} at ${path}`, () => {
      try {
        dataFromJson(json);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ArgumentError);
        expect((e as ArgumentError).message.startsWith(`${path}:`)).toBe(true);
      }
    });
  }

  it('rejects what spans nodes: compact-array elements against their description, NaN raw bytes', () => {
    expect(() =>
      dataFromJson({
        type: 'compact-array',
        description: { type: 'unsigned' },
        value: [{ type: 'integer', value: 1 }],
      }),
    ).toThrow(ArgumentError);
    expect(() => dataFromJson({ type: 'float32', value: 'NaN', raw: '3F800000' })).toThrow(ArgumentError);
    expect(() => dataFromJson({ type: 'utf8-string', value: '\ud800' })).toThrow(ArgumentError);
  });

  it('reads type descriptions', () => {
    expect(typeDescriptionFromJson({ type: 'array', count: 2, element: { type: 'date-time' } })).toEqual({
      type: 'array',
      count: 2,
      element: { type: 'date-time' },
    });
    expect(() => typeDescriptionFromJson({ type: 'structure', elements: [null] })).toThrow(ArgumentError);
  });
});
