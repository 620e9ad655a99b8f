/**
 * Units without sockets: reading parsing and EUI normalisation, the alarm table, raw values of the
 * object map (scaler and sourceExponent), the shipped maps and config-file validation.
 */
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ReadingCache,
  alarmBitfield,
  loadObjectMap,
  normalizeEui,
  parseReading,
  rawValue,
  validateConfigFile,
  validateObjectMap,
  type Reading,
} from '../src/index.js';
import { buildCommand } from '../src/main.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const TOPIC = 'hes/reading/acme/70b3d5e75e000001';

describe('parseReading', () => {
  it('reads a canonical reading and normalises the EUI', () => {
    const r = parseReading(
      'hes/reading/acme/70:B3:D5:E7:5E:00:00:01',
      enc({
        device_eui: '70-b3-d5-e7-5e-00-00-01',
        timestamp: '2026-01-02T03:04:05Z',
        volume_m3: 1.5,
        flow_lph: null,
        alarms: ['leak'],
      }),
      7,
    );
    expect(r).toEqual({
      ok: true,
      reading: {
        deviceEui: '70b3d5e75e000001',
        tenantId: 'acme',
        timestampMs: Date.UTC(2026, 0, 2, 3, 4, 5),
        volumeM3: 1.5,
        flowLph: undefined,
        batteryPct: undefined,
        rssiDbm: undefined,
        snrDb: undefined,
        alarms: ['leak'],
        receivedMs: 7,
      },
    });
    expect(normalizeEui('70B3D5E75E000001')).toBe('70b3d5e75e000001');
    expect(normalizeEui('70B3D5E75E0000')).toBeUndefined();
  });

  it.each([
    ['hes/reading/acme', enc({}), 'topic'],
    ['hes/reading/acme/zz', enc({}), 'device-eui'],
    ['hes/reading/a+b/70b3d5e75e000001', enc({}), 'tenant-id'],
    [TOPIC, enc('{oops'), 'json'],
    [TOPIC, enc('[1]'), 'not-an-object'],
    [TOPIC, enc({ timestamp: 'yesterday', volume_m3: 1 }), 'timestamp'],
    [TOPIC, enc({ timestamp: '2026-01-01T00:00:00Z' }), 'field-type'],
    [TOPIC, enc({ timestamp: '2026-01-01T00:00:00Z', volume_m3: 1, battery_pct: '80' }), 'field-type'],
    [TOPIC, enc({ timestamp: '2026-01-01T00:00:00Z', volume_m3: 1, alarms: 'leak' }), 'alarms'],
    [
      TOPIC,
      enc({ device_eui: '70b3d5e75e000002', timestamp: '2026-01-01T00:00:00Z', volume_m3: 1 }),
      'topic-mismatch',
    ],
    [TOPIC, enc({ tenant_id: 'other', timestamp: '2026-01-01T00:00:00Z', volume_m3: 1 }), 'topic-mismatch'],
    [TOPIC, new Uint8Array(20000), 'too-large'],
  ])('refuses %s %#', (topic, payload, reason) => {
    expect(parseReading(topic, payload, 0)).toMatchObject({ ok: false, reason });
  });
});

describe('alarm bitfield', () => {
  it('maps names to bits (synonyms share a bit, unknown names set bit 31)', () => {
    expect(alarmBitfield([])).toBe(0);
    expect(alarmBitfield(['leak', 'Low-Battery'])).toBe(0b1000001);
    expect(alarmBitfield(['backflow', 'reverse_flow'])).toBe(0b100);
    expect(alarmBitfield(['something new'])).toBe(2 ** 31);
  });
});

describe('cache', () => {
  it('keeps the newest reading per (tenant, EUI)', () => {
    const cache = new ReadingCache();
    const r = (tenantId: string, ts: number, v: number): Reading => ({
      deviceEui: 'e',
      tenantId,
      timestampMs: ts,
      volumeM3: v,
      flowLph: undefined,
      batteryPct: undefined,
      rssiDbm: undefined,
      snrDb: undefined,
      alarms: [],
      receivedMs: 0,
    });
    expect(cache.put(r('a', 10, 1))).toBe('stored');
    expect(cache.put(r('a', 5, 2))).toBe('stale');
    expect(cache.put(r('b', 5, 3))).toBe('stored');
    expect(cache.get('a', 'e')?.volumeM3).toBe(1);
    expect(cache.size).toBe(2);
  });
});

