/**
 * The protected xDLMS APDU envelopes: service-specific glo-/ded- ciphering, general-glo-ciphering,
 * general-ded-ciphering, general-ciphering and general-signing (Green Book / IEC 62056-5-3, 9.5 xDLMS
 * APDUs; tags from the XDLMS-APDU CHOICE).
 *
 * This file only moves bytes: it splits a ciphered content into its security header (security control
 * byte, invocation counter), the protected information and the authentication tag, and joins them back.
 * It never deciphers, never checks a tag and never validates the security control byte beyond what is
 * needed to find the tag (bit 4): see `cipher.ts` for that. Byte strings are views into the input.
 *
 * Tags (decimal as in the ASN.1 of the Green Book):
 * - glo-: initiate-request 33, read-request 37, write-request 38, initiate-response 40, read-response 44,
 *   write-response 45, confirmed-service-error 46, unconfirmed-write-request 54,
 *   information-report-request 56, get-request 200, set-request 201, event-notification-request 202,
 *   action-request 203, get-response 204, set-response 205, action-response 207;
 * - ded-: the same services at 65, 69, 70, 72, 76, 77, 78, 86, 88, 208, 209, 210, 211, 212, 213, 215;
 * - general-glo-ciphering 219, general-ded-ciphering 220, general-ciphering 221, general-signing 223.
 */
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { decodeLength, encodeLength, lengthSize } from '../axdr/length.js';
import { ArgumentError } from '../errors.js';
import { GCM_TAG_LENGTH } from './crypto.js';
import { SC_AUTHENTICATION } from './security-control.js';

/** Services that have a service-specific ciphered form. */
export type CipheredService =
  | 'initiate-request'
  | 'read-request'
  | 'write-request'
  | 'initiate-response'
  | 'read-response'
  | 'write-response'
  | 'confirmed-service-error'
  | 'unconfirmed-write-request'
  | 'information-report-request'
  | 'get-request'
  | 'set-request'
  | 'event-notification-request'
  | 'action-request'
  | 'get-response'
  | 'set-response'
  | 'action-response';

/** Tags of the glo- (global key) service-specific ciphered APDUs, by service. */
export const GLO_CIPHERED_TAG: Readonly<Record<CipheredService, number>> = {
  'initiate-request': 0x21,
  'read-request': 0x25,
  'write-request': 0x26,
  'initiate-response': 0x28,
  'read-response': 0x2c,
  'write-response': 0x2d,
  'confirmed-service-error': 0x2e,
  'unconfirmed-write-request': 0x36,
  'information-report-request': 0x38,
  'get-request': 0xc8,
  'set-request': 0xc9,
  'event-notification-request': 0xca,
  'action-request': 0xcb,
  'get-response': 0xcc,
  'set-response': 0xcd,
  'action-response': 0xcf,
};

/** Tags of the ded- (dedicated key) service-specific ciphered APDUs, by service. */
export const DED_CIPHERED_TAG: Readonly<Record<CipheredService, number>> = {
  'initiate-request': 0x41,
  'read-request': 0x45,
  'write-request': 0x46,
  'initiate-response': 0x48,
  'read-response': 0x4c,
  'write-response': 0x4d,
  'confirmed-service-error': 0x4e,
  'unconfirmed-write-request': 0x56,
  'information-report-request': 0x58,
  'get-request': 0xd0,
  'set-request': 0xd1,
  'event-notification-request': 0xd2,
  'action-request': 0xd3,
  'get-response': 0xd4,
  'set-response': 0xd5,
  'action-response': 0xd7,
};

/** Tags of the general protection APDUs. */
export const GENERAL_GLO_CIPHERING_TAG = 0xdb;
export const GENERAL_DED_CIPHERING_TAG = 0xdc;
export const GENERAL_CIPHERING_TAG = 0xdd;
export const GENERAL_SIGNING_TAG = 0xdf;

/**
 * Tags of the unciphered APDUs each service-specific ciphered form carries (the first byte of the
 * plaintext), used to pick the ciphered tag when protecting an APDU.
 */
export const PLAIN_TAG_OF_SERVICE: Readonly<Record<CipheredService, number>> = {
  'initiate-request': 0x01,
  'read-request': 0x05,
  'write-request': 0x06,
  'initiate-response': 0x08,
  'read-response': 0x0c,
  'write-response': 0x0d,
  'confirmed-service-error': 0x0e,
  'unconfirmed-write-request': 0x16,
  'information-report-request': 0x18,
  'get-request': 0xc0,
  'set-request': 0xc1,
  'event-notification-request': 0xc2,
  'action-request': 0xc3,
  'get-response': 0xc4,
  'set-response': 0xc5,
  'action-response': 0xc7,
};

