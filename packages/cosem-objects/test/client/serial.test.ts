/**
 * DlmsClient against DlmsServer over a real serial line: HDLC on a socat pseudo-terminal pair, the
 * client opening it by a `serial://` URL as a user would. Skipped with a visible message when socat is
 * missing (`.ci/run` installs it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { acceptHdlc, openApduChannel, openSerialChannel } from '@meteringlab/transport-hdlc-serial';
import { DlmsClient, readProfile, readRegister } from '../../src/index.js';
import { PASSWORD, PROFILE_START, makeMeter } from './meter.js';

const SOCAT = ['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'].find((p) => existsSync(p));
if (!SOCAT) console.warn('socat not found: the DlmsClient-over-serial test is skipped');

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function ptyPair(): Promise<string> {
  const base = `/tmp/client-pty-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const proc: ChildProcess = spawn(
    SOCAT!,
    ['-d', '-d', `pty,raw,echo=0,link=${base}-a`, `pty,raw,echo=0,link=${base}-b`],
    { stdio: 'ignore' },
  );
  cleanups.push(
    () =>
      new Promise<void>((r) => (proc.exitCode !== null ? r() : (proc.once('exit', () => r()), proc.kill()))),
  );
  for (let i = 0; i < 150 && !(existsSync(`${base}-a`) && existsSync(`${base}-b`)); i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  return base;
}

describe.skipIf(!SOCAT)('DlmsClient over a serial line (HDLC on a pty pair)', () => {
  it('associates with LLS, reads a register and a profile range in blocks, releases', async () => {
    const base = await ptyPair();
    const meter = makeMeter();
    const meterPort = await openSerialChannel({ path: `${base}-b`, baudRate: 9600 });
    cleanups.push(() => meterPort.close());
    const served = (async () => {
      const link = await acceptHdlc(meterPort, { maxInfoRx: 128, maxInfoTx: 128 });
      await meter.server.serve(link, { serverAddress: link.server.upper, clientAddress: link.client.upper });
    })().catch(() => undefined);

    // Client 1 (the management client of the test meter) to logical device 1, physical address 17.
    const { channel } = await openApduChannel(`serial://${base}-a?baud=9600&client=1&server=1&physical=17`, {
      hdlc: { maxInfoRx: 128, maxInfoTx: 128 },
    });
    cleanups.push(() => channel.close());
    const client = new DlmsClient(channel, { authentication: { mechanism: 1, password: PASSWORD } });
    const negotiated = await client.associate();
    expect(negotiated.conformanceNames).toContain('get');
    const energy = await readRegister(client, '1.0.1.8.0.255');
    expect(energy).toMatchObject({ raw: 123456, scaler: -1, unit: 30, value: 12345.6 });
    const p = await readProfile(client, '1.0.99.1.0.255', {
      from: new Date(PROFILE_START),
      to: new Date(PROFILE_START + 3 * 3600_000),
    });
    expect(p.rows.length).toBe(13);
    await client.release();
    await channel.close();
    await served;
  });
});
