/**
 * A `ByteChannel` over a serial port (`serialport`), with the two things HDLC and mode E need from a
 * port: changing the line settings mid-session (`reconfigure`, used for the mode E baud switch from 300
 * baud 7E1 to the agreed rate in 8N1) and waiting until written bytes have left the UART (`drain`).
 *
 * With `interByteTimeoutMs` the received bytes are grouped by line silence
 * (`@serialport/parser-inter-byte-timeout`), which suits framers that like whole frames per chunk; the
 * HDLC framer works with any chunking, so this is optional.
 *
 * The received-chunk queue survives a reconfiguration: reading may go on across the baud switch.
 * Not here: protocol logic of any kind.
 */
import { SerialPort } from 'serialport';
import { InterByteTimeoutParser } from '@serialport/parser-inter-byte-timeout';
import { type ByteChannel, TransportError } from '@meteringlab/dlms-core';
import { AsyncQueue } from './queue.js';

/** Line settings of a serial port. */
export interface SerialLineSettings {
  readonly baudRate: number;
  /** Default 8. */
  readonly dataBits?: 5 | 6 | 7 | 8;
  /** Default 'none'. */
  readonly parity?: 'none' | 'even' | 'odd' | 'mark' | 'space';
  /** Default 1. */
  readonly stopBits?: 1 | 1.5 | 2;
}

/** Options of {@link openSerialChannel}. */
export interface SerialChannelOptions extends SerialLineSettings {
  /** Device path, e.g. `/dev/ttyUSB0` or `COM3`. */
  readonly path: string;
  /** Group received bytes by this much line silence (milliseconds); default: chunks as the OS gives them. */
  readonly interByteTimeoutMs?: number;
}

/** A serial port as a {@link ByteChannel}. */
export interface SerialChannel extends ByteChannel {
  readonly path: string;
  /** Current line settings. */
  readonly settings: Required<SerialLineSettings>;
  /** Resolves when every byte written so far has been transmitted by the port. */
  drain(): Promise<void>;
  /**
   * Changes the line settings. A baud-rate-only change is applied in place (`update`); a change of data
   * bits, parity or stop bits reopens the port. Received bytes not yet read are kept.
   */
  reconfigure(settings: SerialLineSettings): Promise<void>;
  /** Shorthand for {@link reconfigure} with only the baud rate changed. */
  setBaudRate(baudRate: number): Promise<void>;
}

function full(s: SerialLineSettings): Required<SerialLineSettings> {
  return {
    baudRate: s.baudRate,
    dataBits: s.dataBits ?? 8,
    parity: s.parity ?? 'none',
    stopBits: s.stopBits ?? 1,
  };
}

function failure(code: 'CONNECT_FAILED' | 'LINK_FAILED', what: string, e: unknown): TransportError {
  return new TransportError(code, `${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Opens the serial port `options.path` and resolves with a {@link SerialChannel}. */
export async function openSerialChannel(options: SerialChannelOptions): Promise<SerialChannel> {
  const queue = new AsyncQueue<Uint8Array>();
  let settings = full(options);
  let port: SerialPort;
  let closed = false;
  let reopening = false;

  const open = async (): Promise<void> => {
    const p = new SerialPort({ path: options.path, ...settings, autoOpen: false });
    await new Promise<void>((resolve, reject) =>
      p.open((e) => (e ? reject(failure('CONNECT_FAILED', `cannot open ${options.path}`, e)) : resolve())),
    );
    const source =
      options.interByteTimeoutMs === undefined
        ? p
        : p.pipe(new InterByteTimeoutParser({ interval: options.interByteTimeoutMs }));
    source.on('data', (b: Buffer) => queue.push(new Uint8Array(b.buffer, b.byteOffset, b.length)));
    p.on('error', (e) => {
      if (!closed && !reopening) queue.end(failure('LINK_FAILED', `serial port ${options.path} failed`, e));
    });
    p.on('close', () => {
      if (!closed && !reopening) {
        closed = true;
        queue.end();
      }
    });
    port = p;
  };

  const closePort = (p: SerialPort): Promise<void> =>
    new Promise((resolve) => {
      if (!p.isOpen) return resolve();
      p.close(() => resolve());
    });

  await open();

  const channel: SerialChannel = {
    path: options.path,
    get settings() {
      return settings;
    },
    chunks: queue,
    write(bytes: Uint8Array): Promise<void> {
      if (closed)
        return Promise.reject(new TransportError('CLOSED', `serial port ${options.path} is closed`));
      return new Promise((resolve, reject) => {
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), (e) =>
          e ? reject(failure('LINK_FAILED', 'serial write failed', e)) : resolve(),
        );
      });
    },
    drain(): Promise<void> {
      if (closed) return Promise.resolve();
      return new Promise((resolve, reject) =>
        port.drain((e) => (e ? reject(failure('LINK_FAILED', 'serial drain failed', e)) : resolve())),
      );
    },
    async reconfigure(next: SerialLineSettings): Promise<void> {
      if (closed) throw new TransportError('CLOSED', `serial port ${options.path} is closed`);
      const want = full(next);
      if (
        want.dataBits === settings.dataBits &&
        want.parity === settings.parity &&
        want.stopBits === settings.stopBits
      ) {
        await port.update({ baudRate: want.baudRate });
        settings = want;
        return;
      }
      // Data bits, parity and stop bits can only be set at open time.
      reopening = true;
      try {
        await closePort(port);
        settings = want;
        await open();
      } finally {
        reopening = false;
      }
    },
    setBaudRate(baudRate: number): Promise<void> {
      return channel.reconfigure({ ...settings, baudRate });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      queue.end();
      await closePort(port);
    },
  };
  return channel;
}
