/**
 * High-level protection for tools, apps and the association layer: bytes of a plain APDU in, bytes of a
 * protected APDU out ({@link protectApdu}), and back ({@link unprotectApdu}).
 *
 * `unprotectApdu` decodes the envelope, picks the key the envelope and security control select
 * (unicast / broadcast / dedicated / identified / wrapped / agreed), deciphers, checks the tag and, for
 * general-signing, the signature, and reports what it found. With an invocation counter store it
 * runs check → verify → commit (the mark moves only for a verified frame) and returns a Promise;
 * without one it is synchronous.
 *
 * It does not decode the plaintext APDU (that is `decodeApdu` of `apdu.ts`) and does not choose a
 * protection policy: a caller that requires authenticated frames checks `verified`.
 */
import { ArgumentError, SecurityError } from '../errors.js';
import { Reader } from '../reader.js';
import {
  decodeCipheredApdu,
  encodeCipheredApduBytes,
  DED_CIPHERED_TAG,
  GENERAL_CIPHERING_TAG,
  GENERAL_DED_CIPHERING_TAG,
  GENERAL_GLO_CIPHERING_TAG,
  GENERAL_SIGNING_TAG,
  GLO_CIPHERED_TAG,
  isCipheredApduTag,
  serviceOfPlainTag,
  type CipheredApdu,
  type CipheredService,
  type CipheringApdu,
  type GeneralCiphering,
  type KeyInfo,
} from './envelope.js';
import {
  cipherContent,
  decipherApdu,
  generalCipheringAad,
  senderSystemTitle,
  type CipherKeys,
} from './cipher.js';
import type { KeyInput } from './crypto.js';
import type { CounterId, CounterKeyId, InvocationCounterStore } from './counters.js';
import {
  decodeSecurityControl,
  encodeSecurityControl,
  type SecurityControl,
  type SecuritySuite,
} from './security-control.js';
import { unwrapKey } from './key-transfer.js';
import { verifyGeneralSigning } from './signing.js';

/** Options of {@link unprotectApdu}. */
export interface UnprotectOptions {
  /** Global unicast encryption key (also used for ded- forms when `dedicatedKey` is absent). */
  readonly key?: KeyInput;
  /** Global broadcast encryption key (security control key-set bit 6 = 1). */
  readonly broadcastKey?: KeyInput;
  /** Dedicated key of the association (ded- forms, general-ded-ciphering). */
  readonly dedicatedKey?: KeyInput;
  /** Authentication key (AK). */
  readonly authKey?: KeyInput;
  /** Master key (KEK), for general-ciphering with a wrapped key. */
  readonly masterKey?: KeyInput;
  /** Sender system title, for the service-specific glo-/ded- forms (they do not carry it). */
  readonly systemTitle?: Uint8Array;
  /** The originator's public key X ‖ Y, to verify general-signing. */
  readonly signerPublicKey?: Uint8Array;
  /** Derives the content key of a general-ciphering with agreed-key (see `key-agreement.ts`). */
  readonly resolveAgreedKey?: (
    keyInfo: Extract<KeyInfo, { type: 'agreed-key' }>,
    apdu: GeneralCiphering,
  ) => KeyInput;
  /**
   * Decipher tagged frames without an authentication key, and accept frames with no protection and
   * unverifiable signatures, all marked `verified: false`. For diagnostic tools only.
   */
  readonly allowUnverified?: boolean;
  /**
   * Reject frames that carry no authentication tag (`AUTHENTICATION_FAILED`). Defaults to true when
   * `authKey` is given: a caller that holds the authentication key expects authenticated frames, and
   * clearing SC bit 4 of an authenticated frame must not downgrade it to "encryption only".
   */
  readonly requireAuthentication?: boolean;
  /** Replay protection: check → verify → commit. Makes the call asynchronous. */
  readonly counters?: InvocationCounterStore;
  /** Key id of the counter; by default derived from the envelope ('global-unicast', 'global-broadcast', 'dedicated'). */
  readonly counterKeyId?: CounterKeyId;
}

/** What the envelope of a protected APDU said. */
export interface ProtectionEnvelope {
  readonly type: CipheredApdu['type'];
  readonly tag: number;
  /** Service of a service-specific form. */
  readonly service?: CipheredService;
  /** Decoded security control (absent for general-signing). */
  readonly securityControl?: SecurityControl;
  /** System title of the sender (originator), when known. */
  readonly systemTitle?: Uint8Array;
  readonly invocationCounter?: number;
  /** For general-signing: whether the signature verified. */
  readonly signatureVerified?: boolean;
  /** For general-signing whose content is itself protected: the inner envelope. */
  readonly inner?: ProtectionEnvelope;
  /** The decoded envelope itself. */
  readonly apdu: CipheredApdu;
}

