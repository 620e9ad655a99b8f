/**
 * Server throughput and latency of `dlms sim` over loopback TCP (wrapper), with the server in its own
 * process (`node apps/cli/bin/dlms.js sim --port 0 --fleet 100 --quiet`; run `npm run build` first) and
 * the load generator in another: 1, 8 and 100 associations (each its own connection and logical
 * device), each with one GET of the energy register in flight at a time (a closed loop).
 *
 * Generators, each run against the simulator and against the floor:
 * - `loadgen.c`, native (compiled with `cc -O2` on first use into the OS temp directory; skipped with
 *   a message when no compiler works), sleeping in epoll_wait between answers;
 * - the same, busy polling (`busy`: it takes a core of its own, and no answer has to wake it);
 * - `loadgen.mjs`, its Node twin.
 * The floor is `canned-server.mjs`, a child process that answers every wrapper frame with the bytes the
 * simulator answers to the same GET without looking at them: the cost of Node sockets and the loopback.
 * It runs twice: reading directly into one buffer as the simulator does (`direct`, the true floor), and
 * through `'data'` events (what a Node server pays without direct reads).
 *
 * Printed per case: GET/s, p50, p99, and the CPU time per GET of the server (from /proc) and of the
 * generator. `BENCH_SECONDS` (default 3) sets the length of a case; `BENCH_ROUNDS=<n>` runs every case
 * n times and adds the medians (a noisy machine moves single figures by tens of percent); `BENCH_AB=<rounds>` adds the
 * simulator with its transport tuning turned off, in turns with the default (see `onOffRuns`); `BENCH_CPU_PROF=<dir>` runs the
 * simulator under `node --cpu-prof`. The `bench()` entries below time one GET on every association at
 * once from a minimal client inside this process (vitest's own figures; that client shares the
 * bench process with vitest).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { encodeApdu } from '@meteringlab/dlms-core';
import { encodeWrapperFrame } from '@meteringlab/transport-tcp';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DLMS = fileURLToPath(new URL('../bin/dlms.js', import.meta.url));
const CANNED = fileURLToPath(new URL('./canned-server.mjs', import.meta.url));
const LOADGEN_C = fileURLToPath(new URL('./loadgen.c', import.meta.url));
const LOADGEN_MJS = fileURLToPath(new URL('./loadgen.mjs', import.meta.url));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const ROUNDS = Math.max(1, Math.floor(Number(process.env['BENCH_ROUNDS'] ?? 1)));
const CONCURRENCY = [1, 8, 100] as const;

const AARQ = encodeApdu({
  type: 'aarq',
  applicationContextName: 'logical-name-referencing-no-ciphering',
  userInformation: {
    apdu: {
      type: 'initiate-request',
      responseAllowed: true,
      proposedDlmsVersionNumber: 6,
      proposedConformance: 0x00ffff,
      clientMaxReceivePduSize: 1024,
    },
  },
});
const GET = encodeApdu({
  type: 'get-request-normal',
  invokeIdAndPriority: { invokeId: 1, confirmed: true, highPriority: true },
  attribute: { classId: 3, instanceId: Uint8Array.of(1, 0, 1, 8, 0, 255), attributeId: 2 },
});

/** One connection: send a frame, resolve with the next whole frame. */
class Connection {
  private held: Buffer = Buffer.alloc(0);
  private waiter: ((frame: Buffer) => void) | undefined;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      let buf = this.held.length === 0 ? chunk : Buffer.concat([this.held, chunk]);
      while (buf.length >= 8) {
        const total = 8 + buf.readUInt16BE(6);
        if (buf.length < total) break;
        const frame = buf.subarray(0, total);
        buf = buf.subarray(total);
        const w = this.waiter;
        this.waiter = undefined;
        w?.(frame);
      }
      this.held = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    });
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(new Connection(s)));
      s.once('error', reject);
    });
  }

  roundTrip(frame: Uint8Array): Promise<Buffer> {
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.end();
  }
}