type ServiceEntry = readonly [kind: 'glo' | 'ded', service: CipheredService];
const SERVICE_BY_TAG: ReadonlyMap<number, ServiceEntry> = new Map<number, ServiceEntry>([
  ...(Object.entries(GLO_CIPHERED_TAG) as [CipheredService, number][]).map(
    ([s, t]) => [t, ['glo', s]] as [number, ServiceEntry],
  ),
  ...(Object.entries(DED_CIPHERED_TAG) as [CipheredService, number][]).map(
    ([s, t]) => [t, ['ded', s]] as [number, ServiceEntry],
  ),
]);

/** The service whose unciphered APDU starts with `tag`, if it has a ciphered form. */
export function serviceOfPlainTag(tag: number): CipheredService | undefined {
  for (const [s, t] of Object.entries(PLAIN_TAG_OF_SERVICE) as [CipheredService, number][]) {
    if (t === tag) return s;
  }
  return undefined;
}

/** True when `tag` starts one of the protected APDUs this module decodes. */
export function isCipheredApduTag(tag: number): boolean {
  return (
    SERVICE_BY_TAG.has(tag) ||
    tag === GENERAL_GLO_CIPHERING_TAG ||
    tag === GENERAL_DED_CIPHERING_TAG ||
    tag === GENERAL_CIPHERING_TAG ||
    tag === GENERAL_SIGNING_TAG
  );
}

/**
 * A ciphered content split into its parts: security header (SC, IC), then the information (ciphertext,
 * or the plaintext itself when only authentication is applied), then the 12-byte tag when SC bit 4 is set.
 */
export interface CipheredContent {
  /** The raw security control byte (decode it with `decodeSecurityControl`). */
  readonly securityControl: number;
  /** The invocation counter (unsigned 32-bit). */
  readonly invocationCounter: number;
  /** Ciphertext (encryption) or plaintext (authentication only). */
  readonly ciphertext: Uint8Array;
  /** The authentication tag, present exactly when SC bit 4 (authentication) is set. */
  readonly authTag?: Uint8Array;
}

/** glo-xxx: a service-specific APDU protected with a global key. */
export interface GloCipheredApdu extends CipheredContent {
  readonly type: 'glo-ciphered';
  readonly tag: number;
  readonly service: CipheredService;
}

/** ded-xxx: a service-specific APDU protected with the dedicated key. */
export interface DedCipheredApdu extends CipheredContent {
  readonly type: 'ded-ciphered';
  readonly tag: number;
  readonly service: CipheredService;
}

/** general-glo-ciphering: any APDU, global key, with the sender's system title. */
export interface GeneralGloCiphering extends CipheredContent {
  readonly type: 'general-glo-ciphering';
  readonly systemTitle: Uint8Array;
}

/** general-ded-ciphering: any APDU, dedicated key, with the sender's system title. */
export interface GeneralDedCiphering extends CipheredContent {
  readonly type: 'general-ded-ciphering';
  readonly systemTitle: Uint8Array;
}

/** Key-Info of general-ciphering: which key protects the content, or how it travels. */
export type KeyInfo =
  | {
      readonly type: 'identified-key';
      /** 0: global unicast encryption key, 1: global broadcast encryption key. */
      readonly keyId: number;
    }
  | {
      readonly type: 'wrapped-key';
      /** 0: master key. */
      readonly kekId: number;
      readonly keyCipheredData: Uint8Array;
    }
  | {
      readonly type: 'agreed-key';
      readonly keyParameters: Uint8Array;
      readonly keyCipheredData: Uint8Array;
    };

/** Header fields shared by general-ciphering and general-signing. */
export interface GeneralHeader {
  readonly transactionId: Uint8Array;
  readonly originatorSystemTitle: Uint8Array;
  readonly recipientSystemTitle: Uint8Array;
  readonly dateTime: Uint8Array;
  readonly otherInformation: Uint8Array;
}

/** general-ciphering: end-to-end protection with transaction id, both system titles and key info. */
export interface GeneralCiphering extends CipheredContent, GeneralHeader {
  readonly type: 'general-ciphering';
  readonly keyInfo?: KeyInfo;
}

