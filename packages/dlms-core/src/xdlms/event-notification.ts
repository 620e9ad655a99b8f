/**
 * EventNotificationRequest (tag 0xC2, [194]; Green Book, IEC 62056-5-3):
 *
 * EventNotificationRequest ::= SEQUENCE { time OCTET STRING OPTIONAL,
 *                                         cosem-attribute-descriptor Cosem-Attribute-Descriptor,
 *                                         attribute-value Data }
 *
 * The optional time is an A-XDR OPTIONAL (0x00 absent, 0x01 present) followed by a length-prefixed
 * octet string, kept as received (normally a 12-byte COSEM date-time).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { decodeData, encodeData, type DataLimits } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import {
  type CosemAttributeDescriptor,
  decodeCosemAttributeDescriptor,
  decodeOctetString,
  decodePresence,
  encodeCosemAttributeDescriptor,
  encodeOctetString,
} from './common.js';

/** Tag of EventNotificationRequest. */
export const EVENT_NOTIFICATION_REQUEST_TAG = 0xc2;

/** EventNotificationRequest [194]: an attribute value pushed on an event. */
export interface EventNotificationRequest {
  readonly type: 'event-notification-request';
  /** The time octets, when present. */
  readonly time?: Uint8Array;
  readonly attribute: CosemAttributeDescriptor;
  readonly value: Data;
}

/** Reads an EventNotificationRequest, tag included. */
export function decodeEventNotificationRequest(r: Reader, limits?: DataLimits): EventNotificationRequest {
  const tagAt = r.pos;
  if (r.u8() !== EVENT_NOTIFICATION_REQUEST_TAG)
    throw r.error('UNKNOWN_TAG', 'not an EventNotificationRequest', tagAt);
  const time = decodePresence(r) ? decodeOctetString(r) : undefined;
  const attribute = decodeCosemAttributeDescriptor(r);
  const value = decodeData(r, limits);
  return time === undefined
    ? { type: 'event-notification-request', attribute, value }
    : { type: 'event-notification-request', time, attribute, value };
}

/** Writes an EventNotificationRequest, tag included. */
export function encodeEventNotificationRequest(w: Writer, v: EventNotificationRequest): void {
  w.u8(EVENT_NOTIFICATION_REQUEST_TAG);
  if (v.time === undefined) {
    w.u8(0);
  } else {
    w.u8(1);
    encodeOctetString(w, v.time);
  }
  encodeCosemAttributeDescriptor(w, v.attribute);
  encodeData(w, v.value);
}
