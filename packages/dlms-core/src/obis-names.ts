/**
 * Names of well-known OBIS codes, for logs, CLIs, UIs and readings: the few dozen objects met in almost
 * every meter (clock, associations, security, identification, energy and power registers, profiles,
 * event logs, gas, water and heat volumes) by an explicit table, and the electricity quantities by a
 * systematic naming from value groups C and D. It is a lookup, not the full OBIS catalogue of
 * IEC 62056-6-1, and it says nothing about an object's interface class or unit (cosem-objects does).
 *
 * Facts from the value-group definitions of IEC 62056-6-1 / Blue Book chapter 7 (A = medium:
 * 0 abstract, 1 electricity, 5 cooling, 6 heat, 7 gas, 8 cold water, 9 hot water; B = channel, 0 = none
 * specified, 1–64 channels; electricity C: 1/2 active +/−, 3/4 reactive +/−, 5–8 reactive in quadrants
 * I–IV, 9/10 apparent +/−, 11 current and 12 voltage of any phase, 13 power factor, 14 frequency,
 * 15 |active+| + |active−|, 16 active+ − active−, 21–40 / 41–60 / 61–80 the quantities 1–20 of phase
 * L1 / L2 / L3, 91 neutral current; D: 7 instantaneous, 8 time integral 1 (register); E: tariff rate,
 * 0 = total, 1–63 rates) and the abstract objects of the Blue Book's "Relation to OBIS" chapter. Gas,
 * water and heat registers checked against public meter-reading tables (7-0:3.0.0 gas volume,
 * 8-0:1.0.0 cold water, 9-0:1.0.0 hot water, 6-0:1.0.0 heat energy, 5-0:1.0.0 cooling energy). The
 * OBIS list version identifier 1-x:0.2.129 is the Nordic HAN lists' (manufacturer-specific E = 129).
 *
 * Speed: names are memoised by {@link obisKey} in a bounded map, and exact codes are looked up by key,
 * so that naming every reading of a push costs a map lookup, not a formatting and a table scan.
 */
import { obisKey, parseObis, type Obis } from './obis.js';
import { ArgumentError } from './errors.js';

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

/**
 * Electricity quantities by value group C (IEC 62056-6-1, "Value group C codes – Electricity"): the
 * name of the instantaneous value (D = 7) and of the energy register (D = 8), `undefined` where that
 * processing is not named here.
 */
const C_QUANTITY: readonly (readonly [c: number, power: string, energy: string | undefined])[] = [
  [1, 'Active power import (+P)', 'Active energy import (+A)'],
  [2, 'Active power export (−P)', 'Active energy export (−A)'],
  [3, 'Reactive power import (+Q)', 'Reactive energy import (+R)'],
  [4, 'Reactive power export (−Q)', 'Reactive energy export (−R)'],
  [5, 'Reactive power QI', 'Reactive energy QI'],
  [6, 'Reactive power QII', 'Reactive energy QII'],
  [7, 'Reactive power QIII', 'Reactive energy QIII'],
  [8, 'Reactive power QIV', 'Reactive energy QIV'],
  [9, 'Apparent power import (+S)', 'Apparent energy import'],
  [10, 'Apparent power export (−S)', 'Apparent energy export'],
  [11, 'Current, any phase', undefined],
  [12, 'Voltage, any phase', undefined],
  [13, 'Power factor', undefined],
  [14, 'Supply frequency', undefined],
  [15, 'Active power, |import| + |export|', 'Active energy, |import| + |export|'],
  [16, 'Active power, import − export', 'Active energy, import − export'],
  [91, 'Current neutral', undefined],
];

/** Phases: C = offset + n names quantity n (1–13) of that phase, with current and voltage as such. */
const PHASES: readonly (readonly [offset: number, phase: string])[] = [
  [20, 'L1'],
  [40, 'L2'],
  [60, 'L3'],
];

function systematic(c: number, power: string, energy: string | undefined): ObisNameEntry[] {
  const out: ObisNameEntry[] = [{ pattern: `1.0.${c}.7.0.255`, name: `${power}, instantaneous` }];
  if (energy !== undefined) {
    out.push(
      { pattern: `1.0.${c}.8.0.255`, name: `${energy}, total` },
      { pattern: `1.0.${c}.8.1-63.255`, name: `${energy}, tariff {x}` },
    );
  }
  return out;
}

const SYSTEMATIC: readonly ObisNameEntry[] = [
  ...C_QUANTITY.flatMap(([c, power, energy]) => systematic(c, power, energy)),
  ...PHASES.flatMap(([offset, phase]) =>
    C_QUANTITY.filter(([c]) => c <= 13).flatMap(([c, power, energy]) =>
      systematic(
        offset + c,
        c === 11 ? `Current ${phase}` : c === 12 ? `Voltage ${phase}` : `${power} ${phase}`,
        energy === undefined ? undefined : `${energy} ${phase}`,
      ),
    ),
  ),
];

