/**
 * The meter simulator core: profile validation (every problem with its JSON path), the default meter
 * (object list, register increasing with the injected clock, 96 prefilled load profile rows), the
 * schedule of captures and pushes, ciphered pushes, fleets, and fault injection over the in-memory
 * APDU channel pair (seeded). The client side is written from dlms-core encoders.
 */
import { describe, expect, it } from 'vitest';
import {
  decodeApdu,
  encodeApdu,
  unprotectApdu,
  type Apdu,
  type ApduChannel,
  type Data,
} from '@meteringlab/dlms-core';
import { memoryApduChannelPair } from '@meteringlab/transport-tcp';
import {
  DEFAULT_SIMULATOR_PROFILE,
  buildSimulatedMeter,
  fleetOnAddresses,
  fleetOnPorts,
  generatorFunction,
  numericData,
  objectListFromData,
  parseDestination,
  parseSimulatorProfile,
  seededRandom,
  validateSimulatorProfile,
  withFaults,
  type ProfileIssue,
} from '../../src/index.js';

const T0 = Date.UTC(2026, 0, 15, 12, 7, 30);
const IID = { invokeId: 1, confirmed: true, highPriority: true } as const;
const ENERGY = Uint8Array.of(1, 0, 1, 8, 0, 255);

function issuesOf(json: unknown): readonly ProfileIssue[] {
  const r = validateSimulatorProfile(json);
  if (r.ok) throw new Error('expected the profile to be refused');
  return r.issues;
}

function clockAt(ms: number): { now: () => Date; set(t: number): void } {
  let t = ms;
  return { now: () => new Date(t), set: (v) => (t = v) };
}

class Client {
  private readonly it: AsyncIterator<Uint8Array>;
  constructor(readonly channel: ApduChannel) {
    this.it = channel.receive()[Symbol.asyncIterator]();
  }
  async request(apdu: Apdu): Promise<Apdu> {
    await this.channel.send(encodeApdu(apdu));
    const r = await this.it.next();
    if (r.done) throw new Error('channel closed');
    return decodeApdu(r.value);
  }
  associate(): Promise<Apdu> {
    return this.request({
      type: 'aarq',
      applicationContextName: 'logical-name-referencing-no-ciphering',
      userInformation: {
        apdu: {
          type: 'initiate-request',
          responseAllowed: true,
          proposedDlmsVersionNumber: 6,
          proposedConformance: 0x00ffff,
          clientMaxReceivePduSize: 0xffff,
        },
      },
    });
  }
  async get(classId: number, instanceId: Uint8Array, attributeId = 2): Promise<Data> {
    const r = await this.request({
      type: 'get-request-normal',
      invokeIdAndPriority: IID,
      attribute: { classId, instanceId, attributeId },
    });
    if (r.type !== 'get-response-normal' || r.result.type !== 'data')
      throw new Error(`no data: ${JSON.stringify(r)}`);
    return r.result.data;
  }
}

