/**
 * Scaler and unit (IEC 62056-6-2, Register class attribute 3 `scaler_unit`: structure { scaler
 * integer, unit enum }): value = raw × 10^scaler. Scaling is always explicit: readers keep the raw
 * value beside the scaled one, and nothing here applies a scaler silently.
 *
 * Scaling goes through the decimal string form (`${raw}e${scaler}`), so the result is the double
 * nearest to the exact decimal (3 with scaler −1 is 0.3, not 0.30000000000000004).
 */
import { ArgumentError, type Data } from '@meteringlab/dlms-core';

/** scaler_unit: `scaler` is an int8 power of ten, `unit` a code of the unit table (`units.ts`). */
export interface ScalerUnit {
  readonly scaler: number;
  readonly unit: number;
}

/** `x × 10^e` through the decimal text of `x` (whose own exponent, as in `1e-7`, is folded in). */
function shiftDecimal(x: number | bigint, e: number): number {
  if (e === 0) return Number(x);
  const text = x.toString();
  const at = text.indexOf('e');
  if (at < 0) return Number(`${text}e${e}`);
  return Number(`${text.slice(0, at)}e${Number(text.slice(at + 1)) + e}`);
}

function checkScaler(scaler: number): void {
  if (!Number.isInteger(scaler) || scaler < -128 || scaler > 127) {
    throw new ArgumentError(`scaler ${scaler} is not an int8`);
  }
}

/**
 * `raw × 10^scaler` as the double nearest to the exact decimal result. A `bigint` raw value beyond
 * 2^53 loses precision only in the final conversion to a number; keep the raw value for exactness.
 */
export function applyScaler(raw: number | bigint, scaler: number): number {
  checkScaler(scaler);
  if (typeof raw === 'number' && !Number.isFinite(raw)) return raw;
  return shiftDecimal(raw, scaler);
}

/**
 * The inverse of {@link applyScaler} for writing: the integer raw value whose scaled value is `value`,
 * rounded to the nearest integer (half away from zero), computed through the decimal string form so
 * that 0.3 with scaler −1 gives 3. Beyond 2^53 the result is as exact as a double allows.
 */
export function unscale(value: number, scaler: number): number {
  checkScaler(scaler);
  if (!Number.isFinite(value)) throw new ArgumentError(`cannot unscale ${value}`);
  const exact = shiftDecimal(value, -scaler);
  const rounded = Math.sign(exact) * Math.round(Math.abs(exact));
  return rounded === 0 ? 0 : rounded;
}

/** The scaler_unit Data value (structure { integer, enum }). */
export function scalerUnitToData(su: ScalerUnit): Data {
  checkScaler(su.scaler);
  return {
    type: 'structure',
    value: [
      { type: 'integer', value: su.scaler },
      { type: 'enum', value: su.unit },
    ],
  };
}

/**
 * Reads a scaler_unit Data value; `undefined` when it is not a structure of an integer and an enum.
 * Some meters send the scaler as another integer type or the unit as unsigned: those are accepted.
 */
export function scalerUnitFromData(d: Data): ScalerUnit | undefined {
  if (d.type !== 'structure' || d.value.length !== 2) return undefined;
  const [s, u] = d.value as [Data, Data];
  if (!isSmallInt(s) || !isSmallInt(u)) return undefined;
  if (s.value < -128 || s.value > 127 || u.value < 0 || u.value > 255) return undefined;
  return { scaler: s.value, unit: u.value };
}

function isSmallInt(d: Data): d is Data & { value: number } {
  return (
    d.type === 'integer' ||
    d.type === 'enum' ||
    d.type === 'unsigned' ||
    d.type === 'long' ||
    d.type === 'long-unsigned'
  );
}
