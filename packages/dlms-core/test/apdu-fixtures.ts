/**
 * Shared checks of the xDLMS codec tests: an annotated fixture must decode to its value, re-encode to
 * its bytes, fail with TRUNCATED at every prefix and with TRAILING_BYTES with one byte more.
 */
import { describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, fromHex, toHex, type Apdu } from '../src/index.js';
import { codeOf } from './codec-helpers.js';

export { codeOf };

/** Checks one fixture four ways (decode, re-encode, every prefix, one extra byte). */
export function checkFixture(hex: string, expected: Apdu): void {
  const bytes = fromHex(hex);
  const v = decodeApdu(bytes);
  expect(v).toEqual(expected);
  expect(toHex(encodeApdu(v))).toBe(toHex(bytes));
  expect(toHex(encodeApdu(expected))).toBe(toHex(bytes));
  for (let i = 0; i < bytes.length; i++)
    expect(
      codeOf(() => decodeApdu(bytes.subarray(0, i))),
      `prefix ${i}`,
    ).toBe('TRUNCATED');
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  expect(codeOf(() => decodeApdu(longer))).toBe('TRAILING_BYTES');
}

/** An Invoke-Id-And-Priority (confirmed, high priority unless told otherwise). */
export const iid = (invokeId: number, confirmed = true, highPriority = true) => ({
  invokeId,
  confirmed,
  highPriority,
});

/** A byte fixture with the value it decodes to and where it came from. */
export interface Fixture {
  readonly name: string;
  readonly origin: string;
  readonly hex: string;
  readonly apdu: Apdu;
}

/** One `it` per fixture, titled with its name and origin. */
export function runFixtures(title: string, fixtures: readonly Fixture[]): void {
  describe(title, () => {
    for (const f of fixtures) {
      it(`${f.name} (${f.origin})`, () => checkFixture(f.hex, f.apdu));
    }
  });
}
