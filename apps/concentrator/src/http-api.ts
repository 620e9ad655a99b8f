/**
 * The HTTP API (fastify): device mappings (CRUD, JSON-schema validated, 409 on a taken EUI or
 * logical address), the live cache, health, Prometheus metrics, the OpenAPI document and the
 * dashboard's static files.
 *
 * API keys: `Authorization: Bearer <key>`. Writes need a key with the `write` scope; reads need one
 * with `read` only when `openReads` is false. /health, /metrics, /openapi.json and the dashboard are
 * always open. Errors are JSON `{ error, message, details? }` with 400 (validation), 401 (no or unknown
 * key), 403 (key without the scope), 404, 409.
 */
import { readFile } from 'node:fs/promises';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { ReadingCache } from './cache.js';
import type { ApiKeySpec } from './config.js';
import { PUBLIC_DIR } from './config.js';
import type { Metrics } from './metrics.js';
import { normalizeEui, readingToJson, type ReadingJson } from './reading.js';
import type { DeviceMapping, MappingStore } from './store.js';

/** What the API needs. */
export interface HttpApiOptions {
  readonly store: MappingStore;
  readonly cache: ReadingCache;
  readonly metrics: Metrics;
  readonly apiKeys: readonly ApiKeySpec[];
  readonly openReads: boolean;
  readonly log: Logger;
  /** Told when a mapping changes (the DLMS side rebuilds that logical device). */
  readonly onMappingChange: (logicalAddresses: readonly number[]) => void;
  /** Extra facts for /health. */
  readonly health: () => Promise<Record<string, unknown>>;
}

const EUI_PATTERN = '^[0-9A-Fa-f]{2}([:-]?[0-9A-Fa-f]{2}){7}$';
const TENANT_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

const mappingFields = {
  tenant_id: { type: 'string', pattern: TENANT_PATTERN, description: 'Tenant, as in the MQTT topic' },
  logical_address: {
    type: 'integer',
    minimum: 1000,
    maximum: 65534,
    description: 'DLMS logical address: the wrapper destination wPort (HDLC upper address up to 16383)',
  },
  description: { type: 'string', maxLength: 256 },
} as const;

const deviceBody = {
  type: 'object',
  additionalProperties: false,
  required: ['device_eui', 'tenant_id', 'logical_address'],
  properties: {
    device_eui: { type: 'string', pattern: EUI_PATTERN, description: 'EUI-64, colons or dashes allowed' },
    ...mappingFields,
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['tenant_id', 'logical_address'],
  properties: { device_eui: { type: 'string', pattern: EUI_PATTERN }, ...mappingFields },
} as const;

const mappingSchema = {
  type: 'object',
  properties: {
    device_eui: { type: 'string' },
    tenant_id: { type: 'string' },
    logical_address: { type: 'integer' },
    description: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' }, details: {} },
} as const;

const readingSchema = {
  type: 'object',
  properties: {
    device_eui: { type: 'string' },
    tenant_id: { type: 'string' },
    timestamp: { type: 'string', format: 'date-time' },
    volume_m3: { type: 'number' },
    flow_lph: { type: ['number', 'null'] },
    battery_pct: { type: ['number', 'null'] },
    rssi_dbm: { type: ['number', 'null'] },
    snr_db: { type: ['number', 'null'] },
    alarms: { type: 'array', items: { type: 'string' } },
    received_at: { type: 'string', format: 'date-time' },
    logical_address: { type: ['integer', 'null'] },
  },
} as const;

type Scope = 'read' | 'write';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(): Record<string, unknown> {
  const json = (schema: unknown) => ({ content: { 'application/json': { schema } } });
  const errors = {
    '400': { description: 'Invalid request', ...json(errorSchema) },
    '401': { description: 'No or unknown API key', ...json(errorSchema) },
    '403': { description: 'The key lacks the scope', ...json(errorSchema) },
  };
  const euiParam = [
    { name: 'eui', in: 'path', required: true, schema: { type: 'string', pattern: EUI_PATTERN } },
  ];
  return {
    openapi: '3.1.0',
    info: {
      title: 'DLMS virtual concentrator',
      version: '0.1.0',
      description:
        'Maps LoRaWAN/NB-IoT meters (MQTT readings) to DLMS logical addresses served on port 4059.',
    },
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'API key with read and/or write scope' },
      },
      schemas: {
        Mapping: mappingSchema,
        NewMapping: deviceBody,
        MappingUpdate: updateBody,
        Reading: readingSchema,
        Error: errorSchema,
      },
    },
    paths: {
      '/devices': {
        get: {
          summary: 'List mappings',
          responses: {
            '200': { description: 'Mappings', ...json({ type: 'array', items: mappingSchema }) },
            ...errors,
          },
        },
        post: {
          summary: 'Map a device to a logical address',
          security: [{ apiKey: [] }],
          requestBody: { required: true, ...json(deviceBody) },
          responses: {
            '201': { description: 'Created', ...json(mappingSchema) },
            '409': { description: 'EUI or logical address taken', ...json(errorSchema) },
            ...errors,
          },
        },
      },
      '/devices/{eui}': {
        parameters: euiParam,
        get: {
          summary: 'One mapping',
          responses: {
            '200': { description: 'Mapping', ...json(mappingSchema) },
            '404': { description: 'Not mapped' },
            ...errors,
          },
        },
        put: {
          summary: 'Replace tenant, logical address and description',
          security: [{ apiKey: [] }],
          requestBody: { required: true, ...json(updateBody) },
          responses: {
            '200': { description: 'Updated', ...json(mappingSchema) },
            '404': { description: 'Not mapped' },
            '409': { description: 'Logical address taken' },
            ...errors,
          },
        },
        delete: {
          summary: 'Remove a mapping',
          security: [{ apiKey: [] }],
          responses: { '204': { description: 'Removed' }, '404': { description: 'Not mapped' }, ...errors },
        },
      },
      '/cache': {
        get: {
          summary: 'Latest reading of each meter',
          parameters: [
            { name: 'tenant', in: 'query', schema: { type: 'string' } },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
            },
          ],
          responses: {
            '200': {
              description: 'Readings, newest first',
              ...json({
                type: 'object',
                properties: {
                  count: { type: 'integer' },
                  version: { type: 'integer' },
                  readings: { type: 'array', items: readingSchema },
                },
              }),
            },
            ...errors,
          },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness and dependencies',
          responses: { '200': { description: 'Healthy' }, '503': { description: 'Degraded' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: { '200': { description: 'text/plain exposition format' } },
        },
      },
    },
  };
}

