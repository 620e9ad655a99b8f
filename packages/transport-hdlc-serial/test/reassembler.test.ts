import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '@meteringlab/dlms-core';
import { LLC_RESPONSE, Reassembler } from '../src/index.js';

// A response cut into two segments, each carrying the LLC header E6 E7 00 (the quirk); the APDU is
// a GET-Response-Normal C4 01 C1 00 06 00 00 30 39 (double-long-unsigned 12345), built by hand.
const first = fromHex('E6E700 C4 01 C1 00');
const second = fromHex('E6E700 06 00 00 30 39');

describe('Reassembler', () => {
  it('removes the LLC header from the first segment only, as IEC 62056-46 has it', () => {
    const r = new Reassembler(LLC_RESPONSE, 1024);
    expect(r.add(first, true)).toBeUndefined();
    expect(toHex(r.add(fromHex('06 00 00 30 39'), false) as Uint8Array)).toBe(
      'C401C10006000030 39'.replace(' ', ''),
    );
  });

  it('keeps a repeated LLC header as data unless the meter quirk is set', () => {
    const strict = new Reassembler(LLC_RESPONSE, 1024);
    strict.add(first, true);
    expect(toHex(strict.add(second, false) as Uint8Array)).toBe('C401C100E6E7000600003039');
    const lenient = new Reassembler(LLC_RESPONSE, 1024, true);
    lenient.add(first, true);
    expect(toHex(lenient.add(second, false) as Uint8Array)).toBe('C401C1000600003039');
  });
});
