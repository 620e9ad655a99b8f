/**
 * The COSEM unit enumeration: the `unit` field of a Register's scaler_unit (IEC 62056-6-2 /
 * Blue Book 4.3.2, "Register" class, enum "unit"), codes 1–72 with their symbol and quantity, plus
 * 254 "other unit" and 255 "count" (no unit). Codes 58, 59, 68 and 69 are not assigned; 0 and 73–253
 * are reserved here (later Blue Book editions add imperial/US units from 128 up; they are not listed
 * yet, and {@link unitSymbol} returns `undefined` for them so callers can show the number).
 *
 * Facts checked against the Blue Book unit table (as reproduced in public DLMS libraries' enumerations);
 * symbols follow the Blue Book's "unit" column, with m³ and similar written in Unicode.
 *
 * This file only names units; scaling lives in `scaler.ts`.
 */

/** One entry of the unit table. */
export interface UnitInfo {
  /** The enum value as sent in scaler_unit. */
  readonly code: number;
  /** The Blue Book's unit symbol (`'Wh'`, `'m³'`); empty for 255 (count). */
  readonly symbol: string;
  /** The quantity the Blue Book names for it. */
  readonly quantity: string;
}

// [code, symbol, quantity] — Blue Book 4.3.2, table "Enumerated values for physical units".
const TABLE: readonly (readonly [number, string, string])[] = [
  [1, 'a', 'time (year)'],
  [2, 'mo', 'time (month)'],
  [3, 'wk', 'time (week)'],
  [4, 'd', 'time (day)'],
  [5, 'h', 'time (hour)'],
  [6, 'min', 'time (minute)'],
  [7, 's', 'time (second)'],
  [8, '°', 'phase angle (degree)'],
  [9, '°C', 'temperature'],
  [10, 'currency', 'local currency'],
  [11, 'm', 'length'],
  [12, 'm/s', 'speed'],
  [13, 'm³', 'volume'],
  [14, 'm³', 'corrected volume'],
  [15, 'm³/h', 'volume flux'],
  [16, 'm³/h', 'corrected volume flux'],
  [17, 'm³/d', 'volume flux (per day)'],
  [18, 'm³/d', 'corrected volume flux (per day)'],
  [19, 'l', 'volume (litre)'],
  [20, 'kg', 'mass'],
  [21, 'N', 'force'],
  [22, 'Nm', 'energy (newton metre)'],
  [23, 'Pa', 'pressure'],
  [24, 'bar', 'pressure'],
  [25, 'J', 'energy (joule)'],
  [26, 'J/h', 'thermal power'],
  [27, 'W', 'active power'],
  [28, 'VA', 'apparent power'],
  [29, 'var', 'reactive power'],
  [30, 'Wh', 'active energy'],
  [31, 'VAh', 'apparent energy'],
  [32, 'varh', 'reactive energy'],
  [33, 'A', 'current'],
  [34, 'C', 'electrical charge'],
  [35, 'V', 'voltage'],
  [36, 'V/m', 'electric field strength'],
  [37, 'F', 'capacitance'],
  [38, 'Ω', 'resistance'],
  [39, 'Ωm²/m', 'resistivity'],
  [40, 'Wb', 'magnetic flux'],
  [41, 'T', 'magnetic flux density'],
  [42, 'A/m', 'magnetic field strength'],
  [43, 'H', 'inductance'],
  [44, 'Hz', 'frequency'],
  [45, '1/(Wh)', 'active energy meter constant or pulse value'],
  [46, '1/(varh)', 'reactive energy meter constant or pulse value'],
  [47, '1/(VAh)', 'apparent energy meter constant or pulse value'],
  [48, 'V²h', 'volt-squared hours'],
  [49, 'A²h', 'ampere-squared hours'],
  [50, 'kg/s', 'mass flux'],
  [51, 'S', 'conductance'],
  [52, 'K', 'temperature (kelvin)'],
  [53, '1/(V²h)', 'volt-squared hour meter constant or pulse value'],
  [54, '1/(A²h)', 'ampere-squared hour meter constant or pulse value'],
  [55, '1/m³', 'volume meter constant or pulse value'],
  [56, '%', 'percentage'],
  [57, 'Ah', 'ampere-hours'],
  [60, 'Wh/m³', 'energy per volume'],
  [61, 'J/m³', 'calorific value, Wobbe'],
  [62, 'Mol %', 'molar fraction of gas composition'],
  [63, 'g/m³', 'mass density, quantity of material'],
  [64, 'Pa s', 'dynamic viscosity'],
  [65, 'J/kg', 'specific energy'],
  [66, 'g/cm²', 'pressure (gram per square centimetre)'],
  [67, 'atm', 'pressure (atmosphere)'],
  [70, 'dBm', 'signal strength (dB milliwatt)'],
  [71, 'dBµV', 'signal strength (dB microvolt)'],
  [72, 'dB', 'logarithmic ratio'],
  [254, 'other', 'other unit'],
  [255, '', 'count (no unit)'],
];

const BY_CODE: ReadonlyMap<number, UnitInfo> = new Map(
  TABLE.map(([code, symbol, quantity]) => [code, Object.freeze({ code, symbol, quantity })]),
);

/** Every defined unit, in code order. */
export const UNITS: readonly UnitInfo[] = Object.freeze([...BY_CODE.values()]);

/** Unit code 255: a count, no unit. */
export const UNIT_COUNT = 255;
/** Unit code 254: other unit. */
export const UNIT_OTHER = 254;

/** The table entry of a unit code, `undefined` for a code the table does not define. */
export function unitByCode(code: number): UnitInfo | undefined {
  return BY_CODE.get(code);
}

/** The symbol of a unit code (`30` → `'Wh'`); `''` for 255 (count); `undefined` when not defined. */
export function unitSymbol(code: number): string | undefined {
  return BY_CODE.get(code)?.symbol;
}
