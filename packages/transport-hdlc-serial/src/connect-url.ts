/**
 * One entry point from a URL to an `ApduChannel`, for tools and apps that take "where is the meter" as
 * a string:
 *
 * | URL                                         | transport                                             |
 * |---------------------------------------------|-------------------------------------------------------|
 * | `tcp://host[:port]`                         | IEC 62056-47 wrapper over TCP (port 4059 by default)  |
 * | `udp://host[:port]`                         | wrapper over UDP                                      |
 * | `hdlc+tcp://host:port`                      | IEC 62056-46 HDLC carried on a TCP stream             |
 * | `serial:///dev/ttyUSB0?baud=9600`           | HDLC on a serial port (8N1)                           |
 * | `serial:///dev/ttyUSB0?mode=e`              | IEC 62056-21 mode E sign-on at 300 baud, then HDLC    |
 *
 * Query parameters: `client` (client address / wPort, default 16, the public client), `server`
 * (logical device: server wPort or HDLC upper address, default 1), `physical` (HDLC lower address),
 * `baud` (serial, default 9600; with mode E the highest rate to accept). Anything else, a missing host,
 * a bad number or an address out of range is an `ArgumentError` before anything is opened.
 *
 * This module only parses and dispatches to the drivers of this package and of transport-tcp.
 */
import { ArgumentError, type ApduChannel, type MeterProfile } from '@meteringlab/dlms-core';
import { DLMS_WRAPPER_PORT, connectWrapper, connectWrapperUdp } from '@meteringlab/transport-tcp';
import { connectHdlc, type HdlcClientOptions } from './link.js';
import { connectHdlcTcp } from './tcp.js';
import { openSerialChannel } from './serial.js';
import { signOnModeE, type ModeEIdentification } from './mode-e.js';

/** Transports a URL may name. */
export type UrlTransport = 'tcp' | 'udp' | 'hdlc+tcp' | 'serial';

/** A parsed meter URL. */
export interface MeterUrl {
  readonly transport: UrlTransport;
  /** Host (network transports). */
  readonly host?: string;
  readonly port?: number;
  /** Device path (serial). */
  readonly path?: string;
  readonly baudRate?: number;
  /** IEC 62056-21 mode E sign-on before HDLC (serial). */
  readonly modeE: boolean;
  readonly addresses: MeterAddresses;
}

/** Addresses of the link. */
export interface MeterAddresses {
  /** Client SAP: wrapper source wPort or HDLC client address. */
  readonly client: number;
  /** Logical device: wrapper destination wPort or HDLC upper server address. */
  readonly server: number;
  /** HDLC lower (physical) server address, when given. */
  readonly physical?: number;
}

/** Options of {@link openApduChannel}. */
export interface OpenApduChannelOptions {
  /** Give up connecting (TCP) after this long (default 10 000 ms). */
  readonly connectTimeoutMs?: number;
  /** Further HDLC options (window, information field sizes, timeouts). */
  readonly hdlc?: Partial<Omit<HdlcClientOptions, 'clientAddress' | 'serverLogical' | 'serverPhysical'>>;
  /** The meter's profile of known quirks: its link quirks apply to the HDLC link. */
  readonly profile?: MeterProfile;
}

/** An opened channel and what it was opened with. */
export interface OpenedApduChannel {
  readonly channel: ApduChannel;
  readonly addresses: MeterAddresses;
  readonly url: MeterUrl;
  /** The identification of a mode E sign-on. */
  readonly identification?: ModeEIdentification;
}

const KNOWN: Readonly<Record<UrlTransport, readonly string[]>> = {
  tcp: ['client', 'server'],
  udp: ['client', 'server'],
  'hdlc+tcp': ['client', 'server', 'physical'],
  serial: ['client', 'server', 'physical', 'baud', 'mode'],
};

function integer(
  params: URLSearchParams,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  const v = params.get(name);
  if (v === null) return fallback;
  if (!/^\d+$/.test(v)) throw new ArgumentError(`URL parameter ${name}=${v} is not a number`);
  const n = Number(v);
  if (n < min || n > max) throw new ArgumentError(`URL parameter ${name}=${n} is not in ${min}..${max}`);
  return n;
}