/** general-signing: an APDU (plain or ciphered) with an ECDSA signature (raw r ‖ s). */
export interface GeneralSigning extends GeneralHeader {
  readonly type: 'general-signing';
  readonly content: Uint8Array;
  readonly signature: Uint8Array;
}

/** Every protected APDU envelope. */
export type CipheredApdu =
  | GloCipheredApdu
  | DedCipheredApdu
  | GeneralGloCiphering
  | GeneralDedCiphering
  | GeneralCiphering
  | GeneralSigning;

/** The ciphering forms (everything except general-signing). */
export type CipheringApdu = Exclude<CipheredApdu, GeneralSigning>;

const KEY_INFO_TAG = { 'identified-key': 0, 'wrapped-key': 1, 'agreed-key': 2 } as const;

function readOctetString(r: Reader): Uint8Array {
  const n = decodeLength(r);
  return r.bytesView(n);
}

function writeOctetString(w: Writer, b: Uint8Array): void {
  encodeLength(w, b.length);
  w.bytes(b);
}

/** Reads a ciphered content octet string (length, SC, IC, information, tag). */
function readCipheredContent(r: Reader): CipheredContent {
  const n = decodeLength(r);
  const c = r.sub(n);
  const securityControl = c.u8();
  const invocationCounter = c.u32();
  if ((securityControl & SC_AUTHENTICATION) !== 0) {
    if (c.remaining < GCM_TAG_LENGTH) c.require(GCM_TAG_LENGTH);
    const ciphertext = c.bytesView(c.remaining - GCM_TAG_LENGTH);
    const authTag = c.bytesView(GCM_TAG_LENGTH);
    return { securityControl, invocationCounter, ciphertext, authTag };
  }
  return { securityControl, invocationCounter, ciphertext: c.rest() };
}

function cipheredContentLength(v: CipheredContent): number {
  return 5 + v.ciphertext.length + (v.authTag?.length ?? 0);
}

function writeCipheredContent(w: Writer, v: CipheredContent): void {
  const hasTag = (v.securityControl & SC_AUTHENTICATION) !== 0;
  if (hasTag !== (v.authTag !== undefined)) {
    throw new ArgumentError(
      'authTag must be present exactly when security control bit 4 (authentication) is set',
    );
  }
  if (v.authTag !== undefined && v.authTag.length !== GCM_TAG_LENGTH) {
    throw new ArgumentError(`authTag must be ${GCM_TAG_LENGTH} bytes`);
  }
  encodeLength(w, cipheredContentLength(v));
  w.u8(v.securityControl).u32(v.invocationCounter).bytes(v.ciphertext);
  if (v.authTag !== undefined) w.bytes(v.authTag);
}

function readGeneralHeader(r: Reader): GeneralHeader {
  const transactionId = readOctetString(r);
  const originatorSystemTitle = readOctetString(r);
  const recipientSystemTitle = readOctetString(r);
  const dateTime = readOctetString(r);
  const otherInformation = readOctetString(r);
  return { transactionId, originatorSystemTitle, recipientSystemTitle, dateTime, otherInformation };
}

function writeGeneralHeader(w: Writer, v: GeneralHeader): void {
  writeOctetString(w, v.transactionId);
  writeOctetString(w, v.originatorSystemTitle);
  writeOctetString(w, v.recipientSystemTitle);
  writeOctetString(w, v.dateTime);
  writeOctetString(w, v.otherInformation);
}

function readKeyInfo(r: Reader): KeyInfo | undefined {
  const at = r.pos;
  const present = r.u8();
  if (present === 0) return undefined;
  if (present !== 1) throw r.error('INVALID_VALUE', `key-info presence flag ${present} is not 0 or 1`, at);
  const tagAt = r.pos;
  const choice = r.u8();
  switch (choice) {
    case 0:
      return { type: 'identified-key', keyId: r.u8() };
    case 1: {
      const kekId = r.u8();
      return { type: 'wrapped-key', kekId, keyCipheredData: readOctetString(r) };
    }
    case 2: {
      const keyParameters = readOctetString(r);
      return { type: 'agreed-key', keyParameters, keyCipheredData: readOctetString(r) };
    }
    default:
      throw r.error('UNKNOWN_TAG', `unknown key-info choice ${choice}`, tagAt);
  }
}

