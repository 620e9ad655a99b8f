/**
 * BER tag-length-value framing (ITU-T X.690, 8.1) for the ACSE APDUs and the xDLMS conformance block.
 *
 * A tag is handled as one number: its identifier octets read big-endian (`0x60` for [APPLICATION 0],
 * `0xA1` for [1] constructed, `0x5F1F` for [APPLICATION 31]), so callers compare against constants.
 * Lengths are checked against the input before anything is read: a length beyond the input is
 * `TRUNCATED`. Rejected on purpose: the indefinite form 0x80 (`INVALID_VALUE`; DLMS never uses it),
 * length-of-length of five bytes or more, 0x85..0xFF (`LIMIT_EXCEEDED`), tags of more than four
 * identifier octets (`LIMIT_EXCEEDED`) and non-minimal high tag numbers (`INVALID_VALUE`, X.690 8.1.2.4).
 *
 * It does not interpret contents (see `primitives.ts`) and knows nothing of ACSE.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';

/** Tag class bits of the first identifier octet: universal. */
export const BER_CLASS_UNIVERSAL = 0x00;
/** Tag class bits: application (AARQ 0x60, the conformance block 0x5F1F). */
export const BER_CLASS_APPLICATION = 0x40;
/** Tag class bits: context-specific (the ACSE fields). */
export const BER_CLASS_CONTEXT = 0x80;
/** Tag class bits: private. */
export const BER_CLASS_PRIVATE = 0xc0;
/** The constructed bit of the first identifier octet. */
export const BER_CONSTRUCTED = 0x20;

/** Universal tag of INTEGER. */
export const BER_TAG_INTEGER = 0x02;
/** Universal tag of BIT STRING (primitive). */
export const BER_TAG_BIT_STRING = 0x03;
/** Universal tag of OCTET STRING (primitive). */
export const BER_TAG_OCTET_STRING = 0x04;
/** Universal tag of OBJECT IDENTIFIER. */
export const BER_TAG_OBJECT_IDENTIFIER = 0x06;

/** Most identifier octets accepted (tag numbers below 2^21). */
const MAX_TAG_OCTETS = 4;

/**
 * The tag for `cls` (one of the `BER_CLASS_*` values), tag `number` and form, as the big-endian number
 * of its identifier octets.
 */
export function berTag(cls: number, number: number, constructed = false): number {
  if (!Number.isInteger(number) || number < 0 || number >= 1 << 21) {
    throw new ArgumentError(`${number} is not a supported BER tag number`);
  }
  const first = cls | (constructed ? BER_CONSTRUCTED : 0);
  if (number < 31) return first | number;
  let tail = number & 0x7f;
  let shift = 8;
  for (let n = number >>> 7; n > 0; n >>>= 7) {
    tail += ((n & 0x7f) | 0x80) * 2 ** shift;
    shift += 8;
  }
  return (first | 0x1f) * 2 ** shift + tail;
}

/** Number of identifier octets of `tag`. */
function tagOctets(tag: number): number {
  return tag < 0x100 ? 1 : tag < 0x10000 ? 2 : tag < 0x1000000 ? 3 : 4;
}

/** The tag class bits (`BER_CLASS_*`) of `tag`. */
export function berTagClass(tag: number): number {
  return Math.floor(tag / 2 ** (8 * (tagOctets(tag) - 1))) & 0xc0;
}

/** True when `tag` has the constructed bit. */
export function berTagIsConstructed(tag: number): boolean {
  return (Math.floor(tag / 2 ** (8 * (tagOctets(tag) - 1))) & BER_CONSTRUCTED) !== 0;
}

/** Hex of a tag for messages. */
export function berTagHex(tag: number): string {
  return `0x${tag
    .toString(16)
    .toUpperCase()
    .padStart(2 * tagOctets(tag), '0')}`;
}

