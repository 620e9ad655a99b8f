/**
 * Display helpers of the `dlms` command: OBIS codes, COSEM date-times with their wildcards, bit names
 * and enumerated values written the way a person reads them.
 *
 * These functions only format values the codecs have already decoded; they never parse bytes of a
 * message, and nothing here is needed to encode or decode anything.
 */
import {
  ClockStatus,
  DEVIATION_NOT_SPECIFIED,
  type CosemDate,
  type CosemDateTime,
  type CosemTime,
} from '@meteringlab/dlms-core';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `A-B:C.D.E.F` for the 6 bytes of a logical name. */
export function formatObis(b: Uint8Array): string {
  return `${b[0]}-${b[1]}:${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
}

const WEEKDAYS = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function field(v: number, wildcard: number, width: number): string {
  if (v === wildcard) return '*'.repeat(width);
  return width === 4 ? String(v).padStart(4, '0') : pad2(v);
}

/** `2024-01-15 (Mon)`; `*` for fields not specified, `DST-begin`/`DST-end`/`last`/`2nd-last` as named. */
export function formatDate(d: CosemDate): string {
  const year = field(d.year, 0xffff, 4);
  const month = d.month === 0xfe ? 'DST-begin' : d.month === 0xfd ? 'DST-end' : field(d.month, 0xff, 2);
  const day = d.dayOfMonth === 0xfe ? 'last' : d.dayOfMonth === 0xfd ? '2nd-last' : field(d.dayOfMonth, 0xff, 2);
  const dow = d.dayOfWeek === 0xff ? '' : ` (${WEEKDAYS[d.dayOfWeek] ?? `day-of-week ${d.dayOfWeek}`})`;
  return `${year}-${month}-${day}${dow}`;
}

/** `10:30:00.00`; `*` for fields not specified. */
export function formatTime(t: CosemTime): string {
  return `${field(t.hour, 0xff, 2)}:${field(t.minute, 0xff, 2)}:${field(t.second, 0xff, 2)}.${field(t.hundredths, 0xff, 2)}`;
}

const CLOCK_STATUS_NAMES: readonly [number, string][] = [
  [ClockStatus.invalidValue, 'invalid-value'],
  [ClockStatus.doubtfulValue, 'doubtful-value'],
  [ClockStatus.differentClockBase, 'different-clock-base'],
  [ClockStatus.invalidClockStatus, 'invalid-clock-status'],
  [ClockStatus.daylightSavingActive, 'daylight-saving-active'],
];

/**
 * `2024-01-15 (Mon) 10:30:00.00 deviation +60 min, status 0x80 (daylight-saving-active)`. The deviation
 * is printed as on the wire (IEC 62056-6-2 4.1.6.1: minutes of local time ahead of UTC, with the sign
 * convention of the standard); status 0xFF means "not specified".
 */
export function formatDateTime(dt: CosemDateTime): string {
  const dev =
    dt.deviation === DEVIATION_NOT_SPECIFIED
      ? 'deviation not specified'
      : `deviation ${dt.deviation >= 0 ? '+' : ''}${dt.deviation} min`;
  let status: string;
  if (dt.clockStatus === 0xff) status = 'status not specified';
  else if (dt.clockStatus === 0) status = 'status 0x00';
  else {
    const names = CLOCK_STATUS_NAMES.filter(([bit]) => (dt.clockStatus & bit) !== 0).map(([, n]) => n);
    status = `status 0x${dt.clockStatus.toString(16).toUpperCase().padStart(2, '0')} (${names.join(', ') || 'reserved bits'})`;
  }
  return `${formatDate(dt)} ${formatTime(dt)} ${dev}, ${status}`;
}

/** True when 12 bytes read as a COSEM date-time look like one (months, days and times in range or wildcards). */
export function looksLikeDateTime(b: Uint8Array): boolean {
  if (b.length !== 12) return false;
  const month = b[2]!;
  const day = b[3]!;
  const dow = b[4]!;
  const hour = b[5]!;
  const minute = b[6]!;
  const second = b[7]!;
  const hundredths = b[8]!;
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

/** The date-time fields of 12 raw bytes (for octet strings that carry a date-time, as many meters send). */
export function dateTimeOfBytes(b: Uint8Array): CosemDateTime {
  const dev = (b[9]! << 8) | b[10]!;
  return {
    year: (b[0]! << 8) | b[1]!,
    month: b[2]!,
    dayOfMonth: b[3]!,
    dayOfWeek: b[4]!,
    hour: b[5]!,
    minute: b[6]!,
    second: b[7]!,
    hundredths: b[8]!,
    deviation: dev > 0x7fff ? dev - 0x10000 : dev,
    clockStatus: b[11]!,
  };
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

/**
 * Conformance block bits (Green Book, xDLMS Conformance, a 24-bit BIT STRING): bit 0 is the most
 * significant bit of the 24-bit value.
 */
export const CONFORMANCE_BITS: readonly string[] = [
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
];

/** Names of the bits set in a 24-bit conformance value. */
export function conformanceNames(value: number): string[] {
  const out: string[] = [];
  for (let bit = 0; bit < 24; bit++) if ((value >>> (23 - bit)) & 1) out.push(CONFORMANCE_BITS[bit]!);
  return out;
}

/** Data-Access-Result names (Green Book, xDLMS Data-Access-Result ENUMERATED). */
export const DATA_ACCESS_RESULTS: Readonly<Record<number, string>> = {
  0: 'success',
  1: 'hardware-fault',
  2: 'temporary-failure',
  3: 'read-write-denied',
  4: 'object-undefined',
  9: 'object-class-inconsistent',
  11: 'object-unavailable',
  12: 'type-unmatched',
  13: 'scope-of-access-violated',
  14: 'data-block-unavailable',
  15: 'long-get-aborted',
  16: 'no-long-get-in-progress',
  17: 'long-set-aborted',
  18: 'no-long-set-in-progress',
  19: 'data-block-number-invalid',
  250: 'other-reason',
};

/** Action-Result names (Green Book, xDLMS Action-Result ENUMERATED). */
export const ACTION_RESULTS: Readonly<Record<number, string>> = {
  ...DATA_ACCESS_RESULTS,
};

/** AARE association-result (IEC 8650 / Green Book ACSE). */
export const ASSOCIATION_RESULTS: Readonly<Record<number, string>> = {
  0: 'accepted',
  1: 'rejected-permanent',
  2: 'rejected-transient',
};

/** AARE result-source-diagnostic, acse-service-user arm. */
export const ACSE_SERVICE_USER_DIAGNOSTICS: Readonly<Record<number, string>> = {
  0: 'null',
  1: 'no-reason-given',
  2: 'application-context-name-not-supported',
  3: 'calling-AP-title-not-recognized',
  4: 'calling-AP-invocation-identifier-not-recognized',
  5: 'calling-AE-qualifier-not-recognized',
  6: 'calling-AE-invocation-identifier-not-recognized',
  7: 'called-AP-title-not-recognized',
  8: 'called-AP-invocation-identifier-not-recognized',
  9: 'called-AE-qualifier-not-recognized',
  10: 'called-AE-invocation-identifier-not-recognized',
  11: 'authentication-mechanism-name-not-recognised',
  12: 'authentication-mechanism-name-required',
  13: 'authentication-failure',
  14: 'authentication-required',
};

/** AARE result-source-diagnostic, acse-service-provider arm. */
export const ACSE_SERVICE_PROVIDER_DIAGNOSTICS: Readonly<Record<number, string>> = {
  0: 'null',
  1: 'no-reason-given',
  2: 'no-common-acse-version',
};
