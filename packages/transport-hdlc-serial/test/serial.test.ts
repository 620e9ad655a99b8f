/**
 * Real serial ports through a socat pseudo-terminal pair: HDLC client and server on the two ends, and
 * the IEC 62056-21 mode E sign-on with its baud switch against a test-side fake meter. Skipped, with a
 * visible message, when socat is not installed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '@meteringlab/dlms-core';
import {
  LineReader,
  type SerialChannel,
  acceptHdlc,
  connectHdlc,
  openSerialChannel,
  parseAck,
  signOnModeE,
} from '@meteringlab/transport-hdlc-serial';

const SOCAT = ['/usr/bin/socat', '/usr/local/bin/socat', '/bin/socat'].find((p) => existsSync(p));
if (!SOCAT) console.warn('socat not found: serial (pty) tests of transport-hdlc-serial skipped');

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Starts `socat` with two linked pseudo-terminals and waits for both links. */
async function ptyPair(): Promise<[string, string]> {
  const base = `/tmp/hdlc-pty-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const a = `${base}-a`;
  const b = `${base}-b`;
  const proc: ChildProcess = spawn(
    SOCAT!,
    ['-d', '-d', `pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`],
    { stdio: 'ignore' },
  );
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  );
  for (let i = 0; i < 100 && !(existsSync(a) && existsSync(b)); i++)
    await new Promise((r) => setTimeout(r, 30));
  if (!existsSync(a) || !existsSync(b)) throw new Error('socat did not create the pty links');
  return [a, b];
}

async function open(
  path: string,
  settings: Partial<Parameters<typeof openSerialChannel>[0]> = {},
): Promise<SerialChannel> {
  const ch = await openSerialChannel({ path, baudRate: 9600, ...settings });
  cleanups.push(() => ch.close());
  return ch;
}

/** Identification timeout of the sign-ons expected to succeed (the default, 1.5 s, is a meter's). */
const SIGN_ON_MS = 5000;

/** Reads one CR LF-terminated line from `ch`. */
async function readLine(ch: SerialChannel): Promise<Uint8Array> {
  const r = new LineReader();
  for await (const chunk of ch.chunks) {
    const got = r.push(chunk);
    if (got) return got.line;
  }
  throw new Error('port closed');
}

function sttySpeed(path: string): string {
  return execFileSync('stty', ['-a', '-F', path], { encoding: 'utf8' });
}

describe.skipIf(!SOCAT)('serial ports (socat pty pair)', () => {
  it('HDLC client and server over a pty pair, with inter-byte-timeout chunking on one side', async () => {
    const [a, b] = await ptyPair();
    const clientPort = await open(a);
    const serverPort = await open(b, { interByteTimeoutMs: 5 });
    const serverP = acceptHdlc(serverPort, { maxInfoTx: 128, maxInfoRx: 128, windowTx: 7, windowRx: 7 });
    const client = await connectHdlc(clientPort, {
      clientAddress: 16,
      serverLogical: 1,
      serverPhysical: 17,
      windowTx: 7,
      windowRx: 7,
    });
    const server = await serverP;
    expect(server.server).toEqual({ upper: 1, lower: 17, length: 2 });
    void (async () => {
      for await (const apdu of server.receive()) await server.send(apdu.slice().reverse());
    })().catch(() => undefined); // the link fails when the ports close at cleanup
    for (const n of [3, 500]) {
      const req = Uint8Array.from({ length: n }, (_, i) => (i * 13 + 0x7e) & 0xff);
      await client.send(req);
      for await (const res of client.receive()) {
        expect(toHex(res)).toBe(toHex(req.slice().reverse()));
        break;
      }
    }
    await client.close();
    expect(client.state).toBe('disconnected');
  });

  it('mode E: sign-on at 300 baud 7E1, ACK 2 5 2, switch to 9600 8N1, then HDLC', async () => {
    const [a, b] = await ptyPair();
    const probe = await open(a, { baudRate: 300, dataBits: 7, parity: 'even' });
    const meter = await open(b, { baudRate: 300, dataBits: 7, parity: 'even' });
    const fakeMeter = (async () => {
      const request = await readLine(meter);
      expect(new TextDecoder().decode(request)).toBe('/?!\r\n');
      // The probe signs on at 300 baud 7E1. A Linux pty stores the speed but always reports cs8 without
      // parity, so the character format is checked through the channel's settings instead.
      expect(sttySpeed(a)).toMatch(/speed 300 baud/);
      expect(probe.settings).toEqual({ baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 });
      // The probe's echo of the request, then the identification, in one burst.
      await meter.write(new TextEncoder().encode('/?!\r\n/TST5\\2FAKEMETER01\r\n'));
      const ack = parseAck(await readLine(meter));
      expect(ack).toEqual({ protocolControl: '2', baudChar: '5', modeControl: '2' });
      await meter.reconfigure({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
      const link = await acceptHdlc(meter);
      for await (const apdu of link.receive()) await link.send(Uint8Array.of(0xc4, ...apdu));
    })();
    fakeMeter.catch(() => undefined); // awaited below; avoids an unhandled rejection if the test fails first
    const id = await signOnModeE(probe, { switchDelayMs: 100, identificationTimeoutMs: SIGN_ON_MS });
    expect(id).toMatchObject({
      manufacturer: 'TST',
      baudRate: 9600,
      enhanced: '2',
      identification: 'FAKEMETER01',
    });
    expect(probe.settings).toEqual({ baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    expect(sttySpeed(a)).toMatch(/speed 9600 baud/);
    const client = await connectHdlc(probe, { clientAddress: 16, serverLogical: 1, serverPhysical: 17 });
    await client.send(Uint8Array.of(0xc0, 1, 0xc1));
    for await (const res of client.receive()) {
      expect(toHex(res)).toBe('C4C001C1');
      break;
    }
    await client.close();
    await fakeMeter;
  });

  it('mode E: a meter that does not answer gives CONNECT_TIMEOUT', async () => {
    const [a] = await ptyPair();
    const probe = await open(a, { baudRate: 300, dataBits: 7, parity: 'even' });
    await expect(signOnModeE(probe, { identificationTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
    });
  });

  it('mode E: after a timeout, a second sign-on on the same port succeeds', async () => {
    const [a, b] = await ptyPair();
    const probe = await open(a, { baudRate: 300, dataBits: 7, parity: 'even' });
    const meter = await open(b, { baudRate: 300, dataBits: 7, parity: 'even' });
    // The meter ignores the first request (asleep), answers the second.
    readLine(meter)
      .then(() => readLine(meter))
      .then(() => meter.write(new TextEncoder().encode('/TST4\\2WOKEUP\r\n')))
      .catch(() => undefined); // the port closes at cleanup if the test failed first
    await expect(signOnModeE(probe, { identificationTimeoutMs: 200 })).rejects.toMatchObject({
      code: 'CONNECT_TIMEOUT',
    });
    const id = await signOnModeE(probe, { switchDelayMs: 10, identificationTimeoutMs: SIGN_ON_MS });
    expect(id).toMatchObject({ identification: 'WOKEUP', baudRate: 4800 });
    expect(sttySpeed(a)).toMatch(/speed 4800 baud/);
  });

  it('mode E: a meter without \\2 is refused with UNEXPECTED_APDU', async () => {
    const [a, b] = await ptyPair();
    const probe = await open(a, { baudRate: 300, dataBits: 7, parity: 'even' });
    const meter = await open(b, { baudRate: 300, dataBits: 7, parity: 'even' });
    readLine(meter)
      .then(() => meter.write(new TextEncoder().encode('/TST5PLAINMETER\r\n')))
      .catch(() => undefined); // the port closes at cleanup if the test failed first
    // A generous timeout: on a loaded machine the pty pair can take over a second to deliver.
    await expect(signOnModeE(probe, { identificationTimeoutMs: SIGN_ON_MS })).rejects.toMatchObject({
      code: 'UNEXPECTED_APDU',
    });
  });
});
