/**
 * The DLMS side of the concentrator: a wrapper server over TCP (IEC 62056-47) and, optionally, HDLC
 * over TCP (IEC 62056-46), where the destination wPort / HDLC upper address is the logical address of a
 * mapped meter. Each link is served by cosem-objects' `DlmsServer` holding that meter's logical device,
 * built on first use from the object map and dropped when the mapping changes.
 *
 * Routing: every wrapper frame is routed on its (destination, source) wPorts as it arrives (several
 * meters may be read over one connection; at most 64 pairs per connection), through the meter's
 * `DlmsServer.router()`; HDLC links on the upper address of the SNRM. An unknown address gets every AARQ answered with an
 * AARE rejected-permanent, acse-service-user `called-AP-title-not-recognized` (the logical device
 * addressed does not exist), every other APDU with an ExceptionResponse, and the link stays open so the
 * client can read the diagnostic. HDLC addresses are 14 bits, so meters above 16383 are reachable over
 * the wrapper only.
 *
 * Not here: association logic (dlms-core via DlmsServer), objects (object-map.ts), mappings (store).
 */
import net from 'node:net';
import {
  TransportError,
  type ApduChannel,
  type DataAccessResult,
  type ServerAssociationConfig,
} from '@meteringlab/dlms-core';
import { DlmsServer, refusalAnswer, refuseAssociations, type FrameRouter } from '@meteringlab/cosem-objects';
import {
  createWrapperServer,
  tcpByteChannel,
  type WrapperFrameHandler,
  type WrapperServer,
} from '@meteringlab/transport-tcp';
import { acceptHdlc } from '@meteringlab/transport-hdlc-serial';
import type { Logger } from 'pino';
import type { ReadingCache } from './cache.js';
import { buildLogicalDevice, type DeviceAssociation, type ObjectMap } from './object-map.js';
import type { DeviceMapping } from './store.js';
import type { Metrics } from './metrics.js';

/** wPort pairs one wrapper connection may open (a misbehaving peer is cut off beyond). */
const MAX_LINKS_PER_CONNECTION = 64;

/** What the endpoint needs from the rest of the concentrator. */
export interface DlmsEndpointOptions {
  readonly host: string;
  readonly dlmsPort: number;
  readonly hdlcPort: number | undefined;
  readonly maxConnections: number;
  readonly map: ObjectMap;
  readonly cache: ReadingCache;
  readonly mappingAt: (logicalAddress: number) => DeviceMapping | undefined;
  readonly engine: ReadonlyMap<number, ServerAssociationConfig>;
  readonly model: readonly DeviceAssociation[];
  readonly noReading: DataAccessResult;
  readonly metrics: Metrics;
  readonly log: Logger;
}

