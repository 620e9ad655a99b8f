/** Runs the README example and checks that the README still shows exactly that code. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { example } from './readme-example.js';

describe('README', () => {
  it('the example runs', async () => {
    expect(await example()).toBe('c401c10000');
  });

  it('shows the example verbatim', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const code = readFileSync(fileURLToPath(new URL('./readme-example.ts', import.meta.url)), 'utf8');
    const body = code.split('\n').slice(1).join('\n').trim();
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1]?.trim();
    expect(block).toBe(body);
  });
});
