/**
 * A simulated meter for the client tests: one logical device (server address 1) with a register, a
 * clock, a 15-minute load profile of three days, an invocation counter object and a disconnect
 * control, served by `DlmsServer` to three clients: 16 public (no security, read-only), 1 management
 * (LLS, full rights), 2 HLS-GMAC with suite 0 ciphering (full rights). Bindings: the in-memory pair,
 * a wrapper TCP server and an HDLC-over-TCP server on 127.0.0.1 (port 0).
 */
import net from 'node:net';
import {
  MemoryCounterStore,
  conformanceFromNames,
  cosemDateTimeFromDate,
  fromHex,
  type ApduChannel,
  type ConformanceBit,
  type Data,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import {
  createWrapperServer,
  memoryApduChannelPair,
  tcpByteChannel,
  type WrapperServer,
} from '@meteringlab/transport-tcp';
import { acceptHdlc } from '@meteringlab/transport-hdlc-serial';
import {
  AssociationLn,
  Clock,
  DataObject,
  DisconnectControl,
  DlmsServer,
  LogicalDevice,
  ProfileGeneric,
  Register,
  dateTimeToData,
  fullRights,
  prependApdu,
  readOnlyRights,
} from '../../src/index.js';

export const PASSWORD = new TextEncoder().encode('00000000');
export const EK = fromHex('000102030405060708090A0B0C0D0E0F');
export const AK = fromHex('D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF');
export const CLIENT_ST = fromHex('4D4D4D0000000001');
export const SERVER_ST = fromHex('4D4D4D0000BC614E');
export const NOW = new Date(Date.UTC(2024, 0, 3, 12, 0, 0));
export const PROFILE_START = Date.UTC(2024, 0, 1, 0, 0, 0);
export const PROFILE_ROWS = 288;

const BITS: ConformanceBit[] = [
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
];

/** Meter state the tests look at. */
export interface Meter {
  readonly server: DlmsServer;
  readonly energy: { wh: number };
  readonly relay: { connected: boolean };
}

export function makeMeter(options: { maxReceivePduSize?: number; gbtOnly?: boolean } = {}): Meter {
  const energy = { wh: 123456 };
  const relay = { connected: true };
  const buffer: Data[][] = [];
  for (let i = 0; i < PROFILE_ROWS; i++) {
    buffer.push([
      dateTimeToData(cosemDateTimeFromDate(new Date(PROFILE_START + i * 900_000))),
      { type: 'double-long-unsigned', value: 1000 + i },
    ]);
  }
  const device = new LogicalDevice({
    objects: [
      new Register({
        logicalName: '1.0.1.8.0.255',
        scalerUnit: { scaler: -1, unit: 30 },
        value: () => ({ type: 'double-long-unsigned', value: energy.wh }) as Data,
        onSet: (v) => {
          if (v.type !== 'double-long-unsigned') return 'type-unmatched';
          energy.wh = v.value;
          return 'success';
        },
      }),
      new Clock({ now: () => NOW }),
      new ProfileGeneric({
        logicalName: '1.0.99.1.0.255',
        captureObjects: [
          { classId: 8, logicalName: '0.0.1.0.0.255', attributeIndex: 2 },
          { classId: 3, logicalName: '1.0.1.8.0.255', attributeIndex: 2 },
        ],
        capturePeriodS: 900,
        buffer,
      }),
      new DataObject({ logicalName: '0.0.43.1.0.255', value: { type: 'double-long-unsigned', value: 41 } }),
      new DataObject({
        logicalName: '0.0.96.1.0.255',
        value: { type: 'octet-string', value: new Uint8Array(0) },
        writable: true,
      }),
      new DisconnectControl({
        onChange: (_s, out) => {
          relay.connected = out;
        },
      }),
    ],
  });
  device.addAssociation(
    new AssociationLn({ logicalName: '0.0.40.0.1.255', clientSap: 16, rights: readOnlyRights }),
  );
  device.addAssociation(
    new AssociationLn({ logicalName: '0.0.40.0.2.255', clientSap: 1, mechanism: 1, rights: fullRights }),
  );
  device.addAssociation(
    new AssociationLn({
      logicalName: '0.0.40.0.3.255',
      clientSap: 2,
      mechanism: 5,
      applicationContext: 3,
      rights: fullRights,
    }),
  );
  const bits: ConformanceBit[] = options.gbtOnly
    ? ['general-block-transfer', 'get', 'set', 'action', 'multiple-references', 'selective-access']
    : BITS;
  const base = {
    referencing: 'ln',
    ciphered: false,
    conformance: conformanceFromNames(bits),
    maxReceivePduSize: options.maxReceivePduSize ?? 256,
  } as const;
  const associations = new Map<number, ServerAssociationConfig>([
    [16, { ...base, authentication: { mechanism: 0 } }],
    [1, { ...base, authentication: { mechanism: 1, password: PASSWORD } }],
    [
      2,
      {
        ...base,
        ciphered: true,
        authentication: { mechanism: 5, encryptionKey: EK, authenticationKey: AK },
        security: { policy: 'authenticated-encrypted', blockCipherKey: EK, authenticationKey: AK },
        systemTitle: SERVER_ST,
        counters: new MemoryCounterStore(),
      },
    ],
  ]);
  return { server: new DlmsServer().addDevice(1, device, associations), energy, relay };
}

/** A client channel to the meter over the in-memory pair. */
export function memoryLink(meter: Meter, clientAddress: number): ApduChannel {
  const [c, s] = memoryApduChannelPair();
  void meter.server.serve(s, { serverAddress: 1, clientAddress });
  return c;
}

/** The meter behind a wrapper TCP server on 127.0.0.1 (routing each connection on its first frame). */
export function wrapperServer(meter: Meter): Promise<WrapperServer> {
  return createWrapperServer({
    port: 0,
    host: '127.0.0.1',
    onConnection: async (channel) => {
      const first = await channel.receiveFrames()[Symbol.asyncIterator]().next();
      if (first.done) return;
      const { source, destination, apdu } = first.value;
      await meter.server.serve(prependApdu(channel, apdu), {
        serverAddress: destination,
        clientAddress: source,
      });
    },
  });
}

/** The meter behind an HDLC-over-TCP server on 127.0.0.1. */
export async function hdlcServer(meter: Meter): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    void (async () => {
      try {
        const link = await acceptHdlc(tcpByteChannel(socket), { maxInfoRx: 256, maxInfoTx: 256 });
        await meter.server.serve(link, {
          serverAddress: link.server.upper,
          clientAddress: link.client.upper,
        });
      } catch {
        socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        srv.close(() => resolve());
      }),
  };
}