/** Builds the fastify app (not listening yet). */
export function createHttpApi(o: HttpApiOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: o.log.child({ component: 'http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Unknown properties are refused (400), not silently dropped.
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  const keys = new Map(o.apiKeys.map((k) => [k.key, k] as const));

  const authorize = (req: FastifyRequest, scope: Scope): void => {
    if (scope === 'read' && o.openReads) return;
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (m === null)
      throw new HttpError(
        401,
        'unauthorized',
        `this request needs an API key with the ${scope} scope: send Authorization: Bearer <key>`,
      );
    const key = keys.get(m[1]!);
    if (key === undefined) throw new HttpError(401, 'unauthorized', 'unknown API key');
    if (!key.scopes.includes(scope))
      throw new HttpError(403, 'forbidden', `the API key lacks the ${scope} scope`);
  };

  app.setErrorHandler(
    (err: Error & { validation?: unknown; statusCode?: number; validationContext?: string }, _req, reply) => {
      if (err instanceof HttpError) {
        return reply.code(err.status).send({
          error: err.code,
          message: err.message,
          ...(err.details === undefined ? {} : { details: err.details }),
        });
      }
      if (err.validation !== undefined) {
        return reply.code(400).send({ error: 'validation', message: err.message, details: err.validation });
      }
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return reply.code(err.statusCode).send({ error: 'bad-request', message: err.message });
      }
      o.log.error({ err }, 'HTTP handler failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error' });
    },
  );
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${req.url}` }),
  );
  app.addHook('onResponse', (req, reply, done) => {
    o.metrics.httpRequests.inc({
      method: req.method,
      route: req.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
    done();
  });

  const euiOf = (text: string): string => {
    const eui = normalizeEui(text);
    if (eui === undefined)
      throw new HttpError(400, 'validation', `${text} is not an EUI-64 (16 hex digits, colons allowed)`);
    return eui;
  };
  const conflict = (r: unknown): r is { conflict: string; message: string } =>
    typeof r === 'object' && r !== null && 'conflict' in r;

  app.get('/devices', async (req) => {
    authorize(req, 'read');
    return o.store.list();
  });
  app.post<{
    Body: { device_eui: string; tenant_id: string; logical_address: number; description?: string };
  }>('/devices', { schema: { body: deviceBody } }, async (req, reply) => {
    authorize(req, 'write');
    const b = req.body;
    const r = await o.store.create({
      device_eui: euiOf(b.device_eui),
      tenant_id: b.tenant_id,
      logical_address: b.logical_address,
      description: b.description ?? '',
    });
    if (conflict(r)) throw new HttpError(409, 'conflict', r.message, { field: r.conflict });
    o.onMappingChange([r.logical_address]);
    req.log.info({ device: r.device_eui, address: r.logical_address }, 'device mapped');
    return reply.code(201).header('location', `/devices/${r.device_eui}`).send(r);
  });
  app.get<{ Params: { eui: string } }>('/devices/:eui', async (req) => {
    authorize(req, 'read');
    const m = o.store.get(euiOf(req.params.eui));
    if (m === undefined) throw new HttpError(404, 'not-found', `device ${req.params.eui} is not mapped`);
    return m;
  });
  app.put<{
    Params: { eui: string };
    Body: { device_eui?: string; tenant_id: string; logical_address: number; description?: string };
  }>('/devices/:eui', { schema: { body: updateBody } }, async (req) => {
    authorize(req, 'write');
    const eui = euiOf(req.params.eui);
    if (req.body.device_eui !== undefined && normalizeEui(req.body.device_eui) !== eui)
      throw new HttpError(
        400,
        'validation',
        'device_eui in the body differs from the one in the path (an EUI cannot be changed: delete and create)',
      );
    const before = o.store.get(eui);
    const r = await o.store.update(eui, {
      tenant_id: req.body.tenant_id,
      logical_address: req.body.logical_address,
      description: req.body.description ?? before?.description ?? '',
    });
    if (r === undefined) throw new HttpError(404, 'not-found', `device ${req.params.eui} is not mapped`);
    if (conflict(r)) throw new HttpError(409, 'conflict', r.message, { field: r.conflict });
    o.onMappingChange(
      before === undefined ? [r.logical_address] : [before.logical_address, r.logical_address],
    );
    return r;
  });
  app.delete<{ Params: { eui: string } }>('/devices/:eui', async (req, reply) => {
    authorize(req, 'write');
    const r = await o.store.delete(euiOf(req.params.eui));
    if (r === undefined) throw new HttpError(404, 'not-found', `device ${req.params.eui} is not mapped`);
    o.onMappingChange([r.logical_address]);
    return reply.code(204).send();
  });
  app.get<{ Querystring: { tenant?: string; limit?: number } }>(
    '/cache',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { tenant: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 10000 } },
        },
      },
    },
    async (req) => {
      authorize(req, 'read');
      const limit = req.query.limit ?? 1000;
      const out: (ReadingJson & { logical_address: number | null })[] = [];
      const all = [...o.cache.values()].filter(
        (r) => req.query.tenant === undefined || r.tenantId === req.query.tenant,
      );
      all.sort((a, b) => b.receivedMs - a.receivedMs);
      for (const r of all.slice(0, limit)) {
        const m: DeviceMapping | undefined = o.store.get(r.deviceEui);
        out.push({
          ...readingToJson(r),
          logical_address: m !== undefined && m.tenant_id === r.tenantId ? m.logical_address : null,
        });
      }
      return { count: o.cache.size, version: o.cache.version, readings: out };
    },
  );
  app.get('/health', async (_req, reply) => {
    const facts = await o.health();
    let database = 'ok';
    try {
      await o.store.ping();
    } catch (e) {
      database = (e as Error).message;
    }
    const ok = database === 'ok';
    return reply.code(ok ? 200 : 503).send({
      status: ok ? 'ok' : 'degraded',
      database,
      store: o.store.location,
      mappings: o.store.size,
      cached: o.cache.size,
      ...facts,
    });
  });
  app.get('/metrics', async (_req, reply) =>
    reply.type(o.metrics.registry.contentType).send(await o.metrics.registry.metrics()),
  );
  app.get('/openapi.json', async () => openApiDocument());
  const statics: Record<string, string> = {
    '/': 'index.html',
    '/app.js': 'app.js',
    '/style.css': 'style.css',
  };
  const types: Record<string, string> = {
    html: 'text/html; charset=utf-8',
    js: 'text/javascript; charset=utf-8',
    css: 'text/css; charset=utf-8',
  };
  for (const [route, file] of Object.entries(statics)) {
    app.get(route, async (_req, reply) =>
      reply.type(types[file.split('.').pop()!]!).send(await readFile(`${PUBLIC_DIR}${file}`)),
    );
  }
  app.get<{ Params: { name: string } }>('/maps/:name', async (req, reply) => {
    if (!/^[a-z0-9-]+\.json$/.test(req.params.name)) throw new HttpError(404, 'not-found', 'no such map');
    try {
      return reply.type('application/json').send(await readFile(`${PUBLIC_DIR}maps/${req.params.name}`));
    } catch {
      throw new HttpError(404, 'not-found', 'no such map');
    }
  });
  return app;
}
