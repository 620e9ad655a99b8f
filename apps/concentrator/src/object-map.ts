/**
 * The object map: which COSEM objects each mapped meter exposes and how a reading field becomes the
 * raw value of each (configuration, JSON; `public/maps/platform.json` is the default,
 * `public/maps/water.json` the preset after the standard's water group), and the building of one
 * logical device per meter from it with cosem-objects' model classes.
 *
 * Raw values (the value attribute is served raw, its scaler_unit beside it; the client scales):
 * a source field is first read in the object's unit as `value × 10^sourceExponent` (flow_lph with
 * sourceExponent −3 is m³/h), then divided by `10^scaler`: raw = value × 10^(sourceExponent − scaler),
 * through cosem-objects' decimal-exact `applyScaler` / `unscale`, rounded to the nearest integer for
 * integer types. So the platform's flow rate (unit 16 m³/h, scaler −3) carries flow_lph itself as raw
 * value: 1 raw unit = 10^−3 m³/h = 1 L/h.
 *
 * A meter without a reading, or whose reading lacks the field, answers the value (and the Clock's
 * time in `reading` mode) with the configured data-access-result (`temporary-failure` by default: the
 * value will exist once the meter reports). A value out of its type's range answers `other-reason`.
 * scaler_unit and logical_name always answer.
 *
 * Not here: the cache, the association configuration (security.ts), serving.
 */
import {
  applyScaler,
  AssociationLn,
  Clock,
  DataObject,
  LogicalDevice,
  Register,
  logicalNameBytes,
  readOnlyRights,
  unscale,
  type AccessContext,
  type MaybePromise,
  type RightsPolicy,
} from '@meteringlab/cosem-objects';
import type { Data, DataAccessResult, SelectiveAccessDescriptor } from '@meteringlab/dlms-core';
import { alarmBitfield, type Reading } from './reading.js';

/** Reading fields an object can serve. */
export type SourceField = 'volume_m3' | 'flow_lph' | 'battery_pct' | 'rssi_dbm' | 'snr_db' | 'alarms';

/** Data types a value attribute may have. */
export type NumericType =
  | 'float64'
  | 'float32'
  | 'integer'
  | 'long'
  | 'double-long'
  | 'long64'
  | 'unsigned'
  | 'long-unsigned'
  | 'double-long-unsigned'
  | 'long64-unsigned';

/** A Data object (class 1) of the map. */
export interface DataSpec {
  readonly logicalName: string;
  readonly label?: string;
  readonly source: SourceField;
  readonly type: NumericType;
  /** The source read in the served unit is value × 10^sourceExponent (default 0). */
  readonly sourceExponent?: number;
}

/** A Register (class 3) of the map. */
export interface RegisterSpec extends DataSpec {
  readonly scaler: number;
  /** Unit code (Blue Book unit table). */
  readonly unit: number;
}

/** An object map (the JSON of `public/maps/*.json`). */
export interface ObjectMap {
  readonly name: string;
  readonly description?: string;
  readonly registers: readonly RegisterSpec[];
  readonly data: readonly DataSpec[];
  /** The Clock and what it shows: the cached reading's time (default) or the concentrator's. */
  readonly clock?: {
    readonly logicalName?: string;
    readonly source?: 'reading' | 'concentrator';
    readonly timeZone?: number;
  };
  /** COSEM logical device name template: {EUI} {eui} {address} {tenant}. Default {EUI}. */
  readonly logicalDeviceName?: string;
}

/** The meter a logical device stands for. */
export interface MappedMeter {
  readonly deviceEui: string;
  readonly tenantId: string;
  readonly logicalAddress: number;
}

/** One association a logical device offers (its security lives in the server config). */
export interface DeviceAssociation {
  readonly clientSap: number;
  /** 0 none, 1 LLS, 5 HLS-GMAC. */
  readonly mechanism: number;
  /** Application context: 1 LN, 3 LN with ciphering. */
  readonly applicationContext: number;
  /** Conformance block the server engine offers (published in xDLMS_context_info). */
  readonly conformance?: number;
  readonly rights?: RightsPolicy;
}

/** Options of {@link buildLogicalDevice}. */
export interface BuildOptions {
  readonly map: ObjectMap;
  readonly meter: MappedMeter;
  readonly reading: () => Reading | undefined;
  readonly associations: readonly DeviceAssociation[];
  /** Answer for values that have no reading yet (default temporary-failure). */
  readonly noReading?: DataAccessResult;
  /** The concentrator's time (clock source `concentrator`). */
  readonly now?: () => Date;
}

