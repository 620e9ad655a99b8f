/**
 * The meter commands of `dlms` (get, set, action, objects, profile, clock) run in-process against the
 * simulated meter of the cosem-objects client tests, served over a wrapper TCP server and HDLC over
 * TCP on 127.0.0.1 (port 0): output, JSON, trace, progress, errors and exit codes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, CommanderError } from 'commander';
import { dataFromJson } from '@meteringlab/dlms-core';
import type { WrapperServer } from '@meteringlab/transport-tcp';
import { registerClientCommands } from '../src/commands/index.js';
import { run as runMain } from './helpers.js';
import {
  hdlcServer,
  makeMeter,
  wrapperServer,
  type Meter,
} from '../../../packages/cosem-objects/test/client/meter.js';

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

const KEYS = [
  '--key',
  '000102030405060708090A0B0C0D0E0F',
  '--auth-key',
  'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF',
  '--system-title',
  '4D4D4D0000000001',
];

describe('dlms meter commands over a wrapper TCP server', () => {
  let meter: Meter;
  let server: WrapperServer;
  let url: string;
  beforeAll(async () => {
    meter = makeMeter();
    server = await wrapperServer(meter);
    url = `tcp://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
  });

  it('get: one line per attribute, refused ones marked and exit 1', async () => {
    const ok = await dlms(['get', url, '3/1.0.1.8.0.255/2', '3/1-0:1.8.0.255/3']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe(
      '1-0:1.8.0.255 (Active energy import (+A), total) attr 2 value: 12345.6 Wh  (raw 123456, scaler -1, unit Wh)\n' +
        '1-0:1.8.0.255 (Active energy import (+A), total) attr 3 scaler_unit: scaler -1, unit Wh  (structure {integer -1, enum 30})\n',
    );
    const partial = await dlms(['get', url, '3/1.0.1.8.0.255/2', '3/1.0.2.8.0.255/2']);
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/^1-0:2\.8\.0\.255 .* attr 2 value: refused: object-undefined$/m);
    const raw = await dlms(['get', '--raw', url, '3/1.0.1.8.0.255/2', '3/1.0.2.8.0.255/2']);
    expect(raw).toMatchObject({
      code: 1,
      stdout: '3/1.0.1.8.0.255/2 = double-long-unsigned 123456\n3/1.0.2.8.0.255/2 ! object-undefined\n',
    });
  });

  it('is reachable through main(): dlms get', async () => {
    const r = await runMain(['get', url, '3/1.0.1.8.0.255/2']);
    expect(r).toMatchObject({
      code: 0,
      stdout:
        '1-0:1.8.0.255 (Active energy import (+A), total) attr 2 value: 12345.6 Wh  (raw 123456, scaler -1, unit Wh)\n',
    });
  });

  it('get --json: an array of {target, value} in the typed JSON form', async () => {
    const r = await dlms(['get', '--json', url, '3/1.0.1.8.0.255/2', '3/1.0.2.8.0.255/2']);
    const out = JSON.parse(r.stdout) as { target: string; value?: unknown; error?: string }[];
    expect(out[0]).toEqual({
      target: '3/1.0.1.8.0.255/2',
      attributeName: 'value',
      value: { type: 'double-long-unsigned', value: 123456 },
      scaled: { value: 12345.6, unit: 'Wh', unitCode: 30, scaler: -1 },
    });
    expect(dataFromJson(out[0]!.value)).toEqual({ type: 'double-long-unsigned', value: 123456 });
    expect(out[1]).toEqual({
      target: '3/1.0.2.8.0.255/2',
      attributeName: 'value',
      error: 'object-undefined',
    });
  });

  it('get --trace: every APDU on stderr, decoded', async () => {
    const r = await dlms(['get', '--trace', url, '3/1.0.1.8.0.255/2']);
    expect(r.code).toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      '> aarq',
      '< aare',
      '> get-request-with-list',
      '< get-response-with-list',
      '> rlrq',
      '< rlre',
    ]);
  });

  it('set and action with the management client (LLS); clock read and sync', async () => {
    const lls = `${url}?client=1`;
    const set = await dlms([
      'set',
      lls,
      '3/1.0.1.8.0.255/2',
      '{"type":"double-long-unsigned","value":77}',
      '--auth',
      'low',
      '--password',
      '00000000',
    ]);
    expect(set).toMatchObject({ code: 0, stdout: '3/1.0.1.8.0.255/2: success\n' });
    expect(meter.energy.wh).toBe(77);
    const act = await dlms([
      'action',
      lls,
      '70/0.0.96.3.10.255/1',
      '{"type":"integer","value":0}',
      '--auth',
      'low',
      '--password',
      '00000000',
      '--json',
    ]);
    expect(act.code).toBe(0);
    expect(JSON.parse(act.stdout)).toEqual([{ target: '70/0.0.96.3.10.255/1', result: 'success' }]);
    expect(meter.relay.connected).toBe(false);

    const clock = await dlms(['clock', url]);
    expect(clock).toMatchObject({ code: 0 });
    expect(clock.stdout).toContain('time: 2024-01-03T12:00:00.00Z');
    const sync = await dlms(['clock', lls, '--sync', '--auth', 'low', '--password', '00000000']);
    expect(sync.stdout).toContain('sync: success');
    // The public client may not write: the refusal is reported and the exit code is 1.
    const denied = await dlms(['set', url, '3/1.0.1.8.0.255/2', '{"type":"double-long-unsigned","value":1}']);
    expect(denied).toMatchObject({ code: 1, stdout: '3/1.0.1.8.0.255/2: read-write-denied\n' });
  });

  it('objects: the object list as a table and as JSON', async () => {
    const r = await dlms(['objects', url]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^class\s+class name\s+version\s+logical name\s+name\s+attributes$/);
    expect(r.stdout).toMatch(/7\s+Profile generic\s+1\s+1\.0\.99\.1\.0\.255/);
    expect(r.stdout).toMatch(
      /^3\s+Register\s+0\s+1\.0\.1\.8\.0\.255\s+Active energy import \(\+A\), total\s+1:r 2:r 3:r$/m,
    );
    expect(lines.at(-1)).toMatch(/^read one: dlms get <url> /);
    const j = await dlms(['objects', '--json', url]);
    expect(
      (JSON.parse(j.stdout) as { logicalName: string }[]).some((e) => e.logicalName === '1.0.1.8.0.255'),
    ).toBe(true);
  });

  it('profile: a time range as CSV with a progress bar on stderr, and as JSON', async () => {
    const r = await dlms([
      'profile',
      url,
      '1.0.99.1.0.255',
      '--from',
      '2024-01-01T00:00:00Z',
      '--to',
      '2024-01-01T01:00:00Z',
      '--csv',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      '8/0.0.1.0.0.255/2,3/1.0.1.8.0.255/2\n' +
        '2024-01-01T00:00:00.00Z,1000\n2024-01-01T00:15:00.00Z,1001\n2024-01-01T00:30:00.00Z,1002\n2024-01-01T00:45:00.00Z,1003\n2024-01-01T01:00:00.00Z,1004\n',
    );
    // The table scales register columns by their scaler_unit, the unit in the header.
    const t = await dlms([
      'profile',
      url,
      '1.0.99.1.0.255',
      '--from',
      '2024-01-01T00:00:00Z',
      '--to',
      '2024-01-01T00:15:00Z',
    ]);
    expect(t.code).toBe(0);
    const rows = t.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^Clock\s+Active energy import \(\+A\), total \[Wh\]$/);
    expect(rows.slice(1)).toEqual(['2024-01-01T00:00:00.00Z  100', '2024-01-01T00:15:00.00Z  100.1']);
    const big = await dlms(['profile', url, '1.0.99.1.0.255', '--json', '--max-pdu', '512']);
    expect(big.code).toBe(0);
    expect(big.stderr).toContain('receiving block');
    const j = JSON.parse(big.stdout) as { rows: unknown[]; capturePeriodS: number };
    expect(j.rows.length).toBe(288);
    expect(j.capturePeriodS).toBe(900);
    expect((j as unknown as { columns: { scalerUnit?: unknown }[] }).columns[1]!.scalerUnit).toEqual({
      scaler: -1,
      unit: 30,
      unitSymbol: 'Wh',
    });
  });

  it('HLS-GMAC with ciphering: the invocation counter is read over client 16 first', async () => {
    const r = await dlms([
      'get',
      `${url}?client=2`,
      '3/1.0.1.8.0.255/2',
      '--auth',
      'hls-gmac',
      ...KEYS,
      '--trace',
    ]);
    expect(r.stderr).not.toContain('dlms:');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^1-0:1\.8\.0\.255 .* attr 2 value: [\d.]+ Wh {2}\(raw \d+, scaler -1, unit Wh\)\n$/,
    );
    // The trace shows the ciphered requests deciphered.
    expect(r.stderr).toMatch(/> get-request-with-list \[glo-get-request, ic \d+\]/);
  });

  it('errors: one line and a non-zero exit', async () => {
    const usage = await dlms(['get', url, '3/1.0.1.8.0/2']);
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim().split('\n')).toHaveLength(1);
    const badUrl = await dlms(['get', 'ftp://x', '3/1.0.1.8.0.255/2']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^dlms: INVALID_ARGUMENT: unknown transport 'ftp'/);
    const rejected = await dlms([
      'get',
      `${url}?client=1`,
      '3/1.0.1.8.0.255/2',
      '--auth',
      'low',
      '--password',
      'wrong',
    ]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^dlms: ASSOCIATION_REJECTED: .*authentication-failure.*\n$/);
    const badJson = await dlms(['set', url, '3/1.0.1.8.0.255/2', '{"type":"nope"}']);
    expect(badJson.code).toBe(2);
    const noPassword = await dlms(['get', url, '3/1.0.1.8.0.255/2', '--auth', 'low']);
    expect(noPassword).toMatchObject({ code: 2 });
    expect(noPassword.stderr).toContain('--password');
    const refused = await dlms(['get', 'tcp://127.0.0.1:1', '3/1.0.1.8.0.255/2']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^dlms: CONNECT_FAILED/);
  });
});

describe('dlms meter commands: help', () => {
  it('every command has help with its arguments and the common options', async () => {
    for (const cmd of ['get', 'set', 'action', 'objects', 'profile', 'clock']) {
      const r = await dlms([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('<url>');
      expect(r.stdout).toContain('--auth <mechanism>');
      expect(r.stdout).toContain('--trace');
    }
    expect((await dlms(['get', '--help'])).stdout).toContain('Examples:');
    expect((await dlms(['profile', '--help'])).stdout).toContain('--csv');
  });
});

describe('dlms get over HDLC on TCP', () => {
  it('reads a register through an HDLC link', async () => {
    const meter = makeMeter();
    const srv = await hdlcServer(meter);
    try {
      const r = await dlms(['get', `hdlc+tcp://127.0.0.1:${srv.port}?client=16`, '3/1.0.1.8.0.255/2']);
      expect(r).toMatchObject({
        code: 0,
        stdout:
          '1-0:1.8.0.255 (Active energy import (+A), total) attr 2 value: 12345.6 Wh  (raw 123456, scaler -1, unit Wh)\n',
      });
    } finally {
      await srv.close();
    }
  });
});
