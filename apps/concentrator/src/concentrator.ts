/**
 * Wires the concentrator together: broker (found or in-process), subscription → cache, mapping store,
 * DLMS endpoint (wrapper, optional HDLC), HTTP API and dashboard, metrics; `close()` shuts down in the
 * reverse order (stop accepting, finish in-flight links and requests, close the database).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { InvocationCounterStore } from '@meteringlab/dlms-core';
import { FileCounterStore } from '@meteringlab/transport-tcp';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { ReadingCache } from './cache.js';
import { associationConfigs, type ConcentratorConfig } from './config.js';
import { DlmsEndpoint } from './dlms-endpoint.js';
import { createHttpApi } from './http-api.js';
import { createMetrics, type Metrics } from './metrics.js';
import {
  BrokerError,
  brokerAddress,
  probeBroker,
  startEmbeddedBroker,
  subscribeReadings,
  type EmbeddedBroker,
  type ReadingSubscription,
} from './mqtt-bus.js';
import { MappingStore } from './store.js';

/** A running concentrator. */
export interface Concentrator {
  readonly config: ConcentratorConfig;
  readonly cache: ReadingCache;
  readonly store: MappingStore;
  readonly metrics: Metrics;
  readonly http: FastifyInstance;
  /** The MQTT URL in use (the in-process broker's when it runs). */
  readonly mqttUrl: string;
  readonly embeddedBroker: boolean;
  readonly ports: {
    readonly dlms: number;
    readonly hdlc: number | undefined;
    readonly http: number;
    readonly mqtt: number;
  };
  readonly log: Logger;
  close(): Promise<void>;
}

/** Starts a concentrator; `log` defaults to pino at the configured level on stdout. */
export async function startConcentrator(config: ConcentratorConfig, log?: Logger): Promise<Concentrator> {
  const logger = log ?? pino({ level: config.logLevel });
  const cache = new ReadingCache();
  const cleanup: (() => Promise<unknown>)[] = [];
  const undo = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  };
  try {
    const store = await MappingStore.open({
      dataDir: config.dataDir,
      databaseUrl: config.databaseUrl,
      schema: config.databaseSchema,
    });
    cleanup.push(() => store.close());
    logger.info({ store: store.location, mappings: store.size }, 'mapping store open');
    const metrics = createMetrics(
      () => cache.size,
      () => store.size,
    );

    // Broker.
    let mqttUrl = config.mqttUrl;
    let broker: EmbeddedBroker | undefined;
    if (config.embeddedBroker !== false) {
      const found = config.embeddedBroker === 'auto' ? await probeBroker(mqttUrl) : 'absent';
      if (found === 'not-mqtt') {
        const { host, port } = brokerAddress(mqttUrl);
        throw new BrokerError(
          `${host}:${port} accepts TCP connections but does not answer as an MQTT broker: free that port, or give --mqtt-url of your broker`,
        );
      }
      if (found === 'absent') {
        const { host, port } = brokerAddress(mqttUrl);
        broker = await startEmbeddedBroker(host, port);
        cleanup.push(() => broker!.close());
        mqttUrl = broker.url;
        logger.info(
          { url: mqttUrl },
          'no MQTT broker answered: running the in-process broker (aedes, MQTT 3.1.1)',
        );
      } else {
        logger.info({ url: mqttUrl }, 'using the MQTT broker found');
      }
    }
    const subscription: ReadingSubscription = await subscribeReadings({
      url: mqttUrl,
      cache,
      metrics,
      log: logger,
    });
    cleanup.push(() => subscription.close());

    // DLMS.
    const needsCounters = config.associations.some((a) => a.authentication === 'hls-gmac');
    let counters: InvocationCounterStore | undefined;
    if (needsCounters) {
      mkdirSync(config.dataDir, { recursive: true });
      const fileStore = await FileCounterStore.open(join(config.dataDir, 'invocation-counters.json'), {
        outgoingBlock: 100,
      });
      counters = fileStore;
      cleanup.push(() => fileStore.flush());
    }
    const { engine, model } = associationConfigs(config.associations, config.systemTitle, counters);
    const dlms = new DlmsEndpoint({
      host: config.host,
      dlmsPort: config.dlmsPort,
      hdlcPort: config.hdlcPort,
      maxConnections: config.maxConnections,
      map: config.objectMap,
      cache,
      mappingAt: (a) => store.at(a),
      engine,
      model,
      noReading: config.noReadingResult,
      metrics,
      log: logger.child({ component: 'dlms' }),
    });
    await dlms.start();
    cleanup.push(() => dlms.close());

    // HTTP.
    const http = createHttpApi({
      store,
      cache,
      metrics,
      apiKeys: config.apiKeys,
      openReads: config.openReads,
      log: logger,
      onMappingChange: (addresses) => addresses.forEach((a) => dlms.invalidate(a)),
      health: async () => ({
        mqtt: subscription.client.connected ? 'connected' : 'disconnected',
        embeddedBroker: broker !== undefined,
      }),
    });
    await http.listen({ port: config.httpPort, host: config.host });
    cleanup.push(() => http.close());
    const httpPort = (http.server.address() as { port: number }).port;
    const ports = {
      dlms: dlms.dlmsPort,
      hdlc: dlms.hdlcPort,
      http: httpPort,
      mqtt: brokerAddress(mqttUrl).port,
    };
    logger.info(
      {
        ports,
        objectMap: config.objectMap.name,
        associations: config.associations.map((a) => `${a.clientAddress}:${a.authentication}`),
      },
      'concentrator ready',
    );

    let closing: Promise<void> | undefined;
    return {
      config,
      cache,
      store,
      metrics,
      http,
      mqttUrl,
      embeddedBroker: broker !== undefined,
      ports,
      log: logger,
      close: () => (closing ??= undo()),
    };
  } catch (e) {
    await undo();
    throw e;
  }
}
