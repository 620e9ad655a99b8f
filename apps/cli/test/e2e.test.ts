/**
 * The built command end to end: `node apps/cli/bin/dlms.js decode …` as a user runs it. Needs the
 * build (`npm test` builds first; alone: `npm run build`), and says so when it is missing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/dlms.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function dlms(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(DIST)) throw new Error(`${DIST} is missing: run \`npm run build\` before this test`);
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 15000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('dlms (built binary)', () => {
  it('decodes a GET request given in hex (Green Book style GET of Clock.time)', () => {
    const r = dlms('decode', 'C0 01 C1 00 08 00 00 01 00 00 FF 02 00');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      'get-request-normal\n' +
        '  invoke-id-and-priority: invoke-id 1, confirmed true, high-priority true\n' +
        '  attribute: class-id 8, instance-id 0-0:1.0.0.255 (Clock), attribute-id 2\n',
    );
  });

  it('bad input: exit 1, one line on stderr, no stack trace', () => {
    const r = dlms('decode', 'C401C10006000013');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dlms: cannot decode: TRUNCATED at offset 5: [^\n]*\n$/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
