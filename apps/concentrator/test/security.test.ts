/**
 * Associations from the configuration: the public client without authentication, a management client
 * with LLS, and a client with HLS-GMAC in a ciphered context (security suite 0), each reading the
 * volume over the wrapper; a wrong password is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, isDlmsError } from '@meteringlab/dlms-core';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import type { MqttClient } from 'mqtt';
import type { Concentrator } from '../src/index.js';
import { call, publisher, reading, startTestConcentrator, tempDir, until } from './helpers.js';

const EK = '000102030405060708090a0b0c0d0e0f';
const AK = 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf';
const EUI = '70b3d5e75e00b001';

describe('configured associations (none, LLS, HLS-GMAC suite 0)', () => {
  let c: Concentrator;
  let pub: MqttClient;
  const tmp = tempDir();
  beforeAll(async () => {
    c = await startTestConcentrator({
      dataDir: tmp.dir,
      apiKeys: [{ key: 'k-12345678', scopes: ['write'] }],
      associations: [
        { clientAddress: 16, authentication: 'none' },
        { clientAddress: 1, authentication: 'lls', password: '12345678' },
        { clientAddress: 48, authentication: 'hls-gmac', blockCipherKey: EK, authenticationKey: AK },
      ],
    });
    await call(
      c,
      'POST',
      '/devices',
      { device_eui: EUI, tenant_id: 'sec', logical_address: 1001 },
      'k-12345678',
    );
    pub = await publisher(c.mqttUrl);
    await pub.publishAsync(
      `hes/reading/sec/${EUI}`,
      JSON.stringify(reading(EUI, 'sec', { volume_m3: 42.5 })),
      { qos: 1 },
    );
    await until(() => c.cache.get('sec', EUI));
  });
  afterAll(async () => {
    await pub?.endAsync();
    await c?.close();
    tmp.remove();
  });

  const open = (clientWPort: number) =>
    connectWrapper({ host: '127.0.0.1', port: c.ports.dlms, clientWPort, serverWPort: 1001 });

  it('LLS: the right password reads, a wrong one is refused', async () => {
    const bad = new DlmsClient(await open(1), {
      authentication: { mechanism: 1, password: new TextEncoder().encode('nope') },
      timeoutMs: 3000,
    });
    const err = await bad.associate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDlmsError(err) && err.code).toBe('ASSOCIATION_REJECTED');
    await bad.disconnect();
    const good = new DlmsClient(await open(1), {
      authentication: { mechanism: 1, password: new TextEncoder().encode('12345678') },
      timeoutMs: 3000,
    });
    await good.associate();
    expect(await good.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
      type: 'float64',
      value: 42.5,
    });
    await good.disconnect();
  });

  it('HLS-GMAC with suite 0 ciphering reads the volume', async () => {
    const dc = new DlmsClient(await open(48), {
      authentication: { mechanism: 5, encryptionKey: fromHex(EK), authenticationKey: fromHex(AK) },
      security: {
        policy: 'authenticated-encrypted',
        suite: 0,
        key: fromHex(EK),
        authKey: fromHex(AK),
        systemTitle: fromHex('4d4d4d0000bc614e'),
        invocationCounter: 1,
      },
      timeoutMs: 3000,
    });
    await dc.associate();
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
      type: 'float64',
      value: 42.5,
    });
    await dc.disconnect();
  });

  it('a client address without an association is refused', async () => {
    const dc = new DlmsClient(await open(17), { timeoutMs: 3000 });
    const err = await dc.associate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDlmsError(err) && err.code).toBe('ASSOCIATION_REJECTED');
    await dc.disconnect();
  });
});
