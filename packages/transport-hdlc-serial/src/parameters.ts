/**
 * HDLC parameter negotiation carried in the information field of SNRM and UA (IEC 62056-46 clause
 * 6.4.4.4.3.2, ISO/IEC 13239 clause 5.5.3.2.2 "parameter negotiation"):
 *
 * ```
 * 81 (format identifier) 80 (group identifier) LL (group length)
 *   05 n <max information field length, transmit>   06 n <max information field length, receive>
 *   07 n <window size, transmit>                    08 n <window size, receive>
 * ```
 *
 * Each value is big-endian on `n` = 1..4 bytes. Every parameter is optional; an absent one takes its
 * default (128 bytes, window 1). Values are seen from the sender of the frame: in a SNRM "transmit" is
 * what the client will send, in a UA it is what the server will send.
 *
 * This module encodes, decodes and combines the values; choosing them is the business of the links.
 */
import { ArgumentError, FramingError, Reader, Writer } from '@meteringlab/dlms-core';

/** Default maximum information field length (both directions) when a parameter is absent. */
export const DEFAULT_MAX_INFO_LENGTH = 128;
/** Default window size (both directions) when a parameter is absent. */
export const DEFAULT_WINDOW_SIZE = 1;
/** Largest maximum information field length accepted (a type 3 frame holds at most 2047 bytes). */
export const MAX_INFO_LENGTH_LIMIT = 2030;
/** Largest window with modulo-8 sequence numbers. */
export const MAX_WINDOW_SIZE = 7;

/** Parameters as sent by one station; absent ones take their defaults. */
export interface HdlcParameters {
  readonly maxInfoTx?: number;
  readonly maxInfoRx?: number;
  readonly windowTx?: number;
  readonly windowRx?: number;
}

/** Parameters in force on a link, from the point of view of one station. */
export interface HdlcNegotiated {
  readonly maxInfoTx: number;
  readonly maxInfoRx: number;
  readonly windowTx: number;
  readonly windowRx: number;
}

const FORMAT_ID = 0x81;
const GROUP_ID = 0x80;
const IDS = { maxInfoTx: 0x05, maxInfoRx: 0x06, windowTx: 0x07, windowRx: 0x08 } as const;

function valueSize(v: number): number {
  return v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffff ? 3 : 4;
}

/**
 * The information field of a SNRM or UA carrying `p`. Information field lengths use the shortest
 * big-endian form; window sizes use 4 bytes, as the Green Book examples do. Empty when `p` has no value.
 */
export function encodeHdlcParameters(p: HdlcParameters): Uint8Array {
  const w = new Writer(32);
  w.u8(FORMAT_ID).u8(GROUP_ID);
  const lengthAt = w.reserve(1);
  let any = false;
  for (const key of ['maxInfoTx', 'maxInfoRx', 'windowTx', 'windowRx'] as const) {
    const v = p[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1 || v > 0xffffffff)
      throw new ArgumentError(`${key} ${v} is out of range`);
    const size = key.startsWith('window') ? 4 : valueSize(v);
    w.u8(IDS[key]).u8(size);
    for (let i = size - 1; i >= 0; i--) w.u8(Math.floor(v / 2 ** (8 * i)) & 0xff);
    any = true;
  }
  if (!any) return new Uint8Array(0);
  w.patchU8(lengthAt, w.length - 3);
  return w.toBytes();
}

/**
 * Reads the parameters of a SNRM or UA information field. An empty field gives `{}`. Unknown parameters
 * inside the group are skipped. Errors: `FramingError` `BAD_FRAME` for a wrong format or group
 * identifier, a value of 0 or of more than 4 bytes; `TRUNCATED` when the group runs past the field.
 */
export function decodeHdlcParameters(information: Uint8Array): HdlcParameters {
  if (information.length === 0) return {};
  const r = new Reader(information);
  try {
    if (r.u8() !== FORMAT_ID)
      throw new FramingError('BAD_FRAME', 'parameter format identifier is not 0x81', 0);
    if (r.u8() !== GROUP_ID) throw new FramingError('BAD_FRAME', 'parameter group identifier is not 0x80', 1);
    const group = r.sub(r.u8());
    const out: { -readonly [K in keyof HdlcParameters]: number } = {};
    while (!group.done) {
      const id = group.u8();
      const len = group.u8();
      if (len < 1 || len > 4) {
        throw new FramingError('BAD_FRAME', `parameter value of ${len} byte(s)`, group.offset - 1);
      }
      let v = 0;
      for (let i = 0; i < len; i++) v = v * 256 + group.u8();
      const key = (Object.keys(IDS) as (keyof typeof IDS)[]).find((k) => IDS[k] === id);
      if (key === undefined) continue;
      if (v === 0) throw new FramingError('BAD_FRAME', `parameter ${key} is 0`, group.offset - len);
      out[key] = v;
    }
    r.expectEnd('parameter negotiation field');
    return out;
  } catch (e) {
    if (e instanceof FramingError) throw e;
    const de = e as { code: 'TRUNCATED' | 'TRAILING_BYTES'; offset: number };
    throw new FramingError(de.code, 'malformed parameter negotiation field', de.offset, { cause: e });
  }
}

function clampInfo(v: number | undefined): number {
  return Math.min(v ?? DEFAULT_MAX_INFO_LENGTH, MAX_INFO_LENGTH_LIMIT);
}

function clampWindow(v: number | undefined): number {
  return Math.min(v ?? DEFAULT_WINDOW_SIZE, MAX_WINDOW_SIZE);
}

/**
 * What a station may use once it has its own wishes `local` and the peer's parameters `remote` (as sent
 * by the peer): it transmits at most what it wants and what the peer receives, and so on.
 */
export function negotiateHdlcParameters(local: HdlcParameters, remote: HdlcParameters): HdlcNegotiated {
  return {
    maxInfoTx: Math.min(clampInfo(local.maxInfoTx), clampInfo(remote.maxInfoRx)),
    maxInfoRx: Math.min(clampInfo(local.maxInfoRx), clampInfo(remote.maxInfoTx)),
    windowTx: Math.min(clampWindow(local.windowTx), clampWindow(remote.windowRx)),
    windowRx: Math.min(clampWindow(local.windowRx), clampWindow(remote.windowTx)),
  };
}
