/**
 * OBIS codes (IEC 62056-6-1): the six value groups A–F that name a COSEM object, as a readonly value
 * type, with parsing and formatting of the usual text forms and conversion to and from the 6-byte
 * octet-string of the wire (logical_name).
 *
 * Text forms accepted: `A-B:C.D.E*F` (the standard's notation), `A-B:C.D.E.F` and `A.B.C.D.E.F`
 * (common in tools and the Blue Book's tables), each group a decimal 0–255. Reduced forms such as
 * `1.8.0` or `1-0:1.8.0` are not guessed at: they are ambiguous, so they are an {@link ArgumentError}.
 * Names of well-known codes live in `obis-names.ts`; what an object means beyond its name belongs to
 * cosem-objects.
 */
import { ArgumentError } from './errors.js';
import type { Data } from './axdr/types.js';

/** An OBIS code: value groups A–F, each an integer 0–255. */
export interface Obis {
  /** Medium: 0 abstract, 1 electricity, 4 heat cost allocator, 5 cooling, 6 heat, 7 gas, 8 cold water, 9 hot water. */
  readonly a: number;
  /** Channel. */
  readonly b: number;
  /** Quantity (e.g. 1 active power+, 32 voltage L1 for electricity). */
  readonly c: number;
  /** Processing (e.g. 7 instantaneous, 8 time integral). */
  readonly d: number;
  /** Further classification (e.g. tariff). */
  readonly e: number;
  /** Historical value / billing period (255 = current / not used). */
  readonly f: number;
}

/** Text style of {@link formatObis}. */
export type ObisStyle = 'standard' | 'standard-dot' | 'dotted';

function checkGroup(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
    throw new ArgumentError(`OBIS value group ${name} must be an integer 0–255, got ${String(v)}`);
  }
  return v;
}

/** An OBIS code from its six value groups (a frozen object). @throws ArgumentError when a group is not 0–255. */
export function obis(a: number, b: number, c: number, d: number, e: number, f = 255): Obis {
  return Object.freeze({
    a: checkGroup(a, 'A'),
    b: checkGroup(b, 'B'),
    c: checkGroup(c, 'C'),
    d: checkGroup(d, 'D'),
    e: checkGroup(e, 'E'),
    f: checkGroup(f, 'F'),
  });
}

const GROUP = '(\\d{1,3})';
const STANDARD_RE = new RegExp(`^${GROUP}-${GROUP}:${GROUP}\\.${GROUP}\\.${GROUP}[*.]${GROUP}$`);
const DOTTED_RE = new RegExp(`^${GROUP}\\.${GROUP}\\.${GROUP}\\.${GROUP}\\.${GROUP}\\.${GROUP}$`);

/**
 * Parses `A-B:C.D.E*F`, `A-B:C.D.E.F` or `A.B.C.D.E.F` (surrounding white space ignored).
 *
 * @throws ArgumentError for any other text or a group above 255.
 */
export function parseObis(text: string): Obis {
  if (typeof text !== 'string') throw new ArgumentError('OBIS code text must be a string');
  const t = text.trim();
  const m = STANDARD_RE.exec(t) ?? DOTTED_RE.exec(t);
  if (!m) throw new ArgumentError(`not an OBIS code: ${JSON.stringify(text)}`);
  return obis(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/** Like {@link parseObis}, but `undefined` instead of an error. */
export function tryParseObis(text: string): Obis | undefined {
  try {
    return parseObis(text);
  } catch {
    return undefined;
  }
}

/**
 * Text of an OBIS code: `'standard'` `1-0:1.8.0*255` (default), `'standard-dot'` `1-0:1.8.0.255`,
 * `'dotted'` `1.0.1.8.0.255`.
 */
export function formatObis(o: Obis, style: ObisStyle = 'standard'): string {
  switch (style) {
    case 'standard':
      return `${o.a}-${o.b}:${o.c}.${o.d}.${o.e}*${o.f}`;
    case 'standard-dot':
      return `${o.a}-${o.b}:${o.c}.${o.d}.${o.e}.${o.f}`;
    case 'dotted':
      return `${o.a}.${o.b}.${o.c}.${o.d}.${o.e}.${o.f}`;
    default:
      throw new ArgumentError(`unknown OBIS style ${String(style)}`);
  }
}

/** An OBIS code from the 6 bytes of a logical_name. @throws ArgumentError unless exactly 6 bytes. */
export function obisFromBytes(bytes: Uint8Array): Obis {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 6) {
    throw new ArgumentError('an OBIS code is exactly 6 bytes');
  }
  return Object.freeze({
    a: bytes[0]!,
    b: bytes[1]!,
    c: bytes[2]!,
    d: bytes[3]!,
    e: bytes[4]!,
    f: bytes[5]!,
  });
}

/** The 6 bytes of an OBIS code (a new array). @throws ArgumentError when a group is not 0–255. */
export function obisToBytes(o: Obis): Uint8Array {
  return Uint8Array.of(
    checkGroup(o.a, 'A'),
    checkGroup(o.b, 'B'),
    checkGroup(o.c, 'C'),
    checkGroup(o.d, 'D'),
    checkGroup(o.e, 'E'),
    checkGroup(o.f, 'F'),
  );
}

/** The OBIS code carried by a Data octet-string of 6 bytes, else `undefined`. */
export function obisFromData(d: Data): Obis | undefined {
  return d.type === 'octet-string' && d.value.length === 6 ? obisFromBytes(d.value) : undefined;
}

/** The Data octet-string of an OBIS code, as it appears in capture objects and push lists. */
export function obisToData(o: Obis): Data {
  return { type: 'octet-string', value: obisToBytes(o) };
}

/**
 * A number that identifies the code (the six bytes as a 48-bit big-endian integer): a cheap,
 * exact key for maps and sorting.
 */
export function obisKey(o: Obis): number {
  return ((o.a * 256 + o.b) * 256 + o.c) * 16_777_216 + ((o.d << 16) | (o.e << 8) | o.f);
}

/** The code of an {@link obisKey}. @throws ArgumentError when it is not an integer 0 … 2^48 − 1. */
export function obisFromKey(key: number): Obis {
  if (!Number.isInteger(key) || key < 0 || key >= 2 ** 48)
    throw new ArgumentError(`${key} is not an OBIS key`);
  const hi = Math.floor(key / 16_777_216);
  const lo = key % 16_777_216;
  return obis(
    Math.floor(hi / 65536),
    Math.floor(hi / 256) % 256,
    hi % 256,
    lo >>> 16,
    (lo >>> 8) & 0xff,
    lo & 0xff,
  );
}

/** True when both codes are equal group by group. */
export function obisEquals(x: Obis, y: Obis): boolean {
  return x.a === y.a && x.b === y.b && x.c === y.c && x.d === y.d && x.e === y.e && x.f === y.f;
}
