/**
 * Readable labels for well-known logical names (IEC 62056-6-1 / Blue Book OBIS code tables), used to
 * label readings and profile columns. A label is a convenience for people, never a key: keys are
 * the OBIS codes themselves.
 *
 * Electricity quantities (A = 1) are named from value group C (quantity and phase) and D (7 =
 * instantaneous value, 8 = time integral 1, i.e. the energy register) per IEC 62056-6-1 tables for
 * C and D; abstract objects (A = 0) from a short list of the most common instances. Channel (B) and
 * tariff rate (E) are added as suffixes when not 0.
 */
import { logicalNameBytes, type LogicalNameInput } from './logical-name.js';

// Value group C for electricity (IEC 62056-6-1 table "Value group C codes – Electricity").
const C_QUANTITY: Readonly<Record<number, readonly [power: string, energy: string]>> = {
  1: ['Active power import (+P)', 'Active energy import (+A)'],
  2: ['Active power export (−P)', 'Active energy export (−A)'],
  3: ['Reactive power import (+Q)', 'Reactive energy import (+R)'],
  4: ['Reactive power export (−Q)', 'Reactive energy export (−R)'],
  5: ['Reactive power QI', 'Reactive energy QI'],
  6: ['Reactive power QII', 'Reactive energy QII'],
  7: ['Reactive power QIII', 'Reactive energy QIII'],
  8: ['Reactive power QIV', 'Reactive energy QIV'],
  9: ['Apparent power import (+S)', 'Apparent energy import'],
  10: ['Apparent power export (−S)', 'Apparent energy export'],
  11: ['Current (any phase)', 'Ampere-squared hours (any phase)'],
  12: ['Voltage (any phase)', 'Volt-squared hours (any phase)'],
  13: ['Power factor', 'Power factor'],
  14: ['Supply frequency', 'Supply frequency'],
  15: ['Active power |+P|+|−P|', 'Active energy |+A|+|−A|'],
  16: ['Active power |+P|−|−P|', 'Active energy |+A|−|−A|'],
  91: ['Current neutral', 'Current neutral'],
};

const PHASE_BASE: readonly (readonly [number, string])[] = [
  [20, 'L1'],
  [40, 'L2'],
  [60, 'L3'],
];

const PHASE_QUANTITY: Readonly<Record<number, readonly [string, string]>> = {
  1: ['Active power import (+P)', 'Active energy import (+A)'],
  2: ['Active power export (−P)', 'Active energy export (−A)'],
  3: ['Reactive power import (+Q)', 'Reactive energy import (+R)'],
  4: ['Reactive power export (−Q)', 'Reactive energy export (−R)'],
  9: ['Apparent power import (+S)', 'Apparent energy import'],
  10: ['Apparent power export (−S)', 'Apparent energy export'],
  11: ['Current', 'Ampere-squared hours'],
  12: ['Voltage', 'Volt-squared hours'],
  13: ['Power factor', 'Power factor'],
};

// Abstract objects (A = 0) and a few electricity identifiers, by their full code.
const EXACT: ReadonlyMap<string, string> = new Map([
  ['0.0.1.0.0.255', 'Clock'],
  ['0.0.40.0.0.255', 'Current association'],
  ['0.0.41.0.0.255', 'SAP assignment'],
  ['0.0.42.0.0.255', 'COSEM logical device name'],
  ['0.0.22.0.0.255', 'IEC HDLC setup'],
  ['0.0.25.0.0.255', 'TCP-UDP setup'],
  ['0.0.25.1.0.255', 'IPv4 setup'],
  ['0.0.25.4.0.255', 'GPRS modem setup'],
  ['0.0.25.9.0.255', 'Push setup'],
  ['0.0.43.0.0.255', 'Security setup'],
  ['0.0.44.0.0.255', 'Image transfer'],
  ['0.0.13.0.0.255', 'Activity calendar'],
  ['0.0.11.0.0.255', 'Special days table'],
  ['0.0.10.0.0.255', 'Global meter reset script table'],
  ['0.0.10.0.100.255', 'Tariffication script table'],
  ['0.0.15.0.0.255', 'End of billing period single action schedule'],
  ['0.0.96.1.0.255', 'Device ID 1 (serial number)'],
  ['0.0.96.1.1.255', 'Device ID 2'],
  ['0.0.96.1.7.255', 'Device ID 8 (meter type)'],
  ['0.0.96.3.10.255', 'Disconnect control'],
  ['0.0.17.0.0.255', 'Limiter'],
  ['0.0.96.14.0.255', 'Currently active tariff'],
  ['0.0.99.98.0.255', 'Standard event log'],
  ['0.0.24.1.0.255', 'M-Bus client'],
  ['1.0.0.2.0.255', 'Active firmware identifier'],
  ['1.0.0.2.129.255', 'OBIS list version identifier'],
  ['1.1.0.2.129.255', 'OBIS list version identifier'],
  ['1.0.99.1.0.255', 'Load profile 1'],
  ['1.0.99.2.0.255', 'Load profile 2'],
  ['1.0.98.1.0.255', 'Billing profile'],
]);

/**
 * A readable label of a logical name, or `undefined` when none is known. Accepts bytes or text.
 * An invalid name gives `undefined` rather than an error (labels are best effort).
 */
export function obisName(ln: LogicalNameInput): string | undefined {
  let b: Uint8Array;
  try {
    b = logicalNameBytes(ln);
  } catch {
    return undefined;
  }
  const text = `${b[0]}.${b[1]}.${b[2]}.${b[3]}.${b[4]}.${b[5]}`;
  const exact = EXACT.get(text);
  if (exact !== undefined) return exact;
  const [a, ch, c, d, e] = [b[0]!, b[1]!, b[2]!, b[3]!, b[4]!];
  if (a !== 1 || (d !== 7 && d !== 8)) return undefined;
  let base: string | undefined;
  const general = C_QUANTITY[c];
  if (general !== undefined) base = general[d === 7 ? 0 : 1];
  else {
    for (const [offset, phase] of PHASE_BASE) {
      const q = PHASE_QUANTITY[c - offset];
      if (c > offset && c <= offset + 20 && q !== undefined) base = `${q[d === 7 ? 0 : 1]} ${phase}`;
    }
  }
  if (base === undefined) return undefined;
  if (d === 8 && e !== 0) base += ` rate ${e}`;
  if (ch !== 0 && ch !== 1) base += ` (channel ${ch})`;
  return base;
}
