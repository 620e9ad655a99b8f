/**
 * The canonical reading the platform publishes on `hes/reading/{tenant}/{device_eui}` (JSON), its
 * validation, EUI normalisation and the alarm name → bit table of the alarm bitfield object.
 *
 * Validation is strict on types and lenient on absence: `volume_m3` and `timestamp` are required, the
 * other measurements may be missing or null (the object that serves them then answers a
 * data-access-result). It never throws: a bad message gives a reason, counted and logged by the caller.
 * Not here: MQTT, the cache, COSEM encoding.
 */

/** One reading as kept in the cache (timestamp in epoch milliseconds). */
export interface Reading {
  readonly deviceEui: string;
  readonly tenantId: string;
  readonly timestampMs: number;
  readonly volumeM3: number;
  readonly flowLph: number | undefined;
  readonly batteryPct: number | undefined;
  readonly rssiDbm: number | undefined;
  readonly snrDb: number | undefined;
  readonly alarms: readonly string[];
  /** When the concentrator received it (epoch ms). */
  readonly receivedMs: number;
}

/** The canonical JSON form (what the platform publishes and `GET /cache` returns). */
export interface ReadingJson {
  device_eui: string;
  tenant_id: string;
  timestamp: string;
  volume_m3: number;
  flow_lph: number | null;
  battery_pct: number | null;
  rssi_dbm: number | null;
  snr_db: number | null;
  alarms: string[];
  received_at: string;
}

/** Why a message was refused (the `reason` label of the malformed-messages metric). */
export type MalformedReason =
  | 'topic'
  | 'too-large'
  | 'json'
  | 'not-an-object'
  | 'device-eui'
  | 'tenant-id'
  | 'topic-mismatch'
  | 'timestamp'
  | 'field-type'
  | 'alarms';

/** The outcome of parsing one message. */
export type ParseResult =
  | { readonly ok: true; readonly reading: Reading }
  | { readonly ok: false; readonly reason: MalformedReason; readonly detail: string };

/** Largest payload accepted, in bytes (a reading is about 250 bytes). */
export const MAX_READING_BYTES = 16 * 1024;

const EUI_SEPARATORS = /[:\-\s]/g;
const EUI_HEX = /^[0-9a-f]{16}$/;
const TENANT = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * An EUI-64 in the cache's form: separators (colons, dashes, spaces) stripped, lower case, 16 hex
 * digits; `undefined` when it is not one.
 */
export function normalizeEui(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  const eui = text.replace(EUI_SEPARATORS, '').toLowerCase();
  return EUI_HEX.test(eui) ? eui : undefined;
}

/** True for a tenant id usable as an MQTT topic level (letters, digits, `_ . -`, 1–64 characters). */
export function isTenantId(text: unknown): text is string {
  return typeof text === 'string' && TENANT.test(text);
}

/** The topic a reading of `tenant`/`eui` is published on. */
export function readingTopic(tenant: string, eui: string): string {
  return `hes/reading/${tenant}/${eui}`;
}

/** The subscription that receives every reading. */
export const READING_SUBSCRIPTION = 'hes/reading/#';

function optionalNumber(v: unknown): number | undefined | false {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : false;
}

/**
 * Parses one MQTT message. The topic gives tenant and EUI; fields the payload repeats must agree with
 * it (after EUI normalisation). `nowMs` stamps the reception.
 */