/** The explicit table, exact codes first. */
const EXPLICIT: readonly ObisNameEntry[] = [
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
  { pattern: '0.0.11.0.0.255', name: 'Special days table' },
  { pattern: '0.0.13.0.0.255', name: 'Activity calendar' },
  { pattern: '0.0.15.0.0.255', name: 'Single action schedule' },
  { pattern: '0.0.17.0.0.255', name: 'Limiter' },
  { pattern: '0.0.22.0.0.255', name: 'IEC HDLC setup' },
  { pattern: '0.0.25.0.0.255', name: 'TCP-UDP setup' },
  { pattern: '0.0.25.1.0.255', name: 'IPv4 setup' },
  { pattern: '0.0.25.4.0.255', name: 'GPRS modem setup' },
  { pattern: '0.0.25.9.0.255', name: 'Push setup' },
  { pattern: '0.0.24.1.0.255', name: 'M-Bus client' },
  { pattern: '0.0.96.1.0.255', name: 'Meter serial number (device ID 1)' },
  { pattern: '0.0.96.1.1.255', name: 'Device ID 2' },
  { pattern: '0.0.96.1.7.255', name: 'Device ID 8' },
  { pattern: '0.0.96.3.10.255', name: 'Disconnect control' },
  { pattern: '0.0.96.14.0.255', name: 'Currently active tariff' },
  { pattern: '0.0.99.98.x.255', name: 'Event log {x}' },
  // Electricity (A = 1).
  { pattern: '1.0.0.2.0.255', name: 'Active firmware identifier' },
  { pattern: '1.0.0.2.129.255', name: 'OBIS list version identifier' },
  { pattern: '1.1.0.2.129.255', name: 'OBIS list version identifier' },
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

/**
 * The table: the explicit entries, then the systematic electricity names for the codes the explicit
 * ones do not give. {@link obisName} returns the first match; a code of electricity channel B = 1–64
 * that matches nothing is named as its B = 0 code with `, channel B` appended.
 */
export const OBIS_NAMES: readonly ObisNameEntry[] = (() => {
  const seen = new Set(EXPLICIT.map((e) => e.pattern));
  return [...EXPLICIT, ...SYSTEMATIC.filter((e) => !seen.has(e.pattern))];
})();

/** A group of a pattern as `[min, max]`; `exact` when min = max. */
type Range = readonly [number, number];
type Compiled = { readonly groups: readonly Range[]; readonly name: string };

function range(g: string): Range {
  if (g === 'x') return [0, 255];
  const dash = g.indexOf('-');
  return dash < 0 ? [Number(g), Number(g)] : [Number(g.slice(0, dash)), Number(g.slice(dash + 1))];
}

/** Exact codes by {@link obisKey}, for the common case. */
const EXACT = new Map<number, string>();
/** Patterns with a wildcard or a range, in table order. */
const RANGED: Compiled[] = [];
for (const { pattern, name } of OBIS_NAMES) {
  const groups = pattern.split('.').map(range);
  if (groups.every(([min, max]) => min === max)) {
    const [a, b, c, d, e, f] = groups.map(([min]) => min) as [number, number, number, number, number, number];
    const key = obisKey({ a, b, c, d, e, f });
    if (!EXACT.has(key)) EXACT.set(key, name);
  } else {
    RANGED.push({ groups, name });
  }
}

/** How many names {@link obisName} keeps memoised; the oldest is dropped beyond it. */
export const OBIS_NAME_CACHE_LIMIT = 4096;

/** Memoised names by {@link obisKey}; `null` for a code without a name. */
const cache = new Map<number, string | null>();

/** Number of codes {@link obisName} has memoised (at most {@link OBIS_NAME_CACHE_LIMIT}). */
export function obisNameCacheSize(): number {
  return cache.size;
}

/** Forgets the memoised names (for tests and long-running processes that want the memory back). */
export function clearObisNameCache(): void {
  cache.clear();
}

const TWO_24 = 16_777_216;

function lookup(key: number): string | undefined {
  const exact = EXACT.get(key);
  if (exact !== undefined) return exact;
  const hi = Math.floor(key / TWO_24);
  const lo = key - hi * TWO_24;
  const v = [hi >>> 16, (hi >>> 8) & 0xff, hi & 0xff, lo >>> 16, (lo >>> 8) & 0xff, lo & 0xff];
  for (const { groups, name } of RANGED) {
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
  // Electricity channels (IEC 62056-6-1, value group B: 1–64): the quantity's name and the channel.
  const b = v[1]!;
  if (v[0] === 1 && b >= 1 && b <= 64) {
    const base = lookup(key - b * 2 ** 32);
    if (base !== undefined) return `${base}, channel ${b}`;
  }
  return undefined;
}

/** The name of a key, memoised. */
function nameOfKey(key: number): string | undefined {
  const hit = cache.get(key);
  if (hit !== undefined) return hit ?? undefined;
  const name = lookup(key);
  if (cache.size >= OBIS_NAME_CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, name ?? null);
  return name;
}

/**
 * The well-known name of an OBIS code (an {@link Obis}, the 6 bytes of a logical_name, or any text
 * {@link parseObis} accepts), e.g. `'Clock'` for 0.0.1.0.0.255, `'Active energy import (+A), tariff 2'`
 * for 1.0.1.8.2.255 or `'Active power import (+P) L1, instantaneous'` for 1.0.21.7.0.255; `undefined`
 * for codes not in {@link OBIS_NAMES}.
 *
 * @throws ArgumentError when given text that is not an OBIS code, or bytes that are not 6.
 */
export function obisName(code: Obis | Uint8Array | string): string | undefined {
  if (code instanceof Uint8Array) {
    if (code.length !== 6) throw new ArgumentError('an OBIS code is exactly 6 bytes');
    return nameOfKey(
      ((code[0]! * 256 + code[1]!) * 256 + code[2]!) * TWO_24 +
        ((code[3]! << 16) | (code[4]! << 8) | code[5]!),
    );
  }
  return nameOfKey(obisKey(typeof code === 'string' ? parseObis(code) : code));
}
