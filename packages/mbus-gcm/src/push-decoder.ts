/**
 * The push pipeline of a customer-interface reader: bytes as they come off the wire in, events out.
 *
 * ```
 * bytes ─ M-Bus framer ─ DLMS transport reassembly ─┐
 *       ─ HDLC framer ─ LLC / segment reassembly ───┼─ APDU ─ deciphering ─ GBT reassembly ─ Data-Notification ─ readings
 *       ─ (format 'apdu': each chunk is one APDU) ──┘
 * ```
 *
 * Deciphering is dlms-core's `unprotectApdu`: general-glo-ciphering (0xDB) and general-ded-ciphering
 * (0xDC), encryption only (no tag: security control 0x20, as Kaifa MA309M pushes for EVN) or authenticated
 * and encrypted (0x30: the tag is verified with the authentication key; a tagged frame without that key
 * is a `MISSING_KEY` error unless `allowUnverified` is set). General-Block-Transfer is reassembled
 * whether it carries ciphered APDUs or is itself ciphered. Plain Data-Notifications are taken as they
 * come. Readings are cosem-objects' `notificationReadings`, with the Push setup's capture objects for
 * positional layouts.
 *
 * Events: `reading` (one per push), `warning` (framing noise, dropped partial APDUs, APDUs that are not
 * pushes), `error` (an APDU that fails to decipher, verify or decode: no reading comes out of it) and,
 * with `trace: true`, `trace` events per layer for debug logs. `push` never throws on a peer's bytes.
 *
 * Format 'auto' locks onto the first format that yields a whole frame: M-Bus and HDLC framers both see
 * the bytes until one of them finds a frame; a chunk that begins with a push APDU tag while nothing is
 * pending and that decodes as an APDU locks the format to 'apdu'.
 *
 * Pure: no I/O, no timers, no clocks. Not here: replay protection of invocation counters (a listener
 * keeps no durable state) and the serial port, MQTT and output formats (`read.ts`, `cli.ts`).
 */
import {
  ArgumentError,
  DlmsError,
  DecodeError,
  Reader,
  decodeApdu,
  decodeGeneralBlockTransfer,
  isCipheredApduTag,
  toSecretKey,
  unprotectApdu,
  type Data,
  type DataNotification,
  type KeyInput,
} from '@meteringlab/dlms-core';
import {
  notificationReadings,
  type NotificationReadings,
  type NotificationReadingsOptions,
  type PushObjectInput,
  type Reading,
  type ScalerUnit,
} from '@meteringlab/cosem-objects';
import { createHdlcFramer, type HdlcFramer } from '@meteringlab/transport-hdlc-serial';
import { createMbusFramer, type MbusFramer } from './mbus-framer.js';
import {
  DEFAULT_MAX_APDU_LENGTH,
  createMbusReassembler,
  decodeMbusDlmsSegment,
  isMbusDlmsCi,
  type MbusReassembler,
  type ReassemblyItem,
} from './dlms-transport.js';
import { createHdlcPushReassembler, type HdlcPushReassembler } from './hdlc-push.js';
import { decodePushApdu } from './quirks.js';

/** Wire formats the decoder understands. */
export type PushFormat = 'mbus' | 'hdlc' | 'apdu' | 'auto';

/** Layers named in events. */
export type PushLayer = 'mbus' | 'hdlc' | 'transport' | 'apdu' | 'security' | 'gbt';

/** Options of {@link createPushDecoder}. */
export interface PushDecoderOptions {
  /** Wire format (default 'auto'). */
  readonly format?: PushFormat;
  /** Global unicast encryption key (16 bytes for suites 0 and 1). */
  readonly key?: KeyInput;
  /** Authentication key: when given, tags are verified and untagged frames are rejected. */
  readonly authKey?: KeyInput;
  /** Decipher tagged frames without an authentication key (readings marked `verified: false`). */
  readonly allowUnverified?: boolean;
  /** The Push setup's push_object_list, for positional bodies. */
  readonly captureObjects?: readonly PushObjectInput[];
  /** scaler_unit per OBIS for bodies that carry none. */
  readonly scalerUnits?: Readonly<Record<string, ScalerUnit>>;
  /** Cap of a reassembled APDU (default 4096 bytes). */
  readonly maxApduLength?: number;
  /** Emit `trace` events (telegrams, APDUs, plaintexts) for debug logs. */
  readonly trace?: boolean;
}

