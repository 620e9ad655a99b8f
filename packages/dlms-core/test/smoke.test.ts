import { describe, expect, it } from 'vitest';
import { decodeDataBytes, encodeDataBytes, fromHex, toHex } from '../src/index.js';

describe('Data smoke', () => {
  it('round-trips a structure', () => {
    const hex = '020309060100010800FF06000004D20F00';
    const d = decodeDataBytes(fromHex(hex));
    expect(d.type).toBe('structure');
    expect(toHex(encodeDataBytes(d))).toBe(hex);
  });
});
