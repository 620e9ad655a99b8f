import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources of every workspace package, so a
// change is tested without a rebuild; the CLI end-to-end tests use the build.
export default defineConfig({
  resolve: {
    alias: {
      '@meteringlab/dlms-core': here('./packages/dlms-core/src/index.ts'),
      '@meteringlab/cosem-objects': here('./packages/cosem-objects/src/index.ts'),
      '@meteringlab/transport-tcp': here('./packages/transport-tcp/src/index.ts'),
      '@meteringlab/transport-hdlc-serial': here('./packages/transport-hdlc-serial/src/index.ts'),
      '@meteringlab/mbus-gcm': here('./packages/mbus-gcm/src/index.ts'),
      '@meteringlab/fixtures': here('./fixtures/src/index.ts'),
    },
  },
  test: {
    include: [
      'packages/*/{src,test}/**/*.test.ts',
      'apps/*/{src,test}/**/*.test.ts',
      'fixtures/{src,test}/**/*.test.ts',
    ],
    benchmark: {
      include: [
        'packages/*/bench/**/*.bench.ts',
        'apps/*/bench/**/*.bench.ts',
        'fixtures/bench/**/*.bench.ts',
      ],
    },
    testTimeout: 20000,
    hookTimeout: 20000,
  },
});
