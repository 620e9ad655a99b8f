/**
 * The `--json` form of a decoded APDU: the same fields as the APDU object, with every COSEM Data value
 * in the lossless typed JSON form of dlms-core (`dataToJson`: `{ type, value }`), bigints as decimal
 * strings and byte strings as upper-case hex. The result is plain JSON (no bigint, no Uint8Array), so
 * `JSON.stringify` never throws on it.
 *
 * It formats only: no decoding, and no interpretation beyond adding the APDU's name.
 */
import { apduName, dataToJson, toHex, type Apdu } from '@meteringlab/dlms-core';
import { isData } from './render.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function plain(v: unknown): Json {
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
  if (isData(v)) return dataToJson(v) as Json;
  if (Array.isArray(v)) return v.map(plain);
  const out: { [key: string]: Json } = {};
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (val !== undefined) out[k] = plain(val);
  }
  return out;
}

/** Any decoded object as plain JSON (Data typed, bytes as hex, bigints as strings). */
export function toPlainJson(v: unknown): Json {
  return plain(v);
}

/** The JSON form of an APDU: `{ name, type, …fields }` with Data in the typed form. */
export function toJson(apdu: Apdu): { [key: string]: Json } {
  return { name: apduName(apdu), ...(plain(apdu) as { [key: string]: Json }) };
}