/** A server in a child process and `CONCURRENCY.at(-1)` associations to it from this process. */
interface Target {
  readonly child: ChildProcess;
  readonly port: number;
  /** Whether a client must associate first (the simulator) or not (the floor). */
  readonly associate: boolean;
  readonly conns: Connection[];
  readonly frames: Uint8Array[];
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

async function startSim(flags: readonly string[] = []): Promise<Target> {
  const prof = process.env['BENCH_CPU_PROF'];
  const args = [
    ...(prof ? ['--cpu-prof', '--cpu-prof-dir', prof] : []),
    DLMS,
    'sim',
    '--port',
    '0',
    '--fleet',
    '100',
    '--quiet',
    ...flags,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number((await waitForLine(child, /tcp:\/\/127\.0\.0\.1:(\d+)/))[1]);
  const conns: Connection[] = [];
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    const c = await Connection.open(port);
    const wPort = i + 1;
    const aare = await c.roundTrip(encodeWrapperFrame({ source: 16, destination: wPort, apdu: AARQ }));
    if (aare[8] !== 0x61) throw new Error('no AARE');
    conns.push(c);
    frames.push(encodeWrapperFrame({ source: 16, destination: wPort, apdu: GET }));
  }
  return { child, port, associate: true, conns, frames };
}

async function startCanned(answer: Uint8Array, direct: boolean): Promise<Target> {
  const args = [CANNED, Buffer.from(answer).toString('hex'), ...(direct ? ['direct'] : [])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number((await waitForLine(child, /listening (\d+)/))[1]);
  const conns: Connection[] = [];
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    conns.push(await Connection.open(port));
    frames.push(encodeWrapperFrame({ source: 16, destination: i + 1, apdu: GET }));
  }
  return { child, port, associate: false, conns, frames };
}

async function stop(t: Target | undefined): Promise<void> {
  if (t === undefined) return;
  for (const c of t.conns) c.close();
  const exited = new Promise((r) => t.child.once('exit', r));
  t.child.kill('SIGINT');
  await exited;
}

/** One GET on each of the first `n` associations at once. */
function round(t: Target, n: number): Promise<unknown> {
  const ps: Promise<Buffer>[] = [];
  for (let i = 0; i < n; i++) ps.push(t.conns[i]!.roundTrip(t.frames[i]!));
  return Promise.all(ps);
}

/** CPU time (user + system, ms) of a process so far, from /proc (Linux); undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of /proc/<pid>/stat (11 and 12 after the command name), in clock ticks.
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

/** A load generator: the command line before the generator's own arguments, and a name. */
interface Generator {
  readonly name: string;
  readonly command: readonly string[];
  /** Arguments after the common ones. */
  readonly extra: readonly string[];
}

/** The native generator, compiled once per source version; undefined (with a message) without a compiler. */
function nativeGenerator(): string | undefined {
  const hash = createHash('sha256').update(readFileSync(LOADGEN_C)).digest('hex').slice(0, 16);
  const out = join(tmpdir(), `meteringlab-loadgen-${hash}`);
  if (existsSync(out)) return out;
  const cc = process.env['CC'] ?? 'cc';
  const r = spawnSync(cc, ['-O2', '-o', out, LOADGEN_C], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(
      `native load generator not built (${cc}: ${r.error?.message ?? r.stderr.trim()}); only the Node one runs`,
    );
    return undefined;
  }
  return out;
}

interface GeneratorResult {
  readonly requests: number;
  readonly perSecond: number;
  readonly p50us: number;
  readonly p99us: number;
  readonly cpuUs: number;
  readonly bad: number;
}

/** Runs a generator against `t` with `n` associations; adds the server's CPU per GET from /proc. */
async function closedLoop(
  g: Generator,
  t: Target,
  n: number,
  seconds: number,
  warmup: number,
): Promise<GeneratorResult & { serverCpuUs: number | undefined }> {
  const aarq = t.associate ? Buffer.from(AARQ).toString('hex') : '-';
  const args = [
    ...g.command.slice(1),
    '127.0.0.1',
    String(t.port),
    String(n),
    String(seconds),
    String(warmup),
    '16',
    '1',
    aarq,
    Buffer.from(GET).toString('hex'),
    'c4',
    ...g.extra,
  ];
  const child = spawn(g.command[0]!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  // The server's CPU is read once the warm-up is over, and again when the generator is done.
  let cpu0: number | undefined;
  const mark = setTimeout(() => (cpu0 = cpuMs(t.child.pid)), warmup * 1000);
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  clearTimeout(mark);
  const cpu1 = cpuMs(t.child.pid);
  if (code !== 0) throw new Error(`${g.name} failed (${code}): ${err.trim()}`);
  const r = JSON.parse(out) as GeneratorResult;
  if (r.bad > 0) throw new Error(`${g.name}: ${r.bad} answers were not GET responses`);
  return {
    ...r,
    serverCpuUs:
      cpu0 === undefined || cpu1 === undefined || r.requests === 0
        ? undefined
        : ((cpu1 - cpu0) * 1000) / r.requests,
  };
}

/** One measured case: a generator's result with the server's CPU per GET and its share of the floor. */
interface CaseResult {
  readonly perSecond: number;
  readonly p50us: number;
  readonly p99us: number;
  readonly cpuUs: number;
  readonly serverCpuUs: number | undefined;
  readonly share?: number | undefined;
}

/** The printed line of one case. */
function caseLine(name: string, n: number, r: CaseResult, share: number | undefined): string {
  const cpu = r.serverCpuUs === undefined ? '?' : r.serverCpuUs.toFixed(1);
  const pct = share === undefined ? '' : `  (${Math.round(100 * share)} % of floor)`;
  return `  ${name.padEnd(12)} ${String(n).padStart(3)} assoc: ${Math.round(r.perSecond).toLocaleString('en').padStart(8)} GET/s  p50 ${String(Math.round(r.p50us)).padStart(5)} µs  p99 ${String(Math.round(r.p99us)).padStart(6)} µs  CPU per GET: server ${cpu} µs, generator ${r.cpuUs.toFixed(1)} µs${pct}`;
}

/** The median of a non-empty list (the mean of the middle two for an even length). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const figures: string[] = [];
let sim: Target | undefined;
let canned: Target | undefined;
let cannedData: Target | undefined;

beforeAll(async () => {
  sim = await startSim();
  // The floor answers with exactly what the simulator answers to the same GET.
  const answer = await sim.conns[0]!.roundTrip(sim.frames[0]!);
  canned = await startCanned(answer, true);
  cannedData = await startCanned(answer, false);
  const native = nativeGenerator();
  const generators: Generator[] = [
    ...(native === undefined
      ? []
      : [
          { name: 'native', command: [native], extra: [] },
          { name: 'native, busy polling', command: [native], extra: ['busy'] },
        ]),
    { name: 'Node (own process)', command: [process.execPath, LOADGEN_MJS], extra: [] },
  ];
  // Each case runs the simulator and the two floors back to back, so that the three meet the same
  // moment of a noisy machine; the simulator's share of the floor is printed beside it. With
  // `BENCH_ROUNDS` > 1 every case runs that many times and the medians follow the rounds.
  const targets = [
    ['floor', canned],
    ['dlms sim', sim],
    ['floor, data', cannedData],
  ] as const;
  const runs = new Map<string, CaseResult[]>();
  for (let r = 0; r < ROUNDS; r++) {
    if (ROUNDS > 1) figures.push(`round ${r + 1} of ${ROUNDS}`);
    for (const g of generators) {
      figures.push(`load generator: ${g.name}`);
      for (const n of CONCURRENCY) {
        let floor: number | undefined;
        for (const [name, t] of targets) {
          const res = await closedLoop(g, t, n, SECONDS, 0.5);
          if (t === canned) floor = res.perSecond;
          const share = t === canned || floor === undefined ? undefined : res.perSecond / floor;
          const key = `${g.name}\u0000${n}\u0000${name}`;
          runs.set(key, [...(runs.get(key) ?? []), { ...res, share }]);
          figures.push(caseLine(name, n, res, share));
        }
      }
    }
  }
  if (ROUNDS > 1) {
    figures.push(`medians of ${ROUNDS} rounds (each column on its own):`);
    for (const g of generators) {
      figures.push(`load generator: ${g.name}`);
      for (const n of CONCURRENCY) {
        for (const [name] of targets) {
          const rs = runs.get(`${g.name}\u0000${n}\u0000${name}`)!;
          const shares = rs.flatMap((x) => (x.share === undefined ? [] : [x.share]));
          figures.push(
            caseLine(
              name,
              n,
              {
                perSecond: median(rs.map((x) => x.perSecond)),
                p50us: median(rs.map((x) => x.p50us)),
                p99us: median(rs.map((x) => x.p99us)),
                cpuUs: median(rs.map((x) => x.cpuUs)),
                serverCpuUs: rs.some((x) => x.serverCpuUs === undefined)
                  ? undefined
                  : median(rs.map((x) => x.serverCpuUs!)),
              },
              shares.length === 0 ? undefined : median(shares),
            ),
          );
        }
      }
    }
  }
  console.log(
    `\nclosed loop, ${SECONDS} s per case (after 0.5 s of warm-up), loopback TCP, server and generator in their own processes:\n${figures.join('\n')}\n`,
  );
  const rounds = Number(process.env['BENCH_AB'] ?? 0);
  if (rounds > 0) console.log(await onOffRuns(rounds, generators, native !== undefined));
}, 1_800_000);

/**
 * `BENCH_AB=<rounds>`: the simulator with its transport tuning on and off (`--no-coalesce-writes`,
 * then `--no-direct-reads` as well), the three taking turns case by case so that they meet the same
 * moments of a noisy machine; prints the mean GET/s of each over the rounds.
 */
async function onOffRuns(rounds: number, generators: readonly Generator[], native: boolean): Promise<string> {
  const variants = [
    ['default', sim!],
    ['--no-coalesce-writes', await startSim(['--no-coalesce-writes'])],
    ['--no-direct-reads --no-coalesce-writes', await startSim(['--no-direct-reads', '--no-coalesce-writes'])],
  ] as const;
  const cases = native
    ? [
        { g: generators[1]!, n: 8 },
        { g: generators[0]!, n: 100 },
      ]
    : [
        { g: generators.at(-1)!, n: 8 },
        { g: generators.at(-1)!, n: 100 },
      ];
  const lines = [`on and off, ${rounds} round(s) of ${SECONDS} s per variant and case (mean GET/s):`];
  try {
    for (const { g, n } of cases) {
      const sums = variants.map(() => 0);
      for (let r = 0; r < rounds; r++) {
        for (let v = 0; v < variants.length; v++)
          sums[v]! += (await closedLoop(g, variants[v]![1], n, SECONDS, 0.5)).perSecond;
      }
      for (let v = 0; v < variants.length; v++) {
        lines.push(
          `  ${`${g.name}, ${n} assoc`.padEnd(34)} ${variants[v]![0].padEnd(40)} ${Math.round(
            sums[v]! / rounds,
          )
            .toLocaleString('en')
            .padStart(8)}`,
        );
      }
    }
  } finally {
    await stop(variants[1][1]);
    await stop(variants[2][1]);
  }
  return lines.join('\n');
}

afterAll(async () => {
  await stop(sim);
  await stop(canned);
  await stop(cannedData);
}, 30_000);

for (const n of CONCURRENCY) {
  describe(`${n} association${n === 1 ? '' : 's'}, one GET each per iteration`, () => {
    bench('dlms sim', () => round(sim!, n) as Promise<void>, { time: 1000 });
    bench('canned floor (direct reads)', () => round(canned!, n) as Promise<void>, { time: 1000 });
  });
}
