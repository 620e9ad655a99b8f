/**
 * Logical names (OBIS codes, IEC 62056-6-1) as used by this package: 6 bytes on the wire, the dotted
 * text form `'1.0.1.8.0.255'` in readings and keys. Parsing also accepts the usual display form
 * `'1-0:1.8.0.255'` / `'1-0:1.8.0*255'`.
 *
 * A thin layer over dlms-core's `obis.ts`, which does the parsing and formatting (`parseObis`,
 * `obisFromBytes`, `formatObis(…, 'dotted')`, `obisToBytes`): this module only names the two
 * representations the object model needs. The dotted text of 6 bytes is on the hot path of readings,
 * so it is memoised by the code's number in a small bounded map.
 */
import { ArgumentError, formatObis, obisFromBytes, obisToBytes, parseObis } from '@meteringlab/dlms-core';

/** A logical name given either as its 6 bytes or as text (`'0.0.1.0.0.255'` or `'0-0:1.0.0.255'`). */
export type LogicalNameInput = string | Uint8Array;

/** Dotted texts by the code's 48-bit number (the same number as dlms-core's `obisKey`). */
const TEXTS = new Map<number, string>();
const TEXTS_LIMIT = 1024;

/** The dotted text form of a 6-byte logical name (`'1.0.1.8.0.255'`). */
export function logicalNameText(bytes: Uint8Array): string {
  if (bytes.length !== 6) throw new ArgumentError('a logical name has 6 bytes');
  const key =
    ((bytes[0]! * 256 + bytes[1]!) * 256 + bytes[2]!) * 16_777_216 +
    ((bytes[3]! << 16) | (bytes[4]! << 8) | bytes[5]!);
  let text = TEXTS.get(key);
  if (text === undefined) {
    text = formatObis(obisFromBytes(bytes), 'dotted');
    if (TEXTS.size >= TEXTS_LIMIT) TEXTS.delete(TEXTS.keys().next().value!);
    TEXTS.set(key, text);
  }
  return text;
}

/** The 6 bytes of a logical name; text in dotted or display form. A bad value is an `ArgumentError`. */
export function logicalNameBytes(ln: LogicalNameInput): Uint8Array {
  if (ln instanceof Uint8Array) {
    if (ln.length !== 6) throw new ArgumentError('a logical name has 6 bytes');
    return ln;
  }
  return obisToBytes(parseObis(ln));
}

/** Canonical dotted text of any logical name input. */
export function normalizeLogicalName(ln: LogicalNameInput): string {
  return ln instanceof Uint8Array ? logicalNameText(ln) : formatObis(parseObis(ln), 'dotted');
}

/** True when `d` looks like an OBIS octet string: exactly 6 bytes. */
export function isLogicalNameBytes(b: Uint8Array): boolean {
  return b.length === 6;
}
