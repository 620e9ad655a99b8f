/**
 * Fixtures written by this package's tests, not taken from a meter: a Data-Notification in the EVN flat
 * layout (OBIS, value, scaler_unit triples) encoded by dlms-core's encoders, and keys chosen here. Ciphered
 * forms are made with dlms-core's protectApdu, telegrams with this package's encoder; the decoders under
 * test read them back.
 */
import { Writer, encodeDataNotification, fromHex, type Data } from '@meteringlab/dlms-core';

export const KEY = fromHex('000102030405060708090A0B0C0D0E0F');
export const AUTH_KEY = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
export const SYSTEM_TITLE = fromHex('4B464D1020304050');

const obis = (...g: number[]): Data => ({ type: 'octet-string', value: Uint8Array.from(g) });
const su = (scaler: number, unit: number): Data => ({
  type: 'structure',
  value: [
    { type: 'integer', value: scaler },
    { type: 'enum', value: unit },
  ],
});

/** A push with energy import (Wh), voltage L1 (0.1 V) and active power (W), like a Kaifa MA309M list. */
export function plainPush(energyWh: number, voltageDeciV = 2301, powerW = 512, invokeId = 1): Uint8Array {
  const body: Data = {
    type: 'structure',
    value: [
      obis(1, 0, 1, 8, 0, 255),
      { type: 'double-long-unsigned', value: energyWh },
      su(0, 30),
      obis(1, 0, 32, 7, 0, 255),
      { type: 'long-unsigned', value: voltageDeciV },
      su(-1, 35),
      obis(1, 0, 1, 7, 0, 255),
      { type: 'double-long-unsigned', value: powerW },
      su(0, 27),
    ],
  };
  const w = new Writer(128);
  encodeDataNotification(w, {
    type: 'data-notification',
    longInvokeIdAndPriority: {
      invokeId,
      selfDescriptive: false,
      breakOnError: false,
      confirmed: false,
      highPriority: false,
    },
    dateTime: fromHex('07E50B1406102D1E00FFC400'),
    body,
  });
  return w.toBytes();
}
