/**
 * `dlms sim` in-process on 127.0.0.1 with ephemeral ports: a client written from dlms-core encoders
 * associates and reads the energy register over the wrapper on TCP and UDP; the DlmsClient of
 * cosem-objects reads it and the load profile (GET with blocks) over HDLC on TCP; a fleet of 3 on wPorts answers as three devices; seeded faults (reject, drop); a
 * push (plain and ciphered) received by a test wrapper server and decoded; the command line itself
 * (help, usage errors, start and SIGINT).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { writeFile, mkdtemp, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeApdu,
  encodeApdu,
  unprotectApdu,
  type Apdu,
  type ApduChannel,
  type Data,
} from '@meteringlab/dlms-core';
import {
  connectWrapper,
  connectWrapperUdp,
  createWrapperServer,
  createWrapperUdpServer,
  type WrapperServer,
} from '@meteringlab/transport-tcp';
import { connectHdlcTcp } from '@meteringlab/transport-hdlc-serial';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { startSimulator, type RunningSimulator } from '../src/sim-runtime.js';
import { main } from '../src/main.js';

const IID = { invokeId: 5, confirmed: true, highPriority: true } as const;
const ENERGY = Uint8Array.of(1, 0, 1, 8, 0, 255);
const LDN = Uint8Array.of(0, 0, 42, 0, 0, 255);
const KEY = '000102030405060708090A0B0C0D0E0F';
const AK = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';
const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

/** One request, one answer (or a timeout). */
class Client {
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(readonly channel: ApduChannel) {
    this.it = channel.receive()[Symbol.asyncIterator]();
  }
  async request(apdu: Apdu, timeoutMs = 5000): Promise<Apdu> {
    await this.channel.send(encodeApdu(apdu));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })), timeoutMs);
    });
    try {
      const r = await Promise.race([this.it.next(), timeout]);
      if (r.done) throw new Error('channel closed');
      return decodeApdu(r.value);
    } finally {
      clearTimeout(timer);
    }
  }
  associate(timeoutMs?: number): Promise<Apdu> {
    return this.request(
      {
        type: 'aarq',
        applicationContextName: 'logical-name-referencing-no-ciphering',
        userInformation: {
          apdu: {
            type: 'initiate-request',
            responseAllowed: true,
            proposedDlmsVersionNumber: 6,
            proposedConformance: 0x00ffff,
            clientMaxReceivePduSize: 1024,
          },
        },
      },
      timeoutMs,
    );
  }
  async get(classId: number, instanceId: Uint8Array, attributeId = 2): Promise<Data> {
    const r = await this.request({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId, instanceId, attributeId },
    });
    if (r.type !== 'get-response-normal' || r.result.type !== 'data') throw new Error(`no data: ${r.type}`);
    return r.result.data;
  }
}

function listener(sim: RunningSimulator, kind: 'tcp' | 'udp' | 'hdlc', index = 0) {
  const l = sim.listeners.filter((x) => x.kind === kind)[index];
  if (l === undefined) throw new Error(`no ${kind} listener`);
  return l;
}

/** The standard streams of a `main` run, captured. */
function capture() {
  const io = {
    out: '',
    err: '',
    stdout: { write: (s: string) => (io.out += s) },
    stderr: { write: (s: string) => (io.err += s) },
  };
  return io;
}

let sim: RunningSimulator | undefined;
let receptor: WrapperServer | undefined;
afterEach(async () => {
  await sim?.close();
  await receptor?.close();
  sim = undefined;
  receptor = undefined;
});

