/**
 * The Prometheus metrics of one concentrator (own registry, so several instances can live in one
 * process, as tests do): cache size, MQTT messages and malformed ones by reason, DLMS connections,
 * associations, requests and unknown addresses, HTTP requests, plus Node's process metrics.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics of a concentrator. */
export interface Metrics {
  readonly registry: Registry;
  readonly cacheMeters: Gauge;
  readonly mappings: Gauge;
  readonly mqttMessages: Counter<'result'>;
  readonly mqttMalformed: Counter<'reason'>;
  readonly dlmsConnections: Gauge;
  readonly dlmsAssociations: Counter;
  readonly dlmsRequests: Counter;
  readonly dlmsUnknownAddress: Counter;
  readonly dlmsErrors: Counter;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
}

/** Creates the metrics; `cacheSize` and `mappingCount` are read at each scrape. */
export function createMetrics(cacheSize: () => number, mappingCount: () => number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'concentrator_' });
  const r = [registry];
  return {
    registry,
    cacheMeters: new Gauge({
      name: 'concentrator_cache_meters',
      help: 'Meters with a cached reading',
      registers: r,
      collect() {
        this.set(cacheSize());
      },
    }),
    mappings: new Gauge({
      name: 'concentrator_mapped_devices',
      help: 'Devices mapped to a logical address',
      registers: r,
      collect() {
        this.set(mappingCount());
      },
    }),
    mqttMessages: new Counter({
      name: 'concentrator_mqtt_messages_total',
      help: 'MQTT reading messages received, by result (stored, stale, malformed)',
      labelNames: ['result'],
      registers: r,
    }),
    mqttMalformed: new Counter({
      name: 'concentrator_mqtt_malformed_total',
      help: 'Malformed MQTT reading messages, by reason',
      labelNames: ['reason'],
      registers: r,
    }),
    dlmsConnections: new Gauge({
      name: 'concentrator_dlms_connections',
      help: 'DLMS links being served',
      registers: r,
    }),
    dlmsAssociations: new Counter({
      name: 'concentrator_dlms_associations_total',
      help: 'DLMS associations accepted',
      registers: r,
    }),
    dlmsRequests: new Counter({
      name: 'concentrator_dlms_requests_total',
      help: 'DLMS APDUs received (AARQ, GET, RLRQ...)',
      registers: r,
    }),
    dlmsUnknownAddress: new Counter({
      name: 'concentrator_dlms_unknown_address_total',
      help: 'DLMS links to an unmapped logical address (AARE rejected)',
      registers: r,
    }),
    dlmsErrors: new Counter({
      name: 'concentrator_dlms_link_errors_total',
      help: 'DLMS links ended by a framing, transport or idle error',
      registers: r,
    }),
    httpRequests: new Counter({
      name: 'concentrator_http_requests_total',
      help: 'HTTP requests, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: r,
    }),
  };
}
