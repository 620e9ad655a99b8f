/**
 * `dlms get` made readable, in-process against a meter served by `DlmsServer` over a wrapper TCP server
 * on 127.0.0.1 (port 0): a voltage register (scaler −1, unit V) read with its scaler_unit in one
 * with-list GET (or two GETs when multiple-references is not negotiated), a demand register, the Clock
 * time as ISO 8601, the logical device name as text, `--raw`, the `--json` fields and a denied attribute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import {
  conformanceFromNames,
  cosemDateTimeFromDate,
  dataFromJson,
  type ConformanceBit,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import type { WrapperServer } from '@meteringlab/transport-tcp';
import {
  AssociationLn,
  Clock,
  DataObject,
  DemandRegister,
  DlmsServer,
  ExtendedRegister,
  LogicalDevice,
  Register,
  dateTimeToData,
  normalizeLogicalName,
  readOnlyRights,
  type RightsPolicy,
} from '@meteringlab/cosem-objects';
import { registerClientCommands } from '../src/commands/index.js';
import { attributeView, dateTimeText, scalerUnitAttributeOf } from '../src/commands/get-view.js';
import { wrapperServer } from '../../../packages/cosem-objects/test/client/meter.js';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function dlms(argv: readonly string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  let code = 0;
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  };
  const program = new Command('dlms')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  registerClientCommands(program, io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode === 0 ? 0 : 2;
  }
  return { code, stdout, stderr };
}

const NOW = new Date(Date.UTC(2024, 0, 3, 12, 0, 0));
const VOLTAGE = '1-0:32.7.0.255 (Voltage L1, instantaneous)';
const DEVICE_NAME = 'MLB0000001234';

/** Public read-only rights, except the export energy register's value and the hidden register's scaler_unit. */
const rights: RightsPolicy = (obj) => {
  const r = readOnlyRights(obj);
  const ln = normalizeLogicalName(obj.logicalName);
  if (r === undefined || (ln !== '1.0.2.8.0.255' && ln !== '1.0.3.8.0.255')) return r;
  const denied = ln === '1.0.2.8.0.255' ? 2 : 3;
  return {
    ...r,
    attributes: r.attributes.map((a) => (a.index === denied ? { ...a, access: 'no-access' as const } : a)),
  };
};

function makeServer(): DlmsServer {
  const device = new LogicalDevice({
    objects: [
      new Register({
        logicalName: '1.0.32.7.0.255',
        scalerUnit: { scaler: -1, unit: 35 },
        value: { type: 'long-unsigned', value: 2307 },
      }),
      new Register({
        logicalName: '1.0.2.8.0.255',
        scalerUnit: { scaler: 0, unit: 30 },
        value: { type: 'double-long-unsigned', value: 5 },
      }),
      new Register({
        logicalName: '1.0.3.8.0.255',
        scalerUnit: { scaler: 0, unit: 32 },
        value: { type: 'double-long-unsigned', value: 7 },
      }),
      new ExtendedRegister({
        logicalName: '1.0.1.6.0.255',
        scalerUnit: { scaler: 1, unit: 27 },
        value: { type: 'double-long-unsigned', value: 432 },
        captureTime: dateTimeToData(
          cosemDateTimeFromDate(new Date(Date.UTC(2024, 0, 2, 8, 15)), { deviation: -60 }),
        ),
      }),
      new DemandRegister({
        logicalName: '1.0.1.4.0.255',
        scalerUnit: { scaler: -3, unit: 28 },
        sample: () => 1500,
        now: () => NOW,
        valueType: 'double-long',
      }),
      new Clock({
        now: () => NOW,
        timeZone: -60,
        // Last Sunday of March, 02:00 local, any year (Blue Book 4.5.1 wildcards).
        daylightSavingsBegin: {
          year: 0xffff,
          month: 3,
          dayOfMonth: 0xfe,
          dayOfWeek: 7,
          hour: 2,
          minute: 0,
          second: 0,
          hundredths: 0,
          deviation: -32768,
          clockStatus: 0xff,
        },
      }),
      new DataObject({
        logicalName: '0.0.42.0.0.255',
        value: { type: 'octet-string', value: new TextEncoder().encode(DEVICE_NAME) },
      }),
      new DataObject({
        logicalName: '0.0.96.1.0.255',
        value: { type: 'octet-string', value: Uint8Array.of(0x00, 0x01, 0xfe, 0xff) },
      }),
    ],
  });
  device.addAssociation(new AssociationLn({ logicalName: '0.0.40.0.1.255', clientSap: 16, rights }));
  device.addAssociation(new AssociationLn({ logicalName: '0.0.40.0.4.255', clientSap: 17, rights }));
  const bits: ConformanceBit[] = ['get', 'selective-access', 'block-transfer-with-get-or-read'];
  const base = {
    referencing: 'ln',
    ciphered: false,
    maxReceivePduSize: 1024,
    authentication: { mechanism: 0 },
  } as const;
  const associations = new Map<number, ServerAssociationConfig>([
    [16, { ...base, conformance: conformanceFromNames([...bits, 'multiple-references']) }],
    [17, { ...base, conformance: conformanceFromNames(bits) }],
  ]);
  return new DlmsServer().addDevice(1, device, associations);
}

