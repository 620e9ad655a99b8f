/**
 * Benchmarks of the concentrator (run with `npx vitest bench --run apps/concentrator`):
 *
 * - DLMS GET throughput with 100 concurrent associations: 100 wrapper connections, each associated to
 *   its own mapped meter, all issuing one GET of the volume at once per iteration (GET/s = 100 × hz);
 * - memory with 100,000 cached meters: 100,000 readings published through the in-process MQTT broker
 *   into the running concentrator; the process RSS and the heap growth are printed (goal: < 200 MB).
 */
import { afterAll, bench, describe } from 'vitest';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import type { Concentrator } from '../src/index.js';
import { publisher, reading, startTestConcentrator, tempDir, until } from '../test/helpers.js';

const CLIENTS = 100;
const METERS = 100_000;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const eui = (i: number) => `70b3d5e7${i.toString(16).padStart(8, '0')}`;

let c: Concentrator;
let gets = 0;
let firstGetMs = 0;
let clients: DlmsClient[] = [];
const tmp = tempDir();

/** Setup at module load: vitest bench runs tasks without waiting for beforeAll hooks here. */
async function setup(): Promise<void> {
  c = await startTestConcentrator({ dataDir: tmp.dir, hdlcPort: undefined });
  for (let i = 0; i < CLIENTS; i++) {
    await c.store.create({
      device_eui: eui(i),
      tenant_id: 'bench',
      logical_address: 10_000 + i,
      description: '',
    });
  }
  const rssBefore = process.memoryUsage().rss;
  (globalThis as { gc?: () => void }).gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const pub = await publisher(c.mqttUrl);
  const t0 = Date.now();
  for (let i = 0; i < METERS; i++) {
    pub.publish(
      `hes/reading/bench/${eui(i)}`,
      JSON.stringify(reading(eui(i), 'bench', { volume_m3: i / 7, alarms: i % 50 === 0 ? ['leak'] : [] })),
      { qos: 0 },
    );
    if (i % 5000 === 4999) await until(() => c.cache.size >= i - 2000 || undefined, 60_000);
  }
  await until(() => c.cache.size === METERS || undefined, 60_000);
  const ingestMs = Date.now() - t0;
  await pub.endAsync();
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stderr.write(
    `[bench] ${METERS} cached meters: process RSS ${mb(m.rss)} (was ${mb(rssBefore)} before the readings; ` +
      `heap used ${mb(m.heapUsed)}, +${mb(m.heapUsed - heapBefore)}); ingest over MQTT ${ingestMs} ms ` +
      `(${Math.round(METERS / (ingestMs / 1000))} readings/s)\n`,
  );
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
    const s = (Date.now() - firstGetMs) / 1000;
    process.stderr.write(
      `[bench] ${gets} GETs on ${CLIENTS} associations in ${s.toFixed(1)} s: ${Math.round(gets / s)} GET/s\n`,
    );
    await Promise.all(clients.map((dc) => dc.disconnect().catch(() => undefined)));
    await c?.close();
    tmp.remove();
  });

  bench(
    `${CLIENTS} concurrent associations: one GET each (GET/s = ${CLIENTS} × hz)`,
    async () => {
      if (firstGetMs === 0) firstGetMs = Date.now();
      gets += CLIENTS;
      await Promise.all(
        clients.map((dc) => dc.getValue({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 })),
      );
    },
    { time: 5000, warmupTime: 500 },
  );
});