const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  integer: [-128, 127],
  long: [-32768, 32767],
  'double-long': [-2147483648, 2147483647],
  unsigned: [0, 255],
  'long-unsigned': [0, 65535],
  'double-long-unsigned': [0, 4294967295],
  long64: [-(2 ** 63), 2 ** 63 - 1],
  'long64-unsigned': [0, 2 ** 64 - 1],
};

/** Numeric Data types the map accepts. */
export const NUMERIC_TYPES: readonly NumericType[] = [
  'float64',
  'float32',
  'integer',
  'long',
  'double-long',
  'long64',
  'unsigned',
  'long-unsigned',
  'double-long-unsigned',
  'long64-unsigned',
];

/** Reading fields the map accepts. */
export const SOURCE_FIELDS: readonly SourceField[] = [
  'volume_m3',
  'flow_lph',
  'battery_pct',
  'rssi_dbm',
  'snr_db',
  'alarms',
];

function sourceValue(r: Reading, field: SourceField): number | undefined {
  switch (field) {
    case 'volume_m3':
      return r.volumeM3;
    case 'flow_lph':
      return r.flowLph;
    case 'battery_pct':
      return r.batteryPct;
    case 'rssi_dbm':
      return r.rssiDbm;
    case 'snr_db':
      return r.snrDb;
    case 'alarms':
      return alarmBitfield(r.alarms);
  }
}

/**
 * The raw Data value of `value` (a source field) for a spec with `scaler` (0 for Data objects); a
 * data-access-result when it does not fit the type.
 */
export function rawValue(spec: DataSpec, scaler: number, value: number): Data | DataAccessResult {
  const shift = (spec.sourceExponent ?? 0) - scaler;
  if (spec.type === 'float64' || spec.type === 'float32') {
    return { type: spec.type, value: applyScaler(value, shift) };
  }
  const n = unscale(value, -shift);
  const [min, max] = RANGES[spec.type]!;
  if (n < min || n > max) return 'other-reason';
  if (spec.type === 'long64' || spec.type === 'long64-unsigned') return { type: spec.type, value: BigInt(n) };
  return { type: spec.type, value: n };
}

/** The value attribute of a reading-backed object (shared by the Register and Data subclasses). */
function readingValue(
  spec: DataSpec,
  scaler: number,
  reading: () => Reading | undefined,
  noReading: DataAccessResult,
): () => Data | DataAccessResult {
  return () => {
    const r = reading();
    if (r === undefined) return noReading;
    const v = sourceValue(r, spec.source);
    return v === undefined ? noReading : rawValue(spec, scaler, v);
  };
}

/** A Register whose value comes from the cached reading (a data-access-result when there is none). */
class ReadingRegister extends Register {
  constructor(
    spec: RegisterSpec,
    private readonly current: () => Data | DataAccessResult,
  ) {
    super({
      logicalName: spec.logicalName,
      scalerUnit: { scaler: spec.scaler, unit: spec.unit },
      // Declares attribute 2 for the object list; reads go through `get` below.
      value: () => ({ type: 'null-data' }),
    });
  }

  override get(
    i: number,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult> {
    if (i === 2 && access === undefined) return this.current();
    return super.get(i, ctx, access);
  }
}

/** A Data object whose value comes from the cached reading. */
class ReadingData extends DataObject {
  constructor(
    spec: DataSpec,
    private readonly current: () => Data | DataAccessResult,
  ) {
    super({ logicalName: spec.logicalName, value: () => ({ type: 'null-data' }) });
  }

  override get(
    i: number,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult> {
    if (i === 2 && access === undefined) return this.current();
    return super.get(i, ctx, access);
  }
}

/** A Clock showing the reading's time; its time attribute answers `noReading` before the first reading. */
class ReadingClock extends Clock {
  constructor(
    logicalName: string,
    timeZone: number,
    private readonly reading: () => Reading | undefined,
    private readonly noReading: DataAccessResult,
  ) {
    super({
      logicalName,
      timeZone,
      now: () => new Date(reading()?.timestampMs ?? 0),
    });
  }

