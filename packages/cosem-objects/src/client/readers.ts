/**
 * Typed reads over a {@link DlmsClient}: a register with its scaler and unit (raw value kept), the
 * clock, a profile's buffer as rows keyed by capture object (optionally restricted to a capture-time
 * range), and the object list. Each helper issues the GETs and hands the Data to the decoders of this
 * package; a value of the wrong shape is a `DecodeError` `INVALID_VALUE`, a refused attribute a
 * ProtocolError `SERVICE_ERROR` carrying the Data-Access-Result.
 */
import {
  DecodeError,
  ProtocolError,
  captureTimeRange,
  cosemDateTimeFromDate,
  entryRange,
  type CosemDateTime,
  type Data,
  type DataAccessResult,
  type SelectiveAccessDescriptor,
} from '@meteringlab/dlms-core';
import {
  captureObjectsFromData,
  clockFromData,
  numericValue,
  dateTimeToData,
  objectListFromData,
  profileRows,
  registerValue,
  type CaptureObject,
  type ClockReading,
  type ObjectListEntry,
  type ProfileTable,
  type RegisterValue,
  type ShortNameObjectListEntry,
} from '../decoders.js';
import { normalizeLogicalName, type LogicalNameInput } from '../logical-name.js';
import type { AttributeResult, DlmsClient } from './dlms-client.js';
import { formatAttributeTarget, type AttributeTarget } from './targets.js';

/** Logical name of the Clock. */
export const CLOCK_LN = '0.0.1.0.0.255';
/** Logical name of the current association (object list). */
export const CURRENT_ASSOCIATION_LN = '0.0.40.0.0.255';

function invalid(what: string): never {
  throw new DecodeError('INVALID_VALUE', what, 0);
}

function dataOf(r: AttributeResult | undefined, t: AttributeTarget): Data {
  if (r === undefined)
    throw new ProtocolError('UNEXPECTED_APDU', `no result for ${formatAttributeTarget(t)}`);
  if (r.type === 'data') return r.data;
  throw new ProtocolError('SERVICE_ERROR', `${formatAttributeTarget(t)}: ${String(r.result)}`, {
    cause: r.result,
  });
}

/** A register reading: the decoded value with its scaler and unit, and the Data as received. */
export interface RegisterReading extends RegisterValue {
  readonly logicalName: string;
  readonly data: Data;
}

/** Reads value (attribute 2) and scaler_unit (attribute 3) of a Register (class 3, or 4/5 with `classId`). */
export async function readRegister(
  client: DlmsClient,
  logicalName: LogicalNameInput,
  options: { readonly classId?: number } = {},
): Promise<RegisterReading> {
  const classId = options.classId ?? 3;
  const value: AttributeTarget = { classId, logicalName, attribute: 2 };
  const scaler: AttributeTarget = { classId, logicalName, attribute: 3 };
  const [v, s] = await client.get([value, scaler]);
  const data = dataOf(v, value);
  const rv = registerValue(data, dataOf(s, scaler));
  if (rv === undefined)
    invalid(`${normalizeLogicalName(logicalName)}: the value is not numeric or scaler_unit is malformed`);
  return { ...rv, logicalName: normalizeLogicalName(logicalName), data };
}

/** Reads the Clock: time (2), time_zone (3), status (4). A refused time_zone or status is left out. */
export async function readClock(
  client: DlmsClient,
  logicalName: LogicalNameInput = CLOCK_LN,
): Promise<ClockReading> {
  const t = (attribute: number): AttributeTarget => ({ classId: 8, logicalName, attribute });
  const [time, tz, status] = await client.get([t(2), t(3), t(4)]);
  const more = {
    ...(tz?.type === 'data' ? { timeZone: tz.data } : {}),
    ...(status?.type === 'data' ? { status: status.data } : {}),
  };
  const c = clockFromData(dataOf(time, t(2)), more);
  if (c === undefined) invalid('the clock time is not a date-time');
  return c;
}

