/**
 * Profile generic (class 7, version 1; Blue Book 4.3.6): a buffer of entries, each the values of the
 * capture objects at one capture. `capture()` (method 2, or called by the application's scheduler
 * every capture_period) pulls the values from the other objects of the logical device.
 *
 * Sort method: FIFO only (1), the Blue Book default; when the buffer holds profile_entries entries
 * the oldest is dropped. Selective access on the buffer:
 * - range_descriptor (1): entries whose restricting column lies in [from_value, to_value] (both
 *   ends included). Date-times compare as instants (an unspecified deviation compares as UTC on both
 *   sides), numbers as numbers. selected_values restricts the columns (empty: all).
 * - entry_descriptor (2): entries from_entry…to_entry and columns from_selected_value…
 *   to_selected_value, 1-based, 0 in a `to` meaning "to the last"; a range beyond the buffer is cut.
 * Changing capture_objects or capture_period clears the buffer (Blue Book: the buffer is reset
 * when the capture objects change; capture_period likewise, as meters do). No null compression is
 * applied on the server side.
 */
import {
  cosemDateTimeToDate,
  parseEntryDescriptor,
  parseRangeDescriptor,
  type CaptureObjectDefinition,
  type Data,
  type DataAccessResult,
  type SelectiveAccessDescriptor,
} from '@meteringlab/dlms-core';
import {
  captureObjectsFromData,
  captureObjectsToData,
  captureObjectToData,
  dateTimeFromData,
  numericValue,
  type CaptureObject,
  type CaptureObjectInput,
} from '../decoders.js';
import { logicalNameText, normalizeLogicalName, type LogicalNameInput } from '../logical-name.js';
import { ACTION_SUCCESS, BaseObject } from './object.js';

/** Options of a {@link ProfileGeneric}. */
export interface ProfileGenericOptions {
  readonly logicalName: LogicalNameInput;
  readonly captureObjects: readonly CaptureObjectInput[];
  /** capture_period in seconds (0: captures are triggered otherwise). Default 0. */
  readonly capturePeriodS?: number;
  /** profile_entries: the buffer's capacity. Default 1000. */
  readonly profileEntries?: number;
  /** Entries to start with (e.g. restored from storage), oldest first. */
  readonly buffer?: readonly (readonly Data[])[];
}

function toCaptureObject(c: CaptureObjectInput): CaptureObject {
  return {
    classId: c.classId,
    logicalName: normalizeLogicalName(c.logicalName),
    attributeIndex: c.attributeIndex,
    dataIndex: c.dataIndex ?? 0,
  };
}

function sameColumn(c: CaptureObject, d: CaptureObjectDefinition): boolean {
  return (
    c.classId === d.classId &&
    c.logicalName === logicalNameText(d.logicalName) &&
    c.attributeIndex === d.attributeIndex &&
    c.dataIndex === d.dataIndex
  );
}

/** A comparable key of a Data value for range selection: ms for date-times, the number otherwise. */
function rangeKey(d: Data): number | bigint | undefined {
  const dt = dateTimeFromData(d);
  if (dt !== undefined) return cosemDateTimeToDate(dt, { unspecifiedDeviation: 0 })?.getTime();
  const n = numericValue(d);
  return typeof n === 'number' && Number.isNaN(n) ? undefined : n;
}

/** Profile generic (class 7). */
export class ProfileGeneric extends BaseObject {
  private columns: CaptureObject[];
  private entries: (readonly Data[])[];
  private capturePeriodS: number;
  private profileEntries: number;

  constructor(options: ProfileGenericOptions) {
    super(7, 1, options.logicalName);
    this.columns = options.captureObjects.map(toCaptureObject);
    this.capturePeriodS = options.capturePeriodS ?? 0;
    this.profileEntries = options.profileEntries ?? 1000;
    this.entries = (options.buffer ?? []).slice(-this.profileEntries).map((e) => e.slice());

    this.attributes.set(2, { get: (_ctx, access) => this.read(access), selectors: [1, 2] });
    this.attributes.set(3, {
      get: () => captureObjectsToData(this.columns),
      set: (v) => {
        const list = captureObjectsFromData(v);
        if (list === undefined) return 'type-unmatched';
        this.columns = list;
        this.entries = [];
        return 'success';
      },
    });
    this.attributes.set(4, {
      get: () => ({ type: 'double-long-unsigned', value: this.capturePeriodS }),
      set: (v) => {
        if (v.type !== 'double-long-unsigned') return 'type-unmatched';
        this.capturePeriodS = v.value;
        this.entries = [];
        return 'success';
      },
    });
    // sort_method: 1 = FIFO, the only one implemented; sort_object unused with FIFO (all zero).
    this.attributes.set(5, { get: () => ({ type: 'enum', value: 1 }) });
    this.attributes.set(6, {
      get: () =>
        captureObjectToData({ classId: 0, logicalName: new Uint8Array(6), attributeIndex: 0, dataIndex: 0 }),
    });
    this.attributes.set(7, { get: () => ({ type: 'double-long-unsigned', value: this.entries.length }) });
    this.attributes.set(8, {
      get: () => ({ type: 'double-long-unsigned', value: this.profileEntries }),
      set: (v) => {
        if (v.type !== 'double-long-unsigned') return 'type-unmatched';
        if (v.value < 1) return 'other-reason';
        this.profileEntries = v.value;
        this.entries = this.entries.slice(-v.value);
        return 'success';
      },
    });
    this.methods.set(1, () => {
      this.reset();
      return ACTION_SUCCESS;
    });
    this.methods.set(2, async () => {
      await this.capture();
      return ACTION_SUCCESS;
    });
  }

