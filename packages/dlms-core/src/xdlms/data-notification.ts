/**
 * Data-Notification (tag 0x0F, [15]; Green Book, IEC 62056-5-3): the unsolicited push of a server.
 *
 * Data-Notification ::= SEQUENCE { long-invoke-id-and-priority Long-Invoke-Id-And-Priority,
 *                                  date-time OCTET STRING, notification-body SEQUENCE { data-value Data } }
 *
 * The date-time is an A-XDR octet string that meters leave empty (a single 0x00) when they send no
 * time; otherwise it is normally 12 bytes (a COSEM date-time), but other lengths are accepted and kept
 * as received. The body is kept as one Data value: what it means (push setup object list, vendor
 * layouts) is cosem-objects' business.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { Reader as ByteReader } from '../reader.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import { decodeCosemDateTime, type CosemDateTime } from '../datetime.js';
import {
  type LongInvokeIdAndPriority,
  decodeLongInvokeIdAndPriority,
  decodeOptionalDateTime,
  encodeLongInvokeIdAndPriority,
  encodeOptionalDateTime,
} from './common.js';

/** Tag of Data-Notification. */
export const DATA_NOTIFICATION_TAG = 0x0f;

/** Data-Notification [15]: a push from the server. */
export interface DataNotification {
  readonly type: 'data-notification';
  readonly longInvokeIdAndPriority: LongInvokeIdAndPriority;
  /** The date-time octets as received (normally 12); absent when the octet string is empty. */
  readonly dateTime?: Uint8Array;
  /** notification-body: the data-value. */
  readonly body: Data;
}

/** Reads a Data-Notification, tag included. */
export function decodeDataNotification(r: Reader, limits?: DataLimits): DataNotification {
  const tagAt = r.pos;
  if (r.u8() !== DATA_NOTIFICATION_TAG) throw r.error('UNKNOWN_TAG', 'not a Data-Notification', tagAt);
  const longInvokeIdAndPriority = decodeLongInvokeIdAndPriority(r);
  const dateTime = decodeOptionalDateTime(r);
  const body = decodeData(r, limits);
  return dateTime === undefined
    ? { type: 'data-notification', longInvokeIdAndPriority, body }
    : { type: 'data-notification', longInvokeIdAndPriority, dateTime, body };
}

/** Writes a Data-Notification, tag included. */
export function encodeDataNotification(w: Writer, v: DataNotification): void {
  w.u8(DATA_NOTIFICATION_TAG);
  encodeLongInvokeIdAndPriority(w, v.longInvokeIdAndPriority);
  encodeOptionalDateTime(w, v.dateTime);
  encodeData(w, v.body);
}

/**
 * The notification's date-time as a COSEM date-time when it is exactly 12 bytes; `undefined` when it
 * is absent or of another length.
 */
export function dataNotificationDateTime(v: DataNotification): CosemDateTime | undefined {
  const b = v.dateTime;
  if (b === undefined || b.length !== 12) return undefined;
  return decodeCosemDateTime(new ByteReader(b));
}
