/**
 * Display helpers of the `dlms` command that the codecs do not already offer: OBIS codes as
 * `A-B:C.D.E.F` with their well-known name, and the guesses that make raw octet strings readable (a
 * 12-byte date-time, printable text).
 *
 * The texts themselves come from dlms-core (`formatObis`, `obisName`, `formatCosemDateTime`); this
 * module only picks them. It never parses a message.
 */
import {
  Reader,
  decodeCosemDateTime,
  formatCosemDateTime,
  formatObis,
  obisFromBytes,
  obisName,
  type CosemDateTime,
} from '@meteringlab/dlms-core';

/** `1-0:1.8.0.255` followed by the well-known name when there is one. */
export function describeObis(b: Uint8Array): string {
  const o = obisFromBytes(b);
  const name = obisName(o);
  const text = formatObis(o, 'standard-dot');
  return name ? `${text} (${name})` : text;
}

/** True when 12 bytes read as a COSEM date-time look like one (fields in range or wildcards). */
export function looksLikeDateTime(b: Uint8Array): boolean {
  if (b.length !== 12) return false;
  const [month, day, dow, hour, minute, second, hundredths] = [
    b[2]!,
    b[3]!,
    b[4]!,
    b[5]!,
    b[6]!,
    b[7]!,
    b[8]!,
  ];
  return (
    ((month >= 1 && month <= 12) || month >= 0xfd) &&
    ((day >= 1 && day <= 31) || day >= 0xfd) &&
    ((dow >= 1 && dow <= 7) || dow === 0xff) &&
    (hour <= 23 || hour === 0xff) &&
    (minute <= 59 || minute === 0xff) &&
    (second <= 59 || second === 0xff) &&
    (hundredths <= 99 || hundredths === 0xff)
  );
}

/** The date-time carried by 12 raw bytes (many meters send date-times as octet strings). */
export function dateTimeOfBytes(b: Uint8Array): CosemDateTime {
  return decodeCosemDateTime(new Reader(b));
}

/** Readable date-time (dlms-core's format for CLIs: wildcards as `*`, offset, clock status flags). */
export function describeDateTime(dt: CosemDateTime): string {
  return formatCosemDateTime(dt);
}

/** The text of bytes that are all printable ASCII, else `undefined`. */
export function printableAscii(b: Uint8Array): string | undefined {
  if (b.length === 0) return undefined;
  let s = '';
  for (const c of b) {
    if (c < 0x20 || c > 0x7e) return undefined;
    s += String.fromCharCode(c);
  }
  return s;
}
