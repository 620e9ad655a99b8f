/**
 * The JSON form of a push, as `mbus-gcm` prints it (one line per push) and publishes it over MQTT:
 *
 * ```json
 * { "meterTime": "2021-09-27T09:47:15+02:00", "systemTitle": "4B464D6750000009",
 *   "readings": [{ "obis": "1.0.1.8.0.255", "name": "…", "value": 12937, "raw": 12937, "scaler": 0, "unit": "Wh" }] }
 * ```
 *
 * `value` is scaled, `raw` is the value as sent with its `scaler` and `unit` beside it. A raw 64-bit
 * value beyond 2^53 becomes a decimal string, so no precision is lost in JSON. Pure; no I/O.
 */
import type { Reading } from '@meteringlab/cosem-objects';
import type { PushReadingEvent } from './push-decoder.js';

/** One reading in the JSON form. */
export interface ReadingJson {
  readonly obis: string;
  readonly name?: string;
  readonly value: number | string | boolean | null;
  readonly raw: number | string | boolean | null;
  readonly scaler?: number;
  readonly unit?: string;
}

/** One push in the JSON form. */
export interface PushJson {
  readonly meterTime?: string;
  readonly systemTitle?: string;
  readonly readings: readonly ReadingJson[];
}

function rawJson(raw: Reading['raw']): ReadingJson['raw'] {
  if (typeof raw !== 'bigint') return raw;
  return raw >= BigInt(Number.MIN_SAFE_INTEGER) && raw <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(raw)
    : raw.toString();
}

/** The JSON form of one reading. */
export function readingToJson(r: Reading): ReadingJson {
  return {
    obis: r.obis,
    ...(r.name === undefined ? {} : { name: r.name }),
    value: r.value,
    raw: rawJson(r.raw),
    ...(r.scaler === undefined ? {} : { scaler: r.scaler }),
    ...(r.unit === undefined ? {} : { unit: r.unit }),
  };
}

/** The JSON form of one push. */
export function pushToJson(e: Pick<PushReadingEvent, 'meterTime' | 'systemTitle' | 'readings'>): PushJson {
  return {
    ...(e.meterTime === undefined ? {} : { meterTime: e.meterTime }),
    ...(e.systemTitle === undefined ? {} : { systemTitle: e.systemTitle }),
    readings: e.readings.map(readingToJson),
  };
}
