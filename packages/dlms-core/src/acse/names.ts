/**
 * Names of the DLMS application contexts and authentication mechanisms (object identifiers under the
 * DLMS UA arc 2.16.756.5.8, IEC 62056-5-3 / Green Book "Application context name" and "Authentication
 * mechanism name"), and a small helper for the named INTEGER/ENUMERATED values of ACSE and xDLMS.
 *
 * Known OIDs are shown by name; any other OID stays a dotted string so a server can answer
 * `application-context-name-not-supported` or `authentication-mechanism-name-not-recognised` rather
 * than fail to decode. Named values work the same way: a code outside the table stays a number.
 */
import { ArgumentError } from '../errors.js';
import { parseObjectIdentifier, type ObjectIdentifier } from '../ber/primitives.js';

/** OID prefix of the DLMS application context names: {joint-iso-ccitt(2) country(16) country-name(756) identified-organization(5) DLMS-UA(8) application-context(1)}. */
const APPLICATION_CONTEXT_ARC = '2.16.756.5.8.1.';
/** OID prefix of the DLMS authentication mechanism names: {... DLMS-UA(8) authentication-mechanism-name(2)}. */
const MECHANISM_ARC = '2.16.756.5.8.2.';

/** Application context names by their last arc (Logical_Name_Referencing_No_Ciphering ::= ... 1, etc.). */
export const APPLICATION_CONTEXT_NAMES = [
  'logical-name-referencing-no-ciphering',
  'short-name-referencing-no-ciphering',
  'logical-name-referencing-with-ciphering',
  'short-name-referencing-with-ciphering',
] as const;
/** Name of one of the four DLMS application contexts. */
export type KnownApplicationContextName = (typeof APPLICATION_CONTEXT_NAMES)[number];
/** A known application context by name, or any other context as a dotted OID. */
export type ApplicationContextName = KnownApplicationContextName | ObjectIdentifier;

/**
 * Authentication mechanism names by their last arc: 0 lowest level (none), 1 low level (LLS),
 * 2 high level manufacturer-specific, 3 HLS MD5, 4 HLS SHA-1, 5 HLS GMAC, 6 HLS SHA-256, 7 HLS ECDSA.
 */
export const MECHANISM_NAMES = [
  'none',
  'lls',
  'hls-manufacturer',
  'hls-md5',
  'hls-sha1',
  'hls-gmac',
  'hls-sha256',
  'hls-ecdsa',
] as const;
/** Name of one of the eight DLMS authentication mechanisms. */
export type KnownMechanismName = (typeof MECHANISM_NAMES)[number];
/** A known mechanism by name, or any other mechanism as a dotted OID. */
export type MechanismName = KnownMechanismName | ObjectIdentifier;

/** An OID arc whose last component numbers a table of names from `first` on. */
interface NamedArc<N extends string> {
  readonly prefix: string;
  readonly first: number;
  readonly names: readonly N[];
  readonly what: string;
}

const APPLICATION_CONTEXTS: NamedArc<KnownApplicationContextName> = {
  prefix: APPLICATION_CONTEXT_ARC,
  first: 1,
  names: APPLICATION_CONTEXT_NAMES,
  what: 'application context name',
};
const MECHANISMS: NamedArc<KnownMechanismName> = {
  prefix: MECHANISM_ARC,
  first: 0,
  names: MECHANISM_NAMES,
  what: 'authentication mechanism name',
};

function nameOf<N extends string>(oid: ObjectIdentifier, arc: NamedArc<N>): N | ObjectIdentifier {
  if (oid.startsWith(arc.prefix)) {
    const last = oid.slice(arc.prefix.length);
    if (/^[0-9]+$/.test(last)) {
      const name = arc.names[Number(last) - arc.first];
      if (name !== undefined) return name;
    }
  }
  return oid;
}

function oidOf<N extends string>(v: N | ObjectIdentifier, arc: NamedArc<N>): ObjectIdentifier {
  const i = arc.names.indexOf(v as N);
  if (i >= 0) return `${arc.prefix}${i + arc.first}` as ObjectIdentifier;
  if (!/^\d/.test(v)) throw new ArgumentError(`'${v}' is not a known ${arc.what}`);
  parseObjectIdentifier(v);
  return v as ObjectIdentifier;
}

/** The name of an application context OID, or the OID itself when not a DLMS one. */
export function applicationContextNameFromOid(oid: ObjectIdentifier): ApplicationContextName {
  return nameOf(oid, APPLICATION_CONTEXTS);
}

/** The OID of an application context name (a dotted OID is checked and passed through). */
export function applicationContextNameToOid(name: ApplicationContextName): ObjectIdentifier {
  return oidOf(name, APPLICATION_CONTEXTS);
}

/** The name of a mechanism OID, or the OID itself when not a DLMS one. */
export function mechanismNameFromOid(oid: ObjectIdentifier): MechanismName {
  return nameOf(oid, MECHANISMS);
}

/** The OID of a mechanism name (a dotted OID is checked and passed through). */
export function mechanismNameToOid(name: MechanismName): ObjectIdentifier {
  return oidOf(name, MECHANISMS);
}

/** A table of named INTEGER or ENUMERATED values. */
export interface NamedValues<N extends string> {
  /** Every name, in table order. */
  readonly names: readonly N[];
  /** The code of a name, or of a raw number (checked against `min`..`max`). */
  code(v: N | number): number;
  /** The name of a code, or the code itself when the table has no name for it. */
  name(code: number): N | number;
}

/** Builds a {@link NamedValues} table; raw numbers given to `code` must lie in `min..max`. */
export function namedValues<N extends string>(
  entries: readonly (readonly [N, number])[],
  what: string,
  min: number,
  max: number,
): NamedValues<N> {
  const byName = new Map<string, number>(entries);
  const byCode = new Map<number, N>(entries.map(([n, c]) => [c, n]));
  return {
    names: entries.map(([n]) => n),
    code(v: N | number): number {
      if (typeof v === 'number') {
        if (!Number.isInteger(v) || v < min || v > max) {
          throw new ArgumentError(`${v} is not a valid ${what}`);
        }
        return v;
      }
      const c = byName.get(v);
      if (c === undefined) throw new ArgumentError(`'${String(v)}' is not a ${what}`);
      return c;
    },
    name(code: number): N | number {
      return byCode.get(code) ?? code;
    },
  };
}