  override get(
    i: number,
    ctx: AccessContext,
    access?: SelectiveAccessDescriptor,
  ): MaybePromise<Data | DataAccessResult> {
    if (i === 2 && this.reading() === undefined) return this.noReading;
    return super.get(i, ctx, access);
  }
}

/** The logical device name of a meter (template placeholders {EUI} {eui} {address} {tenant}). */
export function logicalDeviceName(template: string, meter: MappedMeter): string {
  return template
    .replaceAll('{EUI}', meter.deviceEui.toUpperCase())
    .replaceAll('{eui}', meter.deviceEui)
    .replaceAll('{address}', String(meter.logicalAddress))
    .replaceAll('{tenant}', meter.tenantId);
}

/** Builds the logical device of one meter: the map's objects, the clock, the name, the associations. */
export function buildLogicalDevice(o: BuildOptions): LogicalDevice {
  const noReading = o.noReading ?? 'temporary-failure';
  const device = new LogicalDevice();
  for (const spec of o.map.registers) {
    device.add(new ReadingRegister(spec, readingValue(spec, spec.scaler, o.reading, noReading)));
  }
  for (const spec of o.map.data) {
    device.add(new ReadingData(spec, readingValue(spec, 0, o.reading, noReading)));
  }
  const clock = o.map.clock ?? {};
  const clockName = clock.logicalName ?? '0.0.1.0.0.255';
  const timeZone = clock.timeZone ?? 0;
  device.add(
    clock.source === 'concentrator'
      ? new Clock({ logicalName: clockName, timeZone, now: o.now ?? (() => new Date()) })
      : new ReadingClock(clockName, timeZone, o.reading, noReading),
  );
  const name = new TextEncoder().encode(logicalDeviceName(o.map.logicalDeviceName ?? '{EUI}', o.meter));
  device.add(new DataObject({ logicalName: '0.0.42.0.0.255', value: { type: 'octet-string', value: name } }));
  for (const a of o.associations) {
    device.addAssociation(
      new AssociationLn({
        clientSap: a.clientSap,
        mechanism: a.mechanism,
        applicationContext: a.applicationContext,
        rights: a.rights ?? readOnlyRights,
        ...(a.conformance === undefined ? {} : { xdlmsContextInfo: { conformance: a.conformance } }),
      }),
    );
  }
  return device;
}

/** Checks an object map read from JSON; returns the problems, each with its path (empty when valid). */
export function validateObjectMap(value: unknown): string[] {
  const errors: string[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['$: must be an object'];
  const m = value as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name === '') errors.push('$.name: must be a non-empty string');
  const seen = new Set<string>();
  const checkSpec = (s: unknown, path: string, register: boolean) => {
    if (typeof s !== 'object' || s === null) return errors.push(`${path}: must be an object`);
    const o = s as Record<string, unknown>;
    try {
      if (typeof o.logicalName !== 'string') throw new Error();
      logicalNameBytes(o.logicalName);
      if (seen.has(o.logicalName)) errors.push(`${path}.logicalName: ${o.logicalName} appears twice`);
      seen.add(o.logicalName);
    } catch {
      errors.push(`${path}.logicalName: must be an OBIS code such as 7.0.1.0.0.255`);
    }
    if (!SOURCE_FIELDS.includes(o.source as SourceField))
      errors.push(`${path}.source: one of ${SOURCE_FIELDS.join(', ')}`);
    if (!NUMERIC_TYPES.includes(o.type as NumericType))
      errors.push(`${path}.type: one of ${NUMERIC_TYPES.join(', ')}`);
    if (o.sourceExponent !== undefined && !Number.isInteger(o.sourceExponent))
      errors.push(`${path}.sourceExponent: an integer`);
    if (register) {
      if (!Number.isInteger(o.scaler) || (o.scaler as number) < -128 || (o.scaler as number) > 127)
        errors.push(`${path}.scaler: an integer in -128..127`);
      if (!Number.isInteger(o.unit) || (o.unit as number) < 0 || (o.unit as number) > 255)
        errors.push(`${path}.unit: a unit code in 0..255`);
    }
    return undefined;
  };
  for (const [key, register] of [
    ['registers', true],
    ['data', false],
  ] as const) {
    const list = m[key];
    if (!Array.isArray(list)) errors.push(`$.${key}: must be an array`);
    else list.forEach((s, i) => checkSpec(s, `$.${key}[${i}]`, register));
  }
  if (m.clock !== undefined) {
    const c = m.clock as Record<string, unknown>;
    if (typeof c !== 'object' || c === null) errors.push('$.clock: must be an object');
    else {
      if (c.source !== undefined && c.source !== 'reading' && c.source !== 'concentrator')
        errors.push('$.clock.source: reading or concentrator');
      if (c.timeZone !== undefined && !Number.isInteger(c.timeZone))
        errors.push('$.clock.timeZone: minutes, an integer');
    }
  }
  if (m.logicalDeviceName !== undefined && typeof m.logicalDeviceName !== 'string')
    errors.push('$.logicalDeviceName: must be a string');
  return errors;
}
