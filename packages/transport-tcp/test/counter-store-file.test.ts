/**
 * The file-backed invocation counter store: persistence across reloads, no reuse of outgoing values
 * after a restart (block reservation included), incoming marks durable before acceptIncoming resolves,
 * atomic replacement (a torn temp file never matters), a corrupt file is an error rather than a reset,
 * and a real crash (SIGKILL of a child process in the middle of writing) loses nothing handed out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromHex, protectApdu, unprotectApdu } from '@meteringlab/dlms-core';
import { FileCounterStore } from '../src/counter-store-file.js';

const ST = fromHex('4D4D4D0000BC614E');
const id = { systemTitle: ST, keyId: 'global-unicast' as const };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dlms-counters-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileCounterStore', () => {
  it('starts empty, persists outgoing and incoming counters, and reloads them', async () => {
    const path = join(dir, 'counters.json');
    const a = await FileCounterStore.open(path);
    expect(await a.nextOutgoing(id)).toBe(0);
    expect(await a.nextOutgoing(id)).toBe(1);
    await a.acceptIncoming(id, 41);
    const b = await FileCounterStore.open(path);
    expect(await b.nextOutgoing(id)).toBe(2);
    expect(b.lastIncoming(id)).toBe(41);
    expect(() => b.checkIncoming(id, 41)).toThrow(expect.objectContaining({ code: 'REPLAYED_COUNTER' }));
    expect(() => b.checkIncoming(id, 42)).not.toThrow();
  });

  it('raiseOutgoing starts counting above a counter learned from the meter, and never lowers it', async () => {
    const path = join(dir, 'raise.json');
    const a = await FileCounterStore.open(path);
    expect(await a.nextOutgoing(id)).toBe(0);
    await a.raiseOutgoing(id, 5000);
    expect(await a.nextOutgoing(id)).toBe(5000);
    await a.raiseOutgoing(id, 10);
    expect(await a.nextOutgoing(id)).toBe(5001);
    // What was handed out is durable: a restart resumes above it.
    const b = await FileCounterStore.open(path);
    expect(await b.nextOutgoing(id)).toBe(5002);
    await expect(b.raiseOutgoing(id, -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('block reservation: after a restart counting resumes above the whole reserved block', async () => {
    const path = join(dir, 'c.json');
    const a = await FileCounterStore.open(path, { outgoingBlock: 100 });
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(await a.nextOutgoing(id));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    // "Crash" without any further write: the block ceiling (100) is on disk.
    const b = await FileCounterStore.open(path, { outgoingBlock: 100 });
    expect(await b.nextOutgoing(id)).toBe(100);
    const json = JSON.parse(await readFile(path, 'utf8')) as { outgoing: Record<string, number> };
    expect(json.outgoing['4D4D4D0000BC614E/global-unicast']).toBe(200);
  });

  it('concurrent outgoing requests get distinct values and are all durable', async () => {
    const path = join(dir, 'c.json');
    const a = await FileCounterStore.open(path, { outgoingBlock: 7 });
    const values = await Promise.all(Array.from({ length: 50 }, () => a.nextOutgoing(id)));
    expect(new Set(values).size).toBe(50);
    const b = await FileCounterStore.open(path);
    expect(await b.nextOutgoing(id)).toBeGreaterThan(Math.max(...values));
  });

  it('concurrent incoming accepts: the mark on disk is the highest accepted', async () => {
    const path = join(dir, 'c.json');
    const a = await FileCounterStore.open(path);
    await Promise.all([a.acceptIncoming(id, 1), a.acceptIncoming(id, 2), a.acceptIncoming(id, 3)]);
    await a.flush();
    expect((await FileCounterStore.open(path)).lastIncoming(id)).toBe(3);
  });

  it('deciphering with the file store: a replay after a restart is still rejected', async () => {
    const path = join(dir, 'c.json');
    const key = fromHex('000102030405060708090A0B0C0D0E0F');
    const frame = protectApdu(fromHex('C0010000080000010000FF0200'), {
      key,
      authKey: key,
      systemTitle: ST,
      invocationCounter: 5,
    });
    await unprotectApdu(frame, { key, authKey: key, counters: await FileCounterStore.open(path) });
    const restarted = await FileCounterStore.open(path);
    await expect(unprotectApdu(frame, { key, authKey: key, counters: restarted })).rejects.toMatchObject({
      code: 'REPLAYED_COUNTER',
    });
    const out = await protectApdu(fromHex('C0010000080000010000FF0200'), {
      key,
      authKey: key,
      systemTitle: ST,
      counters: restarted,
    });
    expect(out[0]).toBe(0xdb);
  });

  it('a torn temporary file from a crash does not affect the state; a corrupt target is an error, not a reset', async () => {
    const path = join(dir, 'c.json');
    const a = await FileCounterStore.open(path);
    await a.acceptIncoming(id, 9);
    await writeFile(join(dir, '.c.json.999.1.tmp'), '{"format":"meteringlab-invoc');
    expect((await FileCounterStore.open(path)).lastIncoming(id)).toBe(9);
    await writeFile(path, '{"format":"meteringlab-invoc');
    await expect(FileCounterStore.open(path)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await writeFile(
      path,
      JSON.stringify({
        format: 'meteringlab-invocation-counters',
        version: 1,
        outgoing: { x: -1 },
        incoming: {},
      }),
    );
    await expect(FileCounterStore.open(path)).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });

  it('leaves no temporary files behind', async () => {
    const path = join(dir, 'c.json');
    const a = await FileCounterStore.open(path);
    await Promise.all(Array.from({ length: 20 }, (_, i) => a.acceptIncoming({ ...id, keyId: `k${i}` }, i)));
    await a.flush();
    expect(await readdir(dir)).toEqual(['c.json']);
  });

  it('survives SIGKILL of a process that is handing out counters', async () => {
    let esbuild: typeof import('esbuild');
    try {
      esbuild = await import('esbuild');
    } catch {
      console.warn('esbuild not available: skipping the child-process crash test');
      return;
    }
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const entry = join(dir, 'child.ts');
    await writeFile(
      entry,
      `import { FileCounterStore } from ${JSON.stringify(join(root, 'packages/transport-tcp/src/counter-store-file.ts'))};
const store = await FileCounterStore.open(process.argv[2]!, { outgoingBlock: 3 });
const id = { systemTitle: new Uint8Array([77, 77, 77, 0, 0, 188, 97, 78]), keyId: 'global-unicast' };
for (;;) { const v = await store.nextOutgoing(id); process.stdout.write(v + '\\n'); }
`,
    );
    const out = join(dir, 'child.mjs');
    await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      alias: { '@meteringlab/dlms-core': join(root, 'packages/dlms-core/src/index.ts') },
      logLevel: 'silent',
    });
    const path = join(dir, 'crash.json');
    const child = spawn(process.execPath, [out, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: string) => {
        text += chunk;
        if (text.split('\n').length > 60) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const handedOut = text
      .split('\n')
      .filter((l) => l !== '')
      .map(Number);
    const reopened = await FileCounterStore.open(path);
    expect(await reopened.nextOutgoing(id)).toBeGreaterThan(Math.max(...handedOut));
  });
});
