/**
 * Names of well-known OBIS codes, for logs, CLIs and UIs: the few dozen objects met in almost every
 * meter (clock, associations, security, identification, energy and power registers, profiles, event
 * logs, gas, water and heat volumes). It is a lookup, not the full OBIS catalogue of IEC 62056-6-1,
 * and it says nothing about an object's interface class or unit (cosem-objects does).
 *
 * Facts from the value-group definitions of IEC 62056-6-1 / Blue Book chapter 7 (A = medium:
 * 0 abstract, 1 electricity, 5 cooling, 6 heat, 7 gas, 8 cold water, 9 hot water; electricity C: 1/2
 * active +/−, 3/4 reactive +/−, 13 power factor, 14 frequency, 16 active sum, 31/51/71 current
 * L1/L2/L3, 32/52/72 voltage L1/L2/L3, 33/53/73 power factor L1/L2/L3, 91 neutral current; D: 7
 * instantaneous, 8 time integral 1 (register); E: tariff, 0 = total) and the abstract objects of the
 * Blue Book's "Relation to OBIS" chapter. Gas, water and heat registers checked against public
 * meter-reading tables (7-0:3.0.0 gas volume, 8-0:1.0.0 cold water, 9-0:1.0.0 hot water, 6-0:1.0.0
 * heat energy, 5-0:1.0.0 cooling energy).
 */
import { formatObis, parseObis, type Obis } from './obis.js';

/**
 * One entry: a pattern `A.B.C.D.E.F` where a group may be `x` (any value) or a range `1-63`, and its name.
 */
export interface ObisNameEntry {
  /** Dotted pattern, e.g. `0.0.43.1.x.255` or `1.0.1.8.1-63.255`. */
  readonly pattern: string;
  /** The name; `{x}` is replaced by the value of the first group that is not a single number. */
  readonly name: string;
}

const ELECTRICITY_ENERGY: [number, string][] = [
  [1, 'Active energy import (+A)'],
  [2, 'Active energy export (−A)'],
  [3, 'Reactive energy import (+R)'],
  [4, 'Reactive energy export (−R)'],
];

