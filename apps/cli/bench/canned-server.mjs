/**
 * The loopback floor for `server.bench.ts`: a TCP server that answers every IEC 62056-47 wrapper frame
 * with one fixed frame given in hex (the bytes the simulator would answer), doing nothing else. What
 * the benchmark measures against it is the cost of Node sockets and the loopback.
 *
 * Two ways of reading, as the simulator has (transport-tcp's `directReads`):
 * - by default, `'data'` events: Node allocates a buffer per read and pushes it through its readable
 *   stream;
 * - with `direct`, Node reads into one buffer of ours and calls us (the `onread` option of
 *   `net.Socket`, reached for an accepted connection by moving its native handle into a new socket).
 *   This is the floor no DLMS server in Node can beat.
 *
 * Usage: node canned-server.mjs <response-frame-hex> [direct]; prints `listening <port>` and runs until
 * SIGINT or SIGTERM. Plain JavaScript, no dependencies, so it starts without a build.
 */
import net from 'node:net';

const answer = Buffer.from(process.argv[2] ?? '', 'hex');
const direct = process.argv[3] === 'direct';
if (answer.length < 8 || (process.argv[3] !== undefined && !direct)) {
  process.stderr.write('usage: node canned-server.mjs <response-frame-hex> [direct]\n');
  process.exit(2);
}

/** Counts the whole frames in `bytes` after `held` leftover bytes; returns [frames, new leftover]. */
function countFrames(held, bytes) {
  let buf = held.length === 0 ? bytes : Buffer.concat([held, bytes]);
  let frames = 0;
  // Wrapper header: version (2), source wPort (2), destination wPort (2), length (2).
  while (buf.length >= 8) {
    const total = 8 + buf.readUInt16BE(6);
    if (buf.length < total) break;
    buf = buf.subarray(total);
    frames++;
  }
  return [frames, buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf)];
}

const readBuffer = Buffer.allocUnsafe(64 * 1024);

const server = net.createServer({ pauseOnConnect: direct }, (accepted) => {
  accepted.setNoDelay(true);
  let held = Buffer.alloc(0);
  let socket = accepted;
  const received = (bytes) => {
    let frames;
    [frames, held] = countFrames(held, bytes);
    for (let i = 0; i < frames; i++) socket.write(answer);
  };
  if (direct) {
    const handle = accepted._handle;
    socket = new net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: { buffer: readBuffer, callback: (n, b) => received(b.subarray(0, n)) },
    });
    accepted._handle = null;
    accepted.destroy();
  } else {
    socket.on('data', received);
  }
  socket.on('error', () => socket.destroy());
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