/** Options of {@link syncClock}. */
export interface SyncClockOptions {
  readonly logicalName?: LogicalNameInput;
  /** The time to set (default: now). */
  readonly now?: Date;
  /** Deviation (minutes) of the date-time sent; default 0 (UTC fields). */
  readonly deviation?: number;
}

/** Sets the Clock's time (attribute 2) to `now`; resolves with the Data-Access-Result. */
export function syncClock(client: DlmsClient, options: SyncClockOptions = {}): Promise<DataAccessResult> {
  const dt: CosemDateTime = cosemDateTimeFromDate(options.now ?? new Date(), {
    deviation: options.deviation ?? 0,
  });
  return client.set(
    { classId: 8, logicalName: options.logicalName ?? CLOCK_LN, attribute: 2 },
    dateTimeToData(dt),
  );
}

/** Options of {@link readProfile}. */
export interface ReadProfileOptions {
  /** Start of the capture-time range (inclusive). With `to`: a range_descriptor read. */
  readonly from?: Date | CosemDateTime;
  /** End of the capture-time range (inclusive). */
  readonly to?: Date | CosemDateTime;
  /** Entries `from`..`to` (1-based, `to` 0 = last) instead of a time range. */
  readonly entries?: { readonly from: number; readonly to?: number };
  /** Any other selective access. */
  readonly access?: SelectiveAccessDescriptor;
  /** Expand null-data entries (default true). */
  readonly expandNulls?: boolean;
}

/** A profile read: its columns and rows (keyed by capture object), and the capture period. */
export interface ProfileReading extends ProfileTable {
  readonly logicalName: string;
  readonly captureObjects: readonly CaptureObject[];
  readonly capturePeriodS: number;
}

/** Reads a Profile generic (class 7): capture objects (3), capture period (4), then the buffer (2). */
export async function readProfile(
  client: DlmsClient,
  logicalName: LogicalNameInput,
  options: ReadProfileOptions = {},
): Promise<ProfileReading> {
  const t = (attribute: number): AttributeTarget => ({ classId: 7, logicalName, attribute });
  const [co, period] = await client.get([t(3), t(4)]);
  const captureObjects = captureObjectsFromData(dataOf(co, t(3)));
  if (captureObjects === undefined) invalid('capture_objects is malformed');
  const pv = period?.type === 'data' ? numericValue(period.data) : undefined;
  const p = pv === undefined ? 0 : Number(pv);
  let access = options.access;
  if (access === undefined && options.from !== undefined && options.to !== undefined) {
    const clockColumn = captureObjects.find((c) => c.classId === 8 && c.attributeIndex === 2);
    access = captureTimeRange(
      options.from,
      options.to,
      clockColumn === undefined
        ? {}
        : {
            restrictingObject: {
              classId: 8,
              logicalName: bytesOf(clockColumn.logicalName),
              attributeIndex: 2,
              dataIndex: 0,
            },
          },
    );
  } else if (access === undefined && options.entries !== undefined) {
    access = entryRange(options.entries.from, options.entries.to ?? 0);
  }
  const buffer = await client.get(t(2), access === undefined ? {} : { access });
  const table = profileRows(dataOf(buffer, t(2)), captureObjects, {
    capturePeriodS: p,
    expandNulls: options.expandNulls ?? true,
  });
  if (table === undefined) invalid('the profile buffer is not an array of structures');
  return { ...table, logicalName: normalizeLogicalName(logicalName), captureObjects, capturePeriodS: p };
}

function bytesOf(ln: string): Uint8Array {
  return Uint8Array.from(ln.split('.').map(Number));
}

/** The object list: Association LN attribute 2 (LN), or the Association SN object list (SN). */
export async function readObjectList(
  client: DlmsClient,
): Promise<ObjectListEntry[] | ShortNameObjectListEntry[]> {
  if (client.machine.negotiated?.vaaName === 0xfa00) return client.shortNameObjectList();
  const target: AttributeTarget = { classId: 15, logicalName: CURRENT_ASSOCIATION_LN, attribute: 2 };
  const list = objectListFromData(await client.getValue(target));
  if (list === undefined) invalid('the object list is malformed');
  return list;
}
