/**
 * IEC 62056-21 mode E: the sign-on of an optical probe that switches the meter to HDLC (IEC 62056-46).
 *
 * ```
 * client, 300 baud 7E1:  / ? [device address] ! CR LF                                (request)
 * meter:                 / X X X Z [\ W] <identification> CR LF                      (identification)
 * client:                ACK V Z Y CR LF   with V = '2' (HDLC protocol), Y = '2' (binary mode)
 * both:                  switch to the baud rate of Z, 8N1, then HDLC
 * ```
 *
 * XXX is the manufacturer's three-letter code (a lower-case third letter announces a 20 ms minimum
 * reaction time); Z is the baud-rate character ('0'..'6' = 300..19200 in modes C and E, 'A'..'F' =
 * 600..19200 in mode B); `\2` (enhanced identification character 2) says the meter offers the binary
 * mode (HDLC). The identification is at most 16 printable characters other than '/' and '\\'.
 *
 * The pure part builds and parses these messages; {@link signOnModeE} drives a {@link SerialChannel}.
 */
import { ArgumentError, ProtocolError, TransportError } from '@meteringlab/dlms-core';
import type { SerialChannel } from './serial.js';

const CR = 0x0d;
const LF = 0x0a;
const ACK = 0x06;

/** Baud rates of the mode C/E baud characters '0'..'6' (IEC 62056-21). */
const BAUD_CE: Record<string, number> = {
  '0': 300,
  '1': 600,
  '2': 1200,
  '3': 2400,
  '4': 4800,
  '5': 9600,
  '6': 19200,
};
/** Baud rates of the mode B baud characters 'A'..'F' ('G'..'I' reserved). */
const BAUD_B: Record<string, number> = { A: 600, B: 1200, C: 2400, D: 4800, E: 9600, F: 19200 };

/** Baud rate of a baud-rate character, or `undefined` for a reserved one ('7'..'9', 'G'..'I'). */
export function baudRateOf(z: string): number | undefined {
  return BAUD_CE[z] ?? BAUD_B[z];
}

/** The mode C/E baud character of `baudRate` (throws `ArgumentError` for a rate without one). */
export function baudCharOf(baudRate: number): string {
  const z = Object.keys(BAUD_CE).find((k) => BAUD_CE[k] === baudRate);
  if (z === undefined) throw new ArgumentError(`no mode C/E baud character for ${baudRate} baud`);
  return z;
}

/** The request message `/?[address]!\r\n`. The address: up to 32 characters among 0-9 A-Z a-z and space. */
export function buildSignOn(deviceAddress = ''): Uint8Array {
  if (!/^[0-9A-Za-z ]{0,32}$/.test(deviceAddress))
    throw new ArgumentError('invalid IEC 62056-21 device address');
  return new TextEncoder().encode(`/?${deviceAddress}!\r\n`);
}

/** A parsed identification message. */
export interface ModeEIdentification {
  /** Three-letter manufacturer code (as sent). */
  readonly manufacturer: string;
  /** True when the third letter is lower case: the meter reacts within 20 ms. */
  readonly fastReaction: boolean;
  /** The baud-rate character Z. */
  readonly baudChar: string;
  /** Baud rate of Z, `undefined` for a reserved character. */
  readonly baudRate: number | undefined;
  /** The enhanced identification character W of `\W`, when present ('2': HDLC available). */
  readonly enhanced: string | undefined;
  /** The identification text. */
  readonly identification: string;
}

/**
 * Parses `/XXXZ[\W]ident\r\n` (bytes with the parity bit already masked or not: bit 7 is ignored).
 * Throws `ProtocolError` `UNEXPECTED_APDU` for anything else.
 */
export function parseIdentification(message: Uint8Array | string): ModeEIdentification {
  const text =
    typeof message === 'string' ? message : String.fromCharCode(...Array.from(message, (b) => b & 0x7f));
  const m = /^\/([A-Za-z]{2}[A-Za-z])([0-9A-I])(?:\\([0-9]))?([\x20-\x2e\x30-\x5b\x5d-\x7e]{1,16})\r\n$/.exec(
    text,
  );
  if (!m) throw new ProtocolError('UNEXPECTED_APDU', 'not an IEC 62056-21 identification message');
  const manufacturer = m[1]!;
  return {
    manufacturer,
    fastReaction: manufacturer[2] === manufacturer[2]!.toLowerCase(),
    baudChar: m[2]!,
    baudRate: baudRateOf(m[2]!),
    enhanced: m[3],
    identification: m[4]!,
  };
}

/**
 * The acknowledgement / option select message `ACK V Z Y CR LF`. Mode E: protocol control `V` = '2'
 * (HDLC protocol procedure) and mode control `Y` = '2' (binary mode).
 */
export function buildAck(baudChar: string, protocolControl = '2', modeControl = '2'): Uint8Array {
  if (!/^[0-9A-I]$/.test(baudChar)) throw new ArgumentError(`invalid baud character ${baudChar}`);
  if (!/^[0-9]$/.test(protocolControl) || !/^[0-9]$/.test(modeControl))
    throw new ArgumentError('invalid control character');
  return Uint8Array.of(
    ACK,
    protocolControl.charCodeAt(0),
    baudChar.charCodeAt(0),
    modeControl.charCodeAt(0),
    CR,
    LF,
  );
}

