/**
 * Building blocks shared by the ACSE APDUs (IEC 62056-5-3 / Green Book ACSE ASN.1, after ISO/IEC
 * 8650-1): the in-order field walk over a BER SEQUENCE, AP titles and AE qualifiers (DLMS defines both as
 * OCTET STRING, tagged EXPLICIT), invocation identifiers (EXPLICIT INTEGER), ACSE-requirements,
 * Authentication-value, application context name and mechanism name.
 *
 * Fields must come in tag order and at most once (a BER SEQUENCE); a field out of order or repeated is
 * `INVALID_VALUE`, a tag the APDU does not define is `UNKNOWN_TAG`. Every field's contents must be used
 * up exactly (`TRAILING_BYTES` otherwise).
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import {
  BER_TAG_INTEGER,
  BER_TAG_OBJECT_IDENTIFIER,
  BER_TAG_OCTET_STRING,
  beginBerTlv,
  berTagHex,
  endBerTlv,
  readBerLength,
  readBerTag,
  readBerTlv,
  writeBerTag,
  writeBerLength,
} from '../ber/tlv.js';
import {
  decodeBerBitString,
  decodeBerInteger,
  decodeBerObjectIdentifier,
  encodeBerBitString,
  encodeBerInteger,
  encodeBerObjectIdentifier,
  type BerBitString,
} from '../ber/primitives.js';
import {
  applicationContextNameFromOid,
  applicationContextNameToOid,
  mechanismNameFromOid,
  mechanismNameToOid,
  type ApplicationContextName,
  type MechanismName,
} from './names.js';

/** ACSE-requirements ::= BIT STRING { authentication(0) }: the authentication functional unit. */
export interface AcseRequirements {
  readonly authentication: boolean;
}

/**
 * Authentication-value ::= CHOICE { charstring [0] IMPLICIT GraphicString, bitstring [1] IMPLICIT
 * BIT STRING, ... }. The LLS password and the HLS challenges travel as `charstring`; their octets are
 * kept as bytes, never decoded as text. The `external` and `other` arms are not used by DLMS and are
 * rejected as `UNKNOWN_TAG`.
 */
export type AuthenticationValue =
  | { readonly type: 'charstring'; readonly value: Uint8Array }
  | { readonly type: 'bitstring'; readonly value: BerBitString };

/**
 * Walks the fields of a SEQUENCE's contents in order. `order` lists the tags the APDU defines, in
 * their required order; `on` gets each field's tag and a reader over its contents.
 */
export function forEachBerField(
  c: Reader,
  order: readonly number[],
  what: string,
  on: (tag: number, v: Reader) => void,
): void {
  let last = -1;
  while (!c.done) {
    const at = c.pos;
    const tag = readBerTag(c);
    const i = order.indexOf(tag);
    if (i < 0) throw c.error('UNKNOWN_TAG', `tag ${berTagHex(tag)} is not a field of ${what}`, at);
    if (i <= last) {
      throw c.error('INVALID_VALUE', `field ${berTagHex(tag)} of ${what} out of order or repeated`, at);
    }
    last = i;
    const v = c.sub(readBerLength(c));
    on(tag, v);
    v.expectEnd(`field ${berTagHex(tag)} of ${what}`);
  }
}

/** Contents of an EXPLICIT OCTET STRING field (AP-title, AE-qualifier): `04 len bytes`. */
export function decodeExplicitOctetString(v: Reader): Uint8Array {
  return readBerTlv(v, BER_TAG_OCTET_STRING, 'OCTET STRING').rest();
}

/** Writes `tag len 04 len bytes`. */
export function encodeExplicitOctetString(w: Writer, tag: number, b: Uint8Array): void {
  const m = beginBerTlv(w, tag);
  writeBerTag(w, BER_TAG_OCTET_STRING);
  writeBerLength(w, b.length);
  w.bytes(b);
  endBerTlv(w, m);
}

/** Contents of an EXPLICIT INTEGER field (invocation identifiers, result): `02 len value`. */
export function decodeExplicitInteger(v: Reader): number {
  return decodeBerInteger(readBerTlv(v, BER_TAG_INTEGER, 'INTEGER'));
}

/** Writes `tag len 02 len value`. */
export function encodeExplicitInteger(w: Writer, tag: number, n: number): void {
  const m = beginBerTlv(w, tag);
  const i = beginBerTlv(w, BER_TAG_INTEGER);
  encodeBerInteger(w, n);
  endBerTlv(w, i);
  endBerTlv(w, m);
}