/** The running DLMS servers. */
export class DlmsEndpoint {
  private readonly servers = new Map<number, DlmsServer>();
  private wrapper: WrapperServer | undefined;
  private hdlc: net.Server | undefined;
  private readonly hdlcSockets = new Set<net.Socket>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly o: DlmsEndpointOptions) {}

  /** The wrapper port listened on. */
  get dlmsPort(): number {
    return this.wrapper?.port ?? 0;
  }

  /** The HDLC port listened on (undefined when not enabled). */
  get hdlcPort(): number | undefined {
    const a = this.hdlc?.address();
    return a !== null && typeof a === 'object' ? a.port : undefined;
  }

  /** Forgets the logical device of an address (its mapping changed); open links keep the old one. */
  invalidate(logicalAddress?: number): void {
    if (logicalAddress === undefined) this.servers.clear();
    else this.servers.delete(logicalAddress);
  }

  /** The server of a mapped logical address, built on first use. */
  private serverFor(address: number): DlmsServer | undefined {
    let server = this.servers.get(address);
    if (server !== undefined) return server;
    const m = this.o.mappingAt(address);
    if (m === undefined) return undefined;
    const meter = { deviceEui: m.device_eui, tenantId: m.tenant_id, logicalAddress: m.logical_address };
    const cache = this.o.cache;
    const device = buildLogicalDevice({
      map: this.o.map,
      meter,
      reading: () => cache.get(meter.tenantId, meter.deviceEui),
      associations: this.o.model,
      noReading: this.o.noReading,
    });
    server = new DlmsServer().addDevice(address, device, this.o.engine);
    this.servers.set(address, server);
    return server;
  }

  /** Serves one link to `serverAddress` (known or not); resolves when the peer leaves. */
  private async serveLink(
    channel: ApduChannel,
    serverAddress: number,
    clientAddress: number,
    where: string,
  ): Promise<void> {
    const { metrics, log } = this.o;
    const counted = countRequests(channel, () => metrics.dlmsRequests.inc());
    metrics.dlmsConnections.inc();
    try {
      const server = this.serverFor(serverAddress);
      if (server === undefined) {
        metrics.dlmsUnknownAddress.inc();
        log.warn(
          { where, serverAddress, clientAddress },
          'DLMS request to an unmapped logical address: association rejected',
        );
        await refuseAssociations(counted);
        return;
      }
      const summary = await server.serve(
        counted,
        { serverAddress, clientAddress },
        {
          onError: (e) => log.warn({ where, serverAddress, err: e }, 'DLMS request failed'),
        },
      );
      metrics.dlmsAssociations.inc(summary.associations);
    } finally {
      metrics.dlmsConnections.dec();
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }

  /**
   * The frames of one wrapper connection: each (destination, source) wPort pair is a link, served by
   * the router of that meter's `DlmsServer`, or refused when the address is not mapped.
   */
  private wrapperConnection(where: string): WrapperFrameHandler {
    const { metrics, log } = this.o;
    const links = new Map<number, FrameRouter | undefined>();
    return {
      frame: (f) => {
        metrics.dlmsRequests.inc();
        const key = f.destination * 65536 + f.source;
        let router = links.get(key);
        if (router === undefined && !links.has(key)) {
          if (links.size >= MAX_LINKS_PER_CONNECTION) {
            throw new TransportError(
              'LINK_FAILED',
              `more than ${MAX_LINKS_PER_CONNECTION} wPort pairs on one connection`,
            );
          }
          const server = this.serverFor(f.destination);
          if (server === undefined) {
            metrics.dlmsUnknownAddress.inc();
            log.warn(
              { where, serverAddress: f.destination, clientAddress: f.source },
              'DLMS request to an unmapped logical address: association rejected',
            );
          }
          router = server?.router({
            onError: (e) => log.warn({ where, serverAddress: f.destination, err: e }, 'DLMS request failed'),
          });
          links.set(key, router);
          metrics.dlmsConnections.inc();
        }
        if (router === undefined) {
          return [{ source: f.destination, destination: f.source, apdu: refusalAnswer(f.apdu) }];
        }
        return router.handle(f);
      },
      closed: () => {
        for (const router of links.values()) {
          metrics.dlmsConnections.dec();
          if (router !== undefined) metrics.dlmsAssociations.inc(router.summary('peer-closed').associations);
        }
      },
    };
  }

  /** Starts listening. */
  async start(): Promise<void> {
    const { log } = this.o;
    this.wrapper = await createWrapperServer({
      port: this.o.dlmsPort,
      host: this.o.host,
      maxConnections: this.o.maxConnections,
      idleTimeoutMs: 120_000,
      // Push-driven: a GET of a cached reading is answered from the socket's data event, no promise.
      onFrames: (info) => this.wrapperConnection(`wrapper#${info.id} ${info.remoteAddress ?? ''}`),
      onError: (e, info) => {
        this.o.metrics.dlmsErrors.inc();
        log.warn(
          { connection: info.id, remote: info.remoteAddress, err: e },
          'DLMS connection closed on an error',
        );
      },
    });
    if (this.o.hdlcPort !== undefined) {
      const hdlc = net.createServer((socket) => {
        if (this.hdlcSockets.size >= this.o.maxConnections) {
          socket.destroy();
          return;
        }
        this.hdlcSockets.add(socket);
        socket.once('close', () => this.hdlcSockets.delete(socket));
        socket.setNoDelay(true);
        const where = `hdlc ${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}`;
        const bytes = tcpByteChannel(socket, { idleTimeoutMs: 120_000 });
        void this.track(
          (async () => {
            try {
              const link = await acceptHdlc(bytes, { acceptTimeoutMs: 30_000 });
              try {
                await this.serveLink(link, link.server.upper, link.client.upper, where);
              } finally {
                await link.close();
              }
            } catch (e) {
              this.o.metrics.dlmsErrors.inc();
              log.warn({ where, err: e }, 'HDLC link ended on an error');
            } finally {
              await bytes.close().catch(() => undefined);
            }
          })(),
        );
      });
      await new Promise<void>((resolve, reject) => {
        hdlc.once('error', reject);
        hdlc.listen({ port: this.o.hdlcPort, host: this.o.host }, () => {
          hdlc.off('error', reject);
          hdlc.on('error', (e) => log.error({ err: e }, 'HDLC server error'));
          resolve();
        });
      });
      this.hdlc = hdlc;
    }
  }

  /** Stops accepting, closes the links (after their pending writes) and waits for the handlers. */
  async close(): Promise<void> {
    const closing: Promise<unknown>[] = [];
    if (this.wrapper !== undefined) closing.push(this.wrapper.close());
    if (this.hdlc !== undefined) {
      const h = this.hdlc;
      closing.push(new Promise<void>((resolve) => h.close(() => resolve())));
      for (const s of this.hdlcSockets) s.end();
    }
    await Promise.all(closing);
    await Promise.allSettled([...this.inFlight]);
  }
}

/** Counts the APDUs a link receives (the DLMS requests metric). */
function countRequests(channel: ApduChannel, onApdu: () => void): ApduChannel {
  return {
    send: (apdu) => channel.send(apdu),
    close: () => channel.close(),
    receive: () => ({
      async *[Symbol.asyncIterator]() {
        for await (const apdu of channel.receive()) {
          onApdu();
          yield apdu;
        }
      },
    }),
  };
}

/**
 * Answers a link to an unmapped logical address until the peer leaves: AARQ (tag 0x60) → the
 * rejecting AARE, RLRQ (0x62) → RLRE, anything else → ExceptionResponse.
 */