function writeKeyInfo(w: Writer, k: KeyInfo | undefined): void {
  if (k === undefined) {
    w.u8(0);
    return;
  }
  w.u8(1).u8(KEY_INFO_TAG[k.type]);
  switch (k.type) {
    case 'identified-key':
      w.u8(k.keyId);
      return;
    case 'wrapped-key':
      w.u8(k.kekId);
      writeOctetString(w, k.keyCipheredData);
      return;
    case 'agreed-key':
      writeOctetString(w, k.keyParameters);
      writeOctetString(w, k.keyCipheredData);
      return;
  }
}

/** Decodes one protected APDU, starting at its tag byte. Does not require the input to end there. */
export function decodeCipheredApdu(r: Reader): CipheredApdu {
  const tagAt = r.pos;
  const tag = r.u8();
  const svc = SERVICE_BY_TAG.get(tag);
  if (svc !== undefined) {
    const content = readCipheredContent(r);
    return svc[0] === 'glo'
      ? { type: 'glo-ciphered', tag, service: svc[1], ...content }
      : { type: 'ded-ciphered', tag, service: svc[1], ...content };
  }
  switch (tag) {
    case GENERAL_GLO_CIPHERING_TAG: {
      const systemTitle = readOctetString(r);
      return { type: 'general-glo-ciphering', systemTitle, ...readCipheredContent(r) };
    }
    case GENERAL_DED_CIPHERING_TAG: {
      const systemTitle = readOctetString(r);
      return { type: 'general-ded-ciphering', systemTitle, ...readCipheredContent(r) };
    }
    case GENERAL_CIPHERING_TAG: {
      const header = readGeneralHeader(r);
      const keyInfo = readKeyInfo(r);
      const content = readCipheredContent(r);
      return keyInfo === undefined
        ? { type: 'general-ciphering', ...header, ...content }
        : { type: 'general-ciphering', ...header, keyInfo, ...content };
    }
    case GENERAL_SIGNING_TAG: {
      const header = readGeneralHeader(r);
      const content = readOctetString(r);
      const signature = readOctetString(r);
      return { type: 'general-signing', ...header, content, signature };
    }
    default:
      throw r.error(
        'UNKNOWN_TAG',
        `0x${tag.toString(16).padStart(2, '0')} is not a protected APDU tag`,
        tagAt,
      );
  }
}

/** Encodes one protected APDU, tag byte first. */
export function encodeCipheredApdu(w: Writer, v: CipheredApdu): void {
  switch (v.type) {
    case 'glo-ciphered':
    case 'ded-ciphered': {
      const table = v.type === 'glo-ciphered' ? GLO_CIPHERED_TAG : DED_CIPHERED_TAG;
      if (table[v.service] !== v.tag) {
        throw new ArgumentError(`tag 0x${v.tag.toString(16)} is not the ${v.type} tag of ${v.service}`);
      }
      w.u8(v.tag);
      writeCipheredContent(w, v);
      return;
    }
    case 'general-glo-ciphering':
    case 'general-ded-ciphering':
      w.u8(v.type === 'general-glo-ciphering' ? GENERAL_GLO_CIPHERING_TAG : GENERAL_DED_CIPHERING_TAG);
      writeOctetString(w, v.systemTitle);
      writeCipheredContent(w, v);
      return;
    case 'general-ciphering':
      w.u8(GENERAL_CIPHERING_TAG);
      writeGeneralHeader(w, v);
      writeKeyInfo(w, v.keyInfo);
      writeCipheredContent(w, v);
      return;
    case 'general-signing':
      w.u8(GENERAL_SIGNING_TAG);
      writeGeneralHeader(w, v);
      writeOctetString(w, v.content);
      writeOctetString(w, v.signature);
      return;
  }
}

/** Decodes a whole byte string holding exactly one protected APDU (`TRAILING_BYTES` otherwise). */
export function decodeCipheredApduBytes(bytes: Uint8Array): CipheredApdu {
  const r = new Reader(bytes);
  const v = decodeCipheredApdu(r);
  r.expectEnd('protected APDU');
  return v;
}

/** Encodes one protected APDU into a fresh byte string. */
export function encodeCipheredApduBytes(v: CipheredApdu): Uint8Array {
  const size =
    v.type === 'general-signing'
      ? 64 + v.content.length + v.signature.length
      : 32 + lengthSize(cipheredContentLength(v)) + cipheredContentLength(v);
  const w = new Writer(size);
  encodeCipheredApdu(w, v);
  return w.toBytes();
}