/** Security facts of one push. */
export interface PushSecurity {
  /** The APDU came ciphered. */
  readonly protected: boolean;
  /** Every tag on the way verified (false for encryption-only frames and `allowUnverified`). */
  readonly verified: boolean;
  readonly securityControl?: number;
  readonly invocationCounter?: number;
}

/** One push, read. */
export interface PushReadingEvent {
  readonly type: 'reading';
  /** Meter time, ISO 8601, when the push carries one. */
  readonly meterTime?: string;
  /** System title from the ciphering envelope, upper-case hex. */
  readonly systemTitle?: string;
  readonly readings: readonly Reading[];
  /** Elements a flat list carried before its first OBIS code. */
  readonly extra?: readonly Data[];
  /** The body, when no known layout matched. */
  readonly unparsed?: Data;
  readonly security: PushSecurity;
  readonly notification: DataNotification;
  /** The plain Data-Notification APDU. */
  readonly plaintext: Uint8Array;
}

/** Something was dropped or ignored; decoding goes on. */
export interface PushWarningEvent {
  readonly type: 'warning';
  readonly layer: PushLayer;
  /** A `FramingError` code, a reassembly warning code or `UNEXPECTED_APDU`. */
  readonly code: string;
  readonly message: string;
}

/** An APDU that could not be deciphered, verified or decoded: no reading came out of it. */
export interface PushErrorEvent {
  readonly type: 'error';
  readonly layer: PushLayer;
  readonly error: DlmsError;
}

/** Debug trace of one layer (only with `trace: true`). */
export interface PushTraceEvent {
  readonly type: 'trace';
  readonly layer: 'telegram' | 'apdu' | 'plaintext';
  readonly bytes: Uint8Array;
  /** One-line description (never key material). */
  readonly text: string;
}

/** Every event of the decoder. */
export type PushEvent = PushReadingEvent | PushWarningEvent | PushErrorEvent | PushTraceEvent;

/** The pipeline (see the module notes). */
export interface PushDecoder {
  /** Feeds bytes in wire order; with format 'apdu', each chunk is one whole APDU. */
  push(chunk: Uint8Array): PushEvent[];
  /** The format in use ('auto' until it locked). */
  readonly format: PushFormat;
  /** Drops partial frames and APDUs (e.g. after a port was reopened). */
  reset(): void;
}

const GBT_TAG = 0xe0;
const MAX_NESTING = 4;
const AUTO_APDU_TAGS: ReadonlySet<number> = new Set([0x0f, 0xdb, 0xdc, 0xe0]);

function asDlmsError(e: unknown): DlmsError {
  if (e instanceof DlmsError) return e;
  return new DecodeError('INVALID_VALUE', e instanceof Error ? e.message : String(e), 0, { cause: e });
}

