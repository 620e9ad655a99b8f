/**
 * The user-information field of the ACSE APDUs: `[30] EXPLICIT Association-information`, where
 * Association-information is an OCTET STRING holding one xDLMS APDU (`BE len 04 len apdu`).
 *
 * A plain APDU (InitiateRequest, InitiateResponse, ConfirmedServiceError) is decoded; a ciphered one
 * (glo-/ded- initiate forms, general-glo/ded-ciphering, general-ciphering) is kept as raw bytes for the
 * security module (its envelope parser takes these bytes), which deciphers it and decodes the result
 * with the same xDLMS codecs. Either way the decoder also exposes the raw bytes of the OCTET STRING.
 * A tag that is neither is `UNKNOWN_TAG`; a plain APDU that does not fill the OCTET STRING is
 * `TRAILING_BYTES`.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { BER_TAG_OCTET_STRING, beginBerTlv, endBerTlv, readBerTlv } from '../ber/tlv.js';

/** Tag of the user-information field ([30] constructed, context class). */
export const USER_INFORMATION_TAG = 0xbe;

/** Tags of ciphered xDLMS APDUs a request's user-information may carry. */
export const CIPHERED_REQUEST_TAGS: ReadonlySet<number> = new Set([
  0x21, // glo-initiateRequest [33]
  0x41, // ded-initiateRequest [65]
  0xdb, // general-glo-ciphering [219]
  0xdc, // general-ded-ciphering [220]
  0xdd, // general-ciphering [221]
]);

/** Tags of ciphered xDLMS APDUs a response's user-information may carry. */
export const CIPHERED_RESPONSE_TAGS: ReadonlySet<number> = new Set([
  0x28, // glo-initiateResponse [40]
  0x2e, // glo-confirmedServiceError [46]
  0x48, // ded-initiateResponse [72]
  0x4e, // ded-confirmedServiceError [78]
  0xdb, // general-glo-ciphering [219]
  0xdc, // general-ded-ciphering [220]
  0xdd, // general-ciphering [221]
]);

/** A ciphered xDLMS APDU, tag byte included, not deciphered here. */
export interface RawCipheredApdu {
  readonly type: 'ciphered-apdu';
  readonly bytes: Uint8Array;
}

/** The xDLMS APDU carried by user-information. */
export interface UserInformation<P> {
  /** The decoded plain APDU, or the ciphered one as bytes. */
  readonly apdu: P | RawCipheredApdu;
  /**
   * The OCTET STRING contents as received (a view into the input). Set by decoders; encoders ignore
   * it and write `apdu`.
   */
  readonly raw?: Uint8Array;
}

/** How to decode and encode the plain APDUs one user-information may carry, by tag byte. */
export interface PlainApduCodecs<P extends { readonly type: string }> {
  readonly decode: ReadonlyMap<number, (r: Reader) => P>;
  readonly encode: (w: Writer, v: P) => void;
  readonly ciphered: ReadonlySet<number>;
}

/** Reads the contents of a user-information field (after its tag and length). */
export function decodeUserInformation<P extends { readonly type: string }>(
  v: Reader,
  codecs: PlainApduCodecs<P>,
): UserInformation<P> {
  const o = readBerTlv(v, BER_TAG_OCTET_STRING, 'Association-information OCTET STRING');
  const raw = o.bytes.subarray(o.pos, o.end);
  const tag = o.peekU8();
  const plain = codecs.decode.get(tag);
  if (plain !== undefined) {
    const apdu = plain(o);
    o.expectEnd('user-information APDU');
    return { apdu, raw };
  }
  if (codecs.ciphered.has(tag)) return { apdu: { type: 'ciphered-apdu', bytes: o.rest() }, raw };
  throw o.error('UNKNOWN_TAG', `xDLMS APDU tag ${tag} is not allowed in this user-information`);
}

/** Writes a whole user-information field: `BE len 04 len apdu`. */
export function encodeUserInformation<P extends { readonly type: string }>(
  w: Writer,
  u: UserInformation<P>,
  codecs: PlainApduCodecs<P>,
): void {
  const m = beginBerTlv(w, USER_INFORMATION_TAG);
  const o = beginBerTlv(w, BER_TAG_OCTET_STRING);
  const a = u.apdu;
  if (a.type === 'ciphered-apdu') {
    const bytes = (a as RawCipheredApdu).bytes;
    if (bytes.length === 0 || !codecs.ciphered.has(bytes[0]!)) {
      throw new ArgumentError(`ciphered APDU tag ${bytes[0]} is not allowed in this user-information`);
    }
    w.bytes(bytes);
  } else {
    codecs.encode(w, a as P);
  }
  endBerTlv(w, o);
  endBerTlv(w, m);
}
