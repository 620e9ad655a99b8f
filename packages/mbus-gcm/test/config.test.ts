/**
 * Settings of `read` (flags, environment, config file; keys never echoed) and the Home Assistant
 * discovery messages. Fixtures are written here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '@meteringlab/dlms-core';
import { parseDebug, parseKey, readSettings } from '../src/config.js';
import { haDiscoveryMessages } from '../src/index.js';

const K1 = '000102030405060708090A0B0C0D0E0F';
const K2 = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function configFile(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'mbus-gcm-'));
  dirs.push(dir);
  const path = join(dir, 'meter.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('readSettings', () => {
  it('takes keys from flags over the environment over the file', () => {
    const file = configFile({
      port: '/dev/ttyUSB1',
      key: K2,
      authKey: K2,
      mqtt: { url: 'mqtt://x', haDiscovery: true },
    });
    const fromFile = readSettings({ config: file }, {});
    expect(fromFile).toMatchObject({ port: '/dev/ttyUSB1', baudRate: 2400, parity: 'none', format: 'auto' });
    expect(toHex(fromFile.key!)).toBe(K2);
    expect(fromFile.mqtt).toMatchObject({
      url: 'mqtt://x',
      topic: 'mbus-gcm',
      haDiscovery: true,
      discoveryPrefix: 'homeassistant',
    });
    const fromEnv = readSettings({ config: file }, { MBUS_GCM_KEY: K1 });
    expect(toHex(fromEnv.key!)).toBe(K1);
    expect(toHex(fromEnv.authKey!)).toBe(K2);
    const fromFlag = readSettings(
      { config: file, key: K2, authKey: K1, port: '/dev/ttyUSB0', baud: '9600', parity: 'even' },
      { MBUS_GCM_KEY: K1 },
    );
    expect(toHex(fromFlag.key!)).toBe(K2);
    expect(toHex(fromFlag.authKey!)).toBe(K1);
    expect(fromFlag).toMatchObject({ port: '/dev/ttyUSB0', baudRate: 9600, parity: 'even' });
  });

  it('says what is wrong without echoing keys', () => {
    const secret = 'ABCDEF0123456789ABCDEF01234567';
    for (const [flags, env] of [
      [{ port: 'p', key: secret }, {}],
      [{ port: 'p' }, { MBUS_GCM_AUTH_KEY: `${secret}zz` }],
    ] as const) {
      try {
        readSettings(flags, env);
        expect.unreachable();
      } catch (e) {
        expect((e as { code: string }).code).toBe('INVALID_ARGUMENT');
        expect((e as Error).message).not.toContain(secret);
      }
    }
    expect(() => readSettings({}, {})).toThrow(/--port is required/);
    expect(() => readSettings({ port: 'p', baud: 'fast' }, {})).toThrow(/--baud/);
    expect(() => readSettings({ config: configFile('{ nope') }, {})).toThrow(/not valid JSON/);
    expect(() => readSettings({ config: configFile({ prot: 1 }) }, {})).toThrow(/unknown field "prot"/);
    expect(() => readSettings({ config: configFile({ captureObjects: [{ classId: 3 }] }) }, {})).toThrow(
      /captureObjects\[0\]/,
    );
    expect(() => readSettings({ config: '/nonexistent/meter.json' }, {})).toThrow(/cannot read config file/);
  });

  it('parses keys and debug layers', () => {
    expect(parseKey(`${K1}${K1}`, 'k').length).toBe(32);
    expect(() => parseKey('00', 'k')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect([...parseDebug(['serial,apdu', 'readings'])]).toEqual(['serial', 'apdu', 'readings']);
    expect(parseDebug(['all']).size).toBe(5);
    expect(() => parseDebug(['wire'])).toThrow(/--debug layer "wire"/);
  });
});

describe('haDiscoveryMessages', () => {
  it('one retained config per numeric OBIS sensor with unit, device_class and state_class', () => {
    const msgs = haDiscoveryMessages(
      [
        {
          obis: '1.0.1.8.0.255',
          name: 'Active energy import (+A)',
          value: 12937,
          raw: 12937,
          scaler: 0,
          unit: 'Wh',
        },
        { obis: '1.0.32.7.0.255', name: 'Voltage L1', value: 233.7, raw: 2337, scaler: -1, unit: 'V' },
        { obis: '1.0.13.7.0.255', name: 'Power factor', value: 1, raw: 1000, scaler: -3 },
        { obis: '0.0.96.1.0.255', value: '181220000009', raw: '181220000009' },
      ],
      { stateTopic: 'mbus-gcm/4B464D6750000009/state', deviceId: '4B464D6750000009' },
    );
    expect(msgs.map((m) => m.topic)).toEqual([
      'homeassistant/sensor/mbus_gcm_4B464D6750000009/1_0_1_8_0_255/config',
      'homeassistant/sensor/mbus_gcm_4B464D6750000009/1_0_32_7_0_255/config',
      'homeassistant/sensor/mbus_gcm_4B464D6750000009/1_0_13_7_0_255/config',
    ]);
    const [energy, voltage, pf] = msgs.map((m) => JSON.parse(m.payload));
    expect(energy).toMatchObject({
      unit_of_measurement: 'Wh',
      device_class: 'energy',
      state_class: 'total_increasing',
      state_topic: 'mbus-gcm/4B464D6750000009/state',
    });
    expect(energy.value_template).toContain("'1.0.1.8.0.255'");
    expect(voltage).toMatchObject({
      unit_of_measurement: 'V',
      device_class: 'voltage',
      state_class: 'measurement',
    });
    expect(pf).toMatchObject({ device_class: 'power_factor', state_class: 'measurement' });
    expect(pf.unit_of_measurement).toBeUndefined();
    expect(energy.device.identifiers).toEqual(['mbus_gcm_4B464D6750000009']);
  });
});
