/**
 * Typed readers (and the matching encoders) for the Data values of common attributes: a Register's
 * value with its scaler_unit, the Clock's attributes, a Profile generic's capture objects and buffer,
 * the Association LN / SN object lists.
 *
 * Pure: Data in, plain objects out, and back. A value whose shape does not match gives `undefined`
 * (it came from a peer: a value, not an error); the encoders throw `ArgumentError` on values they
 * cannot represent (those come from the caller).
 */
import {
  ArgumentError,
  cosemDateTimeToIso,
  decodeClockStatus,
  decodeCosemDateTime,
  encodeCosemDateTime,
  bytesEqual,
  encodeDataBytes,
  Reader,
  Writer,
  type ClockStatusFlags,
  type CosemDateTime,
  type Data,
  type DateTimeConvertOptions,
} from '@meteringlab/dlms-core';
import { logicalNameBytes, logicalNameText, type LogicalNameInput } from './logical-name.js';
import { obisName } from './obis-names.js';
import { applyScaler, scalerUnitFromData, type ScalerUnit } from './scaler.js';
import { unitSymbol } from './units.js';
import type { AttributeAccessMode, MethodAccessMode } from './classes/types.js';

// ---------------------------------------------------------------------------------------------
// Register value

/** A register value with its scaling, raw value kept. */
export interface RegisterValue {
  /** The value as sent (an integer of any width, or a float). */
  readonly raw: number | bigint;
  readonly scaler: number;
  readonly unit: number;
  /** Unit symbol (`'Wh'`), `undefined` for a code the table does not know. */
  readonly unitSymbol: string | undefined;
  /** `raw × 10^scaler`, exactly rounded (see `applyScaler`). */
  readonly value: number;
}

/** The number carried by a numeric Data value (integers of every width, floats); `undefined` otherwise. */
export function numericValue(d: Data): number | bigint | undefined {
  switch (d.type) {
    case 'integer':
    case 'long':
    case 'double-long':
    case 'unsigned':
    case 'long-unsigned':
    case 'double-long-unsigned':
    case 'long64':
    case 'long64-unsigned':
    case 'float32':
    case 'float64':
    case 'enum':
    case 'delta-integer':
    case 'delta-long':
    case 'delta-double-long':
    case 'delta-unsigned':
    case 'delta-long-unsigned':
    case 'delta-double-long-unsigned':
      return d.value;
    default:
      return undefined;
  }
}

/**
 * Reads a Register (class 3/4/5) value with its scaler_unit attribute. `undefined` when the value
 * is not numeric or the scaler_unit is malformed.
 */
export function registerValue(valueData: Data, scalerUnitData: Data | ScalerUnit): RegisterValue | undefined {
  const raw = numericValue(valueData);
  const su = 'type' in scalerUnitData ? scalerUnitFromData(scalerUnitData) : scalerUnitData;
  if (raw === undefined || su === undefined) return undefined;
  return {
    raw,
    scaler: su.scaler,
    unit: su.unit,
    unitSymbol: unitSymbol(su.unit),
    value: applyScaler(raw, su.scaler),
  };
}

// ---------------------------------------------------------------------------------------------
// Clock

/** A COSEM date-time from Data: an octet-string of 12 bytes or a `date-time` value; `undefined` otherwise. */
export function dateTimeFromData(d: Data): CosemDateTime | undefined {
  if (d.type === 'date-time') return d.value;
  if (d.type === 'octet-string' && d.value.length === 12) return decodeCosemDateTime(new Reader(d.value));
  return undefined;
}

/** A COSEM date-time as the octet-string(12) the Clock and most attributes carry. */
export function dateTimeToData(dt: CosemDateTime): Data {
  const w = new Writer(12);
  encodeCosemDateTime(w, dt);
  return { type: 'octet-string', value: w.view().slice() };
}