describe('dlms sim: one meter over every transport', () => {
  it('serves the default meter over the wrapper on TCP, HDLC on TCP and the wrapper on UDP', async () => {
    const log: string[] = [];
    sim = await startSimulator({ port: 0, hdlcPort: 0, udpPort: 0 }, (l) => log.push(l));
    expect(sim.listeners.map((l) => l.kind)).toEqual(['tcp', 'udp', 'hdlc']);
    expect(listener(sim, 'tcp').line).toMatch(/^serving 1 meter on tcp:\/\/127\.0\.0\.1:\d+ /);

    const tcp = await connectWrapper({
      host: '127.0.0.1',
      port: listener(sim, 'tcp').port,
      clientWPort: 16,
      serverWPort: 1,
    });
    const overTcp = new Client(tcp);
    expect(await overTcp.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    const e1 = await overTcp.get(3, ENERGY);
    expect(e1).toMatchObject({ type: 'double-long-unsigned' });
    expect((e1 as { value: number }).value).toBeGreaterThanOrEqual(1_000_000);
    expect(await overTcp.request({ type: 'rlrq', reason: 'normal' })).toMatchObject({ type: 'rlre' });
    await tcp.close();

    // Over HDLC, with the DlmsClient of cosem-objects (it follows GET blocks: the 96-row load profile
    // is longer than one APDU, and each APDU spans several HDLC frames).
    const link = await connectHdlcTcp('127.0.0.1', listener(sim, 'hdlc').port, {
      clientAddress: 16,
      serverLogical: 1,
    });
    const overHdlc = new DlmsClient(link, { timeoutMs: 5000 });
    await overHdlc.associate();
    expect(await overHdlc.getValue({ classId: 3, logicalName: '1.0.1.8.0.255', attribute: 2 })).toMatchObject(
      { type: 'double-long-unsigned' },
    );
    const buffer = await overHdlc.getValue({ classId: 7, logicalName: '1.0.99.1.0.255', attribute: 2 });
    expect(buffer.type === 'array' && buffer.value.length).toBeGreaterThanOrEqual(96);
    await overHdlc.release();
    await link.close();

    const udp = await connectWrapperUdp({
      host: '127.0.0.1',
      port: listener(sim, 'udp').port,
      clientWPort: 16,
      serverWPort: 1,
    });
    const overUdp = new Client(udp);
    expect(await overUdp.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    expect(await overUdp.get(1, LDN)).toEqual({ type: 'visible-string', value: 'SIM0000000000001' });
    await udp.close();

    expect(log.filter((l) => /association client 16 -> server 1: accepted/.test(l))).toHaveLength(3);
  });
});

describe('dlms sim: fleets', () => {
  it('answers as three devices on consecutive wPorts', async () => {
    sim = await startSimulator({ port: 0, fleet: 3 });
    const port = listener(sim, 'tcp').port;
    expect(listener(sim, 'tcp').line).toContain('serving 3 meters');
    const names: string[] = [];
    for (const serverWPort of [1, 2, 3]) {
      const ch = await connectWrapper({ host: '127.0.0.1', port, clientWPort: 16, serverWPort });
      const c = new Client(ch);
      expect(await c.associate()).toMatchObject({ result: 'accepted' });
      const name = await c.get(1, LDN);
      names.push((name as { value: string }).value);
      await ch.close();
    }
    expect(names).toEqual(['SIM0000000000001', 'SIM0000000000002', 'SIM0000000000003']);
  });

  it('routes every frame of one connection on its own wPorts (two devices on one link)', async () => {
    sim = await startSimulator({ port: 0, fleet: 3 });
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: listener(sim, 'tcp').port,
      clientWPort: 16,
      serverWPort: 1,
    });
    const frames = ch.receiveFrames()[Symbol.asyncIterator]();
    const ask = async (destination: number, apdu: Apdu) => {
      await ch.sendFrame({ source: 16, destination, apdu: encodeApdu(apdu) });
      const r = await frames.next();
      return { from: r.value!.source, apdu: decodeApdu(r.value!.apdu) };
    };
    const aarq: Apdu = {
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x00ffff,
          clientMaxReceivePduSize: 1024,
        },
      },
    };
    const get: Apdu = {
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId: 1, instanceId: LDN, attributeId: 2 },
    };
    expect(await ask(2, aarq)).toMatchObject({ from: 2, apdu: { result: 'accepted' } });
    expect(await ask(3, aarq)).toMatchObject({ from: 3, apdu: { result: 'accepted' } });
    expect(await ask(3, get)).toMatchObject({
      from: 3,
      apdu: { result: { data: { value: 'SIM0000000000003' } } },
    });
    expect(await ask(2, get)).toMatchObject({
      from: 2,
      apdu: { result: { data: { value: 'SIM0000000000002' } } },
    });
    await ch.close();
  });

  it('answers as three devices at consecutive HDLC server addresses', async () => {
    sim = await startSimulator({ hdlcPort: 0, fleet: 3 });
    const names: string[] = [];
    for (const serverLogical of [3, 1, 2]) {
      const link = await connectHdlcTcp('127.0.0.1', listener(sim, 'hdlc').port, {
        clientAddress: 16,
        serverLogical,
      });
      const c = new Client(link);
      expect(await c.associate()).toMatchObject({ result: 'accepted' });
      names.push(((await c.get(1, LDN)) as { value: string }).value);
      await link.close();
    }
    expect(names).toEqual(['SIM0000000000003', 'SIM0000000000001', 'SIM0000000000002']);
  });

  it('serves one meter per port in ports mode', async () => {
    sim = await startSimulator({ port: 0, fleet: 2, fleetMode: 'ports' });
    expect(sim.listeners).toHaveLength(2);
    const names: string[] = [];
    for (const l of sim.listeners) {
      const ch = await connectWrapper({ host: '127.0.0.1', port: l.port, clientWPort: 16, serverWPort: 1 });
      const c = new Client(ch);
      await c.associate();
      names.push(((await c.get(1, LDN)) as { value: string }).value);
      await ch.close();
    }
    expect(names).toEqual(['SIM0000000000001', 'SIM0000000000002']);
  });
});

