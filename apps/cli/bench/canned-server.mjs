/**
 * The loopback floor for `server.bench.ts`: a TCP server that answers every IEC 62056-47 wrapper frame
 * with one fixed frame given in hex (the bytes the simulator would answer), doing nothing else. What
 * the benchmark measures against it is the cost of Node sockets and the loopback, which no DLMS server
 * in Node can beat.
 *
 * Usage: node canned-server.mjs <response-frame-hex>; prints `listening <port>` and runs until SIGINT or
 * SIGTERM. Plain JavaScript, no dependencies, so it starts without a build.
 */
import net from 'node:net';

const answer = Buffer.from(process.argv[2] ?? '', 'hex');
if (answer.length < 8) {
  process.stderr.write('usage: node canned-server.mjs <response-frame-hex>\n');
  process.exit(2);
}

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  let held = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    let buf = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    let frames = 0;
    // Wrapper header: version (2), source wPort (2), destination wPort (2), length (2).
    while (buf.length >= 8) {
      const total = 8 + buf.readUInt16BE(6);
      if (buf.length < total) break;
      buf = buf.subarray(total);
      frames++;
    }
    held = buf.length === 0 ? Buffer.alloc(0) : Buffer.from(buf);
    for (let i = 0; i < frames; i++) socket.write(answer);
  });
  socket.on('error', () => socket.destroy());
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