/** Result of {@link unprotectApdu}. */
export interface UnprotectedApdu {
  readonly envelope: ProtectionEnvelope;
  /** The plain APDU. */
  readonly plaintext: Uint8Array;
  /** True when every tag and signature on the way verified. */
  readonly verified: boolean;
}

const TAG_OF_TYPE = {
  'general-glo-ciphering': GENERAL_GLO_CIPHERING_TAG,
  'general-ded-ciphering': GENERAL_DED_CIPHERING_TAG,
  'general-ciphering': GENERAL_CIPHERING_TAG,
  'general-signing': GENERAL_SIGNING_TAG,
} as const;

function tagOf(apdu: CipheredApdu): number {
  return apdu.type === 'glo-ciphered' || apdu.type === 'ded-ciphered' ? apdu.tag : TAG_OF_TYPE[apdu.type];
}

function encryptionKeyFor(
  apdu: CipheringApdu,
  sc: SecurityControl,
  o: UnprotectOptions,
): KeyInput | undefined {
  switch (apdu.type) {
    case 'ded-ciphered':
    case 'general-ded-ciphering':
      return o.dedicatedKey ?? o.key;
    case 'glo-ciphered':
    case 'general-glo-ciphering':
      return sc.broadcastKey ? o.broadcastKey : o.key;
    case 'general-ciphering': {
      const ki = apdu.keyInfo;
      if (ki === undefined) return sc.broadcastKey ? o.broadcastKey : o.key;
      switch (ki.type) {
        case 'identified-key':
          if (ki.keyId === 0) return o.key;
          if (ki.keyId === 1) return o.broadcastKey;
          throw new SecurityError('UNSUPPORTED_SECURITY', `identified key id ${ki.keyId} is not defined`);
        case 'wrapped-key':
          if (ki.kekId !== 0)
            throw new SecurityError('UNSUPPORTED_SECURITY', `kek id ${ki.kekId} is not defined`);
          if (o.masterKey === undefined)
            throw new SecurityError('MISSING_KEY', 'the master key is needed to unwrap the content key');
          return unwrapKey(o.masterKey, ki.keyCipheredData);
        case 'agreed-key':
          if (o.resolveAgreedKey === undefined)
            throw new SecurityError('MISSING_KEY', 'an agreed key needs resolveAgreedKey');
          return o.resolveAgreedKey(ki, apdu);
      }
    }
  }
}

function defaultCounterKeyId(apdu: CipheringApdu, sc: SecurityControl): CounterKeyId {
  if (apdu.type === 'ded-ciphered' || apdu.type === 'general-ded-ciphering') return 'dedicated';
  return sc.broadcastKey ? 'global-broadcast' : 'global-unicast';
}

interface PendingAccept {
  readonly id: CounterId;
  readonly ic: number;
}

