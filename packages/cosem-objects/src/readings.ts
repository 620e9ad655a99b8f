/**
 * Readings out of a push (DataNotification body): a list of `{ obis, value, raw, scaler, unit }`
 * for the layouts meters actually send, and the meter time when the push carries one.
 *
 * Layouts understood (tried in this order):
 * 1. Positional: the caller gives the Push setup's push_object_list (capture objects with optional
 *    scaler_unit per entry); the body is a structure (or array) with one element per entry.
 * 2. Entry lists: a structure or array whose elements are each a structure [OBIS octet-string(6),
 *    value] or [OBIS, value, scaler_unit] (Aidon HAN lists, "OBIS triples").
 * 3. Flat lists: a structure or array alternating OBIS octet-string(6), value, and an optional
 *    scaler_unit structure right after the value (Kaifa MA304 and Kamstrup HAN lists). Up to two
 *    elements before the first OBIS (e.g. Kamstrup's list version string, EVN's date-time) and up to
 *    two non-OBIS elements after the last value (EVN/Kaifa MA309M end with the meter number, without
 *    an OBIS code in front: EVN customer-interface documentation sample) are returned in `extra`.
 * A body wrapped in single-element structures/arrays is unwrapped first. Anything else gives
 * `readings: []` and the body in `unparsed`: never a guess, never an error.
 *
 * Meter time: the notification header's date-time when present (12 bytes), else the value of the
 * Clock (0.0.1.0.0.255) or the first date-time in the payload. Converted to ISO 8601 with dlms-core
 * (Blue Book deviation sign unless `convention` says otherwise); wildcards give no meter time.
 *
 * Speed: one pass over the body; the dotted text and name of each OBIS code come from memoised
 * lookups by the code's number (no regex, no formatting per element once a code has been seen), and
 * the caller's `captureObjects` and `scalerUnits` are normalised once per object (weakly cached).
 *
 * Not done here: deciphering (the caller passes the plain notification and, if it wants it echoed,
 * the system title from the envelope) and vendor-specific scaler tables (pass `scalerUnits`).
 */
import {
  cosemDateTimeToIso,
  dataNotificationDateTime,
  obisName,
  toHex,
  type CosemDateTime,
  type Data,
  type DataNotification,
  type DeviationConvention,
} from '@meteringlab/dlms-core';
import { captureObjectKey, dateTimeFromData, numericValue, type CaptureObjectInput } from './decoders.js';
import { logicalNameText, normalizeLogicalName } from './logical-name.js';
import { applyScaler, scalerUnitFromData, type ScalerUnit } from './scaler.js';
import { unitSymbol } from './units.js';

/** One reading. */
export interface Reading {
  /** Dotted OBIS text, `'1.0.1.8.0.255'`. */
  readonly obis: string;
  /** A readable name when the OBIS code is well known. */
  readonly name?: string;
  /**
   * Numbers scaled (`raw × 10^scaler`); strings as text (octet strings as text when printable, else
   * upper-case hex); date-times as ISO 8601 (`null` when they hold wildcards); booleans as is;
   * `null` for null-data and containers.
   */
  readonly value: number | string | boolean | null;
  /** The unscaled value as sent (numbers, bigints, strings as above, booleans), `null` for containers. */
  readonly raw: number | bigint | string | boolean | null;
  /** Scaler applied (0 when the layout gives none). Present for numeric values. */
  readonly scaler?: number;
  /** Unit symbol (`'Wh'`), when a scaler_unit gives one other than "count". */
  readonly unit?: string;
  /** Unit code from the scaler_unit, when given. */
  readonly unitCode?: number;
  /** The capture object key for positional layouts (`'3/1.0.1.8.0.255/2'`). */
  readonly key?: string;
  /** The Data value as received. */
  readonly data: Data;
}

/** The result of {@link notificationReadings}. */
export interface NotificationReadings {
  /** Meter time, ISO 8601. */
  readonly meterTime?: string;
  /** The system title, echoed from the options (it travels in the ciphering envelope). */
  readonly systemTitle?: string;
  readonly readings: readonly Reading[];
  /** Elements a flat list carried before its first OBIS code (e.g. a list version string). */
  readonly extra?: readonly Data[];
  /** The body, when no known layout matched. */
  readonly unparsed?: Data;
}