  /** The capture objects (columns). */
  captureObjects(): readonly CaptureObject[] {
    return this.columns;
  }

  /** The buffer, oldest entry first. */
  bufferEntries(): readonly (readonly Data[])[] {
    return this.entries;
  }

  /** capture_period in seconds. */
  get capturePeriod(): number {
    return this.capturePeriodS;
  }

  /** Empties the buffer (method 1). */
  reset(): void {
    this.entries = [];
  }

  /**
   * Captures one entry (method 2): reads every capture object from the attached logical device
   * (null-data for an object that is missing or refuses) and appends the entry, dropping the oldest
   * when full. Without a device every column is null-data.
   */
  async capture(): Promise<readonly Data[]> {
    const device = this.device;
    const row: Data[] = [];
    for (const c of this.columns) {
      row.push(
        device === undefined
          ? { type: 'null-data' }
          : await device.readInternal(c.classId, c.logicalName, c.attributeIndex, c.dataIndex),
      );
    }
    this.append(row);
    return row;
  }

  /** Appends an entry as given (e.g. restored data), FIFO. */
  append(row: readonly Data[]): void {
    this.entries.push(row.slice());
    if (this.entries.length > this.profileEntries)
      this.entries.splice(0, this.entries.length - this.profileEntries);
  }

  private read(access: SelectiveAccessDescriptor | undefined): Data | DataAccessResult {
    if (access === undefined) return this.table(this.entries, undefined);
    const entry = parseEntryDescriptor(access);
    if (entry !== undefined) {
      const n = this.entries.length;
      const from = Math.max(entry.fromEntry, 1);
      const to = entry.toEntry === 0 ? n : Math.min(entry.toEntry, n);
      const cols = this.columns.length;
      const fromCol = Math.max(entry.fromSelectedValue, 1);
      const toCol = entry.toSelectedValue === 0 ? cols : Math.min(entry.toSelectedValue, cols);
      // An inverted request is refused; a range past the end of the buffer is cut (possibly to nothing).
      if (
        (entry.toEntry !== 0 && entry.toEntry < entry.fromEntry) ||
        (entry.toSelectedValue !== 0 && entry.toSelectedValue < entry.fromSelectedValue)
      ) {
        return 'other-reason';
      }
      const picked: number[] = [];
      for (let i = fromCol - 1; i < toCol; i++) picked.push(i);
      return this.table(from > to ? [] : this.entries.slice(from - 1, to), picked);
    }
    const range = parseRangeDescriptor(access);
    if (range !== undefined) {
      const col = this.columns.findIndex((c) => sameColumn(c, range.restrictingObject));
      if (col < 0) return 'other-reason';
      const lo = rangeKey(range.fromValue);
      const hi = rangeKey(range.toValue);
      if (lo === undefined || hi === undefined) return 'other-reason';
      let picked: number[] | undefined;
      if (range.selectedValues.length > 0) {
        picked = [];
        for (const s of range.selectedValues) {
          const i = this.columns.findIndex((c) => sameColumn(c, s));
          if (i < 0) return 'other-reason';
          picked.push(i);
        }
      }
      const rows = this.entries.filter((e) => {
        const k = e[col] === undefined ? undefined : rangeKey(e[col]!);
        return k !== undefined && k >= lo && k <= hi;
      });
      return this.table(rows, picked);
    }
    return 'other-reason';
  }

  private table(rows: readonly (readonly Data[])[], columns: readonly number[] | undefined): Data {
    return {
      type: 'array',
      value: rows.map((r) => ({
        type: 'structure',
        value: columns === undefined ? r.slice() : columns.map((i) => r[i] ?? { type: 'null-data' }),
      })),
    };
  }
}
