/**
 * Logical names (OBIS codes, IEC 62056-6-1) as used by this package: 6 bytes on the wire, the dotted
 * text form `'1.0.1.8.0.255'` in readings and keys. Parsing also accepts the usual display form
 * `'1-0:1.8.0.255'` / `'1-0:1.8.0*255'`.
 *
 * Deliberately minimal: the full OBIS model (groups, wildcards, names) belongs to dlms-core's
 * `obis.ts`; this module only converts between the two representations the object model needs.
 */
import { ArgumentError } from '@meteringlab/dlms-core';

/** A logical name given either as its 6 bytes or as text (`'0.0.1.0.0.255'` or `'0-0:1.0.0.255'`). */
export type LogicalNameInput = string | Uint8Array;

/** The dotted text form of a 6-byte logical name (`'1.0.1.8.0.255'`). */
export function logicalNameText(bytes: Uint8Array): string {
  if (bytes.length !== 6) throw new ArgumentError('a logical name has 6 bytes');
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}.${bytes[4]}.${bytes[5]}`;
}

/** The 6 bytes of a logical name; text in dotted or display form. A bad value is an `ArgumentError`. */
export function logicalNameBytes(ln: LogicalNameInput): Uint8Array {
  if (ln instanceof Uint8Array) {
    if (ln.length !== 6) throw new ArgumentError('a logical name has 6 bytes');
    return ln;
  }
  const m = /^(\d{1,3})[.-](\d{1,3})[.:](\d{1,3})\.(\d{1,3})\.(\d{1,3})[.*](\d{1,3})$/.exec(ln.trim());
  if (m === null) throw new ArgumentError(`'${ln}' is not a logical name`);
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const v = Number(m[i + 1]);
    if (v > 255) throw new ArgumentError(`'${ln}' is not a logical name`);
    out[i] = v;
  }
  return out;
}

/** Canonical dotted text of any logical name input. */
export function normalizeLogicalName(ln: LogicalNameInput): string {
  return logicalNameText(logicalNameBytes(ln));
}

/** True when `d` looks like an OBIS octet string: exactly 6 bytes. */
export function isLogicalNameBytes(b: Uint8Array): boolean {
  return b.length === 6;
}