/** The table, exact codes first; {@link obisName} returns the first match. */
export const OBIS_NAMES: readonly ObisNameEntry[] = [
  // Abstract objects (A = 0).
  { pattern: '0.0.1.0.0.255', name: 'Clock' },
  { pattern: '0.0.40.0.0.255', name: 'Current association (Association LN)' },
  { pattern: '0.0.40.0.x.255', name: 'Association LN {x}' },
  { pattern: '0.0.41.0.0.255', name: 'SAP assignment' },
  { pattern: '0.0.42.0.0.255', name: 'COSEM logical device name' },
  { pattern: '0.0.43.0.x.255', name: 'Security setup {x}' },
  { pattern: '0.0.43.1.x.255', name: 'Invocation counter {x}' },
  { pattern: '0.0.44.0.0.255', name: 'Image transfer' },
  { pattern: '0.0.10.0.0.255', name: 'Global meter reset script table' },
  { pattern: '0.0.10.0.100.255', name: 'Tariffication script table' },
  { pattern: '0.0.13.0.0.255', name: 'Activity calendar' },
  { pattern: '0.0.15.0.0.255', name: 'Single action schedule' },
  { pattern: '0.0.17.0.0.255', name: 'Limiter' },
  { pattern: '0.0.22.0.0.255', name: 'IEC HDLC setup' },
  { pattern: '0.0.25.0.0.255', name: 'TCP-UDP setup' },
  { pattern: '0.0.25.1.0.255', name: 'IPv4 setup' },
  { pattern: '0.0.25.9.0.255', name: 'Push setup' },
  { pattern: '0.0.96.1.0.255', name: 'Meter serial number (device ID 1)' },
  { pattern: '0.0.96.3.10.255', name: 'Disconnect control' },
  { pattern: '0.0.96.14.0.255', name: 'Currently active tariff' },
  { pattern: '0.0.99.98.x.255', name: 'Event log {x}' },
  // Electricity (A = 1).
  { pattern: '1.0.0.2.0.255', name: 'Active firmware identifier' },
  ...ELECTRICITY_ENERGY.flatMap(([c, name]): ObisNameEntry[] => [
    { pattern: `1.0.${c}.8.0.255`, name: `${name}, total` },
    // E = 1–63: tariff rates; 128–254 are manufacturer specific.
    { pattern: `1.0.${c}.8.1-63.255`, name: `${name}, tariff {x}` },
  ]),
  { pattern: '1.0.1.7.0.255', name: 'Active power import (+P), instantaneous' },
  { pattern: '1.0.2.7.0.255', name: 'Active power export (−P), instantaneous' },
  { pattern: '1.0.3.7.0.255', name: 'Reactive power import (+Q), instantaneous' },
  { pattern: '1.0.4.7.0.255', name: 'Reactive power export (−Q), instantaneous' },
  { pattern: '1.0.16.7.0.255', name: 'Active power, import − export, instantaneous' },
  { pattern: '1.0.13.7.0.255', name: 'Power factor, instantaneous' },
  { pattern: '1.0.33.7.0.255', name: 'Power factor L1, instantaneous' },
  { pattern: '1.0.53.7.0.255', name: 'Power factor L2, instantaneous' },
  { pattern: '1.0.73.7.0.255', name: 'Power factor L3, instantaneous' },
  { pattern: '1.0.14.7.0.255', name: 'Supply frequency, instantaneous' },
  { pattern: '1.0.32.7.0.255', name: 'Voltage L1, instantaneous' },
  { pattern: '1.0.52.7.0.255', name: 'Voltage L2, instantaneous' },
  { pattern: '1.0.72.7.0.255', name: 'Voltage L3, instantaneous' },
  { pattern: '1.0.31.7.0.255', name: 'Current L1, instantaneous' },
  { pattern: '1.0.51.7.0.255', name: 'Current L2, instantaneous' },
  { pattern: '1.0.71.7.0.255', name: 'Current L3, instantaneous' },
  { pattern: '1.0.91.7.0.255', name: 'Current neutral, instantaneous' },
  { pattern: '1.0.99.1.0.255', name: 'Load profile 1' },
  { pattern: '1.0.99.2.0.255', name: 'Load profile 2' },
  { pattern: '1.0.98.1.0.255', name: 'Data of billing period 1' },
  // Other media.
  { pattern: '5.0.1.0.0.255', name: 'Cooling energy' },
  { pattern: '6.0.1.0.0.255', name: 'Heat energy' },
  { pattern: '7.0.3.0.0.255', name: 'Gas volume (at metering conditions)' },
  { pattern: '8.0.1.0.0.255', name: 'Cold water volume' },
  { pattern: '9.0.1.0.0.255', name: 'Hot water volume' },
];

/** A group of a pattern as `[min, max]`; `exact` when min = max. */
type Range = readonly [number, number];
type Compiled = { readonly groups: readonly Range[]; readonly name: string };

function range(g: string): Range {
  if (g === 'x') return [0, 255];
  const dash = g.indexOf('-');
  return dash < 0 ? [Number(g), Number(g)] : [Number(g.slice(0, dash)), Number(g.slice(dash + 1))];
}

const COMPILED: readonly Compiled[] = OBIS_NAMES.map(({ pattern, name }) => ({
  groups: pattern.split('.').map(range),
  name,
}));

/** Exact codes by their dotted text, for the common case. */
const EXACT = new Map<string, string>();
for (const { pattern, name } of OBIS_NAMES) {
  if (/^[0-9.]+$/.test(pattern) && !EXACT.has(pattern)) EXACT.set(pattern, name);
}

/**
 * The well-known name of an OBIS code (an {@link Obis} or any text {@link parseObis} accepts), e.g.
 * `'Clock'` for 0.0.1.0.0.255 or `'Active energy import (+A), tariff 2'` for 1.0.1.8.2.255; `undefined`
 * for codes not in {@link OBIS_NAMES}.
 *
 * @throws ArgumentError when given text that is not an OBIS code.
 */
export function obisName(code: Obis | string): string | undefined {
  const o = typeof code === 'string' ? parseObis(code) : code;
  const exact = EXACT.get(formatObis(o, 'dotted'));
  if (exact !== undefined) return exact;
  const v = [o.a, o.b, o.c, o.d, o.e, o.f];
  for (const { groups, name } of COMPILED) {
    let wildcard: number | undefined;
    let ok = true;
    for (let i = 0; i < 6; i++) {
      const [min, max] = groups[i]!;
      const x = v[i]!;
      if (x < min || x > max) {
        ok = false;
        break;
      }
      if (min !== max) wildcard ??= x;
    }
    if (ok) return wildcard === undefined ? name : name.replace('{x}', String(wildcard));
  }
  return undefined;
}