describe('dlms sim: faults (fixed seed)', () => {
  it('rejects associations', async () => {
    sim = await startSimulator({ port: 0, faults: { reject: 1, seed: 4 } });
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: listener(sim, 'tcp').port,
      clientWPort: 16,
      serverWPort: 1,
    });
    expect(await new Client(ch).associate()).toMatchObject({ type: 'aare', result: 'rejected-permanent' });
    await ch.close();
  });

  it('drops answers: the client times out', async () => {
    sim = await startSimulator({ port: 0, faults: { drop: 1, seed: 4 } });
    const ch = await connectWrapper({
      host: '127.0.0.1',
      port: listener(sim, 'tcp').port,
      clientWPort: 16,
      serverWPort: 1,
    });
    await expect(new Client(ch).associate(300)).rejects.toMatchObject({ code: 'TIMEOUT' });
    await ch.close();
  });
});

describe('dlms sim: pushes', () => {
  async function receive(): Promise<{
    port: number;
    next: Promise<{ source: number; destination: number; apdu: Uint8Array }>;
  }> {
    let got!: (f: { source: number; destination: number; apdu: Uint8Array }) => void;
    const next = new Promise<{ source: number; destination: number; apdu: Uint8Array }>((r) => (got = r));
    receptor = await createWrapperServer({
      port: 0,
      host: '127.0.0.1',
      onConnection: async (channel) => {
        for await (const f of channel.receiveFrames())
          got({ source: f.source, destination: f.destination, apdu: f.apdu.slice() });
      },
    });
    return { port: receptor.port, next };
  }

  it('sends a DataNotification to a wrapper receptor over TCP', async () => {
    const r = await receive();
    sim = await startSimulator({ port: 0, pushTo: `tcp://127.0.0.1:${r.port}`, pushIntervalS: 0.05 });
    const frame = await r.next;
    expect(frame).toMatchObject({ source: 1, destination: 16 });
    const n = decodeApdu(frame.apdu);
    if (n.type !== 'data-notification' || n.body.type !== 'structure') throw new Error('not a notification');
    // The push setup's logical name, the clock, the energy register.
    expect(n.body.value.map((v) => v.type)).toEqual(['octet-string', 'octet-string', 'double-long-unsigned']);
  });

  it('sends a DataNotification to a wrapper receptor over UDP, from the command line', async () => {
    let got!: (f: { source: number; destination: number; apdu: Uint8Array }) => void;
    const next = new Promise<{ source: number; destination: number; apdu: Uint8Array }>((r) => (got = r));
    const udp = await createWrapperUdpServer({
      port: 0,
      host: '127.0.0.1',
      onPeer: async (channel) => {
        for await (const f of channel.receiveFrames())
          got({ source: f.source, destination: f.destination, apdu: f.apdu.slice() });
      },
    });
    const io = capture();
    const running = main(
      ['sim', '--port', '0', '--push-to', `udp://127.0.0.1:${udp.port}`, '--push-interval', '0.05'],
      io,
    );
    try {
      const frame = await next;
      expect(frame).toMatchObject({ source: 1, destination: 16 });
      expect(decodeApdu(frame.apdu)).toMatchObject({ type: 'data-notification' });
    } finally {
      process.emit('SIGINT');
      expect(await running).toBe(0);
      await udp.close();
    }
  });

  it('ciphers the push with the profile keys when asked', async () => {
    const r = await receive();
    const dir = await mkdtemp(join(tmpdir(), 'dlms-sim-'));
    const file = join(dir, 'meter.json');
    await writeFile(
      file,
      JSON.stringify({
        devices: [
          {
            systemTitle: '4D4D4D0000000001',
            keys: { blockCipherKey: KEY, authenticationKey: AK },
            objects: [
              { class: 'clock' },
              {
                class: 'register',
                obis: '1.0.1.8.0.255',
                unit: 30,
                generator: { kind: 'counter', ratePerHour: 100 },
              },
            ],
          },
        ],
      }),
    );
    const io = capture();
    const running = main(
      [
        'sim',
        '--port',
        '0',
        '--profile',
        file,
        '--push-to',
        `tcp://127.0.0.1:${r.port}`,
        '--push-interval',
        '0.05',
        '--push-ciphered',
      ],
      io,
    );
    const frame = await r.next;
    const plain = unprotectApdu(frame.apdu, { key: hex(KEY), authKey: hex(AK) });
    expect(plain.verified).toBe(true);
    expect(decodeApdu(plain.plaintext)).toMatchObject({ type: 'data-notification' });
    expect(io.out).toMatch(/^serving 1 meter on tcp:\/\/127\.0\.0\.1:\d+ /);
    process.emit('SIGINT');
    expect(await running).toBe(0);
  });
});