/** Reads identifier octets (X.690 8.1.2) and returns the tag as one number. */
export function readBerTag(r: Reader): number {
  const at = r.pos;
  const first = r.u8();
  if ((first & 0x1f) !== 0x1f) return first;
  let tag = first;
  let number = 0;
  for (let i = 1; ; i++) {
    if (i >= MAX_TAG_OCTETS) {
      throw r.error('LIMIT_EXCEEDED', `BER tag longer than ${MAX_TAG_OCTETS} octets`, at);
    }
    const b = r.u8();
    if (i === 1 && b === 0x80) throw r.error('INVALID_VALUE', 'BER tag number has a leading zero group', at);
    tag = tag * 256 + b;
    number = number * 128 + (b & 0x7f);
    if ((b & 0x80) === 0) break;
  }
  // X.690 8.1.2.4.1: numbers up to 30 use the one-octet form.
  if (number < 31) throw r.error('INVALID_VALUE', `BER tag number ${number} in the high-tag-number form`, at);
  return tag;
}

/** Tag of the next TLV without consuming it, or `undefined` at the end of the input. */
export function peekBerTag(r: Reader): number | undefined {
  if (r.done) return undefined;
  const p = r.pos;
  const tag = readBerTag(r);
  r.pos = p;
  return tag;
}

/**
 * Reads a definite length (X.690 8.1.3) and checks that many bytes are left: a length beyond the
 * input is `TRUNCATED`.
 */
export function readBerLength(r: Reader): number {
  const at = r.pos;
  const first = r.u8();
  let n = first;
  if (first >= 0x80) {
    const k = first & 0x7f;
    if (k === 0) throw r.error('INVALID_VALUE', 'indefinite BER length 0x80 is not allowed', at);
    if (k > 4) throw r.error('LIMIT_EXCEEDED', `BER length of ${k} octets is beyond the supported 4`, at);
    n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + r.u8();
  }
  r.require(n);
  return n;
}

/**
 * Reads a TLV that must carry `tag` (else `UNKNOWN_TAG` at the tag's offset) and returns a reader over
 * its contents; `r` moves past the whole TLV.
 */
export function readBerTlv(r: Reader, tag: number, what: string): Reader {
  const at = r.pos;
  const got = readBerTag(r);
  if (got !== tag) {
    throw r.error('UNKNOWN_TAG', `expected ${what} (tag ${berTagHex(tag)}), got tag ${berTagHex(got)}`, at);
  }
  return r.sub(readBerLength(r));
}

/** Writes identifier octets of `tag` (as returned by {@link berTag} or {@link readBerTag}). */
export function writeBerTag(w: Writer, tag: number): void {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) {
    throw new ArgumentError(`${tag} is not a BER tag`);
  }
  const n = tagOctets(tag);
  for (let i = n - 1; i >= 0; i--) w.u8(Math.floor(tag / 2 ** (8 * i)) & 0xff);
}

/** Writes a definite length in its shortest form. */
export function writeBerLength(w: Writer, n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new ArgumentError(`${n} is not a valid BER length`);
  }
  if (n < 0x80) w.u8(n);
  else if (n <= 0xff) w.u8(0x81).u8(n);
  else if (n <= 0xffff) w.u8(0x82).u16(n);
  else if (n <= 0xffffff)
    w.u8(0x83)
      .u8(n >>> 16)
      .u16(n & 0xffff);
  else w.u8(0x84).u32(n);
}

/**
 * Starts a TLV: writes the tag and reserves one length byte. Returns the mark to give to
 * {@link endBerTlv} once the contents are written.
 */
export function beginBerTlv(w: Writer, tag: number): number {
  writeBerTag(w, tag);
  return w.reserve(1);
}

/** Ends a TLV started by {@link beginBerTlv}: fills in the length, widening it when above 127. */
export function endBerTlv(w: Writer, mark: number): void {
  const n = w.length - mark - 1;
  if (n < 0x80) {
    w.patchU8(mark, n);
    return;
  }
  const k = n <= 0xff ? 1 : n <= 0xffff ? 2 : n <= 0xffffff ? 3 : 4;
  w.patchU8(mark, 0x80 | k);
  const extra = new Uint8Array(k);
  for (let i = 0; i < k; i++) extra[i] = Math.floor(n / 2 ** (8 * (k - 1 - i))) & 0xff;
  w.insert(mark + 1, extra);
}

/** Writes a complete primitive TLV with the given contents. */
export function writeBerTlv(w: Writer, tag: number, contents: Uint8Array): void {
  writeBerTag(w, tag);
  writeBerLength(w, contents.length);
  w.bytes(contents);
}