describe('object map', () => {
  it('computes raw values from scaler and sourceExponent', () => {
    // Flow: L/h with sourceExponent −3 and scaler −3 → raw = L/h, rounded.
    expect(
      rawValue({ logicalName: 'x', source: 'flow_lph', type: 'double-long', sourceExponent: -3 }, -3, 420.4),
    ).toEqual({ type: 'double-long', value: 420 });
    // Water preset volume: m³ with scaler −3 → litres.
    expect(
      rawValue({ logicalName: 'x', source: 'volume_m3', type: 'double-long-unsigned' }, -3, 1234.567),
    ).toEqual({ type: 'double-long-unsigned', value: 1234567 });
    expect(rawValue({ logicalName: 'x', source: 'volume_m3', type: 'float64' }, 0, 0.1)).toEqual({
      type: 'float64',
      value: 0.1,
    });
    expect(rawValue({ logicalName: 'x', source: 'volume_m3', type: 'long64-unsigned' }, -3, 2)).toEqual({
      type: 'long64-unsigned',
      value: 2000n,
    });
    expect(rawValue({ logicalName: 'x', source: 'battery_pct', type: 'unsigned' }, 0, 300)).toBe(
      'other-reason',
    );
    expect(rawValue({ logicalName: 'x', source: 'flow_lph', type: 'double-long-unsigned' }, 0, -1)).toBe(
      'other-reason',
    );
  });

  it('ships the platform map and the water preset, both valid', async () => {
    const platform = await loadObjectMap('platform');
    expect(platform.registers.map((r) => [r.logicalName, r.unit, r.scaler, r.type])).toEqual([
      ['7.0.1.0.0.255', 14, 0, 'float64'],
      ['7.0.11.0.0.255', 16, -3, 'double-long'],
    ]);
    const water = await loadObjectMap('water');
    expect(water.registers.every((r) => r.logicalName.startsWith('8.'))).toBe(true);
    expect(water.registers.map((r) => r.unit)).toEqual([13, 15]);
  });

  it('names each problem of a bad map by its path', () => {
    expect(
      validateObjectMap({
        name: 'x',
        registers: [{ logicalName: '1.2.3', source: 'volume', type: 'float', scaler: 200 }],
        data: [],
      }),
    ).toEqual([
      '$.registers[0].logicalName: must be an OBIS code such as 7.0.1.0.0.255',
      expect.stringMatching(/^\$\.registers\[0\]\.source/),
      expect.stringMatching(/^\$\.registers\[0\]\.type/),
      '$.registers[0].scaler: an integer in -128..127',
      '$.registers[0].unit: a unit code in 0..255',
    ]);
  });
});

describe('config file', () => {
  it('accepts a full config and refuses a bad one with every problem named', () => {
    expect(
      validateConfigFile(
        {
          dlmsPort: 4059,
          associations: [{ clientAddress: 1, authentication: 'lls', password: 'x' }],
          apiKeys: [{ key: '12345678', scopes: ['read'] }],
        },
        'c.json',
      ),
    ).toMatchObject({ dlmsPort: 4059 });
    let err: unknown;
    try {
      validateConfigFile(
        {
          dlmsPort: 70000,
          colour: 'red',
          associations: [{ clientAddress: 16, authentication: 'hls-gmac', blockCipherKey: 'zz' }],
          apiKeys: [{ key: 'short', scopes: ['admin'] }],
        },
        'c.json',
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.stringContaining('$.colour: unknown setting'),
      'c.json: $.dlmsPort: a port number 0..65535',
      expect.stringContaining('$.apiKeys[0].key'),
      expect.stringContaining('$.apiKeys[0].scopes'),
      expect.stringContaining('$.associations[0].blockCipherKey'),
      expect.stringContaining('$.associations[0].authenticationKey'),
    ]);
  });

  it('accepts a Data-Access-Result name for noReadingResult, and nothing else', () => {
    expect(validateConfigFile({ noReadingResult: 'object-unavailable' }, 'c.json')).toEqual({
      noReadingResult: 'object-unavailable',
    });
    for (const bad of ['success', 'nope', 'toString']) {
      expect(() => validateConfigFile({ noReadingResult: bad }, 'c.json')).toThrow(ConfigError);
    }
  });

  it('--help tells a newcomer what it is and how to try it', () => {
    const cmd = buildCommand();
    let help = '';
    cmd.configureOutput({ writeOut: (t) => (help += t) });
    cmd.outputHelp();
    expect(help).toMatch(/DLMS virtual concentrator/);
    expect(help).toMatch(/--demo/);
    expect(help).toMatch(/npx dlms get "tcp:\/\/127\.0\.0\.1:4059\?server=2001" 3\/7\.0\.1\.0\.0\.255\/2/);
  });
});