export function parseReading(topic: string, payload: Uint8Array, nowMs: number): ParseResult {
  const bad = (reason: MalformedReason, detail: string): ParseResult => ({ ok: false, reason, detail });
  const levels = topic.split('/');
  if (levels.length !== 4 || levels[0] !== 'hes' || levels[1] !== 'reading') {
    return bad('topic', `topic ${topic} is not hes/reading/{tenant}/{device_eui}`);
  }
  const topicTenant = levels[2]!;
  const topicEui = normalizeEui(levels[3]);
  if (!isTenantId(topicTenant)) return bad('tenant-id', `tenant '${topicTenant}' in the topic is not valid`);
  if (topicEui === undefined) return bad('device-eui', `'${levels[3]}' in the topic is not an EUI-64`);
  if (payload.length > MAX_READING_BYTES) {
    return bad('too-large', `${payload.length} bytes (at most ${MAX_READING_BYTES})`);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8'));
  } catch (e) {
    return bad('json', (e as Error).message);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return bad('not-an-object', 'the payload is not a JSON object');
  }
  const o = body as Record<string, unknown>;
  if (o.device_eui !== undefined) {
    const eui = normalizeEui(o.device_eui);
    if (eui === undefined)
      return bad('device-eui', `device_eui ${JSON.stringify(o.device_eui)} is not an EUI-64`);
    if (eui !== topicEui)
      return bad('topic-mismatch', `device_eui ${eui} differs from the topic's ${topicEui}`);
  }
  if (o.tenant_id !== undefined && o.tenant_id !== topicTenant) {
    return bad(
      'topic-mismatch',
      `tenant_id ${JSON.stringify(o.tenant_id)} differs from the topic's ${topicTenant}`,
    );
  }
  const ts =
    typeof o.timestamp === 'string' || typeof o.timestamp === 'number' ? new Date(o.timestamp) : undefined;
  const timestampMs = ts?.getTime();
  if (timestampMs === undefined || !Number.isFinite(timestampMs)) {
    return bad('timestamp', `timestamp ${JSON.stringify(o.timestamp)} is not an ISO 8601 date-time`);
  }
  if (typeof o.volume_m3 !== 'number' || !Number.isFinite(o.volume_m3)) {
    return bad('field-type', `volume_m3 ${JSON.stringify(o.volume_m3)} is not a number`);
  }
  const fields = ['flow_lph', 'battery_pct', 'rssi_dbm', 'snr_db'] as const;
  const values: (number | undefined)[] = [];
  for (const f of fields) {
    const v = optionalNumber(o[f]);
    if (v === false) return bad('field-type', `${f} ${JSON.stringify(o[f])} is not a number`);
    values.push(v);
  }
  let alarms: readonly string[] = NO_ALARMS;
  if (o.alarms !== undefined && o.alarms !== null) {
    if (
      !Array.isArray(o.alarms) ||
      o.alarms.length > 64 ||
      !o.alarms.every((a) => typeof a === 'string' && a.length <= 64)
    ) {
      return bad('alarms', 'alarms must be an array of at most 64 strings');
    }
    if (o.alarms.length > 0) alarms = o.alarms as string[];
  }
  return {
    ok: true,
    reading: {
      deviceEui: topicEui,
      tenantId: topicTenant,
      timestampMs,
      volumeM3: o.volume_m3,
      flowLph: values[0],
      batteryPct: values[1],
      rssiDbm: values[2],
      snrDb: values[3],
      alarms,
      receivedMs: nowMs,
    },
  };
}

/** The shared empty alarm list (most readings have none: one array for all of them). */
const NO_ALARMS: readonly string[] = Object.freeze([]);

/** The canonical JSON form of a cached reading. */
export function readingToJson(r: Reading): ReadingJson {
  return {
    device_eui: r.deviceEui,
    tenant_id: r.tenantId,
    timestamp: new Date(r.timestampMs).toISOString(),
    volume_m3: r.volumeM3,
    flow_lph: r.flowLph ?? null,
    battery_pct: r.batteryPct ?? null,
    rssi_dbm: r.rssiDbm ?? null,
    snr_db: r.snrDb ?? null,
    alarms: [...r.alarms],
    received_at: new Date(r.receivedMs).toISOString(),
  };
}

/**
 * Alarm name → bit of the alarm bitfield (0.0.96.5.0.255, double-long-unsigned). Names are compared
 * in lower case with dashes and spaces read as underscores; synonyms share a bit. A name not in the
 * table sets bit 31 ("other alarm") so that a client never misses an alarm it cannot name.
 */
export const ALARM_BITS: Readonly<Record<string, number>> = Object.freeze({
  leak: 0,
  leakage: 0,
  burst: 1,
  backflow: 2,
  reverse_flow: 2,
  tamper: 3,
  magnetic_tamper: 4,
  magnetic: 4,
  dry: 5,
  empty_pipe: 5,
  air_in_pipe: 5,
  low_battery: 6,
  battery_low: 6,
  no_flow: 7,
  blocked: 7,
  frost: 8,
  low_temperature: 8,
  high_temperature: 9,
  sensor_fault: 10,
  hardware_error: 10,
  overflow: 11,
  over_range: 11,
  removal: 12,
  meter_removed: 12,
  clock_error: 13,
});

/** The bit set for alarm names outside {@link ALARM_BITS}. */
export const OTHER_ALARM_BIT = 31;

/** The alarm bitfield of a list of alarm names (an unsigned 32-bit integer). */
export function alarmBitfield(
  alarms: readonly string[],
  table: Readonly<Record<string, number>> = ALARM_BITS,
): number {
  let bits = 0;
  for (const name of alarms) {
    const bit = table[name.toLowerCase().replace(/[-\s]/g, '_')] ?? OTHER_ALARM_BIT;
    bits |= 1 << bit;
  }
  return bits >>> 0;
}
