import { describe, expect, it } from 'vitest';
import { isDlmsError, type Data } from '@meteringlab/dlms-core';
import {
  DataObject,
  ExtendedRegister,
  logicalNameBytes,
  logicalNameText,
  normalizeLogicalName,
  obisName,
} from '@meteringlab/cosem-objects';

describe('logical names', () => {
  it('parse the dotted and display forms', () => {
    expect([...logicalNameBytes('1.0.1.8.0.255')]).toEqual([1, 0, 1, 8, 0, 255]);
    expect(normalizeLogicalName('1-0:1.8.0.255')).toBe('1.0.1.8.0.255');
    expect(normalizeLogicalName('1-0:1.8.0*255')).toBe('1.0.1.8.0.255');
    expect(logicalNameText(Uint8Array.of(0, 0, 96, 1, 0, 255))).toBe('0.0.96.1.0.255');
  });
  it.each(['1.0.1.8.0', '1.0.1.8.0.256', 'a.b.c.d.e.f', ''])('rejects %j with INVALID_ARGUMENT', (s) => {
    try {
      logicalNameBytes(s);
      expect.unreachable();
    } catch (e) {
      expect(isDlmsError(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});

describe('OBIS labels', () => {
  it.each([
    ['0.0.1.0.0.255', 'Clock'],
    ['1.0.1.8.0.255', 'Active energy import (+A), total'],
    ['1.0.1.8.1.255', 'Active energy import (+A), tariff 1'],
    ['1.0.2.7.0.255', 'Active power export (−P), instantaneous'],
    ['1.0.21.7.0.255', 'Active power import (+P) L1, instantaneous'],
    ['1.0.31.7.0.255', 'Current L1, instantaneous'],
    ['1.0.52.7.0.255', 'Voltage L2, instantaneous'],
    ['1.0.72.7.0.255', 'Voltage L3, instantaneous'],
    ['1.0.14.7.0.255', 'Supply frequency, instantaneous'],
  ])('%s is %s', (ln, name) => {
    expect(obisName(ln)).toBe(name);
  });
  it('gives undefined for unknown names and rejects invalid ones (dlms-core obisName)', () => {
    expect(obisName('1.0.99.97.0.255')).toBeUndefined();
    expect(obisName('7.0.1.8.0.255')).toBeUndefined();
    expect(() => obisName('nonsense')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('Data and Extended register hooks', () => {
  const ctx = { clientSap: 1, authenticated: true };
  it('DataObject onSet can refuse or accept', async () => {
    const seen: Data[] = [];
    const d = new DataObject({
      logicalName: '0.0.96.1.0.255',
      value: () => ({ type: 'visible-string', value: 'x' }),
      onSet: (v) => {
        seen.push(v);
        return v.type === 'visible-string' ? 'success' : 'type-unmatched';
      },
    });
    expect(await d.set(2, { type: 'visible-string', value: 'y' }, ctx)).toBe('success');
    expect(await d.set(2, { type: 'long', value: 1 }, ctx)).toBe('type-unmatched');
    expect(seen.length).toBe(2);
    expect(await d.get(2, ctx)).toEqual({ type: 'visible-string', value: 'x' });
    expect(await d.get(3, ctx)).toBe('object-undefined');
  });

  it('Extended register serves status and capture_time; reset calls the hook', async () => {
    let resets = 0;
    const r = new ExtendedRegister({
      logicalName: '1.0.1.6.0.255',
      value: () => ({ type: 'double-long-unsigned', value: 7 }),
      scalerUnit: { scaler: 1, unit: 27 },
      status: { type: 'unsigned', value: 0 },
      captureTime: () => ({
        type: 'octet-string',
        value: Uint8Array.of(7, 232, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0),
      }),
      onReset: () => void resets++,
    });
    expect(r.classId).toBe(4);
    expect(await r.get(4, ctx)).toEqual({ type: 'unsigned', value: 0 });
    expect(((await r.get(5, ctx)) as { value: Uint8Array }).value.length).toBe(12);
    expect((await r.action(1, { type: 'integer', value: 0 }, ctx)).result).toBe('success');
    expect(resets).toBe(1);
  });
});
