/**
 * The `mbus-gcm` command in-process: help, `decode` (table, JSON, formats, errors and exit codes).
 * Fixtures: the EVN documentation sample (two telegrams and its published key, see vectors.test.ts for its
 * origin, copied here so the CLI tests run without the shared vectors) and telegrams built by this
 * package's encoder around dlms-core's protectApdu.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, protectApdu, toHex } from '@meteringlab/dlms-core';
import { main } from '../src/cli.js';
import { encodeMbusFrame, segmentMbusApdu } from '../src/index.js';
import { KEY, AUTH_KEY, SYSTEM_TITLE, plainPush } from './fixtures.js';

// EVN (Netze NÖ) customer-interface documentation sample (via bernhardbirke/smartmeter-evn-postgresql tests).
const EVN_1 =
  '68FAFA6853FF000167DB084B464D675000000981F8200000002388D5AB4F97515AAFC6B88D2F85DAA7A0E3C0C40D004535C397C9D037AB7DBDA329107615444894A1A0DD7E85F02D496CECD3FF46AF5FB3C9229CFE8F3EE4606AB2E1F409F36AAD2E50900A4396FC6C2E083F373233A69616950758BFC7D63A9E9B6E99E21B2CBC2B934772CA51FD4D69830711CAB1F8CFF25F0A329337CBA51904F0CAED88D61968743C8454BA922EB00038182C22FE316D16F2A9F544D6F75D51A4E92A1C4EF8AB19A2B7FEAA32D0726C0ED80229AE6C0F7621A4209251ACE2B2BC66FF0327A653BB686C756BE033C7A281F1D2A7E1FA31C3983E15F8FD16CC5787E6F51716';
const EVN_2 = '6814146853FF110167419A3CFDA44BE438C96F0E38BF83D98316';
const EVN_KEY = '36C66639E48A8CA4D6BC8B282A793BBB';

async function run(
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (out += s) },
    stderr: { write: (s: string) => (err += s) },
    env,
  });
  return { code, out, err };
}

describe('mbus-gcm --help', () => {
  it('explains the command with examples', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain('decode');
    expect(r.out).toContain('read');
    const d = await run(['decode', '--help']);
    expect(d.code).toBe(0);
    expect(d.out).toContain('--auth-key');
    const rd = await run(['read', '--help']);
    expect(rd.out).toContain('--ha-discovery');
    expect(rd.out).toContain('MBUS_GCM_KEY');
  });
});

describe('mbus-gcm decode', () => {
  it('prints the EVN sample as a table', async () => {
    const r = await run(['decode', '--key', EVN_KEY, EVN_1, EVN_2]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1-0:1\.8\.0\.255 .* 12937 +Wh/);
    expect(r.out).toMatch(/1-0:32\.7\.0\.255 .* 233\.7 +V/);
    expect(r.out).toContain('4B464D6750000009');
  });

  it('prints JSON with --json, key from the environment', async () => {
    const r = await run(['decode', '--json', EVN_1, EVN_2], { MBUS_GCM_KEY: EVN_KEY });
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      meterTime: string;
      systemTitle: string;
      readings: { obis: string; value: unknown; unit?: string }[];
    };
    expect(j.systemTitle).toBe('4B464D6750000009');
    expect(j.readings).toContainEqual(
      expect.objectContaining({ obis: '1.0.1.8.0.255', value: 12937, unit: 'Wh' }),
    );
    expect(Object.keys(j)).toEqual(['meterTime', 'systemTitle', 'readings']);
  });

  it('decodes the unencrypted HAN frame of the README with --format auto', async () => {
    // Aidon list 1 frame (toreamun/amshan tests, shared vector hdlc-edge-cases-flag-and-escape-in-payload #0).
    const r = await run([
      'decode',
      '--json',
      '7EA02A410883130413E6E7000F40000000000101020309060100010700FF060000067D02020F00161B1C057E',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).readings).toEqual([
      {
        obis: '1.0.1.7.0.255',
        name: 'Active power import (+P), instantaneous',
        value: 1661,
        raw: 1661,
        scaler: 0,
        unit: 'W',
      },
    ]);
  });

  it('never prints the key, and says clearly when it is missing or wrong', async () => {
    const missing = await run(['decode', EVN_1, EVN_2]);
    expect(missing.code).toBe(1);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toContain('MISSING_KEY');
    const short = await run(['decode', '--key', 'ABCD', EVN_1, EVN_2]);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/--key must be 32 hex digits/);
    expect(short.err).not.toContain('ABCD');
    const bad = await run(['decode', '--key', 'zz'.repeat(16), EVN_1]);
    expect(bad.code).toBe(1);
    expect(bad.err).not.toContain('zz');
  });

  it('rejects bad input with one line and exit code 1', async () => {
    for (const argv of [
      ['decode', 'XYZ'],
      ['decode', '0102'],
      ['decode', '--format', 'mbus', EVN_1],
      ['decode', '--format', 'nope', '00'],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.err.trim().length).toBeGreaterThan(0);
      expect(r.out).toBe('');
    }
  });

  it('decodes authenticated pushes built by our encoder, and rejects a tampered tag', async () => {
    const prot = protectApdu(plainPush(12345), {
      key: KEY,
      authKey: AUTH_KEY,
      systemTitle: SYSTEM_TITLE,
      invocationCounter: 7,
    });
    const frames = segmentMbusApdu(prot, { maxChunk: 40 }).map((f) => toHex(encodeMbusFrame(f)));
    const ok = await run(['decode', '--json', '--key', toHex(KEY), '--auth-key', toHex(AUTH_KEY), ...frames]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out).readings[0]).toMatchObject({ obis: '1.0.1.8.0.255', value: 12345 });
    const noAuth = await run(['decode', '--key', toHex(KEY), ...frames]);
    expect(noAuth.code).toBe(1);
    expect(noAuth.err).toContain('MISSING_KEY');
    const unverified = await run(['decode', '--json', '--no-verify', '--key', toHex(KEY), ...frames]);
    expect(unverified.code).toBe(0);
    const tampered = fromHex(toHex(prot));
    tampered[tampered.length - 2]! ^= 0x40;
    const t = await run([
      'decode',
      '--format',
      'apdu',
      '--key',
      toHex(KEY),
      '--auth-key',
      toHex(AUTH_KEY),
      toHex(tampered),
    ]);
    expect(t.code).toBe(1);
    expect(t.err).toContain('AUTHENTICATION_FAILED');
  });
});
