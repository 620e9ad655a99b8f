/**
 * The graceful end of a TCP connection shared by the byte channel and the push-driven wrapper
 * connection. Internal to this package (not exported from the index).
 */
import type net from 'node:net';

/**
 * Flushes pending writes and sends FIN; destroys the socket if the peer has not closed its side within
 * `timeoutMs`. Resolves once the socket is closed (`closed`: its 'close' event, watched from the start).
 */
export function endGracefully(socket: net.Socket, closed: Promise<void>, timeoutMs: number): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  // Keep reading (and discarding) so the peer's FIN is seen even if reading was paused.
  socket.resume();
  socket.end();
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  timer.unref();
  return closed.then(() => clearTimeout(timer));
}