describe('profile validation', () => {
  it('accepts the default profile and normalises OBIS codes', () => {
    const p = parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE);
    expect(p.devices).toHaveLength(1);
    expect(p.devices[0]!.serverAddress).toBe(1);
    const q = parseSimulatorProfile({
      devices: [
        {
          objects: [{ class: 'data', obis: '0-0:96.1.0.255', value: { type: 'visible-string', value: 'X' } }],
        },
      ],
    });
    expect(q.devices[0]!.objects[0]).toMatchObject({ class: 'data', obis: '0.0.96.1.0.255' });
  });

  it('names the JSON path of every problem, all at once', () => {
    const issues = issuesOf({
      devices: [
        {
          serverAddress: 0,
          associations: [
            { clientAddress: 16, mechanism: 'lls' },
            { clientAddress: 16, mechanism: 'hls-gmac' },
            { clientAddress: 3, mechanism: 'kerberos' },
          ],
          objects: [
            {
              class: 'register',
              obis: '1.0.1.8.0',
              scaler: 0,
              unit: 30,
              value: { type: 'double-long-unsigned', value: 1 },
            },
            { class: 'register', obis: '1.0.2.8.0.255', value: { type: 'double-long-unsigned', value: -1 } },
            { class: 'thermostat', obis: '0.0.1.0.0.255' },
            { class: 'register', obis: '1.0.3.8.0.255', generator: { kind: 'sawtooth' } },
            {
              class: 'profile-generic',
              obis: '1.0.99.1.0.255',
              captureObjects: [{ classId: 8, obis: 'clock' }],
            },
          ],
          pushes: [{ objects: [], destination: 'http://example.org', ciphered: true }],
          colour: 'red',
        },
      ],
    });
    const paths = issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.devices[0].serverAddress',
        '$.devices[0].associations[0].password',
        '$.devices[0].associations[1].mechanism',
        '$.devices[0].associations[1].clientAddress',
        '$.devices[0].associations[2].mechanism',
        '$.devices[0].objects[0].obis',
        '$.devices[0].objects[1].value',
        '$.devices[0].objects[2].class',
        '$.devices[0].objects[3].generator.kind',
        '$.devices[0].objects[4].captureObjects[0].obis',
        '$.devices[0].pushes[0].destination',
        '$.devices[0].pushes[0].ciphered',
        '$.devices[0].colour',
      ]),
    );
  });

  it('refuses keys of the wrong length, a missing device list and duplicate server addresses', () => {
    expect(issuesOf({}).map((i) => i.path)).toEqual(['$.devices']);
    expect(issuesOf({ devices: [] }).map((i) => i.path)).toEqual(['$.devices']);
    expect(issuesOf([]).map((i) => i.path)).toEqual(['$']);
    const paths = issuesOf({
      devices: [
        { serverAddress: 1, systemTitle: '0102', keys: { blockCipherKey: '00', authenticationKey: 'zz' } },
        { serverAddress: 1 },
      ],
    }).map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.devices[0].systemTitle',
        '$.devices[0].keys.blockCipherKey',
        '$.devices[0].keys.authenticationKey',
      ]),
    );
    expect(issuesOf({ devices: [{ serverAddress: 1 }, { serverAddress: 1 }] }).map((i) => i.path)).toEqual([
      '$.devices[1].serverAddress',
    ]);
  });

  it('throws INVALID_ARGUMENT with the issues as cause', () => {
    try {
      parseSimulatorProfile({ devices: [{ serverAddress: 'one' }] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect((e as { cause: ProfileIssue[] }).cause.map((i) => i.path)).toEqual([
        '$.devices[0].serverAddress',
      ]);
    }
  });

  it('parses push destinations', () => {
    expect(parseDestination('tcp://127.0.0.1:4059')).toEqual({
      transport: 'tcp',
      host: '127.0.0.1',
      port: 4059,
    });
    expect(parseDestination('udp://[::1]:4059')).toEqual({ transport: 'udp', host: '::1', port: 4059 });
    expect(parseDestination('tcp://host')).toBeUndefined();
    expect(parseDestination('tcp://host:70000')).toBeUndefined();
  });
});