/** One entry of a positional layout: a push object list element with its optional scaler_unit. */
export interface PushObjectInput extends CaptureObjectInput {
  readonly scalerUnit?: ScalerUnit;
}

/** Options of {@link notificationReadings}. */
export interface NotificationReadingsOptions {
  /** The push object list, for positional bodies (layout 1). */
  readonly captureObjects?: readonly PushObjectInput[];
  /** scaler_unit per OBIS (dotted or display text) for lists that carry none (e.g. Kaifa's). */
  readonly scalerUnits?: Readonly<Record<string, ScalerUnit>>;
  /** Deviation sign convention of the meter's date-times. */
  readonly convention?: DeviationConvention;
  /** System title from the ciphering envelope, echoed in the result as hex. */
  readonly systemTitle?: Uint8Array;
}

const CLOCK_OBIS = '0.0.1.0.0.255';

function isObis(d: Data | undefined): d is Data & { type: 'octet-string' } {
  return d !== undefined && d.type === 'octet-string' && d.value.length === 6;
}

function isContainer(d: Data): d is Data & { type: 'structure' | 'array' } {
  return d.type === 'structure' || d.type === 'array';
}

/** A scaler_unit shape: structure of exactly (integer, enum). Strict, so that values are not mistaken for it. */
function asScalerUnit(d: Data | undefined): ScalerUnit | undefined {
  if (d === undefined || d.type !== 'structure' || d.value.length !== 2) return undefined;
  const [s, u] = d.value as [Data, Data];
  if (s.type !== 'integer' || u.type !== 'enum') return undefined;
  return scalerUnitFromData(d);
}

function printable(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  for (const x of b) if (x < 0x20 || x > 0x7e) return false;
  return true;
}

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function isPlausibleDateTime(dt: CosemDateTime): boolean {
  const monthOk = (dt.month >= 1 && dt.month <= 12) || dt.month >= 0xfd;
  const dayOk = (dt.dayOfMonth >= 1 && dt.dayOfMonth <= 31) || dt.dayOfMonth >= 0xfd;
  return monthOk && dayOk && (dt.hour <= 23 || dt.hour === 0xff) && (dt.minute <= 59 || dt.minute === 0xff);
}

interface Ctx {
  readonly options: NotificationReadingsOptions;
  /** `options.scalerUnits` by dotted OBIS text. */
  readonly scalers: ReadonlyMap<string, ScalerUnit> | undefined;
  /** From the notification header. */
  meterTime?: string;
  /** From the Clock's entry in the payload. */
  clockTime?: string;
  /** From any other date-time in the payload. */
  payloadTime?: string;
}

function isoOf(ctx: Ctx, dt: CosemDateTime): string | undefined {
  return cosemDateTimeToIso(
    dt,
    ctx.options.convention === undefined ? {} : { convention: ctx.options.convention },
  );
}

/** 10^k for k = 0…22: exact doubles, so `raw / 10^k` and `raw × 10^k` are correctly rounded. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * `applyScaler` with a fast path: a safe integer times an exact power of ten is one correctly rounded
 * operation, i.e. the double nearest to the exact decimal, which is what `applyScaler` returns.
 */
function scaled(n: number | bigint, scaler: number): number {
  if (typeof n === 'number' && Number.isSafeInteger(n) && Number.isInteger(scaler)) {
    if (scaler === 0) return n;
    if (scaler < 0 && scaler >= -22) return n / POW10[-scaler]!;
    if (scaler > 0 && scaler <= 22) return n * POW10[scaler]!;
  }
  return applyScaler(n, scaler);
}

/** A reading under construction: the properties of {@link Reading}, in its order. */
type Draft = { -readonly [K in keyof Reading]: Reading[K] };