describe('dlms sim: the example profiles', () => {
  const dir = fileURLToPath(new URL('../profiles/', import.meta.url));

  it('serve: the three-phase meter answers its LLS management client and refuses a wrong password', async () => {
    const profile: unknown = JSON.parse(await readFile(join(dir, 'three-phase-meter.json'), 'utf8'));
    sim = await startSimulator({ port: 0, profile });
    const port = listener(sim, 'tcp').port;
    const ch = await connectWrapper({ host: '127.0.0.1', port, clientWPort: 1, serverWPort: 1 });
    const client = new DlmsClient(ch, {
      authentication: { mechanism: 1, password: new TextEncoder().encode('00000000') },
      timeoutMs: 5000,
    });
    await client.associate();
    const voltage = await client.getValue({ classId: 3, logicalName: '1.0.32.7.0.255', attribute: 2 });
    expect(voltage.type).toBe('long-unsigned');
    expect((voltage as { value: number }).value).toBeGreaterThanOrEqual(2260);
    expect((voltage as { value: number }).value).toBeLessThanOrEqual(2340);
    // A week at 15 minutes: 672 rows, read with GET blocks.
    const buffer = await client.getValue({ classId: 7, logicalName: '1.0.99.1.0.255', attribute: 2 });
    expect(buffer.type === 'array' && buffer.value.length).toBe(672);
    await client.release();
    await ch.close();
    const wrong = await connectWrapper({ host: '127.0.0.1', port, clientWPort: 1, serverWPort: 1 });
    const refused = new DlmsClient(wrong, {
      authentication: { mechanism: 1, password: new TextEncoder().encode('12345678') },
      timeoutMs: 5000,
    });
    await expect(refused.associate()).rejects.toMatchObject({ code: expect.any(String) });
    await wrong.close();
  });

  it('serve: the three-phase meter over HLS-GMAC with ciphering, on the push-driven TCP path', async () => {
    const profile: unknown = JSON.parse(await readFile(join(dir, 'three-phase-meter.json'), 'utf8'));
    sim = await startSimulator({ port: 0, profile });
    const port = listener(sim, 'tcp').port;
    const ek = hex(KEY);
    const ak = hex(AK);
    const client = new DlmsClient(
      await connectWrapper({ host: '127.0.0.1', port, clientWPort: 48, serverWPort: 1 }),
      {
        authentication: { mechanism: 5, encryptionKey: ek, authenticationKey: ak },
        security: {
          policy: 'authenticated-encrypted',
          key: ek,
          authKey: ak,
          systemTitle: hex('4D4D4D0000000099'),
          // A fresh simulator has seen no counter from this client yet.
          invocationCounter: 1,
        },
        timeoutMs: 5000,
      },
    );
    const n = await client.associate();
    expect(n.mechanism).toBe('hls-gmac');
    const voltage = await client.getValue({ classId: 3, logicalName: '1.0.32.7.0.255', attribute: 2 });
    expect(voltage.type).toBe('long-unsigned');
    // A long answer: the load profile in ciphered GET blocks.
    const buffer = await client.getValue({ classId: 7, logicalName: '1.0.99.1.0.255', attribute: 2 });
    expect(buffer.type === 'array' && buffer.value.length).toBe(672);
    await client.disconnect();
  });

  it('serve: gas and water meters are two logical devices on one port', async () => {
    const profile: unknown = JSON.parse(await readFile(join(dir, 'gas-and-water.json'), 'utf8'));
    sim = await startSimulator({ port: 0, profile });
    expect(listener(sim, 'tcp').line).toContain('server addresses 17-18');
    for (const [serverWPort, classId, logicalName] of [
      [17, 4, '7.0.3.0.0.255'],
      [18, 3, '8.0.1.0.0.255'],
    ] as const) {
      const ch = await connectWrapper({
        host: '127.0.0.1',
        port: listener(sim, 'tcp').port,
        clientWPort: 16,
        serverWPort,
      });
      const client = new DlmsClient(ch, { timeoutMs: 5000 });
      await client.associate();
      expect(await client.getValue({ classId, logicalName, attribute: 2 })).toMatchObject({
        type: 'double-long-unsigned',
      });
      await ch.close();
    }
  });
});

