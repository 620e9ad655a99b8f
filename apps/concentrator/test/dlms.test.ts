/**
 * End to end over real sockets: a reading published on MQTT (in-process broker) is read by a DLMS
 * client over the wrapper (and over HDLC on TCP) with its type, scaler and unit; a meter without a
 * reading answers temporary-failure; an unknown wPort gets a rejected AARE with a clear diagnostic;
 * garbage on the DLMS port breaks nothing.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeApdu, encodeApdu, isDlmsError, type Apdu } from '@meteringlab/dlms-core';
import { DlmsClient, applyScaler, dateTimeFromData } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import { openApduChannel } from '@meteringlab/transport-hdlc-serial';
import type { MqttClient } from 'mqtt';
import type { Concentrator } from '../src/index.js';
import { call, publisher, reading, startTestConcentrator, tempDir, until } from './helpers.js';

const EUI = '70b3d5e75e00a001';
const KEY = 'test-admin-key';
const AARQ: Apdu = {
  type: 'aarq',
  applicationContextName: 'logical-name-referencing-no-ciphering',
  userInformation: {
    apdu: {
      type: 'initiate-request',
      responseAllowed: true,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x1d,
      clientMaxReceivePduSize: 512,
    },
  },
};

describe('concentrator: MQTT reading → DLMS GET', () => {
  let c: Concentrator;
  let pub: MqttClient;
  const tmp = tempDir();

  beforeAll(async () => {
    c = await startTestConcentrator({ dataDir: tmp.dir, apiKeys: [{ key: KEY, scopes: ['read', 'write'] }] });
    pub = await publisher(c.mqttUrl);
    expect(
      (
        await call(
          c,
          'POST',
          '/devices',
          {
            device_eui: '70:B3:D5:E7:5E:00:A0:01',
            tenant_id: 'acme',
            logical_address: 2001,
            description: 'riser',
          },
          KEY,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await call(
          c,
          'POST',
          '/devices',
          { device_eui: '70b3d5e75e00a002', tenant_id: 'acme', logical_address: 2002 },
          KEY,
        )
      ).status,
    ).toBe(201);
    await pub.publishAsync(`hes/reading/acme/${EUI}`, JSON.stringify(reading(EUI, 'acme')), { qos: 1 });
    await until(() => c.cache.get('acme', EUI));
  });
  afterAll(async () => {
    await pub?.endAsync();
    await c?.close();
    tmp.remove();
  });

  async function client(serverWPort: number): Promise<DlmsClient> {
    const ch = await connectWrapper({ host: '127.0.0.1', port: c.ports.dlms, clientWPort: 16, serverWPort });
    return new DlmsClient(ch, { timeoutMs: 3000 });
  }

  it('serves volume (float64, unit 14), flow (scaler −3, unit 16), battery, alarms, clock and name', async () => {
    const dc = await client(2001);
    await dc.associate();
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
      type: 'float64',
      value: 1234.567,
    });
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 3 })).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: 0 },
        { type: 'enum', value: 14 },
      ],
    });
    // Flow: the raw value is flow_lph itself; × 10^−3 gives m³/h.
    const flow = await dc.getValue({ classId: 3, logicalName: '7.0.11.0.0.255', attribute: 2 });
    expect(flow).toEqual({ type: 'double-long', value: 420 });
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.11.0.0.255', attribute: 3 })).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: -3 },
        { type: 'enum', value: 16 },
      ],
    });
    expect(applyScaler((flow as { value: number }).value, -3)).toBe(0.42);
    expect(await dc.getValue({ classId: 1, logicalName: '0.0.96.6.0.255', attribute: 2 })).toEqual({
      type: 'unsigned',
      value: 87,
    });
    // leak = bit 0, low_battery = bit 6.
    expect(await dc.getValue({ classId: 1, logicalName: '0.0.96.5.0.255', attribute: 2 })).toEqual({
      type: 'double-long-unsigned',
      value: 0b1000001,
    });
    const time = await dc.getValue({ classId: 8, logicalName: '0.0.1.0.0.255', attribute: 2 });
    const dt = dateTimeFromData(time);
    expect(dt).toMatchObject({ year: 2026, month: 11, dayOfMonth: 21, hour: 8, minute: 0, second: 0 });
    expect(await dc.getValue({ classId: 1, logicalName: '0.0.42.0.0.255', attribute: 2 })).toEqual({
      type: 'octet-string',
      value: new TextEncoder().encode('70B3D5E75E00A001'),
    });
    const list = await dc.getValue({ classId: 15, logicalName: '0.0.40.0.0.255', attribute: 2 });
    expect(list.type).toBe('array');
    expect(list.type === 'array' && list.value.length).toBe(7);
    await dc.release();
    await dc.disconnect();
  });

  it('answers temporary-failure for a mapped meter without a reading', async () => {
    const dc = await client(2002);
    await dc.associate();
    expect(await dc.get({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toMatchObject({
      type: 'data-access-result',
      result: 'temporary-failure',
    });
    expect(await dc.get({ classId: 8, logicalName: '0.0.1.0.0.255', attribute: 2 })).toMatchObject({
      type: 'data-access-result',
      result: 'temporary-failure',
    });
    // scaler_unit does not depend on a reading.
    expect(await dc.get({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 3 })).toMatchObject({
      type: 'data',
    });
    await dc.disconnect();
  });

  it('rejects an unknown wPort with AARE called-AP-title-not-recognized, then keeps serving', async () => {
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: c.ports.dlms,
      clientWPort: 16,
      serverWPort: 4321,
    });
    const dc = new DlmsClient(ch, { timeoutMs: 3000 });
    const err = await dc.associate().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isDlmsError(err) && err.code).toBe('ASSOCIATION_REJECTED');
    expect(String((err as Error).message)).toMatch(/called-AP-title-not-recognized/);
    await dc.disconnect();
    // The raw AARE, for the record.
    const raw = await connectWrapper({
      host: '127.0.0.1',
      port: c.ports.dlms,
      clientWPort: 16,
      serverWPort: 999,
    });
    await raw.send(encodeApdu(AARQ));
    const answer = await raw.receive()[Symbol.asyncIterator]().next();
    expect(decodeApdu(answer.value as Uint8Array)).toMatchObject({
      type: 'aare',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { source: 'acse-service-user', value: 'called-AP-title-not-recognized' },
    });
    await raw.close();
    const good = await client(2001);
    await good.associate();
    expect(await good.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toMatchObject({
      type: 'float64',
    });
    await good.disconnect();
  });

  it('serves several meters and an unknown wPort over one wrapper connection', async () => {
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: c.ports.dlms,
      clientWPort: 16,
      serverWPort: 2001,
    });
    const frames = ch.receiveFrames()[Symbol.asyncIterator]();
    const ask = async (destination: number, apdu: Apdu) => {
      await ch.sendFrame({ source: 16, destination, apdu: encodeApdu(apdu) });
      const f = await frames.next();
      if (f.done) throw new Error('closed');
      return { source: f.value.source, destination: f.value.destination, apdu: decodeApdu(f.value.apdu) };
    };
    const get: Apdu = {
      type: 'get-request-normal',
      invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: false },
      attribute: { classId: 3, instanceId: new Uint8Array([7, 0, 1, 0, 0, 255]), attributeId: 2 },
    };
    expect(await ask(2001, AARQ)).toMatchObject({
      source: 2001,
      destination: 16,
      apdu: { type: 'aare', result: 'accepted' },
    });
    expect(await ask(2002, AARQ)).toMatchObject({ source: 2002, apdu: { type: 'aare', result: 'accepted' } });
    expect(await ask(4321, AARQ)).toMatchObject({
      source: 4321,
      apdu: { type: 'aare', result: 'rejected-permanent' },
    });
    expect(await ask(2001, get)).toMatchObject({
      source: 2001,
      apdu: { result: { type: 'data', data: { type: 'float64' } } },
    });
    expect(await ask(2002, get)).toMatchObject({
      source: 2002,
      apdu: { result: { type: 'data-access-result', result: 'temporary-failure' } },
    });
    await ch.close();
  });

  it('closes a connection that sends garbage and keeps serving a good client', async () => {
    const sock = net.connect({ host: '127.0.0.1', port: c.ports.dlms });
    await new Promise((r) => sock.once('connect', r));
    const closed = new Promise((r) => sock.once('close', r));
    sock.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closed;
    const dc = await client(2001);
    await dc.associate();
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.11.0.0.255', attribute: 2 })).toEqual({
      type: 'double-long',
      value: 420,
    });
    await dc.disconnect();
    expect((await call(c, 'GET', '/metrics')).body).toMatch(/concentrator_dlms_link_errors_total [1-9]/);
  });

  it('serves the same meter over HDLC on TCP', async () => {
    const { channel } = await openApduChannel(`hdlc+tcp://127.0.0.1:${c.ports.hdlc}?server=2001&client=16`);
    const dc = new DlmsClient(channel, { timeoutMs: 3000 });
    await dc.associate();
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
      type: 'float64',
      value: 1234.567,
    });
    expect(await dc.getValue({ classId: 1, logicalName: '0.0.96.6.0.255', attribute: 2 })).toEqual({
      type: 'unsigned',
      value: 87,
    });
    await dc.release();
    await dc.disconnect();
  });

  it('follows newer readings, ignores older ones, and survives malformed MQTT messages', async () => {
    await pub.publishAsync(`hes/reading/acme/${EUI}`, '{not json', { qos: 1 });
    await pub.publishAsync(
      `hes/reading/acme/${EUI}`,
      JSON.stringify(reading(EUI, 'acme', { volume_m3: 'lots' })),
      { qos: 1 },
    );
    await pub.publishAsync('hes/reading/acme/not-an-eui', JSON.stringify(reading(EUI, 'acme')), { qos: 1 });
    await pub.publishAsync(
      `hes/reading/acme/${EUI}`,
      JSON.stringify(reading(EUI, 'acme', { timestamp: '2026-11-21T07:00:00Z', volume_m3: 1 })),
      { qos: 1 },
    );
    await pub.publishAsync(
      `hes/reading/acme/${EUI}`,
      JSON.stringify(reading(EUI, 'acme', { timestamp: '2026-11-21T09:00:00Z', volume_m3: 1240.5 })),
      { qos: 1 },
    );
    await until(() => c.cache.get('acme', EUI)!.volumeM3 === 1240.5);
    const metrics = (await call(c, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/concentrator_mqtt_malformed_total\{reason="json"\} 1/);
    expect(metrics).toMatch(/concentrator_mqtt_malformed_total\{reason="field-type"\} 1/);
    expect(metrics).toMatch(/concentrator_mqtt_malformed_total\{reason="device-eui"\} 1/);
    expect(metrics).toMatch(/concentrator_mqtt_messages_total\{result="stale"\} 1/);
    const dc = await client(2001);
    await dc.associate();
    expect(await dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })).toEqual({
      type: 'float64',
      value: 1240.5,
    });
    await dc.disconnect();
  });
});