function makeReading(
  ctx: Ctx,
  obis: string,
  name: string | undefined,
  data: Data,
  su: ScalerUnit | undefined,
  key?: string,
): Reading {
  const r = { obis } as Draft;
  if (name !== undefined) r.name = name;
  if (key !== undefined) r.key = key;
  r.data = data;
  if (data.type !== 'enum') {
    const n = numericValue(data);
    if (n !== undefined) {
      const scaler = su?.scaler ?? 0;
      r.value = scaled(n, scaler);
      r.raw = n;
      r.scaler = scaler;
      if (su !== undefined) {
        const unit = su.unit !== 255 ? unitSymbol(su.unit) : undefined;
        if (unit !== undefined && unit !== '') r.unit = unit;
        r.unitCode = su.unit;
      }
      return r;
    }
  }
  switch (data.type) {
    case 'enum':
    case 'boolean':
    case 'visible-string':
    case 'utf8-string':
      r.value = data.value;
      r.raw = data.value;
      return r;
    case 'date-time':
    case 'octet-string': {
      const dt = dateTimeFromData(data);
      // An octet-string(12) is a date-time only under the Clock's OBIS: elsewhere it may be an identifier.
      if (dt !== undefined && (data.type === 'date-time' || obis === CLOCK_OBIS)) {
        const iso = isoOf(ctx, dt);
        if (iso !== undefined) {
          if (obis === CLOCK_OBIS) ctx.clockTime ??= iso;
          else ctx.payloadTime ??= iso;
        }
        r.value = iso ?? null;
        r.raw = data.type === 'octet-string' ? toHex(data.value) : (iso ?? null);
        return r;
      }
      if (data.type === 'octet-string') {
        const text = printable(data.value) ? latin1(data.value) : toHex(data.value);
        r.value = text;
        r.raw = text;
        return r;
      }
      r.value = null;
      r.raw = null;
      return r;
    }
    default:
      r.value = null;
      r.raw = null;
      return r;
  }
}

/** The caller's scaler_unit table by dotted OBIS text, built once per table object. */
const scalerTables = new WeakMap<object, ReadonlyMap<string, ScalerUnit>>();

function scalerTable(
  table: Readonly<Record<string, ScalerUnit>> | undefined,
): ReadonlyMap<string, ScalerUnit> | undefined {
  if (table === undefined) return undefined;
  let byObis = scalerTables.get(table);
  if (byObis === undefined) {
    const m = new Map<string, ScalerUnit>();
    for (const [k, v] of Object.entries(table)) {
      try {
        const obis = normalizeLogicalName(k);
        // The first key that names a code wins, as in the table's own order.
        if (!m.has(obis)) m.set(obis, v);
      } catch {
        // a key that is not an OBIS code is ignored
      }
    }
    byObis = m;
    scalerTables.set(table, byObis);
  }
  return byObis;
}

/** A reading of an OBIS octet-string and its value: text and name from memoised lookups. */
function obisReading(ctx: Ctx, ln: Uint8Array, value: Data, su: ScalerUnit | undefined): Reading {
  const obis = logicalNameText(ln);
  return makeReading(ctx, obis, obisName(ln), value, su ?? ctx.scalers?.get(obis));
}

/** Layout 2: every element is a structure [OBIS, value] or [OBIS, value, scaler_unit]. */
function entryList(ctx: Ctx, items: readonly Data[]): Reading[] | undefined {
  if (items.length === 0) return undefined;
  const out: Reading[] = [];
  for (const it of items) {
    if (it.type !== 'structure' || (it.value.length !== 2 && it.value.length !== 3)) return undefined;
    const [ln, value, su] = it.value as [Data, Data, Data | undefined];
    if (!isObis(ln)) return undefined;
    let scalerUnit: ScalerUnit | undefined;
    if (su !== undefined) {
      scalerUnit = asScalerUnit(su) ?? scalerUnitFromData(su);
      if (scalerUnit === undefined) return undefined;
    }
    out.push(obisReading(ctx, ln.value, value, scalerUnit));
  }
  return out;
}

/** Most elements a flat list may carry before its first OBIS code, and after its last value. */
const MAX_EXTRA = 2;

/**
 * Layout 3: OBIS, value, [scaler_unit], OBIS, value, …, with up to two leading non-OBIS elements and
 * up to two trailing non-OBIS, non-container elements after the last value (or its scaler_unit).
 */
function flatList(ctx: Ctx, items: readonly Data[]): { readings: Reading[]; extra: Data[] } | undefined {
  let i = 0;
  const extra: Data[] = [];
  while (i < items.length && !isObis(items[i])) extra.push(items[i++]!);
  if (i >= items.length || extra.length > MAX_EXTRA) return undefined;
  const readings: Reading[] = [];
  while (i < items.length) {
    const ln = items[i]!;
    if (!isObis(ln)) {
      // Trailing elements (EVN/Kaifa MA309M: the meter number): at most two, none an OBIS code or a
      // container, so that a list that merely lost its step is not read as one.
      if (items.length - i > MAX_EXTRA) return undefined;
      for (let j = i; j < items.length; j++) {
        const t = items[j]!;
        if (isObis(t) || isContainer(t)) return undefined;
        extra.push(t);
      }
      break;
    }
    if (i + 1 >= items.length) return undefined;
    const value = items[i + 1]!;
    if (isContainer(value)) return undefined;
    i += 2;
    const su = asScalerUnit(items[i]);
    if (su !== undefined) i++;
    readings.push(obisReading(ctx, ln.value, value, su));
  }
  return { readings, extra };
}

