/**
 * Selective access a client sends most (Blue Book, Profile generic buffer): a range of capture times
 * (range_descriptor, selector 1, restricted by the clock column 0.0.1.0.0.255 attribute 2) and a range
 * of entries (entry_descriptor, selector 2). Builders over `xdlms/selective-access.ts`; no decoding here.
 */
import { Writer } from '../writer.js';
import type { Data } from '../axdr/types.js';
import { encodeCosemDateTime, type CosemDateTime } from '../datetime.js';
import { cosemDateTimeFromDate } from '../datetime-convert.js';
import {
  entryDescriptor,
  rangeDescriptor,
  type CaptureObjectDefinition,
  type SelectiveAccessDescriptor,
} from '../xdlms/selective-access.js';

/** The clock column most profiles are restricted by: class 8, 0.0.1.0.0.255, attribute 2. */
export const CLOCK_CAPTURE_OBJECT: CaptureObjectDefinition = Object.freeze({
  classId: 8,
  logicalName: Uint8Array.of(0, 0, 1, 0, 0, 255),
  attributeIndex: 2,
  dataIndex: 0,
});

/** Options of {@link captureTimeRange}. */
export interface CaptureTimeRangeOptions {
  /** The restricting column (default {@link CLOCK_CAPTURE_OBJECT}). */
  readonly restrictingObject?: CaptureObjectDefinition;
  /** Columns to return (default: all, the empty array). */
  readonly selectedValues?: readonly CaptureObjectDefinition[];
  /** Deviation (minutes) of the date-times sent for `Date` inputs; 0 (UTC fields) by default. */
  readonly deviation?: number;
  /** Clock status of the date-times sent for `Date` inputs (default 0). */
  readonly clockStatus?: number;
}

function dateTimeData(t: Date | CosemDateTime, o: CaptureTimeRangeOptions): Data {
  const dt =
    t instanceof Date
      ? cosemDateTimeFromDate(t, { deviation: o.deviation ?? 0, clockStatus: o.clockStatus ?? 0 })
      : t;
  const w = new Writer(12);
  encodeCosemDateTime(w, dt);
  return { type: 'octet-string', value: w.toBytes() };
}

/** range_descriptor from `from` to `to` (inclusive) on the capture time. */
export function captureTimeRange(
  from: Date | CosemDateTime,
  to: Date | CosemDateTime,
  options: CaptureTimeRangeOptions = {},
): SelectiveAccessDescriptor {
  return rangeDescriptor({
    restrictingObject: options.restrictingObject ?? CLOCK_CAPTURE_OBJECT,
    fromValue: dateTimeData(from, options),
    toValue: dateTimeData(to, options),
    selectedValues: options.selectedValues ?? [],
  });
}

/**
 * entry_descriptor: entries `fromEntry`..`toEntry` (1-based; `toEntry` 0 = the last), columns
 * `fromColumn`..`toColumn` (1-based; `toColumn` 0 = the last).
 */
export function entryRange(
  fromEntry: number,
  toEntry = 0,
  fromColumn = 1,
  toColumn = 0,
): SelectiveAccessDescriptor {
  return entryDescriptor({ fromEntry, toEntry, fromSelectedValue: fromColumn, toSelectedValue: toColumn });
}
