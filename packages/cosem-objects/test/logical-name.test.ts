/**
 * logical-name.ts over dlms-core's obis.ts: the same texts and bytes as dlms-core for every code, the
 * memoised 6-byte → dotted text conversion staying right past its bound, and the errors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatObis, isDlmsError, obisFromBytes } from '@meteringlab/dlms-core';
import {
  isLogicalNameBytes,
  logicalNameBytes,
  logicalNameText,
  normalizeLogicalName,
} from '@meteringlab/cosem-objects';

const arbBytes = fc.uint8Array({ minLength: 6, maxLength: 6 });

describe('logical names', () => {
  it('text, bytes and display forms agree with dlms-core for any code', () => {
    fc.assert(
      fc.property(arbBytes, (b) => {
        const text = logicalNameText(b);
        expect(text).toBe(formatObis(obisFromBytes(b), 'dotted'));
        // Twice: the second answer comes from the memo.
        expect(logicalNameText(b.slice())).toBe(text);
        expect(logicalNameBytes(text)).toEqual(b);
        const display = formatObis(obisFromBytes(b), 'standard');
        expect(normalizeLogicalName(display)).toBe(text);
        expect(normalizeLogicalName(formatObis(obisFromBytes(b), 'standard-dot'))).toBe(text);
        expect(normalizeLogicalName(b)).toBe(text);
      }),
    );
  });

  it('stays right for more distinct codes than the memo holds', () => {
    const codes = Array.from({ length: 3000 }, (_, i) => Uint8Array.of(1, 0, i >> 8, i & 0xff, 0, 255));
    const first = codes.map(logicalNameText);
    expect(codes.map(logicalNameText)).toEqual(first);
    expect(first[2999]).toBe('1.0.11.183.0.255');
  });

  it('gives bytes back as they are, and rejects other lengths and bad text with INVALID_ARGUMENT', () => {
    const b = Uint8Array.of(0, 0, 1, 0, 0, 255);
    expect(logicalNameBytes(b)).toBe(b);
    expect(isLogicalNameBytes(b)).toBe(true);
    expect(isLogicalNameBytes(new Uint8Array(5))).toBe(false);
    for (const bad of [
      () => logicalNameText(new Uint8Array(5)),
      () => logicalNameBytes(new Uint8Array(7)),
      () => logicalNameBytes('1-0:1.8.0'),
      () => normalizeLogicalName('1.0.1.8.0.300'),
    ]) {
      try {
        bad();
        expect.unreachable();
      } catch (e) {
        expect(isDlmsError(e, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});
