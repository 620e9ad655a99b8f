/**
 * Runs `main()` in-process with captured standard output and error, and an optional standard input.
 */
import { main } from '../src/main.js';

export interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(argv: readonly string[], stdin?: string): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin:
      stdin === undefined
        ? undefined
        : (async function* () {
            yield stdin;
          })(),
  });
  return { code, stdout, stderr };
}
