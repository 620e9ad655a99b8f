/**
 * The xDLMS conformance block of the xDLMS ASN.1 (IEC 62056-5-3 / Green Book):
 * `Conformance ::= [APPLICATION 31] IMPLICIT BIT STRING (SIZE(24))`, one bit per service or feature.
 *
 * The block is kept as a 24-bit number whose MSB is bit 0 (`reserved-zero`) and whose LSB is bit 23
 * (`action`), so `0x007E1F` reads as the hex printed in the standard's examples. Its BER encoding is
 * always `5F 1F 04 00 xx xx xx` (tag, length 4, no unused bits, three bytes), even inside A-XDR
 * InitiateRequest/InitiateResponse. This file does not negotiate: intersecting blocks is a bitwise AND.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { readBerTlv } from '../ber/tlv.js';

/** The 24 conformance bits in bit-number order (index = bit number), named as in the Green Book. */
export const CONFORMANCE_BITS = [
  'reserved-zero',
  'general-protection',
  'general-block-transfer',
  'read',
  'write',
  'unconfirmed-write',
  'delta-value-encoding',
  'reserved-seven',
  'attribute0-supported-with-set',
  'priority-mgmt-supported',
  'attribute0-supported-with-get',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'information-report',
  'data-notification',
  'access',
  'parameterized-access',
  'get',
  'set',
  'selective-access',
  'event-notification',
  'action',
] as const;

/** Name of one conformance bit. */
export type ConformanceBit = (typeof CONFORMANCE_BITS)[number];

/** The [APPLICATION 31] tag of the conformance block. */
export const CONFORMANCE_TAG = 0x5f1f;

/** Mask per bit name: a plain object (engines test bits on every request; a property load is cheaper than a Map lookup). */
const BIT_MASK: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(CONFORMANCE_BITS.map((n, i) => [n, 1 << (23 - i)])),
);

/** Mask of one named bit in the 24-bit block (bit 0 is 0x800000). */
export function conformanceBit(name: ConformanceBit): number {
  const m = Object.hasOwn(BIT_MASK, name) ? BIT_MASK[name] : undefined;
  if (m === undefined) throw new ArgumentError(`'${String(name)}' is not a conformance bit`);
  return m;
}

/** The 24-bit block with exactly the named bits set. */
export function conformanceFromNames(names: Iterable<ConformanceBit>): number {
  let n = 0;
  for (const name of names) n |= conformanceBit(name);
  return n;
}

/** Names of the bits set in a 24-bit block, in bit-number order. */
export function conformanceToNames(n: number): ConformanceBit[] {
  checkConformance(n);
  const out: ConformanceBit[] = [];
  for (let i = 0; i < 24; i++) if (n & (1 << (23 - i))) out.push(CONFORMANCE_BITS[i]!);
  return out;
}

function checkConformance(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffff) {
    throw new ArgumentError(`${n} is not a 24-bit conformance block`);
  }
}

/** Reads a BER conformance block `5F 1F 04 00 xx xx xx` and returns the 24-bit value. */
export function decodeConformance(r: Reader): number {
  const c = readBerTlv(r, CONFORMANCE_TAG, 'conformance block');
  if (c.remaining !== 4) {
    throw c.error('INVALID_VALUE', `conformance block of ${c.remaining} content bytes, expected 4`);
  }
  const unused = c.u8();
  if (unused !== 0) throw c.error('INVALID_VALUE', `conformance block with ${unused} unused bits`, c.pos - 1);
  return (c.u8() << 16) | c.u16();
}

/** Writes a 24-bit block as `5F 1F 04 00 xx xx xx`. */
export function encodeConformance(w: Writer, n: number): void {
  checkConformance(n);
  w.u16(CONFORMANCE_TAG)
    .u8(4)
    .u8(0)
    .u8(n >>> 16)
    .u16(n & 0xffff);
}