describe('dlms get: readable values', () => {
  let server: WrapperServer;
  let url: string;
  beforeAll(async () => {
    const dlmsServer = makeServer();
    server = await wrapperServer({ server: dlmsServer, energy: { wh: 0 }, relay: { connected: true } });
    url = `tcp://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('a register value scaled with its unit, raw value and scaler beside it, from one with-list GET', async () => {
    const r = await dlms(['get', url, '3/1.0.32.7.0.255/2', '--trace']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VOLTAGE} attr 2 value: 230.7 V  (raw 2307, scaler -1, unit V)\n`);
    const requests = r.stderr.split('\n').filter((l) => l.startsWith('> get-'));
    expect(requests.map((l) => l.split(' ')[1])).toEqual(['get-request-with-list']);
  });

  it('without multiple-references the scaler_unit comes in a second GET of the same association', async () => {
    const r = await dlms(['get', `${url}?client=17`, '3/1.0.32.7.0.255/2', '--trace']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${VOLTAGE} attr 2 value: 230.7 V  (raw 2307, scaler -1, unit V)\n`);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[1]);
    expect(lines).toEqual([
      'aarq',
      'aare',
      'get-request-normal',
      'get-response-normal',
      'get-request-normal',
      'get-response-normal',
      'rlrq',
      'rlre',
    ]);
  });

  it('the scaler_unit attribute, asked for too, is printed once by name and not read twice', async () => {
    const r = await dlms(['get', url, '3/1.0.32.7.0.255/2', '3/1.0.32.7.0.255/3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${VOLTAGE} attr 2 value: 230.7 V  (raw 2307, scaler -1, unit V)\n` +
        `${VOLTAGE} attr 3 scaler_unit: scaler -1, unit V  (structure {integer -1, enum 35})\n`,
    );
  });

  it('extended register with its capture_time; demand register averages scaled by attribute 4', async () => {
    const r = await dlms(['get', url, '4/1.0.1.6.0.255/2', '4/1.0.1.6.0.255/5', '5/1.0.1.4.0.255/3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^1-0:1\.6\.0\.255 .*attr 2 value: 4320 W {2}\(raw 432, scaler 1, unit W\)$/);
    expect(lines[1]).toMatch(
      /attr 5 capture_time: 2024-01-02T09:15:00\.00\+01:00 {2}\(octet-string\[12\] 07E80102020/,
    );
    expect(lines[2]).toMatch(
      /^1-0:1\.4\.0\.255 .*attr 3 last_average_value: -?[\d.]+ VA {2}\(raw -?\d+, scaler -3, unit VA\)$/,
    );
  });

  it('the Clock time as ISO 8601 with its offset, wildcards as *', async () => {
    const r = await dlms(['get', url, '8/0.0.1.0.0.255/2', '8/0.0.1.0.0.255/3', '8/0.0.1.0.0.255/5']);
    expect(r.code).toBe(0);
    const [time, zone, dst] = r.stdout.trim().split('\n');
    expect(time).toMatch(
      /^0-0:1\.0\.0\.255 \(Clock\) attr 2 time: 2024-01-03T13:00:00\.00\+01:00 {2}\(octet-string\[12\] 07E80103030D000000FFC400\)$/,
    );
    expect(zone).toMatch(/attr 3 time_zone: long -?\d+$/);
    expect(dst).toBe(
      '0-0:1.0.0.255 (Clock) attr 5 daylight_savings_begin: ****-03-last Sun 02:00:00.00 local status *  (octet-string[12] FFFF03FE07020000008000FF)',
    );
  });

  it('the logical device name as text, other octet strings as hex', async () => {
    const r = await dlms(['get', url, '1/0.0.42.0.0.255/2', '1/0.0.96.1.0.255/2', '1/0.0.42.0.0.255/1']);
    expect(r.code).toBe(0);
    const hex = Buffer.from(DEVICE_NAME).toString('hex').toUpperCase();
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      `0-0:42.0.0.255 (COSEM logical device name) attr 2 value: "${DEVICE_NAME}"  (octet-string[13] ${hex})`,
    );
    expect(lines[1]).toMatch(/^0-0:96\.1\.0\.255 .*attr 2 value: octet-string\[4\] 0001FEFF$/);
    expect(lines[2]).toBe(
      '0-0:42.0.0.255 (COSEM logical device name) attr 1 logical_name: 0-0:42.0.0.255 (COSEM logical device name)  (octet-string[6] 00002A0000FF)',
    );
  });

  it('--raw: only the typed values, and no scaler_unit read', async () => {
    const r = await dlms(['get', '--raw', '--trace', url, '3/1.0.32.7.0.255/2', '8/0.0.1.0.0.255/2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^3\/1\.0\.32\.7\.0\.255\/2 = long-unsigned 2307\n8\/0\.0\.1\.0\.0\.255\/2 = octet-string [0-9A-F]{24}\n$/,
    );
    expect(r.stderr).toMatch(/> get-request-with-list/);
    expect(r.stderr).not.toMatch(/attribute-id":3/);
    const j = await dlms(['get', '--raw', '--json', url, '3/1.0.32.7.0.255/2']);
    expect(JSON.parse(j.stdout)).toEqual([
      { target: '3/1.0.32.7.0.255/2', value: { type: 'long-unsigned', value: 2307 } },
    ]);
  });

  it('--json: the typed value kept, scaled and text added', async () => {
    const r = await dlms([
      'get',
      '--json',
      url,
      '3/1.0.32.7.0.255/2',
      '8/0.0.1.0.0.255/2',
      '1/0.0.42.0.0.255/2',
      '1/0.0.96.1.0.255/2',
    ]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      target: string;
      attributeName?: string;
      value: unknown;
      scaled?: unknown;
      text?: string;
    }[];
    expect(out[0]).toEqual({
      target: '3/1.0.32.7.0.255/2',
      attributeName: 'value',
      value: { type: 'long-unsigned', value: 2307 },
      scaled: { value: 230.7, unit: 'V', unitCode: 35, scaler: -1 },
    });
    expect(out[1]).toMatchObject({
      target: '8/0.0.1.0.0.255/2',
      attributeName: 'time',
      text: '2024-01-03T13:00:00.00+01:00',
    });
    expect((out[1]!.value as { type: string }).type).toBe('octet-string');
    expect(out[2]).toEqual({
      target: '1/0.0.42.0.0.255/2',
      attributeName: 'value',
      value: { type: 'octet-string', value: Buffer.from(DEVICE_NAME).toString('hex').toUpperCase() },
      text: `"${DEVICE_NAME}"`,
    });
    expect(out[3]).toEqual({
      target: '1/0.0.96.1.0.255/2',
      attributeName: 'value',
      value: { type: 'octet-string', value: '0001FEFF' },
    });
    // The value stays lossless: it turns back into the Data the meter sent.
    expect(dataFromJson(out[0]!.value)).toEqual({ type: 'long-unsigned', value: 2307 });
  });

  it('dlms clock: ISO time, time_zone with its offset, status flags by name', async () => {
    const r = await dlms(['clock', url]);
    expect(r).toMatchObject({
      code: 0,
      stdout:
        'time: 2024-01-03T13:00:00.00+01:00\ntime_zone: -60 min (local time UTC+01:00)\nstatus: 0x00 (ok)\n',
    });
  });

  it('a denied attribute prints its Data-Access-Result by name and exits 1; the others still print', async () => {
    const r = await dlms(['get', url, '3/1.0.2.8.0.255/2', '3/1.0.32.7.0.255/2']);
    expect(r.code).toBe(1);
    const [denied, voltage, rest] = r.stdout.split('\n');
    expect(denied).toMatch(
      /^1-0:2\.8\.0\.255 \(Active energy export \(.A\), total\) attr 2 value: refused: read-write-denied$/,
    );
    expect(voltage).toBe(`${VOLTAGE} attr 2 value: 230.7 V  (raw 2307, scaler -1, unit V)`);
    expect(rest).toBe('');
    const j = await dlms(['get', '--json', url, '3/1.0.2.8.0.255/2']);
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout)).toEqual([
      { target: '3/1.0.2.8.0.255/2', attributeName: 'value', error: 'read-write-denied' },
    ]);
  });

  it('a denied scaler_unit the user did not ask for: the raw value, the refusal noted, exit 0', async () => {
    const r = await dlms(['get', url, '3/1.0.3.8.0.255/2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^1-0:3\.8\.0\.255 .*attr 2 value: double-long-unsigned 7 {2}\(scaler_unit refused: read-write-denied\)\n$/,
    );
  });
});

describe('dlms get: readable forms', () => {
  const base = {
    year: 2024,
    month: 7,
    dayOfMonth: 1,
    dayOfWeek: 1,
    hour: 8,
    minute: 30,
    second: 0,
    hundredths: 0,
    deviation: -120,
    clockStatus: 0,
  };

  it('date-times: ISO with the offset of the deviation, status flags kept, wildcards as *', () => {
    expect(dateTimeText(base)).toBe('2024-07-01T08:30:00.00+02:00');
    expect(dateTimeText({ ...base, clockStatus: 0x80 })).toBe('2024-07-01T08:30:00.00+02:00 [dst]');
    expect(dateTimeText({ ...base, hour: 0xff })).toBe(
      '2024-07-01 Mon **:30:00.00 UTC+02:00 (deviation -120)',
    );
  });

  it('registers: a count has no unit symbol, an unknown unit code is named by its number', () => {
    const target = { classId: 3, logicalName: '1.0.0.1.0.255', attribute: 2 };
    const r = { target, type: 'data', data: { type: 'long-unsigned', value: 12 } } as const;
    expect(attributeView(r, { scaler: 0, unit: 255 }).lines[0]).toMatch(
      /attr 2 value: 12 {2}\(raw 12, scaler 0, unit count\)$/,
    );
    const odd = attributeView(r, { scaler: 2, unit: 200 });
    expect(odd.lines[0]).toMatch(/attr 2 value: 1200 {2}\(raw 12, scaler 2, unit code 200\)$/);
    expect(odd.json.scaled).toEqual({ value: 1200, unit: 'code 200', unitCode: 200, scaler: 2 });
    expect(scalerUnitAttributeOf(5, 3)).toBe(4);
    expect(scalerUnitAttributeOf(1, 2)).toBeUndefined();
  });

  it('structures print as an indented tree under the attribute', () => {
    const target = { classId: 1, logicalName: '0.0.96.1.1.255', attribute: 2 };
    const v = attributeView({
      target,
      type: 'data',
      data: {
        type: 'structure',
        value: [
          { type: 'unsigned', value: 1 },
          { type: 'boolean', value: true },
        ],
      },
    });
    expect(v.lines).toEqual([
      expect.stringMatching(/attr 2 value: structure \(2 elements\)$/),
      '  [0] unsigned 1',
      '  [1] boolean true',
    ]);
  });
});