/** The Clock attributes a client usually reads together. */
export interface ClockReading {
  /** Attribute 2 (time), raw fields. */
  readonly time: CosemDateTime;
  /** ISO 8601 form, `undefined` when the value holds wildcards. */
  readonly iso: string | undefined;
  /** Attribute 3 (time_zone, minutes, Blue Book sign: local = UTC − time_zone), when given. */
  readonly timeZone?: number;
  /** Attribute 4 (status), when given, with its flags. */
  readonly status?: number;
  readonly statusFlags?: ClockStatusFlags;
  /** Attribute 7 (daylight_savings_deviation, minutes) when given. */
  readonly daylightSavingsDeviation?: number;
  /** Attribute 8 (daylight_savings_enabled) when given. */
  readonly daylightSavingsEnabled?: boolean;
}

/** Optional further Clock attributes for {@link clockFromData}. */
export interface ClockAttributes {
  readonly timeZone?: Data;
  readonly status?: Data;
  readonly daylightSavingsDeviation?: Data;
  readonly daylightSavingsEnabled?: Data;
}

/** Reads the Clock's time attribute (and the others given); `undefined` when `time` is not a date-time. */
export function clockFromData(
  time: Data,
  more: ClockAttributes = {},
  options?: DateTimeConvertOptions,
): ClockReading | undefined {
  const dt = dateTimeFromData(time);
  if (dt === undefined) return undefined;
  const out: {
    -readonly [K in keyof ClockReading]: ClockReading[K];
  } = { time: dt, iso: cosemDateTimeToIso(dt, options) };
  if (more.timeZone?.type === 'long') out.timeZone = more.timeZone.value;
  if (more.status !== undefined && more.status.type === 'unsigned') {
    out.status = more.status.value;
    const flags = decodeClockStatus(more.status.value);
    if (flags !== undefined) out.statusFlags = flags;
  }
  if (more.daylightSavingsDeviation?.type === 'integer')
    out.daylightSavingsDeviation = more.daylightSavingsDeviation.value;
  if (more.daylightSavingsEnabled?.type === 'boolean')
    out.daylightSavingsEnabled = more.daylightSavingsEnabled.value;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Capture objects (Profile generic attribute 3, Push setup attribute 2)

/** capture_object_definition: which attribute (and element of it) a column holds. */
export interface CaptureObject {
  readonly classId: number;
  /** Dotted OBIS text, `'1.0.1.8.0.255'`. */
  readonly logicalName: string;
  readonly attributeIndex: number;
  /** 0 = the whole attribute; n = its n-th element (Blue Book 4.3.6). */
  readonly dataIndex: number;
}

/** Input form of a capture object: the logical name may be bytes or text, dataIndex defaults to 0. */
export interface CaptureObjectInput {
  readonly classId: number;
  readonly logicalName: LogicalNameInput;
  readonly attributeIndex: number;
  readonly dataIndex?: number;
}

/** The key of a capture object: `${classId}/${obis}/${attributeIndex}`, with `/${dataIndex}` when not 0. */
export function captureObjectKey(c: CaptureObjectInput): string {
  const ln =
    typeof c.logicalName === 'string' ? normalizeText(c.logicalName) : logicalNameText(c.logicalName);
  const base = `${c.classId}/${ln}/${c.attributeIndex}`;
  return c.dataIndex ? `${base}/${c.dataIndex}` : base;
}

function normalizeText(s: string): string {
  return logicalNameText(logicalNameBytes(s));
}

/** One capture_object_definition Data value. */
export function captureObjectToData(c: CaptureObjectInput): Data {
  return {
    type: 'structure',
    value: [
      { type: 'long-unsigned', value: c.classId },
      { type: 'octet-string', value: logicalNameBytes(c.logicalName) },
      { type: 'integer', value: c.attributeIndex },
      { type: 'long-unsigned', value: c.dataIndex ?? 0 },
    ],
  };
}

/** The array of capture_object_definition (Profile generic attribute 3, Push setup attribute 2). */
export function captureObjectsToData(list: readonly CaptureObjectInput[]): Data {
  return { type: 'array', value: list.map(captureObjectToData) };
}

function captureObjectFromData(d: Data): CaptureObject | undefined {
  if (d.type !== 'structure' || d.value.length !== 4) return undefined;
  const [c, ln, a, i] = d.value as [Data, Data, Data, Data];
  if (c.type !== 'long-unsigned' || ln.type !== 'octet-string' || ln.value.length !== 6) return undefined;
  if (a.type !== 'integer' || i.type !== 'long-unsigned') return undefined;
  return {
    classId: c.value,
    logicalName: logicalNameText(ln.value),
    attributeIndex: a.value,
    dataIndex: i.value,
  };
}

/** Reads an array of capture_object_definition; `undefined` when any element is malformed. */
export function captureObjectsFromData(d: Data): CaptureObject[] | undefined {
  if (d.type !== 'array') return undefined;
  const out: CaptureObject[] = [];
  for (const e of d.value) {
    const c = captureObjectFromData(e);
    if (c === undefined) return undefined;
    out.push(c);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Profile buffer

/** One column of a profile: its capture object, key and a readable label. */
export interface ProfileColumn {
  readonly captureObject: CaptureObject;
  /** See {@link captureObjectKey}. */
  readonly key: string;
  /** The OBIS name when known, else the key. */
  readonly label: string;
}

/** A profile buffer as rows keyed by column key. */
export interface ProfileTable {
  readonly columns: readonly ProfileColumn[];
  readonly rows: readonly Readonly<Record<string, Data>>[];
}

/** Options of {@link profileRows}. */
export interface ProfileRowsOptions {
  /**
   * The profile's capture_period in seconds, used to expand a null-data clock entry to previous +
   * capture period. Without it (or 0) a null clock entry repeats the previous value unchanged.
   */
  readonly capturePeriodS?: number;
  /** Expand null-data entries from the previous row (default `true`). */
  readonly expandNulls?: boolean;
}

/**
 * Reads a Profile generic buffer (attribute 2: array of structures, one element per capture object)
 * into rows keyed by capture object. `undefined` when the buffer is not an array of structures.
 *
 * Null compression (Blue Book 4.3.6, Profile generic, attribute buffer — as we read it; the text was
 * not re-checked here, and OSGP's handling of null capture times in gas profiles, PR #740 of
 * open-smart-grid-platform, computes them from the previous entry in the same way): a server may send
 * null-data for a value equal to the one in the previous entry, and for the clock column (class 8,
 * attribute 2) when the time stamp equals the previous one plus capture_period. Such entries are
 * expanded here; a null-data in the first row stays null-data.
 * Rows shorter or longer than the capture objects keep what they have, keyed by position beyond.
 */
export function profileRows(
  buffer: Data,
  captureObjects: readonly CaptureObject[],
  options: ProfileRowsOptions = {},
): ProfileTable | undefined {
  if (buffer.type !== 'array') return undefined;
  const columns: ProfileColumn[] = captureObjects.map((c) => {
    const key = captureObjectKey(c);
    return { captureObject: c, key, label: obisName(c.logicalName) ?? key };
  });
  const expand = options.expandNulls ?? true;
  const period = options.capturePeriodS ?? 0;
  const rows: Record<string, Data>[] = [];
  let previous: readonly Data[] | undefined;
  for (const entry of buffer.value) {
    if (entry.type !== 'structure') return undefined;
    const values = entry.value.slice();
    if (expand && previous !== undefined) {
      for (let i = 0; i < values.length; i++) {
        if (values[i]!.type !== 'null-data' || previous[i] === undefined) continue;
        const c = captureObjects[i];
        const isClock = c !== undefined && c.classId === 8 && c.attributeIndex === 2;
        values[i] = isClock && period > 0 ? addSeconds(previous[i]!, period) : previous[i]!;
      }
    }
    const row: Record<string, Data> = {};
    values.forEach((v, i) => {
      row[columns[i]?.key ?? `#${i + 1}`] = v;
    });
    rows.push(row);
    previous = values;
  }
  return { columns, rows };
}

/** Options of {@link profileBufferToData}. */
export interface ProfileBufferOptions {
  /** Apply null compression (see {@link profileRows}). Default false. */
  readonly compress?: boolean;
  /** capture_period in seconds, for compressing the clock column. */
  readonly capturePeriodS?: number;
}

/**
 * Builds a Profile generic buffer (array of structures) from rows keyed by capture object, the
 * inverse of {@link profileRows}: columns in capture-object order, a missing key as null-data. With
 * `compress`, a value equal to the previous row's (and a clock equal to previous + capture period)
 * is sent as null-data.
 */
export function profileBufferToData(
  rows: readonly Readonly<Record<string, Data>>[],
  captureObjects: readonly CaptureObjectInput[],
  options: ProfileBufferOptions = {},
): Data {
  const keys = captureObjects.map(captureObjectKey);
  const period = options.capturePeriodS ?? 0;
  let previous: Data[] | undefined;
  const entries: Data[] = rows.map((row) => {
    const values: Data[] = keys.map((k) => row[k] ?? { type: 'null-data' });
    let sent = values;
    if (options.compress === true && previous !== undefined) {
      const prev = previous;
      sent = values.map((v, i) => {
        const c = captureObjects[i]!;
        const isClock = c.classId === 8 && c.attributeIndex === 2;
        const expected = isClock && period > 0 ? addSeconds(prev[i]!, period) : prev[i]!;
        return v.type !== 'null-data' && sameData(v, expected) ? { type: 'null-data' } : v;
      });
    }
    previous = values;
    return { type: 'structure', value: sent };
  });
  return { type: 'array', value: entries };
}

function sameData(a: Data, b: Data): boolean {
  return bytesEqual(encodeDataBytes(a), encodeDataBytes(b));
}

/** Adds seconds to a date-time Data value, keeping its form (octet-string or date-time) and zone. */
function addSeconds(d: Data, seconds: number): Data {
  const dt = dateTimeFromData(d);
  if (dt === undefined) return d;
  const next = shiftDateTime(dt, seconds);
  if (next === undefined) return d;
  return d.type === 'date-time' ? { type: 'date-time', value: next } : dateTimeToData(next);
}

/**
 * `dt` shifted by `seconds`, fields recomputed on the wall clock (deviation and status kept; the day
 * of week recomputed). `undefined` when `dt` has wildcards in its date or time fields.
 */
export function shiftDateTime(dt: CosemDateTime, seconds: number): CosemDateTime | undefined {
  if (
    dt.year === 0xffff ||
    dt.month > 12 ||
    dt.dayOfMonth > 31 ||
    dt.hour > 23 ||
    dt.minute > 59 ||
    dt.second > 59
  ) {
    return undefined;
  }
  const hundredths = dt.hundredths === 0xff ? 0 : dt.hundredths;
  const ms =
    Date.UTC(dt.year, dt.month - 1, dt.dayOfMonth, dt.hour, dt.minute, dt.second, hundredths * 10) +
    seconds * 1000;
  const t = new Date(ms);
  const dow = t.getUTCDay();
  return {
    year: t.getUTCFullYear(),
    month: t.getUTCMonth() + 1,
    dayOfMonth: t.getUTCDate(),
    dayOfWeek: dt.dayOfWeek === 0xff ? 0xff : dow === 0 ? 7 : dow,
    hour: t.getUTCHours(),
    minute: t.getUTCMinutes(),
    second: t.getUTCSeconds(),
    hundredths: dt.hundredths === 0xff ? 0xff : Math.floor(t.getUTCMilliseconds() / 10),
    deviation: dt.deviation,
    clockStatus: dt.clockStatus,
  };
}

// ---------------------------------------------------------------------------------------------
// Object lists

/** Access to one attribute in an object list. */
export interface AttributeAccess {
  readonly index: number;
  /**
   * By name for Association LN versions 0–2; the raw number for version 3 (bit-mapped: bit 0 read,
   * bit 1 write, bit 2 authenticated request, bit 3 encrypted request, bit 4 digitally signed request,
   * bits 5–7 the same for the response) or for a value outside 0–6.
   */
  readonly access: AttributeAccessMode | number;
  /** The access selectors the attribute supports; `undefined` when null-data. */
  readonly selectors?: readonly number[];
}

/** Access to one method in an object list. */
export interface MethodAccess {
  readonly index: number;
  /** By name for versions 1–2 (version 0 booleans map to `'access'`/`'no-access'`); a number for version 3. */
  readonly access: MethodAccessMode | number;
}

/** The access_rights of an object list element. */
export interface AccessRights {
  readonly attributes: readonly AttributeAccess[];
  readonly methods: readonly MethodAccess[];
}

/** One element of the Association LN object_list (class 15 attribute 2). */
export interface ObjectListEntry {
  readonly classId: number;
  readonly version: number;
  /** Dotted OBIS text. */
  readonly logicalName: string;
  readonly accessRights: AccessRights;
}

/** One element of the Association SN object_list (class 12 attribute 2). */
export interface ShortNameObjectListEntry {
  /** The object's base name (a 16-bit short name; sent as `long`). */
  readonly baseName: number;
  readonly classId: number;
  readonly version: number;
  readonly logicalName: string;
}

/** Options of the object list codecs. */
export interface ObjectListOptions {
  /**
   * Version of the Association LN the list belongs to (default 2). Version 0 carries method access
   * as a boolean; version 3 carries bit-mapped access values (kept as numbers).
   */
  readonly associationVersion?: number;
}

const ATTRIBUTE_ACCESS: readonly AttributeAccessMode[] = [
  'no-access',
  'read-only',
  'write-only',
  'read-and-write',
  'authenticated-read-only',
  'authenticated-write-only',
  'authenticated-read-and-write',
];
const METHOD_ACCESS: readonly MethodAccessMode[] = ['no-access', 'access', 'authenticated-access'];

/** The wire code of an attribute access mode. */
export function attributeAccessCode(a: AttributeAccessMode | number): number {
  if (typeof a === 'number') return a;
  return ATTRIBUTE_ACCESS.indexOf(a);
}

/** The wire code of a method access mode. */
export function methodAccessCode(a: MethodAccessMode | number): number {
  if (typeof a === 'number') return a;
  return METHOD_ACCESS.indexOf(a);
}

function attributeAccessFromData(d: Data, v3: boolean): AttributeAccess | undefined {
  if (d.type !== 'structure' || d.value.length !== 3) return undefined;
  const [id, mode, sel] = d.value as [Data, Data, Data];
  if (id.type !== 'integer' || mode.type !== 'enum') return undefined;
  const access = v3 ? mode.value : (ATTRIBUTE_ACCESS[mode.value] ?? mode.value);
  if (sel.type === 'null-data') return { index: id.value, access };
  if (sel.type !== 'array') return undefined;
  const selectors: number[] = [];
  for (const s of sel.value) {
    if (s.type !== 'integer') return undefined;
    selectors.push(s.value);
  }
  return { index: id.value, access, selectors };
}

function methodAccessFromData(d: Data, v3: boolean): MethodAccess | undefined {
  if (d.type !== 'structure' || d.value.length !== 2) return undefined;
  const [id, mode] = d.value as [Data, Data];
  if (id.type !== 'integer') return undefined;
  if (mode.type === 'boolean') return { index: id.value, access: mode.value ? 'access' : 'no-access' };
  if (mode.type !== 'enum') return undefined;
  return { index: id.value, access: v3 ? mode.value : (METHOD_ACCESS[mode.value] ?? mode.value) };
}

/** Reads the access_rights structure { attribute_access array, method_access array }. */
export function accessRightsFromData(d: Data, options: ObjectListOptions = {}): AccessRights | undefined {
  if (d.type !== 'structure' || d.value.length !== 2) return undefined;
  const [attrs, methods] = d.value as [Data, Data];
  if (attrs.type !== 'array' || methods.type !== 'array') return undefined;
  const v3 = (options.associationVersion ?? 2) >= 3;
  const attributes: AttributeAccess[] = [];
  for (const a of attrs.value) {
    const x = attributeAccessFromData(a, v3);
    if (x === undefined) return undefined;
    attributes.push(x);
  }
  const ms: MethodAccess[] = [];
  for (const m of methods.value) {
    const x = methodAccessFromData(m, v3);
    if (x === undefined) return undefined;
    ms.push(x);
  }
  return { attributes, methods: ms };
}

/** Builds the access_rights structure. */
export function accessRightsToData(r: AccessRights, options: ObjectListOptions = {}): Data {
  const v0 = (options.associationVersion ?? 2) === 0;
  return {
    type: 'structure',
    value: [
      {
        type: 'array',
        value: r.attributes.map((a) => {
          const code = attributeAccessCode(a.access);
          if (code < 0 || code > 255) throw new ArgumentError(`bad attribute access '${a.access}'`);
          return {
            type: 'structure',
            value: [
              { type: 'integer', value: a.index },
              { type: 'enum', value: code },
              a.selectors === undefined
                ? { type: 'null-data' }
                : { type: 'array', value: a.selectors.map((s) => ({ type: 'integer', value: s }) as Data) },
            ],
          };
        }),
      },
      {
        type: 'array',
        value: r.methods.map((m) => {
          const code = methodAccessCode(m.access);
          if (code < 0 || code > 255) throw new ArgumentError(`bad method access '${m.access}'`);
          return {
            type: 'structure',
            value: [
              { type: 'integer', value: m.index },
              v0 ? { type: 'boolean', value: code !== 0 } : { type: 'enum', value: code },
            ],
          };
        }),
      },
    ],
  };
}

/** Reads the Association LN object_list (class 15 attribute 2); `undefined` when malformed. */
export function objectListFromData(d: Data, options: ObjectListOptions = {}): ObjectListEntry[] | undefined {
  if (d.type !== 'array') return undefined;
  const out: ObjectListEntry[] = [];
  for (const e of d.value) {
    if (e.type !== 'structure' || e.value.length !== 4) return undefined;
    const [c, v, ln, ar] = e.value as [Data, Data, Data, Data];
    if (
      c.type !== 'long-unsigned' ||
      v.type !== 'unsigned' ||
      ln.type !== 'octet-string' ||
      ln.value.length !== 6
    )
      return undefined;
    const accessRights = accessRightsFromData(ar, options);
    if (accessRights === undefined) return undefined;
    out.push({ classId: c.value, version: v.value, logicalName: logicalNameText(ln.value), accessRights });
  }
  return out;
}

/** Builds the Association LN object_list. */
export function objectListToData(list: readonly ObjectListEntry[], options: ObjectListOptions = {}): Data {
  return {
    type: 'array',
    value: list.map((e) => ({
      type: 'structure',
      value: [
        { type: 'long-unsigned', value: e.classId },
        { type: 'unsigned', value: e.version },
        { type: 'octet-string', value: logicalNameBytes(e.logicalName) },
        accessRightsToData(e.accessRights, options),
      ],
    })),
  };
}

/** Reads the Association SN object_list (class 12 attribute 2); `undefined` when malformed. */
export function shortNameObjectListFromData(d: Data): ShortNameObjectListEntry[] | undefined {
  if (d.type !== 'array') return undefined;
  const out: ShortNameObjectListEntry[] = [];
  for (const e of d.value) {
    if (e.type !== 'structure' || e.value.length !== 4) return undefined;
    const [bn, c, v, ln] = e.value as [Data, Data, Data, Data];
    if (bn.type !== 'long' || c.type !== 'long-unsigned' || v.type !== 'unsigned') return undefined;
    if (ln.type !== 'octet-string' || ln.value.length !== 6) return undefined;
    // base_name is a `long` on the wire but names a 16-bit address: read it unsigned.
    out.push({
      baseName: bn.value & 0xffff,
      classId: c.value,
      version: v.value,
      logicalName: logicalNameText(ln.value),
    });
  }
  return out;
}

/** Builds the Association SN object_list. */
export function shortNameObjectListToData(list: readonly ShortNameObjectListEntry[]): Data {
  return {
    type: 'array',
    value: list.map((e) => {
      if (!Number.isInteger(e.baseName) || e.baseName < 0 || e.baseName > 0xffff) {
        throw new ArgumentError(`base name ${e.baseName} is not 16 bits`);
      }
      return {
        type: 'structure',
        value: [
          { type: 'long', value: e.baseName > 0x7fff ? e.baseName - 0x10000 : e.baseName },
          { type: 'long-unsigned', value: e.classId },
          { type: 'unsigned', value: e.version },
          { type: 'octet-string', value: logicalNameBytes(e.logicalName) },
        ],
      };
    }),
  };
}
