/**
 * Serving a logical device over the DLMS/COSEM wrapper on TCP: one register, a public client (SAP 16,
 * read-only, no authentication) and a management client (SAP 1, LLS password, read-write), each
 * association configured from its Association LN object. Every TCP connection is routed on the wPorts
 * of its first frame, then served until the client closes. Run as a script (through a TypeScript
 * runner), it listens on the wrapper port 4059; imported, it only exports `listen`.
 */
import { pathToFileURL } from 'node:url';
import { createWrapperServer, type WrapperServer } from '@meteringlab/transport-tcp';
import {
  AssociationLn,
  DlmsServer,
  LogicalDevice,
  Register,
  fullRights,
  prependApdu,
  readOnlyRights,
} from '@meteringlab/cosem-objects';

let energyWh = 123456;
const device = new LogicalDevice({
  objects: [
    new Register({
      logicalName: '1.0.1.8.0.255',
      value: () => ({ type: 'double-long-unsigned', value: energyWh }),
      scalerUnit: { scaler: 0, unit: 30 },
      onSet: (v) => {
        if (v.type !== 'double-long-unsigned') return 'type-unmatched';
        energyWh = v.value;
        return 'success';
      },
    }),
  ],
});
device.addAssociation(new AssociationLn({ clientSap: 16, rights: readOnlyRights }));
device.addAssociation(
  new AssociationLn({
    logicalName: '0.0.40.0.1.255',
    clientSap: 1,
    mechanism: 1,
    rights: fullRights,
    secrets: { password: new TextEncoder().encode('00000000') },
  }),
);

// Logical device at server address (wPort) 1; no configuration map: each client SAP is configured
// from its Association LN (associationConfigFrom).
const server = new DlmsServer().addDevice(1, device);

/** Listens for wrapper connections (port 0: an ephemeral port, see `.port`). */
export function listen(port = 4059, host = '127.0.0.1'): Promise<WrapperServer> {
  return createWrapperServer({
    port,
    host,
    onConnection: async (channel) => {
      const first = await channel.receiveFrames()[Symbol.asyncIterator]().next();
      if (first.done) return;
      const { source, destination, apdu } = first.value;
      await server.serve(prependApdu(channel, apdu), { serverAddress: destination, clientAddress: source });
    },
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const tcp = await listen();
  console.log(`serving a logical device on 127.0.0.1:${tcp.port}`);
}