function unprotectInner(
  apdu: CipheredApdu,
  o: UnprotectOptions,
  pending: PendingAccept[],
  depth: number,
): UnprotectedApdu {
  if (apdu.type === 'general-signing') {
    let signatureVerified = false;
    if (o.signerPublicKey !== undefined) {
      signatureVerified = verifyGeneralSigning(o.signerPublicKey, apdu);
      if (!signatureVerified)
        throw new SecurityError('AUTHENTICATION_FAILED', 'general-signing signature does not verify');
    } else if (o.allowUnverified !== true) {
      throw new SecurityError(
        'MISSING_KEY',
        "the originator's public key is needed to verify general-signing",
      );
    }
    const first = apdu.content[0];
    if (first !== undefined && isCipheredApduTag(first) && depth < 2) {
      const r = new Reader(apdu.content);
      const innerApdu = decodeCipheredApdu(r);
      r.expectEnd('signed content');
      const inner = unprotectInner(
        innerApdu,
        { ...o, systemTitle: o.systemTitle ?? apdu.originatorSystemTitle },
        pending,
        depth + 1,
      );
      return {
        envelope: {
          type: apdu.type,
          tag: GENERAL_SIGNING_TAG,
          systemTitle: apdu.originatorSystemTitle,
          signatureVerified,
          inner: inner.envelope,
          apdu,
        },
        plaintext: inner.plaintext,
        verified: signatureVerified && inner.verified,
      };
    }
    return {
      envelope: {
        type: apdu.type,
        tag: GENERAL_SIGNING_TAG,
        systemTitle: apdu.originatorSystemTitle,
        signatureVerified,
        apdu,
      },
      plaintext: apdu.content,
      verified: signatureVerified,
    };
  }
  const sc = decodeSecurityControl(apdu.securityControl);
  if (
    !sc.authenticated &&
    (o.requireAuthentication ?? o.authKey !== undefined) &&
    o.allowUnverified !== true
  ) {
    throw new SecurityError(
      'AUTHENTICATION_FAILED',
      'the frame carries no authentication tag but authentication is required',
    );
  }
  const systemTitle = senderSystemTitle(apdu, o);
  let counterId: CounterId | undefined;
  if (o.counters !== undefined) {
    counterId = { systemTitle, keyId: o.counterKeyId ?? defaultCounterKeyId(apdu, sc) };
    o.counters.checkIncoming(counterId, apdu.invocationCounter);
  }
  const keys: CipherKeys = { encryptionKey: encryptionKeyFor(apdu, sc, o), authenticationKey: o.authKey };
  const d = decipherApdu(
    apdu,
    keys,
    { systemTitle },
    o.allowUnverified === true ? { allowUnverified: true } : undefined,
  );
  // Only a verified frame may move the high-water mark: unauthenticated ones can be forged by anyone.
  if (counterId !== undefined && d.verified) pending.push({ id: counterId, ic: apdu.invocationCounter });
  const envelope: ProtectionEnvelope =
    apdu.type === 'glo-ciphered' || apdu.type === 'ded-ciphered'
      ? {
          type: apdu.type,
          tag: apdu.tag,
          service: apdu.service,
          securityControl: sc,
          systemTitle,
          invocationCounter: apdu.invocationCounter,
          apdu,
        }
      : {
          type: apdu.type,
          tag: tagOf(apdu),
          securityControl: sc,
          systemTitle,
          invocationCounter: apdu.invocationCounter,
          apdu,
        };
  return { envelope, plaintext: d.plaintext, verified: d.verified };
}

/**
 * Removes the protection of one protected APDU (the whole of `bytes`). Synchronous without
 * `counters`; with `counters` it checks the counter first, and commits it only once the frame verified.
 *
 * Throws `AUTHENTICATION_FAILED` (tag or signature), `MISSING_KEY` (a tag but no authentication key,
 * unless `allowUnverified`), `REPLAYED_COUNTER`, `INVALID_KEY`, the security control errors, and
 * `DecodeError`s for malformed envelopes.
 */
