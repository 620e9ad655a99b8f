/**
 * obisName beyond the explicit table: the systematic electricity names (value groups C and D of
 * IEC 62056-6-1, phases L1–L3, channel and tariff suffixes), the inputs it accepts, and its memo.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, isDlmsError } from '../src/index.js';
import { obis, obisFromKey, obisToBytes, parseObis } from '../src/obis.js';
import {
  OBIS_NAMES,
  OBIS_NAME_CACHE_LIMIT,
  clearObisNameCache,
  obisName,
  obisNameCacheSize,
} from '../src/obis-names.js';

describe('systematic electricity names', () => {
  const cases: [string, string | undefined][] = [
    // Quantities the explicit table does not list (C = 5–10, 15, 16; D = 7 and 8).
    ['1.0.5.8.0.255', 'Reactive energy QI, total'],
    ['1.0.8.8.2.255', 'Reactive energy QIV, tariff 2'],
    ['1.0.9.7.0.255', 'Apparent power import (+S), instantaneous'],
    ['1.0.10.8.0.255', 'Apparent energy export, total'],
    ['1.0.15.8.0.255', 'Active energy, |import| + |export|, total'],
    ['1.0.16.8.1.255', 'Active energy, import − export, tariff 1'],
    ['1.0.11.7.0.255', 'Current, any phase, instantaneous'],
    // Phases: C = 20 + n (L1), 40 + n (L2), 60 + n (L3).
    ['1.0.21.7.0.255', 'Active power import (+P) L1, instantaneous'],
    ['1.0.42.7.0.255', 'Active power export (−P) L2, instantaneous'],
    ['1.0.63.7.0.255', 'Reactive power import (+Q) L3, instantaneous'],
    ['1.0.21.8.0.255', 'Active energy import (+A) L1, total'],
    ['1.0.64.8.3.255', 'Reactive energy export (−R) L3, tariff 3'],
    ['1.0.29.7.0.255', 'Apparent power import (+S) L1, instantaneous'],
    // Channels B = 1–64 of any named electricity code.
    ['1.1.32.7.0.255', 'Voltage L1, instantaneous, channel 1'],
    ['1.2.2.8.4.255', 'Active energy export (−A), tariff 4, channel 2'],
    ['1.64.1.7.0.255', 'Active power import (+P), instantaneous, channel 64'],
    // Codes the naming deliberately leaves alone.
    ['1.0.14.8.0.255', undefined], // a time integral of the frequency
    ['1.0.21.7.1.255', undefined], // E ≠ 0 of an instantaneous value (harmonics)
    ['1.0.21.8.64.255', undefined], // E = 64–127 is not a tariff rate
    ['1.0.81.7.0.255', undefined],
    ['2.0.1.8.0.255', undefined],
  ];
  for (const [code, name] of cases) {
    it(`${code} → ${String(name)}`, () => {
      expect(obisName(code)).toBe(name);
      expect(obisName(obisToBytes(parseObis(code)))).toBe(name);
    });
  }

  it('keeps the explicit names first and adds the abstract objects cosem-objects had', () => {
    expect(obisName('1.0.32.7.0.255')).toBe('Voltage L1, instantaneous');
    expect(obisName('1.0.1.8.0.255')).toBe('Active energy import (+A), total');
    expect(obisName('0.0.25.4.0.255')).toBe('GPRS modem setup');
    expect(obisName('0.0.11.0.0.255')).toBe('Special days table');
    expect(obisName('0.0.24.1.0.255')).toBe('M-Bus client');
    expect(obisName('0.0.96.1.7.255')).toBe('Device ID 8');
    expect(obisName('1.1.0.2.129.255')).toBe('OBIS list version identifier');
    const patterns = OBIS_NAMES.map((e) => e.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
    expect(patterns.indexOf('0.0.1.0.0.255')).toBe(0);
  });
});

describe('inputs', () => {
  it('takes an Obis, text in each form, or the 6 bytes of a logical name', () => {
    const want = 'Current L3, instantaneous';
    expect(obisName(obis(1, 0, 71, 7, 0))).toBe(want);
    expect(obisName('1-0:71.7.0*255')).toBe(want);
    expect(obisName('1-0:71.7.0.255')).toBe(want);
    expect(obisName(Uint8Array.of(1, 0, 71, 7, 0, 255))).toBe(want);
  });

  it('rejects bytes that are not 6 with ArgumentError', () => {
    for (const b of [new Uint8Array(0), new Uint8Array(5), new Uint8Array(7)]) {
      expect(() => obisName(b)).toThrow(ArgumentError);
      try {
        obisName(b);
      } catch (e) {
        expect(isDlmsError(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

describe('memo', () => {
  it('gives the same answer cached and uncached, and stays within its bound', () => {
    clearObisNameCache();
    expect(obisNameCacheSize()).toBe(0);
    const first = obisName('1.0.52.7.0.255');
    expect(obisNameCacheSize()).toBe(1);
    expect(obisName('1.0.52.7.0.255')).toBe(first);
    expect(obisName(Uint8Array.of(1, 0, 52, 7, 0, 255))).toBe(first);
    expect(obisNameCacheSize()).toBe(1);
    // Unknown codes are memoised too, as "no name".
    expect(obisName('1.0.99.97.0.255')).toBeUndefined();
    expect(obisName('1.0.99.97.0.255')).toBeUndefined();
    expect(obisNameCacheSize()).toBe(2);

    // More distinct codes than the bound: the size stops at the limit and every answer is still right.
    const codes = Array.from({ length: OBIS_NAME_CACHE_LIMIT + 500 }, (_, i) =>
      obisFromKey(0x0100_0000_0000 + i * 256),
    );
    const names = codes.map((c) => obisName(c));
    expect(obisNameCacheSize()).toBe(OBIS_NAME_CACHE_LIMIT);
    clearObisNameCache();
    expect(codes.map((c) => obisName(c))).toEqual(names);
    expect(obisName('1.0.52.7.0.255')).toBe('Voltage L2, instantaneous');
  });
});