/** Writes an IMPLICIT INTEGER field: `tag len value`. */
export function encodeImplicitInteger(w: Writer, tag: number, n: number): void {
  const m = beginBerTlv(w, tag);
  encodeBerInteger(w, n);
  endBerTlv(w, m);
}

/** Writes an IMPLICIT BIT STRING field: `tag len unused bits`. */
export function encodeImplicitBitString(w: Writer, tag: number, b: BerBitString): void {
  const m = beginBerTlv(w, tag);
  encodeBerBitString(w, b);
  endBerTlv(w, m);
}

/** Contents of an ACSE-requirements field ([10] or [8] IMPLICIT BIT STRING); bit 0 is authentication. */
export function decodeAcseRequirements(v: Reader): AcseRequirements {
  const b = decodeBerBitString(v);
  return { authentication: b.bytes.length > 0 && (b.bytes[0]! & 0x80) !== 0 };
}

/** Writes an ACSE-requirements field as the one-bit string `07 80` (or `07 00`). */
export function encodeAcseRequirements(w: Writer, tag: number, a: AcseRequirements): void {
  if (typeof a.authentication !== 'boolean') {
    throw new ArgumentError('ACSE-requirements authentication must be a boolean');
  }
  writeBerTag(w, tag);
  w.u8(2)
    .u8(7)
    .u8(a.authentication ? 0x80 : 0x00);
}

/** Contents of an Authentication-value field (the CHOICE is EXPLICIT: `80 len octets` or `81 len bits`). */
export function decodeAuthenticationValue(v: Reader): AuthenticationValue {
  const at = v.pos;
  const tag = readBerTag(v);
  const c = v.sub(readBerLength(v));
  if (tag === 0x80) return { type: 'charstring', value: c.rest() };
  if (tag === 0x81) return { type: 'bitstring', value: decodeBerBitString(c) };
  throw v.error('UNKNOWN_TAG', `Authentication-value arm ${berTagHex(tag)} is not supported`, at);
}

/** Writes an Authentication-value field. */
export function encodeAuthenticationValue(w: Writer, tag: number, a: AuthenticationValue): void {
  const m = beginBerTlv(w, tag);
  if (a.type === 'charstring') {
    writeBerTag(w, 0x80);
    writeBerLength(w, a.value.length);
    w.bytes(a.value);
  } else if (a.type === 'bitstring') {
    encodeImplicitBitString(w, 0x81, a.value);
  } else {
    throw new ArgumentError(`'${String((a as { type: unknown }).type)}' is not an Authentication-value arm`);
  }
  endBerTlv(w, m);
}

/** Contents of the application-context-name field ([1] EXPLICIT OBJECT IDENTIFIER). */
export function decodeApplicationContextName(v: Reader): ApplicationContextName {
  return applicationContextNameFromOid(
    decodeBerObjectIdentifier(readBerTlv(v, BER_TAG_OBJECT_IDENTIFIER, 'OBJECT IDENTIFIER')),
  );
}

/** Writes the application-context-name field: `A1 len 06 len oid`. */
export function encodeApplicationContextName(w: Writer, tag: number, name: ApplicationContextName): void {
  const oid = applicationContextNameToOid(name);
  const m = beginBerTlv(w, tag);
  const i = beginBerTlv(w, BER_TAG_OBJECT_IDENTIFIER);
  encodeBerObjectIdentifier(w, oid);
  endBerTlv(w, i);
  endBerTlv(w, m);
}

/** Contents of a mechanism-name field ([11] or [9] IMPLICIT OBJECT IDENTIFIER). */
export function decodeMechanismName(v: Reader): MechanismName {
  return mechanismNameFromOid(decodeBerObjectIdentifier(v));
}

/** Writes a mechanism-name field: `tag len oid`. */
export function encodeMechanismName(w: Writer, tag: number, name: MechanismName): void {
  const oid = mechanismNameToOid(name);
  const m = beginBerTlv(w, tag);
  encodeBerObjectIdentifier(w, oid);
  endBerTlv(w, m);
}

/** Writes an IMPLICIT primitive octets field (GraphicString implementation-information): `tag len bytes`. */
export function encodeImplicitOctets(w: Writer, tag: number, b: Uint8Array): void {
  writeBerTag(w, tag);
  writeBerLength(w, b.length);
  w.bytes(b);
}