export function unprotectApdu(
  bytes: Uint8Array,
  options: UnprotectOptions & { readonly counters: InvocationCounterStore },
): Promise<UnprotectedApdu>;
export function unprotectApdu(
  bytes: Uint8Array,
  options?: UnprotectOptions & { readonly counters?: undefined },
): UnprotectedApdu;
export function unprotectApdu(
  bytes: Uint8Array,
  options: UnprotectOptions = {},
): UnprotectedApdu | Promise<UnprotectedApdu> {
  const r = new Reader(bytes);
  if (options.counters === undefined) {
    const apdu = decodeCipheredApdu(r);
    r.expectEnd('protected APDU');
    return unprotectInner(apdu, options, [], 0);
  }
  const counters = options.counters;
  try {
    const apdu = decodeCipheredApdu(r);
    r.expectEnd('protected APDU');
    const pending: PendingAccept[] = [];
    const result = unprotectInner(apdu, options, pending, 0);
    return (async () => {
      for (const p of pending) await counters.acceptIncoming(p.id, p.ic);
      return result;
    })();
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The envelope forms {@link protectApdu} produces. */
export type ProtectForm = 'glo' | 'ded' | 'general-glo' | 'general-ded' | 'general-ciphering';

/** Options of {@link protectApdu}. */
export interface ProtectOptions {
  /** Envelope form; 'general-glo' by default. */
  readonly form?: ProtectForm;
  /** Raw security control byte; overrides `suite`, `authenticated`, `encrypted`, `broadcastKey`. */
  readonly securityControl?: number;
  /** Security suite (0 by default). */
  readonly suite?: SecuritySuite;
  /** Authentication (default true). */
  readonly authenticated?: boolean;
  /** Encryption (default true). */
  readonly encrypted?: boolean;
  /** Use the broadcast key set (default false). */
  readonly broadcastKey?: boolean;
  /** The block cipher key for this frame. */
  readonly key?: KeyInput;
  readonly authKey?: KeyInput;
  /** Own (sender) system title, 8 bytes. */
  readonly systemTitle: Uint8Array;
  /** The invocation counter to use; required unless `counters` is given. */
  readonly invocationCounter?: number;
  /** Takes the counter from the store (durably reserved first); makes the call asynchronous. */
  readonly counters?: InvocationCounterStore;
  readonly counterKeyId?: CounterKeyId;
  /** general-ciphering fields. */
  readonly transactionId?: Uint8Array;
  readonly recipientSystemTitle?: Uint8Array;
  readonly dateTime?: Uint8Array;
  readonly otherInformation?: Uint8Array;
  readonly keyInfo?: KeyInfo;
}

const EMPTY = new Uint8Array(0);

function securityControlOf(o: ProtectOptions): number {
  return (
    o.securityControl ??
    encodeSecurityControl({
      suite: o.suite ?? 0,
      authenticated: o.authenticated ?? true,
      encrypted: o.encrypted ?? true,
      broadcastKey: o.broadcastKey ?? false,
    })
  );
}

function protectWith(plain: Uint8Array, o: ProtectOptions, invocationCounter: number): Uint8Array {
  const form = o.form ?? 'general-glo';
  const securityControl = securityControlOf(o);
  const keys: CipherKeys = { encryptionKey: o.key, authenticationKey: o.authKey };
  const header = { securityControl, systemTitle: o.systemTitle, invocationCounter };
  let apdu: CipheredApdu;
  switch (form) {
    case 'glo':
    case 'ded': {
      const first = plain[0];
      const service = first === undefined ? undefined : serviceOfPlainTag(first);
      if (service === undefined) {
        throw new ArgumentError(
          `APDU tag ${String(first)} has no service-specific ciphered form; use a general form`,
        );
      }
      const content = cipherContent(header, keys, plain);
      apdu =
        form === 'glo'
          ? { type: 'glo-ciphered', tag: GLO_CIPHERED_TAG[service], service, ...content }
          : { type: 'ded-ciphered', tag: DED_CIPHERED_TAG[service], service, ...content };
      break;
    }
    case 'general-glo':
    case 'general-ded':
      apdu = {
        type: form === 'general-glo' ? 'general-glo-ciphering' : 'general-ded-ciphering',
        systemTitle: o.systemTitle,
        ...cipherContent(header, keys, plain),
      };
      break;
    case 'general-ciphering': {
      const h = {
        transactionId: o.transactionId ?? EMPTY,
        originatorSystemTitle: o.systemTitle,
        recipientSystemTitle: o.recipientSystemTitle ?? EMPTY,
        dateTime: o.dateTime ?? EMPTY,
        otherInformation: o.otherInformation ?? EMPTY,
      };
      const content = cipherContent(header, keys, plain, generalCipheringAad(h));
      apdu =
        o.keyInfo === undefined
          ? { type: 'general-ciphering', ...h, ...content }
          : { type: 'general-ciphering', ...h, keyInfo: o.keyInfo, ...content };
      break;
    }
  }
  return encodeCipheredApduBytes(apdu);
}

function defaultOutgoingKeyId(o: ProtectOptions): CounterKeyId {
  const form = o.form ?? 'general-glo';
  if (form === 'ded' || form === 'general-ded') return 'dedicated';
  return o.broadcastKey === true ? 'global-broadcast' : 'global-unicast';
}

/**
 * Protects one plain APDU. With `counters`, the invocation counter is taken from the store (and durably
 * reserved there) before anything is ciphered, and the call returns a Promise.
 */
export function protectApdu(
  plain: Uint8Array,
  options: ProtectOptions & { readonly counters: InvocationCounterStore },
): Promise<Uint8Array>;
export function protectApdu(
  plain: Uint8Array,
  options: ProtectOptions & { readonly counters?: undefined; readonly invocationCounter: number },
): Uint8Array;
export function protectApdu(plain: Uint8Array, options: ProtectOptions): Uint8Array | Promise<Uint8Array> {
  if (options.counters === undefined) {
    if (options.invocationCounter === undefined)
      throw new ArgumentError('an invocation counter or a counter store is needed');
    return protectWith(plain, options, options.invocationCounter);
  }
  const counters = options.counters;
  return (async () => {
    const ic = await counters.nextOutgoing({
      systemTitle: options.systemTitle,
      keyId: options.counterKeyId ?? defaultOutgoingKeyId(options),
    });
    return protectWith(plain, options, ic);
  })();
}
