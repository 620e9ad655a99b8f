/**
 * Work-arounds for what real meters send, each tried only after the standard reading failed, so a
 * conforming push never takes these paths:
 *
 * - Kaifa MA304 (Nordic HAN) puts a Data type tag in front of the Data-Notification date-time: `09 0C
 *   <12 bytes>` where the Green Book has the octet string `0C <12 bytes>` (Gurux forum, "Electricity
 *   meters from Kaifa do not seem to transmit valid frames", 2023; hdlc-edge-cases vector, frame 1).
 *   {@link decodePushApdu} retries without the stray 0x09.
 * - EVN (Netze NÖ) Kaifa MA309M flat lists end with the meter number, an octet string that has no OBIS
 *   code in front of it (EVN customer-interface documentation sample). {@link withoutTrailingValues}
 *   gives the notification without trailing elements that follow the last value of an OBIS/value list,
 *   so cosem-objects can read the rest.
 *
 * Pure functions; nothing here guesses a layout on its own.
 */
import { decodeApdu, type Apdu, type Data, type DataNotification } from '@meteringlab/dlms-core';

/** `decodeApdu`, retried without the stray type tag of Kaifa's notification date-time. */
export function decodePushApdu(bytes: Uint8Array): Apdu {
  try {
    return decodeApdu(bytes);
  } catch (e) {
    // 0F | long-invoke-id (4) | 09 0C | date-time (12) | body
    if (bytes.length > 19 && bytes[0] === 0x0f && bytes[5] === 0x09 && bytes[6] === 0x0c) {
      const fixed = new Uint8Array(bytes.length - 1);
      fixed.set(bytes.subarray(0, 5), 0);
      fixed.set(bytes.subarray(6), 5);
      try {
        return decodeApdu(fixed);
      } catch {
        throw e;
      }
    }
    throw e;
  }
}

function isObis(d: Data | undefined): boolean {
  return d !== undefined && d.type === 'octet-string' && d.value.length === 6;
}

/**
 * The notification with the trailing elements of its (single, outer) list removed when they follow the
 * value (or scaler_unit) of the last OBIS code and are not OBIS codes themselves; `undefined` when there
 * is nothing to remove. At most two trailing elements are removed.
 */
export function withoutTrailingValues(
  n: DataNotification,
): { readonly notification: DataNotification; readonly trailing: readonly Data[] } | undefined {
  let body = n.body;
  while ((body.type === 'structure' || body.type === 'array') && body.value.length === 1) {
    const inner = body.value[0]!;
    if (inner.type !== 'structure' && inner.type !== 'array') break;
    body = inner;
  }
  if (body.type !== 'structure' && body.type !== 'array') return undefined;
  const items = body.value;
  let lastObis = -1;
  for (let i = items.length - 1; i >= 0; i--) {
    if (isObis(items[i])) {
      lastObis = i;
      break;
    }
  }
  if (lastObis < 0) return undefined;
  // OBIS, value, optional scaler_unit: whatever comes after is trailing.
  const s = items[lastObis + 2];
  const end = s !== undefined && s.type === 'structure' && s.value.length === 2 ? lastObis + 3 : lastObis + 2;
  const trailing = items.slice(end);
  if (trailing.length === 0 || trailing.length > 2 || trailing.some(isObis)) return undefined;
  const kept: Data =
    body.type === 'structure'
      ? { type: 'structure', value: items.slice(0, end) }
      : { type: 'array', value: items.slice(0, end) };
  return { notification: { ...n, body: kept }, trailing };
}
