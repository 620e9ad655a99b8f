/**
 * DlmsClient against the DlmsServer engine and object model of this package: over the in-memory APDU
 * channel pair, over a real wrapper TCP connection on 127.0.0.1 and over HDLC on TCP. LLS, HLS-GMAC
 * with suite 0 ciphering (invocation counter read over a public association), GET with-list with a
 * refused item, block transfer with progress, profile range read, SET (in blocks), ACTION, typed
 * readers, time-outs and channel loss.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  MemoryCounterStore,
  conformanceFromNames,
  cosemDateTimeToIso,
  isDlmsError,
  type ApduChannel,
  type BlockProgress,
  type Data,
} from '@meteringlab/dlms-core';
import { connectWrapper, memoryApduChannelPair, type WrapperServer } from '@meteringlab/transport-tcp';
import { connectHdlcTcp } from '@meteringlab/transport-hdlc-serial';
import {
  AssociationLn,
  BaseObject,
  DlmsServer,
  LogicalDevice,
  Register,
  readOnlyRights,
  shortNameObjectListToData,
  DlmsClient,
  dateTimeFromData,
  parseAttributeTarget,
  parseMethodTarget,
  readClock,
  readObjectList,
  readProfile,
  readRegister,
  syncClock,
  type ObjectListEntry,
} from '../../src/index.js';
import {
  AK,
  CLIENT_ST,
  EK,
  PASSWORD,
  PROFILE_ROWS,
  PROFILE_START,
  hdlcServer,
  makeMeter,
  memoryLink,
  wrapperServer,
} from './meter.js';

const u32 = (value: number): Data => ({ type: 'double-long-unsigned', value });
const ENERGY = { classId: 3, logicalName: '1.0.1.8.0.255', attribute: 2 } as const;

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('DlmsClient over the in-memory channel', () => {
  it('public association: GET, GET with-list with a refused item as a value, typed readers, release', async () => {
    const meter = makeMeter();
    const client = new DlmsClient(memoryLink(meter, 16));
    const n = await client.associate();
    expect(n.conformanceNames).toContain('get');
    expect(n.serverMaxReceivePduSize).toBe(256);

    expect(await client.get(ENERGY)).toEqual({ target: ENERGY, type: 'data', data: u32(123456) });
    const list = await client.get([ENERGY, { classId: 3, logicalName: '1.0.2.8.0.255', attribute: 2 }]);
    expect(list[0]).toMatchObject({ type: 'data', data: u32(123456) });
    expect(list[1]).toMatchObject({ type: 'data-access-result', result: 'object-undefined' });

    const reg = await readRegister(client, '1-0:1.8.0.255');
    expect(reg).toMatchObject({
      raw: 123456,
      scaler: -1,
      unit: 30,
      unitSymbol: 'Wh',
      value: 12345.6,
      logicalName: '1.0.1.8.0.255',
    });

    const clock = await readClock(client);
    expect(clock.iso).toBe('2024-01-03T12:00:00.00Z');

    const objects = (await readObjectList(client)) as ObjectListEntry[];
    expect(objects.map((o) => o.logicalName)).toContain('1.0.99.1.0.255');

    // The public client may not write: a Data-Access-Result, not an exception.
    expect(await client.set(ENERGY, u32(1))).toBe('read-write-denied');
    await client.release();
    expect(client.machine.state).toBe('released');
    await client.disconnect();
  });

  it('reads a profile range in blocks, with progress, into rows keyed by capture object', async () => {
    const meter = makeMeter();
    const progress: BlockProgress[] = [];
    const client = new DlmsClient(memoryLink(meter, 16), {
      onProgress: (p) => progress.push(p),
      maxReceivePduSize: 256,
    });
    await client.associate();
    const from = new Date(PROFILE_START + 24 * 3600_000);
    const to = new Date(PROFILE_START + 48 * 3600_000 - 900_000);
    const p = await readProfile(client, '1.0.99.1.0.255', { from, to });
    expect(p.capturePeriodS).toBe(900);
    expect(p.columns.map((c) => c.key)).toEqual(['8/0.0.1.0.0.255/2', '3/1.0.1.8.0.255/2']);
    expect(p.rows.length).toBe(96);
    const first = p.rows[0]!;
    expect(cosemDateTimeToIso(dateTimeFromData(first['8/0.0.1.0.0.255/2']!)!)).toBe(
      '2024-01-02T00:00:00.00Z',
    );
    expect(first['3/1.0.1.8.0.255/2']).toEqual(u32(1096));
    expect(progress.length).toBeGreaterThan(3);
    expect(progress.every((x) => x.direction === 'receiving')).toBe(true);

    const all = await readProfile(client, '1.0.99.1.0.255');
    expect(all.rows.length).toBe(PROFILE_ROWS);
    const some = await readProfile(client, '1.0.99.1.0.255', { entries: { from: 1, to: 3 } });
    expect(some.rows.length).toBe(3);
    await client.disconnect();
  });

  it('LLS management association: SET, SET in blocks, ACTION, clock sync', async () => {
    const meter = makeMeter({ maxReceivePduSize: 128 });
    const progress: BlockProgress[] = [];
    const client = new DlmsClient(memoryLink(meter, 1), {
      authentication: { mechanism: 1, password: PASSWORD },
      onProgress: (p) => progress.push(p),
    });
    expect((await client.associate()).mechanism).toBe('lls');
    expect(await client.set(ENERGY, u32(42))).toBe('success');
    expect(meter.energy.wh).toBe(42);

    const big: Data = { type: 'octet-string', value: new Uint8Array(300).fill(0x41) };
    const target = { classId: 1, logicalName: '0.0.96.1.0.255', attribute: 2 };
    expect(await client.set(target, big)).toBe('success');
    expect(progress.some((p) => p.direction === 'sending' && p.totalBlocks! > 1)).toBe(true);
    expect(await client.getValue(target)).toEqual(big);

    const r = await client.action(parseMethodTarget('70/0.0.96.3.10.255/1'), { type: 'integer', value: 0 });
    expect(r.result).toBe('success');
    expect(meter.relay.connected).toBe(false);
    const both = await client.action([
      { ...parseMethodTarget('70/0.0.96.3.10.255/2'), parameters: { type: 'integer', value: 0 } },
      { ...parseMethodTarget('70/0.0.96.3.10.255/9') },
    ]);
    // An unknown method is refused by the access check: a value, not an exception.
    expect(both[0]!.result).toBe('success');
    expect(both[1]!.result).not.toBe('success');
    expect(meter.relay.connected).toBe(true);

    expect(await syncClock(client, { now: new Date(Date.UTC(2024, 5, 1)) })).toBe('success');
    await client.disconnect();
  });

  it('a wrong LLS password is ASSOCIATION_REJECTED with the diagnostic by name', async () => {
    const meter = makeMeter();
    const client = new DlmsClient(memoryLink(meter, 1), {
      authentication: { mechanism: 1, password: new TextEncoder().encode('wrong') },
    });
    const e = await caught(client.associate());
    expect(isDlmsError(e, 'ASSOCIATION_REJECTED')).toBe(true);
    expect((e as Error).message).toContain('authentication-failure');
    await client.disconnect();
  });

  it('HLS-GMAC with suite 0 ciphering; the invocation counter is read over a public association', async () => {
    const meter = makeMeter();
    let publicOpened = 0;
    const client = new DlmsClient(memoryLink(meter, 2), {
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: { policy: 'authenticated-encrypted', key: EK, authKey: AK, systemTitle: CLIENT_ST },
      openPublicChannel: async () => {
        publicOpened++;
        return memoryLink(meter, 16);
      },
    });
    const n = await client.associate();
    expect(publicOpened).toBe(1);
    expect(n.mechanism).toBe('hls-gmac');
    expect(await client.get(ENERGY)).toMatchObject({ type: 'data', data: u32(123456) });
    const p = await readProfile(client, '1.0.99.1.0.255', { entries: { from: 1, to: 20 } });
    expect(p.rows.length).toBe(20);
    expect(await client.set(ENERGY, u32(7))).toBe('success');
    expect(meter.energy.wh).toBe(7);
    await client.disconnect();
  });

  it('HLS-GMAC with counters from a store', async () => {
    const meter = makeMeter();
    const counters = new MemoryCounterStore();
    const client = new DlmsClient(memoryLink(meter, 2), {
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: { policy: 'authenticated-encrypted', key: EK, authKey: AK, systemTitle: CLIENT_ST, counters },
    });
    await client.associate();
    expect(await client.getValue(ENERGY)).toEqual(u32(123456));
    await client.disconnect();
    expect(counters.table.peekOutgoing('4D4D4D0000000001/global-unicast')).toBeGreaterThan(2);
    // The server's counter is recorded too, for replay protection across sessions.
    expect(counters.table.last('4D4D4D0000BC614E/global-unicast')).toBe(
      client.machine.lastServerInvocationCounter,
    );
    // A second session with the same store starts from the recorded marks.
    const again = new DlmsClient(memoryLink(meter, 2), {
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: { policy: 'authenticated-encrypted', key: EK, authKey: AK, systemTitle: CLIENT_ST, counters },
    });
    await again.associate();
    expect(await again.getValue(ENERGY)).toEqual(u32(123456));
    await again.disconnect();
    // A store that claims the server already went further: the meter's frames are replays.
    const ahead = new MemoryCounterStore({
      outgoing: { '4D4D4D0000000001/global-unicast': 1000 },
      incoming: { '4D4D4D0000BC614E/global-unicast': 0xfffffff0 },
    });
    const replayed = new DlmsClient(memoryLink(meter, 2), {
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: {
        policy: 'authenticated-encrypted',
        key: EK,
        authKey: AK,
        systemTitle: CLIENT_ST,
        counters: ahead,
      },
    });
    expect(await caught(replayed.associate())).toMatchObject({ code: 'REPLAYED_COUNTER' });
    await replayed.disconnect();
  });

  it('a ciphered association without any invocation counter source is an ArgumentError', async () => {
    const client = new DlmsClient(memoryApduChannelPair()[0], {
      security: { policy: 'authenticated-encrypted', key: EK, authKey: AK, systemTitle: CLIENT_ST },
    });
    expect(isDlmsError(await caught(client.associate()), 'INVALID_ARGUMENT')).toBe(true);
  });

  it('a server that stops answering: TIMEOUT; a closed channel: CLOSED', async () => {
    const [c, s] = memoryApduChannelPair();
    const client = new DlmsClient(c, { timeoutMs: 50 });
    const e = await caught(client.associate());
    expect(isDlmsError(e, 'TIMEOUT')).toBe(true);
    expect(client.machine.state).toBe('idle');
    const pending = client.associate();
    await s.close();
    expect(isDlmsError(await caught(pending), 'CLOSED')).toBe(true);
  });

  it('the server stops answering mid-block: TIMEOUT', async () => {
    const meter = makeMeter();
    const [c, s] = memoryApduChannelPair();
    // A relay that forwards the association and the first block, then goes silent.
    const [c2, s2] = memoryApduChannelPair();
    void meter.server.serve(s2, { serverAddress: 1, clientAddress: 16 });
    let forwarded = 0;
    void (async () => {
      const up = s.receive()[Symbol.asyncIterator]();
      const down = c2.receive()[Symbol.asyncIterator]();
      for (;;) {
        const r = await up.next();
        if (r.done) return;
        await c2.send(r.value);
        const a = await down.next();
        if (a.done) return;
        if (forwarded++ < 2) await s.send(a.value);
      }
    })();
    const client = new DlmsClient(c, { timeoutMs: 100, maxReceivePduSize: 128 });
    await client.associate();
    const e = await caught(client.get({ classId: 7, logicalName: '1.0.99.1.0.255', attribute: 2 }));
    expect(isDlmsError(e, 'TIMEOUT')).toBe(true);
    expect(client.machine.state).toBe('associated');
    await c.close();
    await c2.close();
  });

  it('short name referencing: Read and Write by base names from the SN object list', async () => {
    const list = [
      { baseName: 0xfa00, classId: 12, version: 2, logicalName: '0.0.40.0.0.255' },
      { baseName: 0x2000, classId: 3, version: 0, logicalName: '1.0.1.8.0.255' },
    ];
    class AssociationSn extends BaseObject {
      constructor() {
        super(12, 2, '0.0.40.0.0.255');
        this.attributes.set(2, { get: () => shortNameObjectListToData(list) });
      }
    }
    let wh = 500;
    const device = new LogicalDevice({
      objects: [
        new AssociationSn(),
        new Register({
          logicalName: '1.0.1.8.0.255',
          scalerUnit: { scaler: 0, unit: 30 },
          value: () => u32(wh),
          onSet: (v) => {
            if (v.type !== 'double-long-unsigned') return 'type-unmatched';
            wh = v.value;
            return 'success';
          },
        }),
      ],
    });
    device.addAssociation(
      new AssociationLn({
        logicalName: '0.0.40.0.9.255',
        clientSap: 16,
        rights: (o) => ({
          ...readOnlyRights(o)!,
          attributes: readOnlyRights(o)!.attributes.map((a) => ({ ...a, access: 'read-and-write' as const })),
        }),
      }),
    );
    const server = new DlmsServer().addDevice(1, device, {
      16: {
        referencing: 'sn',
        ciphered: false,
        authentication: { mechanism: 0 },
        conformance: conformanceFromNames(['read', 'write', 'multiple-references', 'parameterized-access']),
        maxReceivePduSize: 512,
        baseNames: (bn) => {
          for (const e of list) {
            const off = bn - e.baseName;
            if (off >= 0 && off < 0x100 && off % 8 === 0) {
              return {
                type: 'attribute',
                descriptor: {
                  classId: e.classId,
                  instanceId: Uint8Array.from(e.logicalName.split('.').map(Number)),
                  attributeId: off / 8 + 1,
                },
              };
            }
          }
          return undefined;
        },
      },
    });
    const [c, sch] = memoryApduChannelPair();
    void server.serve(sch, { serverAddress: 1, clientAddress: 16 });
    const client = new DlmsClient(c, { referencing: 'sn' });
    expect((await client.associate()).vaaName).toBe(0xfa00);
    const objects = await readObjectList(client);
    expect(objects).toEqual(list);
    expect(await client.get([ENERGY, { ...ENERGY, attribute: 3 }])).toEqual([
      { target: ENERGY, type: 'data', data: u32(500) },
      {
        target: { ...ENERGY, attribute: 3 },
        type: 'data',
        data: {
          type: 'structure',
          value: [
            { type: 'integer', value: 0 },
            { type: 'enum', value: 30 },
          ],
        },
      },
    ]);
    expect(await client.set(ENERGY, u32(600))).toBe('success');
    expect(wh).toBe(600);
    expect(
      isDlmsError(
        await caught(client.get({ classId: 1, logicalName: '0.0.96.1.0.255', attribute: 2 })),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
    await client.disconnect();
  });

  it('targets parse from text, bad ones are ArgumentErrors', () => {
    expect(parseAttributeTarget('3/1.0.1.8.0.255/2')).toEqual({
      classId: 3,
      logicalName: Uint8Array.of(1, 0, 1, 8, 0, 255),
      attribute: 2,
    });
    for (const bad of ['3/1.0.1.8.0/2', '3-1.0.1.8.0.255-2', 'x/1.0.1.8.0.255/2', '3/1.0.1.8.0.255/200']) {
      expect(() => parseAttributeTarget(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});

describe('DlmsClient over real transports on 127.0.0.1', () => {
  let tcp: WrapperServer | undefined;
  let hdlc: { port: number; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await tcp?.close();
    await hdlc?.close();
    tcp = undefined;
    hdlc = undefined;
  });

  async function session(
    channel: ApduChannel,
    options: ConstructorParameters<typeof DlmsClient>[1] = {},
  ): Promise<void> {
    const client = new DlmsClient(channel, options);
    await client.associate();
    expect(await client.getValue(ENERGY)).toEqual(u32(123456));
    const p = await readProfile(client, '1.0.99.1.0.255', {
      from: new Date(PROFILE_START),
      to: new Date(PROFILE_START + 3 * 3600_000),
    });
    expect(p.rows.length).toBe(13);
    await client.disconnect();
  }

  it('wrapper over TCP: public and HLS-GMAC ciphered associations', async () => {
    const meter = makeMeter();
    tcp = await wrapperServer(meter);
    await session(
      await connectWrapper({ host: '127.0.0.1', port: tcp.port, clientWPort: 16, serverWPort: 1 }),
    );
    const port = tcp.port;
    await session(await connectWrapper({ host: '127.0.0.1', port, clientWPort: 2, serverWPort: 1 }), {
      authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
      security: { policy: 'authenticated-encrypted', key: EK, authKey: AK, systemTitle: CLIENT_ST },
      openPublicChannel: () => connectWrapper({ host: '127.0.0.1', port, clientWPort: 16, serverWPort: 1 }),
    });
  });

  it('HDLC over TCP: LLS association, GET, profile blocks', async () => {
    const meter = makeMeter();
    hdlc = await hdlcServer(meter);
    const link = await connectHdlcTcp('127.0.0.1', hdlc.port, {
      clientAddress: 1,
      serverLogical: 1,
      maxInfoRx: 256,
      maxInfoTx: 256,
    });
    await session(link, { authentication: { mechanism: 1, password: PASSWORD } });
  });
});
