/**
 * Direct reads for accepted TCP connections: Node reads the socket into one buffer of ours and calls
 * us with the byte count, instead of allocating a new buffer per read and pushing it through the
 * readable-stream machinery (`push`, the `'data'` event, a `nextTick` per read). On a busy server that
 * answers small requests, that is a large part of what Node itself spends per request: measured on
 * loopback with a server that answers every frame with fixed bytes, 20–30 % more answers per second.
 *
 * Node offers this as the `onread` option of `net.Socket`, but only for sockets it creates (a client
 * connect, or a socket opened on a file descriptor). An accepted connection is adopted instead: the
 * server accepts it paused (`pauseOnConnect`), and its native handle moves into a new `net.Socket`
 * created with `onread`; the accepted `Socket` object, left without a handle, is destroyed (which also
 * takes it off the `net.Server`'s own connection count). That move uses the socket's `_handle` and the
 * constructor's `handle` option, which Node does not document (its cluster module and handle passing
 * are built on them); {@link adoptDirectReads} checks what it needs and returns `undefined` when this
 * Node does not offer it, and callers then read the ordinary way.
 *
 * `onBytes(buffer, n)` gets the buffer and the count of bytes read into it: they are valid only during
 * the call, since the next read (of any connection sharing the buffer) overwrites them. Reading stops
 * with `socket.pause()` and starts again with `socket.resume()`, as for any socket. End of stream and
 * errors arrive as usual (`'end'`, `'error'`, `'close'`).
 *
 * Internal to this package (not exported from the index).
 */
import net from 'node:net';

/** Size of the buffer Node reads into: what one read can bring. */
export const DIRECT_READ_BUFFER_SIZE = 64 * 1024;

/** The members of Node's native TCP handle that the adoption relies on. */
interface NativeHandle {
  readStart(): number;
  readStop(): number;
  useUserBuffer(buffer: Uint8Array): void;
}

function isNativeHandle(h: unknown): h is NativeHandle {
  if (typeof h !== 'object' || h === null) return false;
  const o = h as Record<string, unknown>;
  return (
    typeof o['readStart'] === 'function' &&
    typeof o['readStop'] === 'function' &&
    typeof o['useUserBuffer'] === 'function'
  );
}

/**
 * Moves the native handle of `accepted` (a socket accepted with `pauseOnConnect: true`, not read
 * from yet) into a new socket whose reads land in `buffer` and go to `onBytes(buffer, n)`. Returns the
 * new socket (reading already), or `undefined` (and `accepted` untouched) when this Node cannot do it.
 * Socket options set on `accepted` before (`setNoDelay`, keep-alive) stay: they belong to the
 * connection, not to the JavaScript object.
 */
export function adoptDirectReads(
  accepted: net.Socket,
  buffer: Uint8Array,
  onBytes: (buffer: Uint8Array, n: number) => void,
): net.Socket | undefined {
  const holder = accepted as unknown as { _handle?: unknown };
  const handle = holder._handle;
  if (!isNativeHandle(handle) || accepted.destroyed || accepted.readableLength > 0) return undefined;
  let adopted: net.Socket;
  try {
    adopted = new net.Socket({
      handle,
      allowHalfOpen: accepted.allowHalfOpen,
      readable: true,
      writable: true,
      onread: {
        buffer,
        callback: (n: number, buf: Uint8Array) => {
          onBytes(buf, n);
        },
      },
    } as net.SocketConstructorOpts);
  } catch {
    return undefined;
  }
  if ((adopted as unknown as { _handle?: unknown })._handle !== handle) {
    // Not taken over as expected: leave the accepted socket to the ordinary path.
    adopted.destroy();
    return undefined;
  }
  // The accepted object no longer owns the connection: destroying it closes nothing but itself.
  holder._handle = null;
  accepted.destroy();
  return adopted;
}
