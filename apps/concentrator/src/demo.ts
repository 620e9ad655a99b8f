/**
 * The demo: three water meters mapped to logical addresses 2001–2003 (tenant `demo`) and a small
 * publisher that sends them plausible readings over MQTT every few seconds, through the same broker
 * and topic as real readings, so `dlms get "tcp://127.0.0.1:4059?server=2001" 3/7.0.1.0.0.255/2`
 * answers at once. Never used unless `--demo` is given.
 */
import mqtt from 'mqtt';
import type { Logger } from 'pino';
import { readingTopic } from './reading.js';
import type { MappingStore } from './store.js';

/** The demo meters. */
export const DEMO_METERS = [
  {
    device_eui: '70b3d5e75e000001',
    tenant_id: 'demo',
    logical_address: 2001,
    description: 'Demo meter 1 (kitchen riser)',
  },
  {
    device_eui: '70b3d5e75e000002',
    tenant_id: 'demo',
    logical_address: 2002,
    description: 'Demo meter 2 (garden tap)',
  },
  {
    device_eui: '70b3d5e75e000003',
    tenant_id: 'demo',
    logical_address: 2003,
    description: 'Demo meter 3 (leaking)',
  },
] as const;

/** Maps the demo meters (those not mapped yet) and starts publishing; returns the stop function. */
export async function startDemo(
  store: MappingStore,
  mqttUrl: string,
  log: Logger,
  periodMs = 3000,
): Promise<() => Promise<void>> {
  for (const m of DEMO_METERS) {
    if (store.get(m.device_eui) === undefined && store.at(m.logical_address) === undefined)
      await store.create(m);
  }
  const client = await mqtt.connectAsync(mqttUrl, {
    protocolVersion: 4,
    clientId: `concentrator-demo-${process.pid}`,
  });
  const volumes = [1234.567, 87.02, 4521.9];
  const publish = () => {
    DEMO_METERS.forEach((m, i) => {
      const flowLph = i === 2 ? 35 + Math.round(Math.random() * 5) : Math.round(Math.random() * 600);
      volumes[i]! += flowLph / 1000 / (3_600_000 / periodMs);
      const reading = {
        device_eui: m.device_eui,
        tenant_id: m.tenant_id,
        timestamp: new Date().toISOString(),
        volume_m3: Math.round(volumes[i]! * 1000) / 1000,
        flow_lph: flowLph,
        battery_pct: 97 - i * 20,
        rssi_dbm: -90 - i * 7,
        snr_db: 7.5 - i * 3,
        alarms: i === 2 ? ['leak'] : [],
      };
      client.publish(readingTopic(m.tenant_id, m.device_eui), JSON.stringify(reading), { qos: 1 });
    });
  };
  publish();
  const timer = setInterval(publish, periodMs);
  log.info({ addresses: DEMO_METERS.map((m) => m.logical_address), periodMs }, 'demo publisher running');
  return async () => {
    clearInterval(timer);
    await client.endAsync();
  };
}