describe('the default meter', () => {
  it('lists the association, logical device name, clock, register and load profile', async () => {
    const clock = clockAt(T0);
    const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE), { now: clock.now });
    expect(meter.devices.map((d) => d.serverAddress)).toEqual([1]);
    const [c, s] = memoryApduChannelPair();
    const done = meter.server.serve(s, { serverAddress: 1, clientAddress: 16 });
    const client = new Client(c);
    expect(await client.associate()).toMatchObject({ type: 'aare', result: 'accepted' });
    const list = objectListFromData(await client.get(15, Uint8Array.of(0, 0, 40, 0, 0, 255)));
    expect(list?.map((e) => `${e.classId}/${e.logicalName}`)).toEqual(
      expect.arrayContaining([
        '15/0.0.40.0.0.255',
        '1/0.0.42.0.0.255',
        '8/0.0.1.0.0.255',
        '3/1.0.1.8.0.255',
        '7/1.0.99.1.0.255',
      ]),
    );
    expect(await client.get(1, Uint8Array.of(0, 0, 42, 0, 0, 255))).toEqual({
      type: 'visible-string',
      value: 'SIM0000000000001',
    });
    expect(await client.get(3, ENERGY, 3)).toEqual({
      type: 'structure',
      value: [
        { type: 'integer', value: 0 },
        { type: 'enum', value: 30 },
      ],
    });
    await c.close();
    await done;
  });

  it('increases the energy register with the injected clock', async () => {
    const clock = clockAt(T0);
    const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE), { now: clock.now });
    const d = meter.devices[0]!.device;
    const at = async () => ((await d.readInternal(3, '1.0.1.8.0.255', 2)) as { value: number }).value;
    expect(await at()).toBe(1_000_000);
    clock.set(T0 + 3_600_000);
    expect(await at()).toBe(1_001_500);
    clock.set(T0 + 2 * 3_600_000 + 1_200);
    expect(await at()).toBe(1_003_000);
  });

  it('prefills the load profile with 96 rows for the last 24 h at 900 s', async () => {
    const clock = clockAt(T0);
    const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE), { now: clock.now });
    const buffer = await meter.devices[0]!.device.readInternal(7, '1.0.99.1.0.255', 2);
    if (buffer.type !== 'array') throw new Error('no buffer');
    expect(buffer.value).toHaveLength(96);
    const energies = buffer.value.map(
      (r) => ((r as unknown as { value: Data[] }).value[1] as { value: number }).value,
    );
    // Every row 15 minutes apart: 375 Wh at 1.5 kWh per hour, increasing to the last boundary (12:00).
    for (let i = 1; i < energies.length; i++) expect(energies[i]! - energies[i - 1]!).toBe(375);
    const last = (buffer.value[95] as unknown as { value: Data[] }).value[0]!;
    expect(last.type).toBe('octet-string');
    expect(Array.from((last as { value: Uint8Array }).value.subarray(0, 7))).toEqual([
      0x07, 0xea, 1, 15, 4, 12, 0,
    ]);
  });

  it('captures at each capture period boundary as the schedule runs', async () => {
    const clock = clockAt(T0);
    const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE), { now: clock.now });
    const next = meter.schedule.next()!;
    expect(next).toBe(Date.UTC(2026, 0, 15, 12, 15, 0));
    expect(await meter.schedule.run(next - 1)).toEqual([]);
    const tasks = await meter.schedule.run(next + 1800_000);
    expect(tasks.map((t) => [t.kind, t.atMs - next])).toEqual([
      ['capture', 0],
      ['capture', 900_000],
      ['capture', 1800_000],
    ]);
    expect(meter.devices[0]!.captures[0]!.profile.bufferEntries()).toHaveLength(99);
  });
});

describe('generators', () => {
  it('sine stays within mean ± amplitude and random walks are reproducible and bounded', () => {
    const sine = generatorFunction({ kind: 'sine', mean: 2300, amplitude: 50, periodS: 60 }, T0);
    for (let t = 0; t < 60_000; t += 1000) {
      expect(sine(T0 + t)).toBeGreaterThanOrEqual(2250);
      expect(sine(T0 + t)).toBeLessThanOrEqual(2350);
    }
    const walk = () =>
      generatorFunction(
        { kind: 'random-walk', start: 10, step: 1, min: 0, max: 12, intervalS: 1, seed: 7 },
        T0,
      );
    const a = walk();
    const b = walk();
    const seq = Array.from({ length: 50 }, (_, i) => a(T0 + i * 1000));
    expect(Array.from({ length: 50 }, (_, i) => b(T0 + i * 1000))).toEqual(seq);
    expect(Math.max(...seq)).toBeLessThanOrEqual(12);
    expect(Math.min(...seq)).toBeGreaterThanOrEqual(0);
    // Asking an earlier instant replays the walk.
    expect(a(T0 + 10_000)).toBe(seq[10]);
  });

  it('clamps numbers to the Data type', () => {
    expect(numericData('unsigned', 300)).toEqual({ type: 'unsigned', value: 255 });
    expect(numericData('long', -1.6)).toEqual({ type: 'long', value: -2 });
    expect(numericData('long64-unsigned', 5)).toEqual({ type: 'long64-unsigned', value: 5n });
    const r = seededRandom(1);
    expect(r()).toBe(seededRandom(1)());
  });
});

