/**
 * Test helpers: a concentrator on ephemeral ports (in-process broker on port 0, SQLite in a temp dir,
 * silent logs), an MQTT publisher, HTTP calls over real sockets, waiting for a condition.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pino from 'pino';
import {
  DEFAULTS,
  loadObjectMap,
  startConcentrator,
  type Concentrator,
  type ConcentratorConfig,
} from '../src/index.js';

/** A temp directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'concentrator-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts a concentrator on 127.0.0.1 with every port ephemeral. */
export async function startTestConcentrator(
  overrides: Partial<ConcentratorConfig> = {},
): Promise<Concentrator> {
  const config: ConcentratorConfig = {
    ...DEFAULTS,
    host: '127.0.0.1',
    dlmsPort: 0,
    httpPort: 0,
    hdlcPort: 0,
    mqttUrl: 'mqtt://127.0.0.1:0',
    embeddedBroker: true,
    logLevel: 'silent',
    objectMap: await loadObjectMap('platform'),
    dataDir: overrides.dataDir ?? tempDir().dir,
    ...overrides,
  };
  return startConcentrator(config, pino({ level: config.logLevel }));
}

/** An MQTT client connected to `url`. */
export function publisher(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
}

/** Waits until `check` returns a value (polling every 20 ms), or throws after `timeoutMs`. */
export async function until<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** An HTTP call to the concentrator; the JSON body (or text) and status. */
export async function call(
  c: Concentrator,
  method: string,
  path: string,
  body?: unknown,
  key?: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests inspect response bodies loosely
): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${c.ports.http}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON (metrics, HTML)
  }
  return { status: res.status, body: parsed };
}

/** A canonical reading. */
export function reading(
  eui: string,
  tenant: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    device_eui: eui,
    tenant_id: tenant,
    timestamp: '2026-11-21T08:00:00.000Z',
    volume_m3: 1234.567,
    flow_lph: 420,
    battery_pct: 87,
    rssi_dbm: -97,
    snr_db: 6.5,
    alarms: ['leak', 'low_battery'],
    ...over,
  };
}
