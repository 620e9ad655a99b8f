/**
 * The `--json` form of a decoded APDU: dlms-core's plain JSON of the APDU (Data in the lossless typed
 * form, bytes as hex, bigints as strings) with the APDU's name first. It formats only.
 */
import { apduName, toPlainJson, type Apdu, type PlainJson } from '@meteringlab/dlms-core';

export { toPlainJson };

/** A JSON value. */
export type Json = PlainJson;

/** The JSON form of an APDU: `{ name, type, …fields }` with Data in the typed form. */
export function toJson(apdu: Apdu): { [key: string]: Json } {
  return { name: apduName(apdu), ...(toPlainJson(apdu) as { [key: string]: Json }) };
}