describe('pushes', () => {
  const KEY = '000102030405060708090A0B0C0D0E0F';
  const AK = 'D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF';
  const TITLE = '4D4D4D0000000001';
  const hex = (h: string) => Uint8Array.from(h.match(/../g)!.map((b) => parseInt(b, 16)));

  function profile(ciphered: boolean) {
    return parseSimulatorProfile({
      devices: [
        {
          systemTitle: TITLE,
          keys: { blockCipherKey: KEY, authenticationKey: AK },
          objects: [
            { class: 'clock' },
            {
              class: 'register',
              obis: '1.0.1.8.0.255',
              unit: 30,
              generator: { kind: 'counter', start: 500, ratePerHour: 3600 },
            },
          ],
          pushes: [
            {
              objects: [{ classId: 3, obis: '1.0.1.8.0.255' }],
              intervalS: 10,
              destination: 'udp://127.0.0.1:4059',
              ciphered,
            },
          ],
        },
      ],
    });
  }

  it('builds a DataNotification with the push setup logical name first, every interval', async () => {
    const clock = clockAt(T0);
    const sent: Uint8Array[] = [];
    const meter = buildSimulatedMeter(profile(false), {
      now: clock.now,
      transmit: (_p, apdu) => void sent.push(apdu),
    });
    expect(meter.schedule.next()).toBe(T0 + 10_000);
    clock.set(T0 + 10_000);
    const tasks = await meter.schedule.run(T0 + 10_000);
    expect(tasks.map((t) => t.kind)).toEqual(['push']);
    expect(sent).toHaveLength(1);
    const n = decodeApdu(sent[0]!);
    expect(n).toMatchObject({
      type: 'data-notification',
      body: {
        type: 'structure',
        value: [
          { type: 'octet-string', value: Uint8Array.of(0, 0, 25, 9, 0, 255) },
          { type: 'double-long-unsigned', value: 510 },
        ],
      },
    });
    expect(meter.schedule.next()).toBe(T0 + 20_000);
  });

  it('ciphers the push with the device keys (general-glo-ciphering), counters increasing', async () => {
    const clock = clockAt(T0);
    const meter = buildSimulatedMeter(profile(true), { now: clock.now });
    const push = meter.devices[0]!.pushes[0]!;
    const first = await push.trigger();
    const second = await push.trigger();
    expect(first[0]).toBe(0xdb);
    const a = unprotectApdu(first, { key: hex(KEY), authKey: hex(AK) });
    const b = unprotectApdu(second, { key: hex(KEY), authKey: hex(AK) });
    expect(a.verified).toBe(true);
    expect(a.envelope.systemTitle).toEqual(hex(TITLE));
    expect(b.envelope.invocationCounter!).toBeGreaterThan(a.envelope.invocationCounter!);
    expect(decodeApdu(a.plaintext)).toMatchObject({ type: 'data-notification' });
  });
});