describe('dlms sim: the command line', () => {
  it('explains itself with examples', async () => {
    const io = capture();
    expect(await main(['sim', '--help'], io)).toBe(0);
    expect(io.out).toContain('Examples:');
    expect(io.out).toContain('--fleet-mode');
    expect(io.out).toContain('--push-to');
  });

  it('refuses bad options with exit code 2 and an invalid profile with 1', async () => {
    let io = capture();
    expect(await main(['sim'], io)).toBe(2);
    expect(io.err).toContain('--port');
    io = capture();
    expect(await main(['sim', '--port', '0', '--drop', '2'], io)).toBe(2);
    io = capture();
    expect(await main(['sim', '--port', '0', '--push-to', 'http://x'], io)).toBe(2);
    const dir = await mkdtemp(join(tmpdir(), 'dlms-sim-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ devices: [{ serverAddress: -1 }] }));
    io = capture();
    expect(await main(['sim', '--port', '0', '--profile', file], io)).toBe(1);
    expect(io.err).toContain('$.devices[0].serverAddress');
  });

  it('reads directly and coalesces writes by default; turned off, it serves the same', async () => {
    for (const off of [false, true]) {
      sim = await startSimulator({
        port: 0,
        ...(off ? { directReads: false, coalesceWrites: false } : {}),
      });
      const ch = await connectWrapper({
        host: '127.0.0.1',
        port: sim.listeners[0]!.port,
        clientWPort: 16,
        serverWPort: 1,
      });
      const c = new Client(ch);
      expect(await c.associate()).toMatchObject({ result: 'accepted' });
      expect(await c.get(1, LDN)).toMatchObject({ type: 'visible-string' });
      await ch.close();
      expect(sim.stats.directReads).toBe(off ? 0 : 1);
      await sim.close();
      sim = undefined;
    }
  });

  /**
   * Runs `dlms <args>` until it has printed `listening` (a listener's scheme), then associates a client
   * with the wrapper port it printed; the caller ends the command with SIGINT.
   */
  async function simCommand(args: readonly string[], listening: string) {
    const io = capture();
    const running = main([...args], io);
    for (let i = 0; i < 200 && !io.out.includes(listening); i++) await new Promise((r) => setTimeout(r, 10));
    const port = Number(/tcp:\/\/127\.0\.0\.1:(\d+)/.exec(io.out)![1]);
    const ch = await connectWrapper({ host: '127.0.0.1', port, clientWPort: 16, serverWPort: 1 });
    const c = new Client(ch);
    expect(await c.associate()).toMatchObject({ result: 'accepted' });
    return { io, running, ch, c };
  }

  it('takes --no-direct-reads and --no-coalesce-writes from the command line', async () => {
    const { running, ch, c } = await simCommand(
      ['sim', '--port', '0', '--no-direct-reads', '--no-coalesce-writes'],
      'tcp://',
    );
    expect(await c.get(3, ENERGY)).toMatchObject({ type: 'double-long-unsigned' });
    await ch.close();
    process.emit('SIGINT');
    expect(await running).toBe(0);
  });

  it('starts on port 0, prints the bound port, serves, and stops on SIGINT', async () => {
    const { io, running, ch } = await simCommand(['sim', '--port', '0', '--udp-port', '0'], 'udp://');
    await ch.close();
    process.emit('SIGINT');
    expect(await running).toBe(0);
    expect(io.err).toContain('association client 16 -> server 1: accepted');
  });
});
