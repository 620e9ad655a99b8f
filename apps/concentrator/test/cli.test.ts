/**
 * The built command end to end (what `npm start` runs): `concentrator --demo` on ephemeral ports with
 * its in-process broker, a DLMS GET of demo meter 2001 as soon as it is ready, then SIGTERM: a graceful
 * stop with exit code 0. Uses `dist/` (skipped with a message when the concentrator is not built).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DlmsClient } from '@meteringlab/cosem-objects';
import { connectWrapper } from '@meteringlab/transport-tcp';
import { tempDir, until } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/concentrator.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../dist/main.js', import.meta.url)));
if (!built)
  console.warn('apps/concentrator/dist is absent: the command end-to-end test is skipped (npm run build)');

describe.skipIf(!built)('concentrator --demo (built command)', () => {
  it('serves demo meter 2001 at once and stops gracefully on SIGTERM', async () => {
    const tmp = tempDir();
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--demo',
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
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    try {
      const ports = await until(() => {
        const line = out.split('\n').find((l) => l.includes('"concentrator ready"'));
        return line === undefined ? undefined : (JSON.parse(line) as { ports: { dlms: number } }).ports;
      }, 20_000);
      await until(() => out.includes('demo publisher running') || undefined, 10_000);
      expect(err).toContain(`npx dlms get "tcp://127.0.0.1:${ports.dlms}?server=2001" 3/7.0.1.0.0.255/2`);
      const dc = new DlmsClient(
        await connectWrapper({ host: '127.0.0.1', port: ports.dlms, clientWPort: 16, serverWPort: 2001 }),
        { timeoutMs: 3000 },
      );
      await dc.associate();
      const volume = await until(async () => {
        const r = await dc.get({ classId: 3, logicalName: '7.0.1.0.0.255', attribute: 2 });
        return r.type === 'data' ? r.data : undefined;
      });
      expect(volume.type).toBe('float64');
      await dc.disconnect();
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      tmp.remove();
    }
    expect(out).toMatch(/"signal":"SIGTERM","msg":"shutting down"/);
    expect(out).toMatch(/"msg":"stopped"/);
  }, 40_000);
});
