// The first example of README.md, verbatim (readme.test.ts runs it and checks the README still matches).
import { memoryChannelPair } from '@meteringlab/transport-tcp';
import { acceptHdlc, connectHdlc } from '@meteringlab/transport-hdlc-serial';

export async function example(): Promise<string> {
  // Two ends of an in-memory byte stream; a serial port or a TCP socket works the same way.
  const [clientEnd, meterEnd] = memoryChannelPair();

  // The "meter": accept one HDLC link and answer every APDU.
  const meter = acceptHdlc(meterEnd, { maxInfoTx: 256, maxInfoRx: 256, windowTx: 7, windowRx: 7 });
  void meter.then(async (link) => {
    console.log(`client ${link.client.upper} addressed logical device ${link.server.upper}`);
    for await (const apdu of link.receive()) await link.send(Uint8Array.of(0xc4, 0x01, apdu[2]!, 0x00, 0x00));
  });

  // The client: SNRM/UA with parameter negotiation, then whole APDUs both ways.
  const link = await connectHdlc(clientEnd, {
    clientAddress: 16, // public client
    serverLogical: 1, // management logical device
    serverPhysical: 17,
    maxInfoTx: 512,
    maxInfoRx: 512,
    windowTx: 7,
    windowRx: 7,
    responseTimeoutMs: 2000,
    retries: 3,
  });
  console.log('negotiated', link.parameters); // { maxInfoTx: 256, maxInfoRx: 256, windowTx: 7, windowRx: 7 }

  // GET-Request-Normal for the clock's time (0-0:1.0.0.255, class 8, attribute 2).
  await link.send(Uint8Array.from([0xc0, 0x01, 0xc1, 0x00, 0x08, 0, 0, 1, 0, 0, 255, 0x02, 0x00]));
  let answer = '';
  for await (const apdu of link.receive()) {
    answer = Buffer.from(apdu).toString('hex');
    break;
  }
  await link.close(); // DISC / UA
  return answer; // 'c401c10000'
}
