/**
 * The three small interfaces every transport of the stack implements or consumes.
 *
 * - {@link ByteChannel}: an ordered, reliable-or-not stream of bytes (TCP socket, serial port, in-memory
 *   pair). Chunk boundaries carry no meaning.
 * - {@link Framer}: a pure, incremental splitter of a byte stream into frames (wrapper, HDLC, M-Bus).
 * - {@link ApduChannel}: whole APDUs in, whole APDUs out (wrapper over TCP/UDP, an HDLC link).
 *
 * Types only: this file has no runtime code, because dlms-core does no I/O. Implementations live in the
 * transport packages (`@meteringlab/transport-tcp` ships the in-memory pairs and the TCP/UDP drivers).
 */

/**
 * A bidirectional byte stream.
 *
 * Ordering: bytes written by one side arrive at the other in the order of the `write` calls that
 * resolved, possibly split or merged into different chunks (a lossy test channel may break this on
 * purpose, and says so).
 *
 * Close: `close()` is idempotent and resolves once the channel is closed locally; bytes whose `write`
 * already resolved are still delivered to the peer. After either side closes, the peer's `chunks` ends
 * (normally, not with an error) once the bytes in flight have been delivered, and every further `write`
 * on either side rejects with a `TransportError` `CLOSED`. The local `chunks` ends at once on `close()`;
 * chunks received but not yet consumed are discarded.
 *
 * Errors: `write` rejects with a `TransportError` (`CLOSED`, `LINK_FAILED`); iterating `chunks` throws a
 * `TransportError` (`IDLE_TIMEOUT`, `LINK_FAILED`) when the link fails, after which the channel is closed.
 */
export interface ByteChannel {
  /**
   * Queues `bytes` for sending. Resolves when the transport has taken them (for a socket: handed to the
   * kernel), which is how backpressure reaches the caller: await each write. The caller may reuse
   * `bytes` once the promise resolves.
   */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * Received chunks, in arrival order. One consumer at a time: leaving a `for await` loop early does not
   * close the channel, and a later iteration continues with the next unread chunk. Each chunk belongs to
   * the consumer (the channel never reuses or mutates it).
   */
  readonly chunks: AsyncIterable<Uint8Array>;
  /** Closes the channel (idempotent); see the interface notes for what the peer observes. */
  close(): Promise<void>;
}

/**
 * A pure, incremental splitter of a byte stream into frames of type `F`.
 *
 * `push(chunk)` returns every frame completed by `chunk`, in stream order (possibly none), and keeps the
 * bytes of an incomplete frame for the next call. A framer never mutates `chunk`; returned frames may be
 * views into it, so a caller that mutates or reuses its input buffers copies the frames first.
 *
 * Errors: a malformed frame or a length over the framer's cap throws a `FramingError`. A framer that
 * threw is failed: every later `push` throws `FramingError` `FRAMER_FAILED`, and the connection that fed
 * it should be closed (resynchronising is the business of framers whose format allows it, such as HDLC,
 * and those say so in their own documentation).
 */
export interface Framer<F> {
  push(chunk: Uint8Array): F[];
}

/**
 * Whole APDUs in both directions.
 *
 * Ordering: APDUs sent on one side are received in `send` order on the other, unless the underlying
 * transport is datagram-based (UDP) or a lossy test channel, which may lose, duplicate or reorder them.
 *
 * Close: `close()` is idempotent; APDUs whose `send` resolved are still delivered. After either side
 * closes, the peer's `receive()` iteration ends normally and further `send` calls reject with a
 * `TransportError` `CLOSED`. The local iteration ends at once.
 *
 * Errors: `send` rejects with a `TransportError` (`CLOSED`, `LINK_FAILED`) or an `ArgumentError` (APDU
 * too long for the transport). Iterating `receive()` throws a `FramingError` when the peer sent a
 * malformed frame on a stream transport, or a `TransportError` (`IDLE_TIMEOUT`, `LINK_FAILED`); in both
 * cases the channel is closed afterwards.
 */
export interface ApduChannel {
  /** Sends one APDU as one transport unit. Resolves when the transport has taken it (backpressure). */
  send(apdu: Uint8Array): Promise<void>;
  /**
   * Received APDUs, in arrival order. One consumer at a time; leaving the loop early does not close the
   * channel, and calling `receive()` again continues with the next unread APDU.
   */
  receive(): AsyncIterable<Uint8Array>;
  /** Closes the channel (idempotent). */
  close(): Promise<void>;
}