/** Parses an acknowledgement message (used by meter simulators). */
export function parseAck(message: Uint8Array): {
  protocolControl: string;
  baudChar: string;
  modeControl: string;
} {
  const b = Array.from(message, (x) => x & 0x7f);
  if (b.length !== 6 || b[0] !== ACK || b[4] !== CR || b[5] !== LF) {
    throw new ProtocolError('UNEXPECTED_APDU', 'not an IEC 62056-21 acknowledgement message');
  }
  return {
    protocolControl: String.fromCharCode(b[1]!),
    baudChar: String.fromCharCode(b[2]!),
    modeControl: String.fromCharCode(b[3]!),
  };
}

/**
 * Accumulates received bytes until a complete line (`\r\n`) and returns it; throws `LIMIT_EXCEEDED`-like
 * `ProtocolError` when more than `maxLength` bytes arrive without one.
 */
export class LineReader {
  private buf: number[] = [];
  constructor(private readonly maxLength = 64) {}

  /** Adds bytes; returns the line (with its CR LF) once complete, plus the bytes after it. */
  push(chunk: Uint8Array): { line: Uint8Array; rest: Uint8Array } | undefined {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]! & 0x7f;
      // Echo or noise before the start of a message is skipped.
      if (this.buf.length === 0 && b !== 0x2f && b !== ACK) continue;
      this.buf.push(b);
      if (b === LF && this.buf.length >= 2 && this.buf[this.buf.length - 2] === CR) {
        const line = Uint8Array.from(this.buf);
        this.buf = [];
        return { line, rest: chunk.subarray(i + 1) };
      }
      if (this.buf.length > this.maxLength) {
        this.buf = [];
        throw new ProtocolError('UNEXPECTED_APDU', `no end of line within ${this.maxLength} bytes`);
      }
    }
    return undefined;
  }
}

/** Options of {@link signOnModeE}. */
export interface ModeESignOnOptions {
  /** Device address for the request message (default: none). */
  readonly deviceAddress?: string;
  /** Highest baud rate to accept (default: whatever the meter offers). */
  readonly maxBaudRate?: number;
  /** Time to wait for the identification (default 1500 ms, the maximum reaction time of -21). */
  readonly identificationTimeoutMs?: number;
  /** Pause between the acknowledgement and the switch of baud rate (default 300 ms). */
  readonly switchDelayMs?: number;
  /** Accept an identification without `\2` (default false: `UNEXPECTED_APDU`). */
  readonly allowWithoutEnhanced?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Runs the mode E sign-on on `port`: sets 300 baud 7E1, sends the request, reads the identification,
 * (skipping an echo of the request, as many optical probes produce), sends `ACK 2 Z 2`, waits until it
 * has left the UART and `switchDelayMs`, and switches the port to
 * the agreed baud rate in 8N1. Resolves with the identification; the caller then opens HDLC on `port`.
 * Errors: `TransportError` `CONNECT_TIMEOUT` (no identification), `ProtocolError` `UNEXPECTED_APDU`
 * (garbled identification, no `\2`, reserved baud character).
 */
export async function signOnModeE(
  port: SerialChannel,
  options: ModeESignOnOptions = {},
): Promise<ModeEIdentification> {
  await port.reconfigure({ baudRate: 300, dataBits: 7, parity: 'even', stopBits: 1 });
  const request = buildSignOn(options.deviceAddress);
  await port.write(request);
  const timeoutMs = options.identificationTimeoutMs ?? 1500;
  const reader = new LineReader();
  const iterator = port.chunks[Symbol.asyncIterator]();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new TransportError('CONNECT_TIMEOUT', `no identification within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  let line: Uint8Array | undefined;
  let pending: Uint8Array | undefined;
  try {
    while (line === undefined) {
      let chunk = pending;
      pending = undefined;
      if (chunk === undefined) {
        const r = await Promise.race([iterator.next(), timeout]);
        if (r.done) throw new TransportError('CLOSED', 'port closed during the sign-on');
        chunk = r.value;
      }
      const got = reader.push(chunk);
      if (got === undefined) continue;
      if (got.rest.length > 0) pending = got.rest;
      // Many optical probes echo what they send: the request comes back before the identification.
      if (!sameBytes(got.line, request)) line = got.line;
    }
  } finally {
    clearTimeout(timer);
  }
  const id = parseIdentification(line);
  if (id.enhanced !== '2' && !options.allowWithoutEnhanced) {
    throw new ProtocolError('UNEXPECTED_APDU', 'the meter does not announce the binary mode (\\2)');
  }
  if (id.baudRate === undefined)
    throw new ProtocolError('UNEXPECTED_APDU', `reserved baud character ${id.baudChar}`);
  let baudRate = id.baudRate;
  if (options.maxBaudRate !== undefined && baudRate > options.maxBaudRate) {
    const allowed = Object.values(BAUD_CE).filter((b) => b <= options.maxBaudRate!);
    baudRate = Math.max(...allowed);
  }
  await port.write(buildAck(baudCharOf(baudRate)));
  await port.drain();
  await sleep(options.switchDelayMs ?? 300);
  await port.reconfigure({ baudRate, dataBits: 8, parity: 'none', stopBits: 1 });
  return { ...id, baudRate };
}