/** A push object list normalised once: dotted text, name and key of each entry. */
interface PositionalEntry {
  readonly obis: string;
  readonly name: string | undefined;
  readonly key: string;
  readonly scalerUnit: ScalerUnit | undefined;
}

const positionalLists = new WeakMap<readonly PushObjectInput[], readonly PositionalEntry[]>();

function positionalEntries(list: readonly PushObjectInput[]): readonly PositionalEntry[] {
  let entries = positionalLists.get(list);
  // A list changed in place since (against its readonly type) is normalised again.
  if (entries === undefined || entries.length !== list.length) {
    entries = list.map((c) => {
      const obis = normalizeLogicalName(c.logicalName);
      return { obis, name: obisName(obis), key: captureObjectKey(c), scalerUnit: c.scalerUnit };
    });
    positionalLists.set(list, entries);
  }
  return entries;
}

/** Layout 1: one element per configured push object. */
function positional(ctx: Ctx, body: Data, list: readonly PushObjectInput[]): Reading[] | undefined {
  const items =
    list.length === 1 && !(isContainer(body) && body.value.length === 1)
      ? [body]
      : isContainer(body)
        ? body.value
        : [body];
  if (items.length !== list.length) return undefined;
  const entries = positionalEntries(list);
  return items.map((d, i) => {
    const c = entries[i]!;
    return makeReading(ctx, c.obis, c.name, d, c.scalerUnit ?? ctx.scalers?.get(c.obis), c.key);
  });
}

/**
 * Readings of a DataNotification (or of its body alone). See the module header for the layouts.
 * Never throws on a peer's data: an unknown layout gives `readings: []` and `unparsed`.
 */
export function notificationReadings(
  input: DataNotification | Data,
  options: NotificationReadingsOptions = {},
): NotificationReadings {
  const ctx: Ctx = { options, scalers: scalerTable(options.scalerUnits) };
  let body: Data;
  if (input.type === 'data-notification') {
    body = input.body;
    const dt = dataNotificationDateTime(input);
    if (dt !== undefined) {
      const iso = isoOf(ctx, dt);
      if (iso !== undefined) ctx.meterTime = iso;
    }
  } else {
    body = input;
  }
  const systemTitle = options.systemTitle === undefined ? {} : { systemTitle: toHex(options.systemTitle) };

  let readings: Reading[] | undefined;
  let extra: Data[] | undefined;
  if (options.captureObjects !== undefined && options.captureObjects.length > 0) {
    readings = positional(ctx, body, options.captureObjects);
  } else {
    let b = body;
    while (isContainer(b) && b.value.length === 1 && isContainer(b.value[0]!)) b = b.value[0]!;
    if (isContainer(b)) {
      readings = entryList(ctx, b.value);
      if (readings === undefined) {
        const flat = flatList(ctx, b.value);
        if (flat !== undefined) {
          readings = flat.readings;
          if (flat.extra.length > 0) extra = flat.extra;
        }
      }
    }
  }
  if (readings === undefined) return { ...timeOf(ctx), ...systemTitle, readings: [], unparsed: body };
  if (extra !== undefined) {
    for (const e of extra) {
      const dt = dateTimeFromData(e);
      if (dt !== undefined && isPlausibleDateTime(dt) && ctx.payloadTime === undefined) {
        const iso = isoOf(ctx, dt);
        if (iso !== undefined) ctx.payloadTime = iso;
      }
    }
  }
  return { ...timeOf(ctx), ...systemTitle, readings, ...(extra === undefined ? {} : { extra }) };
}

function timeOf(ctx: Ctx): { meterTime?: string } {
  const t = ctx.meterTime ?? ctx.clockTime ?? ctx.payloadTime;
  return t === undefined ? {} : { meterTime: t };
}
