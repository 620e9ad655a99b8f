/**
 * The `--json` form of a decoded APDU: the same fields as the APDU object, with every COSEM Data value
 * in the lossless typed JSON form of dlms-core (`dataToJson`: `{ type, value }`), bigints as decimal
 * strings and byte strings as upper-case hex. The result is plain JSON (no bigint, no Uint8Array), so
 * `JSON.stringify` never throws on it.
 *
 * It formats only: no decoding, and no interpretation beyond adding the APDU's name.
 */
import { toHex, type Data } from '@meteringlab/dlms-core';
import { isData } from './render.js';
import { apduName, dataToJson, type Apdu } from './stack.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Stand-in for dlms-core's `dataToJson` while it is not in the build: the same documented form. */
function typedData(d: Data): Json {
  switch (d.type) {
    case 'null-data':
    case 'dont-care':
      return { type: d.type };
    case 'array':
    case 'structure':
      return { type: d.type, value: d.value.map(typedData) };
    case 'compact-array':
      return { type: d.type, description: plain(d.description), value: d.value.map(typedData) };
    case 'long64':
    case 'long64-unsigned':
      // Integers as JSON numbers while exact (within ±2^53), else as decimal strings.
      return { type: d.type, value: d.value >= -(2n ** 53n) && d.value <= 2n ** 53n ? Number(d.value) : d.value.toString() };
    case 'float32':
    case 'float64':
      return { type: d.type, value: Object.is(d.value, -0) ? '-0' : Number.isFinite(d.value) ? d.value : String(d.value) };
    default:
      return { type: d.type, value: plain(d.value) };
  }
}

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
  if (isData(v)) return (dataToJson ? dataToJson(v) : typedData(v)) as Json;
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
