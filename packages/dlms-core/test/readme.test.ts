import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = new URL('..', import.meta.url);

describe('README', () => {
  afterEach(() => vi.restoreAllMocks());

  it('quotes examples/quick-start.ts verbatim', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const example = readFileSync(new URL('examples/quick-start.ts', root), 'utf8');
    expect(readme).toContain(example.trim());
  });

  it('the quick-start example runs and prints what the README says', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
    await import('../examples/quick-start.js');
    expect(lines).toEqual([
      '8 0-0:1.0.0*255 Clock 2',
      '0F000000010002031907EA0B15060A000000FFC40009060100010800FF060012D687',
      '{"type":"double-long-unsigned","value":1234567}',
      '19088743 true get-request-normal',
    ]);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    for (const line of lines) expect(readme).toContain(line);
  });
});
