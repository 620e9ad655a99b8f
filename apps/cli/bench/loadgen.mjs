/**
 * The Node twin of `loadgen.c`, for machines without a C compiler: the same arguments, the same
 * closed loop (one request in flight per connection), the same one-line JSON result. Its own CPU cost
 * per request is several times the native one, and it shares the machine's cores with the server, so
 * figures taken with it are lower; `server.bench.ts` says which generator it used.
 *
 * Usage: node loadgen.mjs <host> <port[+]> <connections> <seconds> <warmup> <source-wport>
 *        <first-wport> <aarq-apdu-hex|-> <request-apdu-hex> <expect-tag-hex>
 *
 * Plain JavaScript, no dependencies.
 */
import net from 'node:net';

const argv = process.argv.slice(2);
if (argv.length !== 10) {
  process.stderr.write(
    'usage: node loadgen.mjs <host> <port[+]> <connections> <seconds> <warmup> <source-wport> <first-wport> <aarq-apdu-hex|-> <request-apdu-hex> <expect-tag-hex>\n',
  );
  process.exit(2);
}
const [host, portSpec, nArg, secondsArg, warmupArg, srcArg, firstArg, aarqHex, reqHex, expectHex] = argv;
const perConnPort = portSpec.endsWith('+');
const port = Number.parseInt(portSpec, 10);
const n = Number(nArg);
const seconds = Number(secondsArg);
const warmup = Number(warmupArg);
const src = Number(srcArg);
const first = Number(firstArg);
const aarq = aarqHex === '-' ? undefined : Buffer.from(aarqHex, 'hex');
const request = Buffer.from(reqHex, 'hex');
const expect = Number.parseInt(expectHex, 16);

const wrap = (dst, apdu) => {
  const f = Buffer.alloc(8 + apdu.length);
  f.writeUInt16BE(1, 0);
  f.writeUInt16BE(src, 2);
  f.writeUInt16BE(dst, 4);
  f.writeUInt16BE(apdu.length, 6);
  apdu.copy(f, 8);
  return f;
};

/** One connection: calls `onFrame(frame)` for each whole wrapper frame received. */
function open(i) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: perConnPort ? port + i : port, noDelay: true }, () =>
      resolve(conn),
    );
    socket.once('error', reject);
    let held = Buffer.alloc(0);
    const conn = { socket, onFrame: () => undefined, sentAt: 0 };
    socket.on('data', (chunk) => {
      let buf = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
      while (buf.length >= 8) {
        const total = 8 + buf.readUInt16BE(6);
        if (buf.length < total) break;
        const frame = buf.subarray(0, total);
        buf = buf.subarray(total);
        conn.onFrame(frame);
      }
      held = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    });
  });
}

const conns = [];
for (let i = 0; i < n; i++) {
  const c = await open(i);
  const dst = perConnPort ? first : first + i;
  if (aarq !== undefined) {
    const aare = await new Promise((resolve) => {
      c.onFrame = resolve;
      c.socket.write(wrap(dst, aarq));
    });
    if (aare[8] !== 0x61) {
      process.stderr.write(`loadgen: connection ${i}: no AARE (tag ${aare[8]?.toString(16)})\n`);
      process.exit(1);
    }
  }
  c.frame = wrap(dst, request);
  conns.push(c);
}

const ns = () => process.hrtime.bigint();
const start = ns();
const measureFrom = start + BigInt(Math.round(warmup * 1e9));
const end = measureFrom + BigInt(Math.round(seconds * 1e9));
const latencies = [];
let bad = 0;
let measuring = warmup <= 0;
let cpu0 = measuring ? process.cpuUsage() : undefined;
let inFlight = 0;
await new Promise((done) => {
  for (const c of conns) {
    c.onFrame = (frame) => {
      if (expect !== 0 && frame[8] !== expect) bad++;
      const t = ns();
      if (!measuring && t >= measureFrom) {
        measuring = true;
        cpu0 = process.cpuUsage();
      }
      inFlight--;
      if (measuring && t < end) latencies.push(Number(t - c.sentAt) / 1000);
      if (t < end) {
        c.sentAt = t;
        inFlight++;
        c.socket.write(c.frame);
      } else if (inFlight === 0) done();
    };
    c.sentAt = ns();
    inFlight++;
    c.socket.write(c.frame);
  }
});
const cpu = process.cpuUsage(cpu0);
latencies.sort((a, b) => a - b);
const q = (p) =>
  latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
const count = latencies.length;
process.stdout.write(
  `${JSON.stringify({
    requests: count,
    seconds,
    perSecond: Math.round(count / seconds),
    p50us: Math.round(q(0.5)),
    p99us: Math.round(q(0.99)),
    cpuUs: count === 0 ? 0 : Number(((cpu.user + cpu.system) / count).toFixed(2)),
    bad,
  })}\n`,
);
for (const c of conns) c.socket.destroy();
