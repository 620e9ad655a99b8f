import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDlmsError } from '@meteringlab/dlms-core';
import {
  applyScaler,
  scalerUnitFromData,
  scalerUnitToData,
  unitByCode,
  unitSymbol,
  UNITS,
  unscale,
} from '@meteringlab/cosem-objects';

describe('unit table', () => {
  // Spot checks against the Blue Book unit enumeration (4.3.2).
  it.each([
    [1, 'a'],
    [7, 's'],
    [9, '°C'],
    [13, 'm³'],
    [27, 'W'],
    [28, 'VA'],
    [29, 'var'],
    [30, 'Wh'],
    [31, 'VAh'],
    [32, 'varh'],
    [33, 'A'],
    [35, 'V'],
    [44, 'Hz'],
    [56, '%'],
    [57, 'Ah'],
    [70, 'dBm'],
    [72, 'dB'],
    [254, 'other'],
    [255, ''],
  ])('unit %i is %s', (code, symbol) => {
    expect(unitSymbol(code)).toBe(symbol);
  });

  it('leaves unassigned codes undefined', () => {
    for (const c of [0, 58, 59, 68, 69, 73, 200, 253]) expect(unitByCode(c)).toBeUndefined();
  });

  it('is sorted, unique and names every quantity', () => {
    const codes = UNITS.map((u) => u.code);
    expect([...codes].sort((a, b) => a - b)).toEqual(codes);
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes.length).toBe(70);
    for (const u of UNITS) expect(u.quantity.length).toBeGreaterThan(0);
    expect(unitByCode(30)?.quantity).toBe('active energy');
  });
});

describe('scaler', () => {
  it('scales exactly', () => {
    expect(applyScaler(3, -1)).toBe(0.3);
    expect(applyScaler(2307, -1)).toBe(230.7);
    expect(applyScaler(6781, -3)).toBe(6.781);
    expect(applyScaler(12, 3)).toBe(12000);
    expect(applyScaler(-5, -2)).toBe(-0.05);
    expect(applyScaler(10049926n, 0)).toBe(10049926);
    expect(applyScaler(123456789012345678n, -2)).toBe(Number('1234567890123456.78'));
  });

  it('rejects a scaler outside int8', () => {
    expect(() => applyScaler(1, 128)).toThrow();
    try {
      applyScaler(1, 1.5);
    } catch (e) {
      expect(isDlmsError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('property: result equals the decimal string form, and unscale inverts it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }),
        fc.integer({ min: -9, max: 6 }),
        (raw, scaler) => {
          const v = applyScaler(raw, scaler);
          expect(v).toBe(parseFloat(`${raw}e${scaler}`));
          expect(unscale(v, scaler)).toBe(raw);
        },
      ),
    );
  });

  it('property: bigint raw values scale like their decimal text', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
        fc.integer({ min: -6, max: 3 }),
        (raw, scaler) => {
          expect(applyScaler(raw, scaler)).toBe(Number(`${raw}e${scaler}`));
        },
      ),
    );
  });

  it('unscale rounds to the nearest integer', () => {
    expect(unscale(0.3, -1)).toBe(3);
    expect(unscale(230.75, -1)).toBe(2308);
    expect(unscale(-0.05, -2)).toBe(-5);
    expect(unscale(12000, 3)).toBe(12);
  });

  it('scaler_unit Data round trip', () => {
    const d = scalerUnitToData({ scaler: -1, unit: 35 });
    expect(d).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: -1 },
        { type: 'enum', value: 35 },
      ],
    });
    expect(scalerUnitFromData(d)).toEqual({ scaler: -1, unit: 35 });
    expect(scalerUnitFromData({ type: 'structure', value: [{ type: 'integer', value: 1 }] })).toBeUndefined();
    expect(scalerUnitFromData({ type: 'null-data' })).toBeUndefined();
  });
});