describe('fleets', () => {
  it('repeats one device at consecutive server addresses with distinct names and system titles', () => {
    const base = parseSimulatorProfile({ devices: [{ systemTitle: '4D4D4D00000000FF', name: 'METER0009' }] });
    const fleet = fleetOnAddresses(base, 3);
    expect(fleet.devices.map((d) => [d.serverAddress, d.name])).toEqual([
      [1, 'METER0009'],
      [2, 'METER0010'],
      [3, 'METER0011'],
    ]);
    expect(Array.from(fleet.devices[2]!.systemTitle!.subarray(4))).toEqual([0, 0, 1, 1]);
    expect(fleetOnPorts(base, 2).map((p) => p.devices[0]!.serverAddress)).toEqual([1, 1]);
    expect(() =>
      fleetOnAddresses({ devices: [...base.devices, { ...base.devices[0]!, serverAddress: 2 }] }, 2),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('fault injection (seeded)', () => {
  function serveDefault(faults: Parameters<typeof withFaults>[1]) {
    const meter = buildSimulatedMeter(parseSimulatorProfile(DEFAULT_SIMULATOR_PROFILE), {
      now: () => new Date(T0),
    });
    const [c, s] = memoryApduChannelPair();
    const faulty = withFaults(s, faults);
    const done = meter.server.serve(faulty, { serverAddress: 1, clientAddress: 16 });
    return { client: new Client(c), c, faulty, done };
  }

  it('rejects associations', async () => {
    const { client, c, faulty, done } = serveDefault({ reject: 1, seed: 3 });
    expect(await client.associate()).toMatchObject({
      type: 'aare',
      result: 'rejected-permanent',
      resultSourceDiagnostic: { value: 'no-reason-given' },
    });
    expect(faulty.stats.rejected).toBe(1);
    await c.close();
    await done;
  });

  it('rejects a share of associations, the same ones for the same seed', async () => {
    const outcomes = async (seed: number) => {
      const { client, c, done } = serveDefault({ reject: 0.5, seed });
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await client.associate();
        out.push(r.type === 'aare' ? String(r.result) : String(r.type));
        if (r.type === 'aare' && r.result === 'accepted')
          await client.request({ type: 'rlrq', reason: 'normal' });
      }
      await c.close();
      await done;
      return out;
    };
    const a = await outcomes(42);
    expect(await outcomes(42)).toEqual(a);
    expect(a).toContain('accepted');
    expect(a).toContain('rejected-permanent');
  });

  it('drops responses, and corrupts one byte of a response', async () => {
    const dropped = serveDefault({ drop: 1, seed: 1 });
    await dropped.c.send(encodeApdu({ type: 'rlrq', reason: 'normal' }));
    const it = dropped.c.receive()[Symbol.asyncIterator]();
    const raced = await Promise.race([
      it.next().then(() => 'answered'),
      new Promise((r) => setTimeout(() => r('silent'), 100)),
    ]);
    expect(raced).toBe('silent');
    expect(dropped.faulty.stats.dropped).toBe(1);
    await dropped.c.close();
    await dropped.done;

    const corrupted = serveDefault({ corrupt: 1, seed: 5 });
    const plain = encodeApdu({ type: 'rlre', reason: 'normal' });
    await corrupted.c.send(encodeApdu({ type: 'rlrq', reason: 'normal' }));
    const r = await corrupted.c.receive()[Symbol.asyncIterator]().next();
    const got = r.value as Uint8Array;
    expect(got).toHaveLength(plain.length);
    expect(got.filter((b, i) => b !== plain[i]).length).toBe(1);
    await corrupted.c.close();
    await corrupted.done;
  });

  it('delays responses through the injected sleep', async () => {
    const waits: number[] = [];
    const { client, c, faulty, done } = serveDefault({
      delayMs: [10, 20],
      seed: 9,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(await client.associate()).toMatchObject({ result: 'accepted' });
    expect(faulty.stats.delayed).toBe(1);
    expect(waits[0]).toBeGreaterThanOrEqual(10);
    expect(waits[0]).toBeLessThanOrEqual(20);
    await c.close();
    await done;
  });
});
