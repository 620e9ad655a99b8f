/**
 * Any decoded message as plain JSON, for tools, logs and fixtures: COSEM Data values in the lossless
 * typed form of `dataToJson` (`{ type, value }`), byte strings as upper-case hex, bigints as decimal
 * strings, non-finite numbers as strings, `undefined` fields left out. The result never makes
 * `JSON.stringify` throw, and the same input always gives the same output (so outputs compare by deep
 * equality).
 *
 * It formats only: nothing is decoded or interpreted. Keys are never special-cased, so callers must
 * not pass key material here.
 */
import { DataTag, type Data } from './axdr/types.js';
import { dataToJson } from './axdr/json.js';
import { toHex } from './hex.js';

/** A JSON value. */
export type PlainJson = null | boolean | number | string | PlainJson[] | { [key: string]: PlainJson };

/** True when `v` has the shape of a COSEM Data value (a `type` of the Data CHOICE and its `value`). */
export function isData(v: unknown): v is Data {
  if (typeof v !== 'object' || v === null || v instanceof Uint8Array) return false;
  const t = (v as { type?: unknown }).type;
  if (typeof t !== 'string' || !Object.prototype.hasOwnProperty.call(DataTag, t)) return false;
  if (t === 'null-data' || t === 'dont-care') return Object.keys(v).length === 1;
  if (!('value' in v)) return false;
  if (t === 'array' || t === 'structure' || t === 'compact-array') {
    return Array.isArray((v as { value: unknown }).value);
  }
  return true;
}

/** `v` as plain JSON (see the module header). */
export function toPlainJson(v: unknown): PlainJson {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      break;
    default:
      return String(v);
  }
  if (v instanceof Uint8Array) return toHex(v);
  if (isData(v)) return dataToJson(v) as unknown as PlainJson;
  if (Array.isArray(v)) return v.map(toPlainJson);
  const out: { [key: string]: PlainJson } = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val !== undefined) out[k] = toPlainJson(val);
  }
  return out;
}