/** Parses a meter URL (see the module notes). Throws `ArgumentError` for anything it cannot use. */
export function parseMeterUrl(text: string): MeterUrl {
  if (typeof text !== 'string') throw new ArgumentError('the meter URL must be a string');
  const m = /^([a-z][a-z0-9+]*):\/\/([^?#]*)(\?[^#]*)?$/i.exec(text.trim());
  if (m === null) throw new ArgumentError(`not a meter URL: ${JSON.stringify(text)} (try tcp://host:4059)`);
  const scheme = m[1]!.toLowerCase();
  if (!(scheme in KNOWN)) {
    throw new ArgumentError(`unknown transport '${scheme}' (use tcp, udp, hdlc+tcp or serial)`);
  }
  const transport = scheme as UrlTransport;
  const params = new URLSearchParams(m[3] ?? '');
  for (const k of params.keys()) {
    if (!KNOWN[transport].includes(k))
      throw new ArgumentError(`unknown URL parameter '${k}' for ${transport}`);
  }
  const hdlc = transport === 'hdlc+tcp' || transport === 'serial';
  // HDLC addresses: client 1 byte (7 bits); server upper/lower up to 14 bits. Wrapper wPorts: 16 bits.
  const addresses: MeterAddresses = {
    client: integer(params, 'client', 0, hdlc ? 0x7f : 0xffff, 16)!,
    server: integer(params, 'server', 0, hdlc ? 0x3fff : 0xffff, 1)!,
    ...(params.has('physical') ? { physical: integer(params, 'physical', 0, 0x3fff)! } : {}),
  };
  if (transport === 'serial') {
    const path = m[2]!;
    if (path === '' || path === '/')
      throw new ArgumentError('a serial URL needs a device path: serial:///dev/ttyUSB0');
    const mode = params.get('mode');
    if (mode !== null && mode.toLowerCase() !== 'e')
      throw new ArgumentError(`URL parameter mode=${mode}: only mode=e is known`);
    const baudRate = integer(params, 'baud', 300, 921600, 9600)!;
    return { transport, path, baudRate, modeE: mode !== null, addresses };
  }
  let url: URL;
  try {
    url = new URL(`x://${m[2]!}`);
  } catch (e) {
    throw new ArgumentError(`bad host in ${JSON.stringify(text)}`, { cause: e });
  }
  if (url.hostname === '' || (url.pathname !== '' && url.pathname !== '/') || url.username !== '') {
    throw new ArgumentError(`a ${transport} URL is ${transport}://host:port, not ${JSON.stringify(text)}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let port: number | undefined = url.port === '' ? undefined : Number(url.port);
  if (port === undefined) {
    if (transport === 'hdlc+tcp')
      throw new ArgumentError('an hdlc+tcp URL needs a port: hdlc+tcp://host:port');
    port = DLMS_WRAPPER_PORT;
  }
  if (port < 1 || port > 0xffff) throw new ArgumentError(`port ${port} is not in 1..65535`);
  return { transport, host, port, modeE: false, addresses };
}

/**
 * Opens an `ApduChannel` to the meter named by `url` (see the module notes). Connection failures are
 * the drivers' `TransportError`s (`CONNECT_FAILED`, `CONNECT_TIMEOUT`, `LINK_FAILED`); a bad URL is an
 * `ArgumentError` and opens nothing.
 */
export async function openApduChannel(
  url: string,
  options: OpenApduChannelOptions = {},
): Promise<OpenedApduChannel> {
  const u = parseMeterUrl(url);
  const a = u.addresses;
  const hdlcOptions: HdlcClientOptions = {
    ...(options.profile?.hdlcLlcOnEverySegment === true ? { llcOnEverySegment: true } : {}),
    ...options.hdlc,
    clientAddress: a.client,
    serverLogical: a.server,
    ...(a.physical === undefined ? {} : { serverPhysical: a.physical }),
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  switch (u.transport) {
    case 'tcp': {
      const channel = await connectWrapper({
        host: u.host!,
        port: u.port!,
        clientWPort: a.client,
        serverWPort: a.server,
        connectTimeoutMs,
      });
      return { channel, addresses: a, url: u };
    }
    case 'udp': {
      const channel = await connectWrapperUdp({
        host: u.host!,
        port: u.port!,
        clientWPort: a.client,
        serverWPort: a.server,
      });
      return { channel, addresses: a, url: u };
    }
    case 'hdlc+tcp': {
      const channel = await connectHdlcTcp(u.host!, u.port!, { ...hdlcOptions, tcp: { connectTimeoutMs } });
      return { channel, addresses: a, url: u };
    }
    case 'serial': {
      const port = await openSerialChannel({ path: u.path!, baudRate: u.modeE ? 300 : u.baudRate! });
      try {
        let identification: ModeEIdentification | undefined;
        if (u.modeE) identification = await signOnModeE(port, { maxBaudRate: u.baudRate! });
        const channel = await connectHdlc(port, hdlcOptions);
        return identification === undefined
          ? { channel, addresses: a, url: u }
          : { channel, addresses: a, url: u, identification };
      } catch (e) {
        await port.close();
        throw e;
      }
    }
  }
}
