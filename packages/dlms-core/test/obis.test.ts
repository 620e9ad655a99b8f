/**
 * OBIS codes: parsing and formatting of the three text forms, bytes, keys, and well-known names.
 * Codes and names: IEC 62056-6-1 value groups and the Blue Book's OBIS tables (see obis-names.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, DlmsError, fromHex, toHex, decodeDataBytes } from '../src/index.js';
import {
  formatObis,
  obis,
  obisEquals,
  obisFromBytes,
  obisFromData,
  obisFromKey,
  obisKey,
  obisToBytes,
  obisToData,
  parseObis,
  tryParseObis,
} from '../src/obis.js';
import { OBIS_NAMES, obisName } from '../src/obis-names.js';

const arbObis = fc
  .tuple(...Array.from({ length: 6 }, () => fc.integer({ min: 0, max: 255 })))
  .map(([a, b, c, d, e, f]) => obis(a, b, c, d, e, f));

describe('parse and format', () => {
  it('parses the three forms', () => {
    const want = { a: 1, b: 0, c: 1, d: 8, e: 0, f: 255 };
    expect(parseObis('1-0:1.8.0*255')).toEqual(want);
    expect(parseObis('1-0:1.8.0.255')).toEqual(want);
    expect(parseObis('1.0.1.8.0.255')).toEqual(want);
    expect(parseObis('  0.0.1.0.0.255\n')).toEqual({ a: 0, b: 0, c: 1, d: 0, e: 0, f: 255 });
    expect(parseObis('001.000.001.008.000.255')).toEqual(want);
  });

  it('formats in each style', () => {
    const o = obis(1, 0, 32, 7, 0, 255);
    expect(formatObis(o)).toBe('1-0:32.7.0*255');
    expect(formatObis(o, 'standard-dot')).toBe('1-0:32.7.0.255');
    expect(formatObis(o, 'dotted')).toBe('1.0.32.7.0.255');
    expect(() => formatObis(o, 'hex' as never)).toThrow(ArgumentError);
  });

  it('rejects bad text with ArgumentError', () => {
    for (const bad of [
      '',
      '1.8.0',
      '1-0:1.8.0',
      '1.0.1.8.0',
      '1.0.1.8.0.255.1',
      '1.0.1.8.0.256',
      '1-0:1.8.0*256',
      '1-0:1.8.0:255',
      '1-0-1.8.0*255',
      'a.b.c.d.e.f',
      '1.0.1.8.0.-1',
      '1.0.1.8.0.2555',
      '1 .0.1.8.0.255',
      '0x01.0.1.8.0.255',
    ]) {
      expect(() => parseObis(bad), bad).toThrow(ArgumentError);
      expect(tryParseObis(bad)).toBeUndefined();
    }
    expect(() => parseObis(42 as unknown as string)).toThrow(ArgumentError);
  });

  it('validates groups 0–255 when constructing', () => {
    expect(() => obis(256, 0, 1, 8, 0, 255)).toThrow(ArgumentError);
    expect(() => obis(1, -1, 1, 8, 0, 255)).toThrow(ArgumentError);
    expect(() => obis(1, 0, 1.5, 8, 0, 255)).toThrow(ArgumentError);
    expect(() => obis(1, 0, 1, 8, 0, NaN)).toThrow(ArgumentError);
    expect(obis(1, 0, 1, 8, 0)).toEqual({ a: 1, b: 0, c: 1, d: 8, e: 0, f: 255 });
    expect(Object.isFrozen(obis(1, 0, 1, 8, 0))).toBe(true);
  });

  it('text round trips in every style', () => {
    fc.assert(
      fc.property(arbObis, fc.constantFrom('standard', 'standard-dot', 'dotted' as const), (o, style) => {
        expect(parseObis(formatObis(o, style))).toEqual(o);
      }),
    );
  });
});

describe('bytes, Data and keys', () => {
  it('converts to and from the 6 bytes of a logical name', () => {
    expect(toHex(obisToBytes(parseObis('0-0:96.3.10*255')))).toBe('000060030AFF');
    expect(obisFromBytes(fromHex('0100010800FF'))).toEqual(parseObis('1-0:1.8.0*255'));
    expect(() => obisFromBytes(fromHex('0100010800'))).toThrow(ArgumentError);
    expect(() => obisToBytes({ a: 1, b: 0, c: 1, d: 8, e: 0, f: 300 })).toThrow(ArgumentError);
  });

  it('reads the logical name of a Data octet-string', () => {
    const d = decodeDataBytes(fromHex('09060100010800FF'));
    expect(obisFromData(d)).toEqual(obis(1, 0, 1, 8, 0, 255));
    expect(obisFromData({ type: 'octet-string', value: fromHex('01') })).toBeUndefined();
    expect(obisFromData({ type: 'unsigned', value: 1 })).toBeUndefined();
    expect(toHex((obisToData(obis(0, 0, 1, 0, 0, 255)) as { value: Uint8Array }).value)).toBe('0000010000FF');
  });

  it('keys are exact, ordered like the bytes, and reversible', () => {
    expect(obisKey(obis(255, 255, 255, 255, 255, 255))).toBe(2 ** 48 - 1);
    expect(obisKey(obis(1, 0, 1, 8, 0, 255))).toBe(0x0100010800ff);
    fc.assert(
      fc.property(arbObis, arbObis, (x, y) => {
        expect(obisFromKey(obisKey(x))).toEqual(x);
        expect(obisKey(x) === obisKey(y)).toBe(obisEquals(x, y));
        expect(Math.sign(obisKey(x) - obisKey(y))).toBe(
          Math.sign(compareBytes(obisToBytes(x), obisToBytes(y))),
        );
        expect(obisFromBytes(obisToBytes(x))).toEqual(x);
      }),
    );
    expect(() => obisFromKey(2 ** 48)).toThrow(ArgumentError);
    expect(() => obisFromKey(-1)).toThrow(DlmsError);
  });
});

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

describe('well-known names', () => {
  const cases: [string, string | undefined][] = [
    ['0.0.1.0.0.255', 'Clock'],
    ['0-0:40.0.0*255', 'Current association (Association LN)'],
    ['0.0.40.0.3.255', 'Association LN 3'],
    ['0.0.42.0.0.255', 'COSEM logical device name'],
    ['0.0.43.0.2.255', 'Security setup 2'],
    ['0.0.43.1.1.255', 'Invocation counter 1'],
    ['0.0.96.1.0.255', 'Meter serial number (device ID 1)'],
    ['0.0.96.3.10.255', 'Disconnect control'],
    ['0.0.99.98.0.255', 'Event log 0'],
    ['0.0.25.9.0.255', 'Push setup'],
    ['1.0.1.8.0.255', 'Active energy import (+A), total'],
    ['1.0.1.8.2.255', 'Active energy import (+A), tariff 2'],
    ['1.0.2.8.0.255', 'Active energy export (−A), total'],
    ['1.0.3.8.1.255', 'Reactive energy import (+R), tariff 1'],
    ['1.0.4.8.0.255', 'Reactive energy export (−R), total'],
    ['1.0.4.8.63.255', 'Reactive energy export (−R), tariff 63'],
    ['1.0.1.8.128.255', undefined], // manufacturer specific
    ['1.0.1.8.0.1', undefined], // a billing period value, not the current register
    ['1.0.1.7.0.255', 'Active power import (+P), instantaneous'],
    ['1.0.2.7.0.255', 'Active power export (−P), instantaneous'],
    ['1.0.32.7.0.255', 'Voltage L1, instantaneous'],
    ['1.0.52.7.0.255', 'Voltage L2, instantaneous'],
    ['1.0.72.7.0.255', 'Voltage L3, instantaneous'],
    ['1.0.31.7.0.255', 'Current L1, instantaneous'],
    ['1.0.51.7.0.255', 'Current L2, instantaneous'],
    ['1.0.71.7.0.255', 'Current L3, instantaneous'],
    ['1.0.13.7.0.255', 'Power factor, instantaneous'],
    ['1.0.14.7.0.255', 'Supply frequency, instantaneous'],
    ['1.0.99.1.0.255', 'Load profile 1'],
    ['6.0.1.0.0.255', 'Heat energy'],
    ['7.0.3.0.0.255', 'Gas volume (at metering conditions)'],
    ['8.0.1.0.0.255', 'Cold water volume'],
    ['9.0.1.0.0.255', 'Hot water volume'],
    ['1.1.1.8.0.255', 'Active energy import (+A), total, channel 1'],
    ['1.65.1.8.0.255', undefined], // B = 65–127 is reserved
    ['0.0.0.0.0.0', undefined],
  ];
  for (const [code, name] of cases) {
    it(`${code} → ${String(name)}`, () => {
      expect(obisName(code)).toBe(name);
      expect(obisName(parseObis(code))).toBe(name);
    });
  }

  it('every table pattern is well formed and every exact code names itself', () => {
    expect(OBIS_NAMES.length).toBeGreaterThanOrEqual(40);
    for (const { pattern, name } of OBIS_NAMES) {
      const groups = pattern.split('.');
      expect(groups).toHaveLength(6);
      for (const g of groups) expect(g).toMatch(/^(x|\d{1,3}(-\d{1,3})?)$/);
      if (/^[0-9.]+$/.test(pattern)) expect(obisName(pattern)).toBe(name);
    }
  });

  it('rejects bad text', () => {
    expect(() => obisName('1.8.0')).toThrow(ArgumentError);
  });
});
