/**
 * Home Assistant MQTT discovery messages for the readings of a push: one retained config message per
 * OBIS sensor, on `{discoveryPrefix}/sensor/{nodeId}/{objectId}/config`, pointing at the topic where the
 * push JSON (`push-json.ts`) is published and picking the reading out of it with a template.
 *
 * device_class and state_class follow the unit: energy registers (Wh, kWh, varh) are `total_increasing`,
 * instantaneous values (W, var, V, A, Hz, power factor) are `measurement`. Readings that are not numbers
 * (meter number, clock) get no discovery message. Pure; the MQTT client lives in `read.ts`.
 */
import type { ReadingJson } from './push-json.js';

/** One message to publish (retained). */
export interface DiscoveryMessage {
  readonly topic: string;
  readonly payload: string;
}

/** Options of {@link haDiscoveryMessages}. */
export interface HaDiscoveryOptions {
  /** Topic the push JSON is published on. */
  readonly stateTopic: string;
  /** Identifies the meter (system title hex, or a name). */
  readonly deviceId: string;
  /** Shown as the device name (default `Smart meter {deviceId}`). */
  readonly deviceName?: string;
  /** Default `homeassistant`. */
  readonly discoveryPrefix?: string;
}

interface Classes {
  readonly deviceClass?: string;
  readonly stateClass: 'measurement' | 'total_increasing';
}

const BY_UNIT: Readonly<Record<string, Classes>> = {
  Wh: { deviceClass: 'energy', stateClass: 'total_increasing' },
  kWh: { deviceClass: 'energy', stateClass: 'total_increasing' },
  varh: { stateClass: 'total_increasing' },
  W: { deviceClass: 'power', stateClass: 'measurement' },
  var: { deviceClass: 'reactive_power', stateClass: 'measurement' },
  VA: { deviceClass: 'apparent_power', stateClass: 'measurement' },
  V: { deviceClass: 'voltage', stateClass: 'measurement' },
  A: { deviceClass: 'current', stateClass: 'measurement' },
  Hz: { deviceClass: 'frequency', stateClass: 'measurement' },
};

function classesOf(r: ReadingJson): Classes | undefined {
  if (r.unit !== undefined) return BY_UNIT[r.unit] ?? { stateClass: 'measurement' };
  // Power factor (C = 13, 33, 53, 73) carries no unit.
  const c = r.obis.split('.')[2];
  if (c === '13' || c === '33' || c === '53' || c === '73')
    return { deviceClass: 'power_factor', stateClass: 'measurement' };
  return undefined;
}

function slug(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** Discovery messages for every numeric reading of a push. */
export function haDiscoveryMessages(
  readings: readonly ReadingJson[],
  o: HaDiscoveryOptions,
): DiscoveryMessage[] {
  const prefix = o.discoveryPrefix ?? 'homeassistant';
  const nodeId = slug(`mbus_gcm_${o.deviceId}`);
  const device = {
    identifiers: [nodeId],
    name: o.deviceName ?? `Smart meter ${o.deviceId}`,
    model: 'DLMS push (mbus-gcm)',
  };
  const out: DiscoveryMessage[] = [];
  for (const r of readings) {
    if (typeof r.value !== 'number') continue;
    const cls = classesOf(r);
    const objectId = slug(r.obis);
    const config = {
      name: r.name ?? r.obis,
      unique_id: `${nodeId}_${objectId}`,
      object_id: `${nodeId}_${objectId}`,
      state_topic: o.stateTopic,
      // The push JSON holds an array of readings: pick this OBIS code's value.
      value_template: `{{ (value_json.readings | selectattr('obis', 'equalto', '${r.obis}') | map(attribute='value') | list | first) }}`,
      ...(r.unit === undefined ? {} : { unit_of_measurement: r.unit }),
      ...(cls?.deviceClass === undefined ? {} : { device_class: cls.deviceClass }),
      ...(cls === undefined ? {} : { state_class: cls.stateClass }),
      device,
    };
    out.push({ topic: `${prefix}/sensor/${nodeId}/${objectId}/config`, payload: JSON.stringify(config) });
  }
  return out;
}