/** Creates a {@link PushDecoder}. */
export function createPushDecoder(options: PushDecoderOptions = {}): PushDecoder {
  let format: PushFormat = options.format ?? 'auto';
  if (!['mbus', 'hdlc', 'apdu', 'auto'].includes(format))
    throw new ArgumentError(`unknown format ${String(format)}`);
  const maxApduLength = options.maxApduLength ?? DEFAULT_MAX_APDU_LENGTH;
  const trace = options.trace === true;
  // Key objects built once: a fresh OpenSSL key per frame would cost more than the deciphering.
  const key = options.key === undefined ? undefined : toSecretKey(options.key);
  const authKey = options.authKey === undefined ? undefined : toSecretKey(options.authKey);
  const unprotectOptions = {
    ...(key === undefined ? {} : { key }),
    ...(authKey === undefined ? {} : { authKey }),
    ...(options.allowUnverified === true ? { allowUnverified: true } : {}),
  };

  let mbusFramer: MbusFramer = createMbusFramer();
  let hdlcFramer: HdlcFramer = createHdlcFramer();
  let mbusReassembler: MbusReassembler = createMbusReassembler({ maxApduLength });
  let hdlcReassembler: HdlcPushReassembler = createHdlcPushReassembler({ maxApduLength });
  // General-Block-Transfer state.
  let gbtParts: Uint8Array[] = [];
  let gbtTotal = 0;
  let gbtNext = 0;
  let gbtSkipping = false;

  const warn = (out: PushEvent[], layer: PushLayer, code: string, message: string): void => {
    out.push({ type: 'warning', layer, code, message });
  };

  const fail = (out: PushEvent[], layer: PushLayer, e: unknown): void => {
    out.push({ type: 'error', layer, error: asDlmsError(e) });
  };

  interface Envelope {
    readonly systemTitle?: Uint8Array;
    readonly security: PushSecurity;
  }

  const plainEnvelope: Envelope = { security: { protected: false, verified: false } };

  // Built once: notificationReadings caches what it derives from the capture objects and scaler table
  // by these objects' identity.
  const readingsOptions: NotificationReadingsOptions = {
    ...(options.captureObjects === undefined ? {} : { captureObjects: options.captureObjects }),
    ...(options.scalerUnits === undefined ? {} : { scalerUnits: options.scalerUnits }),
  };

  function readingsOf(n: DataNotification, env: Envelope): NotificationReadings {
    // EVN/Kaifa MA309M flat lists end with the meter number, without an OBIS code in front of it:
    // notificationReadings puts it in `extra` (after the leading date-time).
    return notificationReadings(
      n,
      env.systemTitle === undefined ? readingsOptions : { ...readingsOptions, systemTitle: env.systemTitle },
    );
  }

  function reading(out: PushEvent[], plaintext: Uint8Array, env: Envelope): void {
    let apdu;
    try {
      apdu = decodePushApdu(plaintext);
    } catch (e) {
      fail(out, 'apdu', e);
      return;
    }
    if (apdu.type !== 'data-notification') {
      warn(out, 'apdu', 'UNEXPECTED_APDU', `${apdu.type} is not a push (Data-Notification); ignored`);
      return;
    }
    let r: NotificationReadings;
    try {
      r = readingsOf(apdu, env);
    } catch (e) {
      // notificationReadings does not throw on a peer's data; this keeps `push` total if it ever did.
      fail(out, 'apdu', e);
      return;
    }
    out.push({
      type: 'reading',
      ...(r.meterTime === undefined ? {} : { meterTime: r.meterTime }),
      ...(r.systemTitle === undefined ? {} : { systemTitle: r.systemTitle }),
      readings: r.readings,
      ...(r.extra === undefined ? {} : { extra: r.extra }),
      ...(r.unparsed === undefined ? {} : { unparsed: r.unparsed }),
      security: env.security,
      notification: apdu,
      plaintext,
    });
  }

  function gbtBlock(out: PushEvent[], bytes: Uint8Array, env: Envelope, depth: number): void {
    const r = new Reader(bytes);
    let block;
    try {
      block = decodeGeneralBlockTransfer(r);
      r.expectEnd('General-Block-Transfer');
    } catch (e) {
      fail(out, 'gbt', e);
      return;
    }
    const n = block.blockNumber;
    if (n === 1) {
      if (gbtParts.length > 0)
        warn(out, 'gbt', 'RESTART', 'a new block transfer started before the previous one ended');
      gbtParts = [];
      gbtTotal = 0;
      gbtNext = 1;
      gbtSkipping = false;
    } else if (gbtParts.length === 0 || n !== gbtNext) {
      if (!gbtSkipping) {
        warn(
          out,
          'gbt',
          gbtParts.length === 0 ? 'MID_SEQUENCE' : 'GAP',
          gbtParts.length === 0
            ? `block ${n} of a transfer whose first block was not received`
            : `expected block ${gbtNext}, got ${n}`,
        );
      }
      gbtParts = [];
      gbtTotal = 0;
      gbtSkipping = !block.lastBlock;
      return;
    }
    if (gbtTotal + block.blockData.length > maxApduLength) {
      warn(out, 'gbt', 'LIMIT_EXCEEDED', `block transfer exceeds ${maxApduLength} bytes`);
      gbtParts = [];
      gbtTotal = 0;
      gbtSkipping = !block.lastBlock;
      return;
    }
    gbtParts.push(block.blockData.slice());
    gbtTotal += block.blockData.length;
    gbtNext = (n + 1) & 0xffff;
    if (!block.lastBlock) return;
    const whole = new Uint8Array(gbtTotal);
    let at = 0;
    for (const p of gbtParts) {
      whole.set(p, at);
      at += p.length;
    }
    gbtParts = [];
    gbtTotal = 0;
    handleApdu(out, whole, env, depth + 1);
  }

  function handleApdu(out: PushEvent[], bytes: Uint8Array, env: Envelope, depth: number): void {
    if (depth > MAX_NESTING) {
      fail(out, 'apdu', new DecodeError('LIMIT_EXCEEDED', 'APDUs nested too deep', 0));
      return;
    }
    const tag = bytes[0];
    if (tag === undefined) {
      fail(out, 'apdu', new DecodeError('TRUNCATED', 'empty APDU', 0));
      return;
    }
    if (isCipheredApduTag(tag)) {
      if (trace)
        out.push({
          type: 'trace',
          layer: 'apdu',
          bytes,
          text: `protected APDU 0x${tag.toString(16)} (${bytes.length} bytes)`,
        });
      let u;
      try {
        u = unprotectApdu(bytes, unprotectOptions);
      } catch (e) {
        fail(out, 'security', e);
        return;
      }
      const e = u.envelope;
      const inner: Envelope = {
        ...(e.systemTitle === undefined
          ? env.systemTitle === undefined
            ? {}
            : { systemTitle: env.systemTitle }
          : { systemTitle: e.systemTitle }),
        security: {
          protected: true,
          verified: u.verified,
          ...(e.apdu.type === 'general-signing' ? {} : { securityControl: e.apdu.securityControl }),
          ...(e.invocationCounter === undefined ? {} : { invocationCounter: e.invocationCounter }),
        },
      };
      if (trace) {
        out.push({
          type: 'trace',
          layer: 'plaintext',
          bytes: u.plaintext,
          text: `plaintext of ${u.plaintext.length} bytes, IC ${e.invocationCounter ?? '-'}, ${u.verified ? 'tag verified' : 'not verified'}`,
        });
      }
      handleApdu(out, u.plaintext, inner, depth + 1);
      return;
    }
    if (tag === GBT_TAG) {
      gbtBlock(out, bytes, env, depth);
      return;
    }
    // A Data-Notification, or a plain APDU of another kind that `reading` names in a warning.
    reading(out, bytes, env);
  }

  function reassembled(out: PushEvent[], layer: PushLayer, items: ReassemblyItem[]): void {
    for (const it of items) {
      if (it.type === 'warning') warn(out, layer, it.code, `${it.message} (${it.dropped} byte(s) dropped)`);
      else handleApdu(out, it.apdu, plainEnvelope, 0);
    }
  }

  function pushMbus(out: PushEvent[], chunk: Uint8Array, items = mbusFramer.push(chunk)): void {
    for (const it of items) {
      if (it.type === 'error') {
        warn(out, 'mbus', it.error.code, `${it.error.message} (${it.skipped} byte(s) skipped)`);
        continue;
      }
      const f = it.frame;
      if (trace) {
        out.push({
          type: 'trace',
          layer: 'telegram',
          bytes: it.bytes,
          text: `M-Bus L=${f.data.length + 3} C=0x${hex2(f.c)} A=0x${hex2(f.a)} CI=0x${hex2(f.ci)}`,
        });
      }
      if (!isMbusDlmsCi(f.ci)) {
        warn(out, 'transport', 'UNKNOWN_TAG', `CI 0x${hex2(f.ci)} is not a DLMS CI; telegram ignored`);
        continue;
      }
      let seg;
      try {
        seg = decodeMbusDlmsSegment(f);
      } catch (e) {
        warn(out, 'transport', asDlmsError(e).code, asDlmsError(e).message);
        continue;
      }
      reassembled(out, 'transport', mbusReassembler.add(seg));
    }
  }

  function pushHdlc(out: PushEvent[], chunk: Uint8Array, items = hdlcFramer.push(chunk)): void {
    for (const it of items) {
      if (it.type === 'error') {
        warn(out, 'hdlc', it.error.code, `${it.error.message} (${it.skipped} byte(s) skipped)`);
        continue;
      }
      if (trace) {
        out.push({
          type: 'trace',
          layer: 'telegram',
          bytes: it.bytes,
          text: `HDLC ${it.frame.control.type.toUpperCase()} ${it.bytes.length} bytes${it.frame.segmented ? ' (segment)' : ''}`,
        });
      }
      reassembled(out, 'hdlc', hdlcReassembler.add(it.frame));
    }
  }

  function pushAuto(out: PushEvent[], chunk: Uint8Array): void {
    // A chunk that is exactly one push APDU (a UDP datagram, a hex argument) locks the format to 'apdu'.
    if (mbusFramer.buffered === 0 && hdlcFramer.buffered === 0 && AUTO_APDU_TAGS.has(chunk[0]!)) {
      let whole = false;
      try {
        decodeApdu(chunk);
        whole = true;
      } catch {
        // not an APDU on its own: leave it to the framers
      }
      if (whole) {
        format = 'apdu';
        handleApdu(out, chunk, plainEnvelope, 0);
        return;
      }
    }
    const m = mbusFramer.push(chunk);
    const h = hdlcFramer.push(chunk);
    const mFirst = m.findIndex((i) => i.type === 'frame');
    const hFirst = h.findIndex((i) => i.type === 'frame');
    // Until a format locks, bytes that neither framer accepts are not worth a warning each.
    if (mFirst >= 0 && (hFirst < 0 || mFirst <= hFirst)) {
      format = 'mbus';
      hdlcFramer = createHdlcFramer();
      pushMbus(out, chunk, m.slice(mFirst));
    } else if (hFirst >= 0) {
      format = 'hdlc';
      mbusFramer = createMbusFramer();
      pushHdlc(out, chunk, h.slice(hFirst));
    }
  }

  return {
    get format() {
      return format;
    },
    reset() {
      mbusFramer = createMbusFramer();
      hdlcFramer = createHdlcFramer();
      mbusReassembler = createMbusReassembler({ maxApduLength });
      hdlcReassembler = createHdlcPushReassembler({ maxApduLength });
      gbtParts = [];
      gbtTotal = 0;
      gbtSkipping = false;
    },
    push(chunk: Uint8Array): PushEvent[] {
      const out: PushEvent[] = [];
      if (chunk.length === 0) return out;
      switch (format) {
        case 'mbus':
          pushMbus(out, chunk);
          break;
        case 'hdlc':
          pushHdlc(out, chunk);
          break;
        case 'apdu':
          handleApdu(out, chunk, plainEnvelope, 0);
          break;
        case 'auto':
          pushAuto(out, chunk);
          break;
      }
      return out;
    },
  };
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0').toUpperCase();
}
