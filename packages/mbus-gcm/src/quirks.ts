/**
 * Work-arounds for what real meters send, each tried only after the standard reading failed, so a
 * conforming push never takes these paths:
 *
 * - Kaifa MA304 (Nordic HAN) puts a Data type tag in front of the Data-Notification date-time: `09 0C
 *   <12 bytes>` where the Green Book has the octet string `0C <12 bytes>` (Gurux forum, "Electricity
 *   meters from Kaifa do not seem to transmit valid frames", 2023; hdlc-edge-cases vector, frame 1).
 *   {@link decodePushApdu} retries without the stray 0x09.
 *
 * (EVN/Kaifa MA309M flat lists that end with the meter number need no work-around here: cosem-objects'
 * `notificationReadings` puts up to two trailing non-OBIS elements of a flat list in `extra`.)
 *
 * Pure functions; nothing here guesses a layout on its own.
 */
import { decodeApdu, type Apdu } from '@meteringlab/dlms-core';

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
