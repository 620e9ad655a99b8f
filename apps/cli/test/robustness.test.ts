/**
 * Whatever bytes it is given, `dlms decode` answers with output and exit 0, or one error line and
 * exit 1: never an internal error, a stack trace or a hang. Inputs: random bytes in each format, and
 * corpus frames with one byte changed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex, toHex } from '@meteringlab/dlms-core';
import { loadCorpus } from '@meteringlab/fixtures';
import { run } from './helpers.js';

const corpusFrames = loadCorpus()
  .filter((e) => e.layer !== 'data')
  .map((e) => fromHex(e.hex));

const mutatedFrame = fc
  .tuple(fc.constantFrom(...corpusFrames), fc.nat(), fc.integer({ min: 0, max: 255 }))
  .map(([bytes, at, value]) => {
    const copy = bytes.slice();
    copy[at % copy.length] = value;
    return copy;
  });

async function checkAnswer(args: string[]): Promise<void> {
  const r = await run(args);
  if (r.code === 0) {
    expect(r.stderr).toBe('');
    expect(r.stdout.length).toBeGreaterThan(0);
  } else {
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dlms: [^\n]+\n$/);
    expect(r.stderr).not.toContain('internal error');
  }
}

describe('dlms decode on arbitrary input', () => {
  it('random bytes, in every format', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.constantFrom('auto', 'apdu', 'wrapper', 'hdlc', 'data'),
        fc.boolean(),
        async (bytes, format, json) => {
          await checkAnswer(['decode', '--format', format, ...(json ? ['--json'] : []), toHex(bytes)]);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('corpus frames with one byte changed, alone or followed by another frame', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedFrame, { minLength: 1, maxLength: 3 }), async (frames) => {
        await checkAnswer(['decode', ...frames.map((f) => toHex(f))]);
      }),
      { numRuns: 400 },
    );
  });
});
