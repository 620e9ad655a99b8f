/**
 * Benchmarks of the concentrator (run with `npx vitest bench --run apps/concentrator`):
 *
 * - DLMS GET throughput with 100 concurrent associations: 100 wrapper connections, each associated to
 *   its own mapped meter, all issuing one GET of the volume at once per iteration (GET/s = 100 × hz);
 * - memory with 100,000 cached meters: the built concentrator (`dist/`, so build it first) runs as its
 *   own process with its in-process broker; 100,000 readings are published to it over MQTT, and its
 *   resident set size is read from its own /metrics and printed (goal: < 200 MB). Measured in a child
 *   process because the benchmark worker's RSS would include vitest itself.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, bench, describe } from 'vitest';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import type { Concentrator } from '../src/index.js';
import { publisher, reading, startTestConcentrator, tempDir, until } from '../test/helpers.js';

const CLIENTS = 100;
const METERS = 100_000;
const BIN = fileURLToPath(new URL('../bin/concentrator.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const eui = (i: number) => `70b3d5e7${i.toString(16).padStart(8, '0')}`;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Runs the built concentrator, fills its cache with METERS readings over MQTT, prints its RSS. */
async function measureMemory(): Promise<void> {
  if (!existsSync(DIST)) {
    say(
      `memory with ${METERS} meters skipped: build the concentrator first (npm run build -w @meteringlab/concentrator)`,
    );
    return;
  }
  const tmp = tempDir();
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--embedded-broker',
      '--mqtt-url',
      'mqtt://127.0.0.1:0',
      '--dlms-port',
      '0',
      '--http-port',
      '0',
      '--host',
      '127.0.0.1',
      '--data-dir',
      tmp.dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.resume();
    const ports = await until(() => {
      const line = out.split('\n').find((l) => l.includes('"concentrator ready"'));
      return line === undefined
        ? undefined
        : (JSON.parse(line) as { ports: { http: number; mqtt: number } }).ports;
    }, 20_000);
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    const idle = await metric('concentrator_process_resident_memory_bytes');
    const pub = await publisher(`mqtt://127.0.0.1:${ports.mqtt}`);
    const t0 = Date.now();
    for (let i = 0; i < METERS; i++) {
      const r = reading(eui(i), 'bench', { volume_m3: i / 7, alarms: i % 50 === 0 ? ['leak'] : [] });
      pub.publish(`hes/reading/bench/${eui(i)}`, JSON.stringify(r), { qos: 0 });
      if (i % 5000 === 4999)
        await until(async () => (await metric('concentrator_cache_meters')) >= i - 2000 || undefined, 60_000);
    }
    await until(async () => (await metric('concentrator_cache_meters')) === METERS || undefined, 60_000);
    const ingestMs = Date.now() - t0;
    await pub.endAsync();
    await new Promise((r) => setTimeout(r, 2000));
    const rss = await metric('concentrator_process_resident_memory_bytes');
    const heap = await metric('concentrator_nodejs_heap_size_used_bytes');
    say(
      `${METERS} cached meters: concentrator process RSS ${mb(rss)} (idle ${mb(idle)}), heap used ${mb(heap)}; ` +
        `ingest over MQTT ${ingestMs} ms (${Math.round(METERS / (ingestMs / 1000))} readings/s)`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    tmp.remove();
  }
}

let c: Concentrator;
let clients: DlmsClient[] = [];
const tmp = tempDir();

/** Setup at module load: vitest bench runs tasks without waiting for beforeAll hooks here. */
async function setup(): Promise<void> {
  await measureMemory();
  c = await startTestConcentrator({ dataDir: tmp.dir, hdlcPort: undefined });
  for (let i = 0; i < CLIENTS; i++) {
    await c.store.create({
      device_eui: eui(i),
      tenant_id: 'bench',
      logical_address: 10_000 + i,
      description: '',
    });
    c.cache.put({
      deviceEui: eui(i),
      tenantId: 'bench',
      timestampMs: Date.now(),
      volumeM3: i / 7,
      flowLph: 420,
      batteryPct: 87,
      rssiDbm: -97,
      snrDb: 6.5,
      alarms: [],
      receivedMs: Date.now(),
    });
  }
  clients = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const ch = await connectWrapper({
        host: '127.0.0.1',
        port: c.ports.dlms,
        clientWPort: 16,
        serverWPort: 10_000 + i,
      });
      const dc = new DlmsClient(ch, { timeoutMs: 10_000 });
      await dc.associate();
      return dc;
    }),
  );
}

await setup();

describe('concentrator', () => {
  afterAll(async () => {
    await Promise.all(clients.map((dc) => dc.disconnect().catch(() => undefined)));
    await c?.close();
    tmp.remove();
  });

  bench(
    `${CLIENTS} concurrent associations: one GET each (GET/s = ${CLIENTS} × hz)`,
    async () => {
      await Promise.all(
        clients.map((dc) => dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })),
      );
    },
    { time: 5000, warmupTime: 500 },
  );
});
