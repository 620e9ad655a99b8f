/**
 * The HTTP API over a real socket: mapping CRUD with JSON-schema validation, 409s, API-key scopes,
 * the cache, health, metrics and the OpenAPI document; persistence across a restart on SQLite, and on
 * PostgreSQL when DATABASE_URL is set (in a schema of its own, dropped afterwards).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Concentrator } from '../src/index.js';
import { call, publisher, reading, startTestConcentrator, tempDir, until } from './helpers.js';

const ADMIN = 'admin-key-123';
const READER = 'reader-key-123';
const WRITER = 'writer-key-123';
const keys = [
  { key: ADMIN, scopes: ['read', 'write'] as const },
  { key: READER, scopes: ['read'] as const },
  { key: WRITER, scopes: ['write'] as const },
];

describe('HTTP API', () => {
  let c: Concentrator;
  const tmp = tempDir();
  beforeAll(async () => {
    c = await startTestConcentrator({
      dataDir: tmp.dir,
      apiKeys: keys.map((k) => ({ key: k.key, scopes: [...k.scopes] })),
    });
  });
  afterAll(async () => {
    await c?.close();
    tmp.remove();
  });

  it('creates, lists, reads, replaces and deletes mappings', async () => {
    const created = await call(
      c,
      'POST',
      '/devices',
      { device_eui: '00-11-22-33-44-55-66-77', tenant_id: 'acme', logical_address: 3001, description: 'a' },
      ADMIN,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      device_eui: '0011223344556677',
      tenant_id: 'acme',
      logical_address: 3001,
      description: 'a',
    });
    expect((await call(c, 'GET', '/devices')).body).toHaveLength(1);
    expect((await call(c, 'GET', '/devices/00:11:22:33:44:55:66:77')).body).toMatchObject({
      logical_address: 3001,
    });
    const put = await call(
      c,
      'PUT',
      '/devices/0011223344556677',
      { tenant_id: 'acme', logical_address: 3002, description: 'b' },
      WRITER,
    );
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ logical_address: 3002, description: 'b' });
    expect((await call(c, 'DELETE', '/devices/0011223344556677', undefined, ADMIN)).status).toBe(204);
    expect((await call(c, 'GET', '/devices/0011223344556677')).status).toBe(404);
    expect((await call(c, 'DELETE', '/devices/0011223344556677', undefined, ADMIN)).status).toBe(404);
  });

  it('refuses invalid bodies with 400 and the offending field', async () => {
    const cases: unknown[] = [
      { device_eui: 'xyz', tenant_id: 'acme', logical_address: 3001 },
      { device_eui: '0011223344556677', tenant_id: 'acme', logical_address: 999 },
      { device_eui: '0011223344556677', tenant_id: 'acme', logical_address: 65535 },
      { device_eui: '0011223344556677', tenant_id: 'a/b', logical_address: 3001 },
      { device_eui: '0011223344556677', logical_address: 3001 },
      { device_eui: '0011223344556677', tenant_id: 'acme', logical_address: 3001, extra: 1 },
      { device_eui: '0011223344556677', tenant_id: 'acme', logical_address: '3001x' },
    ];
    for (const body of cases) {
      const r = await call(c, 'POST', '/devices', body, ADMIN);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error).toBe('validation');
    }
    const notJson = await call(c, 'POST', '/devices', '{"device_eui":', ADMIN);
    expect(notJson.status).toBe(400);
    expect((await call(c, 'GET', '/devices/not-an-eui')).status).toBe(400);
    expect((await call(c, 'GET', '/devices')).body).toHaveLength(0);
  });

  it('answers 409 for a taken EUI or logical address', async () => {
    expect(
      (
        await call(
          c,
          'POST',
          '/devices',
          { device_eui: 'aaaaaaaaaaaaaaaa', tenant_id: 't', logical_address: 4001 },
          ADMIN,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await call(
          c,
          'POST',
          '/devices',
          { device_eui: 'bbbbbbbbbbbbbbbb', tenant_id: 't', logical_address: 4002 },
          ADMIN,
        )
      ).status,
    ).toBe(201);
    const dupEui = await call(
      c,
      'POST',
      '/devices',
      { device_eui: 'AA:AA:AA:AA:AA:AA:AA:AA', tenant_id: 't', logical_address: 4003 },
      ADMIN,
    );
    expect(dupEui.status).toBe(409);
    expect(dupEui.body.details).toEqual({ field: 'device_eui' });
    const dupAddress = await call(
      c,
      'POST',
      '/devices',
      { device_eui: 'cccccccccccccccc', tenant_id: 't', logical_address: 4001 },
      ADMIN,
    );
    expect(dupAddress.status).toBe(409);
    expect(dupAddress.body.details).toEqual({ field: 'logical_address' });
    const putTaken = await call(
      c,
      'PUT',
      '/devices/bbbbbbbbbbbbbbbb',
      { tenant_id: 't', logical_address: 4001 },
      ADMIN,
    );
    expect(putTaken.status).toBe(409);
    expect((await call(c, 'GET', '/devices/bbbbbbbbbbbbbbbb')).body.logical_address).toBe(4002);
  });

  it('checks API keys and scopes on writes', async () => {
    const body = { device_eui: 'dddddddddddddddd', tenant_id: 't', logical_address: 5001 };
    expect((await call(c, 'POST', '/devices', body)).status).toBe(401);
    expect((await call(c, 'POST', '/devices', body, 'wrong-key-000')).status).toBe(401);
    const readOnly = await call(c, 'POST', '/devices', body, READER);
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.error).toBe('forbidden');
    expect((await call(c, 'DELETE', '/devices/aaaaaaaaaaaaaaaa', undefined, READER)).status).toBe(403);
    expect((await call(c, 'POST', '/devices', body, WRITER)).status).toBe(201);
    // Reads are open by default.
    expect((await call(c, 'GET', '/devices')).status).toBe(200);
  });

  it('shows the cache, health, metrics and the OpenAPI document', async () => {
    const pub = await publisher(c.mqttUrl);
    await pub.publishAsync(
      'hes/reading/t/aaaaaaaaaaaaaaaa',
      JSON.stringify(reading('aaaaaaaaaaaaaaaa', 't')),
      { qos: 1 },
    );
    await pub.endAsync();
    const cache = await until(async () => {
      const r = await call(c, 'GET', '/cache');
      return r.body.count === 1 ? r.body : undefined;
    });
    expect(cache.readings[0]).toMatchObject({
      device_eui: 'aaaaaaaaaaaaaaaa',
      tenant_id: 't',
      volume_m3: 1234.567,
      logical_address: 4001,
      alarms: ['leak', 'low_battery'],
    });
    const health = await call(c, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: 'ok', mqtt: 'connected', cached: 1 });
    const metrics = (await call(c, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/concentrator_cache_meters 1/);
    expect(metrics).toMatch(
      /concentrator_http_requests_total\{method="POST",route="\/devices",status="409"\}/,
    );
    const doc = await call(c, 'GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/devices', '/devices/{eui}', '/cache', '/health', '/metrics']),
    );
  });
});

describe('HTTP API with closed reads', () => {
  it('needs a read key for GET /devices and /cache but not for /health', async () => {
    const tmp = tempDir();
    const c = await startTestConcentrator({
      dataDir: tmp.dir,
      openReads: false,
      apiKeys: [{ key: READER, scopes: ['read'] }],
    });
    try {
      expect((await call(c, 'GET', '/devices')).status).toBe(401);
      expect((await call(c, 'GET', '/cache')).status).toBe(401);
      expect((await call(c, 'GET', '/devices', undefined, READER)).status).toBe(200);
      expect((await call(c, 'GET', '/health')).status).toBe(200);
    } finally {
      await c.close();
      tmp.remove();
    }
  });
});

describe('mappings survive a restart (SQLite)', () => {
  it('keeps mappings in <dataDir>/concentrator.sqlite', async () => {
    const tmp = tempDir();
    try {
      const a = await startTestConcentrator({
        dataDir: tmp.dir,
        apiKeys: [{ key: ADMIN, scopes: ['write'] }],
      });
      expect(
        (
          await call(
            a,
            'POST',
            '/devices',
            { device_eui: '1111111111111111', tenant_id: 'x', logical_address: 6001, description: 'kept' },
            ADMIN,
          )
        ).status,
      ).toBe(201);
      await a.close();
      const b = await startTestConcentrator({ dataDir: tmp.dir });
      expect((await call(b, 'GET', '/devices')).body).toEqual([
        expect.objectContaining({
          device_eui: '1111111111111111',
          logical_address: 6001,
          description: 'kept',
        }),
      ]);
      expect(b.store.dialect).toBe('sqlite');
      await b.close();
    } finally {
      tmp.remove();
    }
  });
});

const DATABASE_URL = process.env.DATABASE_URL;
if (DATABASE_URL === undefined)
  console.warn('DATABASE_URL is not set: the PostgreSQL persistence test is skipped');

describe.skipIf(DATABASE_URL === undefined)('mappings survive a restart (PostgreSQL, DATABASE_URL)', () => {
  const schema = `concentrator_test_${process.pid}_${Date.now()}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('keeps mappings in the database schema', async () => {
    const tmp = tempDir();
    try {
      const a = await startTestConcentrator({
        dataDir: tmp.dir,
        databaseUrl: DATABASE_URL,
        databaseSchema: schema,
        apiKeys: [{ key: ADMIN, scopes: ['write'] }],
      });
      expect(a.store.dialect).toBe('postgres');
      expect(
        (
          await call(
            a,
            'POST',
            '/devices',
            { device_eui: '2222222222222222', tenant_id: 'x', logical_address: 7001 },
            ADMIN,
          )
        ).status,
      ).toBe(201);
      expect(
        (
          await call(
            a,
            'POST',
            '/devices',
            { device_eui: '3333333333333333', tenant_id: 'x', logical_address: 7001 },
            ADMIN,
          )
        ).status,
      ).toBe(409);
      await a.close();
      const b = await startTestConcentrator({
        dataDir: tmp.dir,
        databaseUrl: DATABASE_URL,
        databaseSchema: schema,
      });
      expect((await call(b, 'GET', '/devices')).body).toEqual([
        expect.objectContaining({ device_eui: '2222222222222222', logical_address: 7001 }),
      ]);
      await b.close();
    } finally {
      tmp.remove();
    }
  });
});
