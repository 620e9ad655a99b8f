/**
 * Server throughput and latency of `dlms sim` over loopback TCP (wrapper), with the server in its own
 * process (`node apps/cli/bin/dlms.js sim --port 0 --fleet 100 --quiet`; run `npm run build` first) and
 * the load generator here: 1, 8 and 100 associations (each its own connection and logical device),
 * each with one GET of the energy register in flight at a time.
 *
 * Reference: the same load against `canned-server.mjs`, a child process that answers every wrapper
 * frame with the same bytes without looking at them (the loopback floor of Node sockets).
 *
 * Two measurements: vitest's own (one iteration = one GET on every association at once), and a
 * closed loop of `BENCH_SECONDS` (default 3) per case printed as `GET/s`, p50, p99. Set
 * `BENCH_CPU_PROF=<dir>` to run the simulator under `node --cpu-prof` (profile written at shutdown).
 *
 * The client is deliberately minimal (pre-encoded request frames, length-prefixed reads) so that the
 * client's own cost, on the same machine, stays small.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { encodeApdu } from '@meteringlab/dlms-core';
import { encodeWrapperFrame } from '@meteringlab/transport-tcp';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DLMS = fileURLToPath(new URL('../bin/dlms.js', import.meta.url));
const CANNED = fileURLToPath(new URL('./canned-server.mjs', import.meta.url));
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
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

/** A server in a child process and `CONCURRENCY.at(-1)` associations to it. */
interface Target {
  readonly child: ChildProcess;
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

async function startSim(): Promise<Target> {
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
  return { child, conns, frames };
}

async function startCanned(answer: Uint8Array): Promise<Target> {
  const child = spawn(process.execPath, [CANNED, Buffer.from(answer).toString('hex')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = Number((await waitForLine(child, /listening (\d+)/))[1]);
  const conns: Connection[] = [];
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 100; i++) {
    conns.push(await Connection.open(port));
    frames.push(encodeWrapperFrame({ source: 16, destination: i + 1, apdu: GET }));
  }
  return { child, conns, frames };
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

/** Closed loop: every association sends its next GET as soon as the previous answer arrives. */
async function closedLoop(
  t: Target,
  n: number,
  seconds: number,
): Promise<{
  perSecond: number;
  p50: number;
  p99: number;
  serverCpuUs: number | undefined;
  clientCpuUs: number;
}> {
  const latencies: number[] = [];
  const cpu0 = cpuMs(t.child.pid);
  const own0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    t.conns.slice(0, n).map(async (c, i) => {
      const frame = t.frames[i]!;
      while (performance.now() < end) {
        const t0 = performance.now();
        await c.roundTrip(frame);
        latencies.push(performance.now() - t0);
        count++;
      }
    }),
  );
  const cpu1 = cpuMs(t.child.pid);
  const own = process.cpuUsage(own0);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return {
    perSecond: count / seconds,
    p50: q(0.5),
    p99: q(0.99),
    serverCpuUs: cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1000) / count,
    clientCpuUs: (own.user + own.system) / count,
  };
}

const figures: string[] = [];
let sim: Target | undefined;
let canned: Target | undefined;

beforeAll(async () => {
  sim = await startSim();
  // The floor answers with exactly what the simulator answers to the same GET.
  const answer = await sim.conns[0]!.roundTrip(sim.frames[0]!);
  canned = await startCanned(answer);
  for (const [name, t] of [
    ['dlms sim', sim],
    ['canned floor', canned],
  ] as const) {
    await closedLoop(t, 8, 0.5); // warm-up (JIT)
    for (const n of CONCURRENCY) {
      const r = await closedLoop(t, n, SECONDS);
      figures.push(
        `${name.padEnd(12)} ${String(n).padStart(3)} assoc: ${Math.round(r.perSecond).toLocaleString('en').padStart(8)} GET/s  p50 ${(r.p50 * 1000).toFixed(0).padStart(5)} µs  p99 ${(r.p99 * 1000).toFixed(0).padStart(6)} µs  CPU per GET: server ${r.serverCpuUs === undefined ? '?' : r.serverCpuUs.toFixed(1)} µs, load generator ${r.clientCpuUs.toFixed(1)} µs`,
      );
    }
  }
  console.log(
    `\nclosed loop, ${SECONDS} s per case, loopback TCP, server in its own process:\n${figures.join('\n')}\n`,
  );
}, 120_000);

afterAll(async () => {
  await stop(sim);
  await stop(canned);
}, 30_000);

for (const n of CONCURRENCY) {
  describe(`${n} association${n === 1 ? '' : 's'}, one GET each per iteration`, () => {
    bench('dlms sim', () => round(sim!, n) as Promise<void>, { time: 1000 });
    bench('canned floor', () => round(canned!, n) as Promise<void>, { time: 1000 });
  });
}
