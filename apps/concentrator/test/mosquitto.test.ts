/**
 * The same path against an external broker (Mosquitto on this machine) when MQTT_URL is set: the
 * concentrator subscribes there (no in-process broker), and a reading published there is served.
 * The topic uses a tenant unique to the run so that parallel runs do not see each other.
 */
import { describe, expect, it } from 'vitest';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import { call, publisher, reading, startTestConcentrator, tempDir, until } from './helpers.js';

const MQTT_URL = process.env.MQTT_URL;
if (MQTT_URL === undefined)
  console.warn('MQTT_URL is not set: the external-broker (Mosquitto) test is skipped');

describe.skipIf(MQTT_URL === undefined)('with an external MQTT broker (MQTT_URL)', () => {
  it('serves a reading published on the external broker', async () => {
    const tmp = tempDir();
    const tenant = `t${process.pid}x${Date.now()}`;
    const eui = '70b3d5e75e00c001';
    const c = await startTestConcentrator({
      dataDir: tmp.dir,
      mqttUrl: MQTT_URL!,
      embeddedBroker: 'auto',
      apiKeys: [{ key: 'k-12345678', scopes: ['write'] }],
    });
    try {
      expect(c.embeddedBroker).toBe(false);
      await call(
        c,
        'POST',
        '/devices',
        { device_eui: eui, tenant_id: tenant, logical_address: 1500 },
        'k-12345678',
      );
      const pub = await publisher(MQTT_URL!);
      await pub.publishAsync(
        `hes/reading/${tenant}/${eui}`,
        JSON.stringify(reading(eui, tenant, { volume_m3: 77.125 })),
        { qos: 1 },
      );
      await pub.endAsync();
      await until(() => c.cache.get(tenant, eui));
      const dc = new DlmsClient(
        await connectWrapper({ host: '127.0.0.1', port: c.ports.dlms, clientWPort: 16, serverWPort: 1500 }),
        { timeoutMs: 3000 },
      );
      await dc.associate();
      expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
        type: 'float64',
        value: 77.125,
      });
      await dc.disconnect();
    } finally {
      await c.close();
      tmp.remove();
    }
  });
});
