// Keeps package-lock.json complete for `npm ci`: npm validates every optional native package a
// dependency names (rollup's @rollup/rollup-<os>-<cpu>[-<abi>]), but a registry that only serves this
// machine's platform lets `npm install` drop the others from the lock. This script adds the missing
// ones as optional entries carrying their os/cpu/libc, so npm skips them on platforms they do not fit
// and installs them where they do. Run it after `npm install` changes the lock: node scripts/lock-optional-natives.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(path, 'utf8'));
const OS = new Set(['android', 'darwin', 'freebsd', 'linux', 'openbsd', 'openharmony', 'win32']);
const CPU = new Set(['arm', 'arm64', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x']);

function platformOf(name) {
  const m = /^@rollup\/rollup-(.+)$/.exec(name);
  if (!m) return undefined;
  const [os, cpu, abi] = m[1].split('-');
  if (!OS.has(os) || !CPU.has(cpu)) return undefined;
  const libc = abi?.startsWith('gnu') ? ['glibc'] : abi?.startsWith('musl') ? ['musl'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const platform = platformOf(dep);
    if (!platform) continue;
    // Where npm would put it: hoisted to the top, unless a copy already sits beside the parent.
    const nested = `${key}/node_modules/${dep}`;
    if (lock.packages[`node_modules/${dep}`] || lock.packages[nested]) continue;
    const { version: _v, ...rest } = {
      version,
      ...platform,
      dev: pkg.dev,
      license: pkg.license,
      optional: true,
    };
    const entry = {
      version,
      ...Object.fromEntries(
        Object.entries(rest)
          .filter(([, v]) => v !== undefined)
          .sort(),
      ),
    };
    lock.packages[`node_modules/${dep}`] = entry;
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(lock.packages).sort(([a], [b]) =>
    a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0,
  ),
);
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`lock-optional-natives: ${added} entr${added === 1 ? 'y' : 'ies'} added`);
