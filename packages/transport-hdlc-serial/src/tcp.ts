/**
 * HDLC over TCP (IEC 62056-46 frames carried as a plain byte stream, as many meter modems and
 * serial-to-TCP converters do): `connectTcp` of `@meteringlab/transport-tcp` gives the byte channel,
 * {@link connectHdlc} runs the link on it. Nothing protocol-specific lives here.
 */
import { type ConnectTcpOptions, connectTcp } from '@meteringlab/transport-tcp';
import { type HdlcClientLink, type HdlcClientOptions, connectHdlc } from './link.js';

/** Connects to `host:port` over TCP and opens an HDLC link on the socket. */
export async function connectHdlcTcp(
  host: string,
  port: number,
  options: HdlcClientOptions & { readonly tcp?: ConnectTcpOptions },
): Promise<HdlcClientLink> {
  const channel = await connectTcp(host, port, options.tcp);
  return connectHdlc(channel, options);
}
