/**
 * The server side of one DLMS/COSEM application association (IEC 62056-5-3 / Green Book clause 9),
 * sans-I/O: APDU bytes in, {@link ServerStep} values out. It negotiates the association (AARQ → AARE),
 * runs HLS pass 3/4, deciphers and ciphers protected APDUs, serves GET/SET/ACTION and ACCESS (LN) and
 * Read/Write (SN) by asking the caller's object model, cuts long responses into blocks (service-specific blocks or
 * General-Block-Transfer), joins long requests, and releases (RLRQ → RLRE).
 *
 * Use:
 * ```ts
 * let step = await assoc.handle(apdu);
 * while (step.kind === 'model') step = await assoc.complete(await model.run(step.requests));
 * if (step.kind === 'send') for (const a of step.apdus) await channel.send(a);
 * ```
 * One request at a time: `handle` while a `model` step is open is `INVALID_STATE`. The methods are
 * async only because the invocation counter store is (a durable store persists before it hands a
 * counter out); the engine itself has no timers and does no I/O.
 *
 * State table ({@link SERVER_STATE_TABLE}; events are the kind of APDU received):
 *
 * | state              | aarq         | rlrq    | request (xDLMS)   | gbt     |
 * |--------------------|--------------|---------|-------------------|---------|
 * | idle               | associate    | release | not-associated    | not-associated |
 * | awaiting-hls-pass3 | associate    | release | hls-pass3         | gbt     |
 * | associated         | already      | release | serve             | gbt     |
 * | released           | associate    | release | not-associated    | not-associated |
 *
 * `associate` ends in `associated` (mechanisms 0 and 1), `awaiting-hls-pass3` (2–7) or stays put on a
 * rejection; `hls-pass3` ends in `associated` when f(StoC) verifies, else in `idle`; `release` ends in
 * `released`; `already` answers an AARQ on a live association with a rejected-transient AARE.
 *
 * Wrong requests get an answer, never a dropped link. ExceptionResponse (state-error / service-error):
 *
 * | situation                                            | state-error         | service-error            |
 * |------------------------------------------------------|---------------------|--------------------------|
 * | xDLMS request before association, or before pass 3   | service-not-allowed | operation-not-possible   |
 * | plain request where the policy requires protection   | service-not-allowed | operation-not-possible   |
 * | service not negotiated / not a request / wrong referencing | service-not-allowed | service-not-supported |
 * | APDU longer than server-max-receive-pdu-size         | service-not-allowed | pdu-too-long             |
 * | response too long and no block transfer negotiated   | service-not-allowed | pdu-too-long             |
 * | tag or deciphering failure                           | service-not-allowed | deciphering-error        |
 * | invocation counter not above the last accepted one   | service-not-allowed | invocation-counter-error (next expected) |
 * | unknown APDU tag                                     | service-unknown     | service-not-supported    |
 * | known tag that does not decode                       | service-unknown     | other-reason             |
 *
 * Choices where the Green Book leaves room, documented here once:
 * - Block sizes are computed so that every APDU, ciphered or not, fits client-max-receive-pdu-size.
 *   Service-specific blocks are used when the request came plain or ciphered outside GBT and the
 *   matching block-transfer bit was negotiated; a request that came in General-Block-Transfer gets its
 *   whole response in GBT; otherwise GBT is used when negotiated; failing both, pdu-too-long.
 * - A long ACTION response carries the encoded return-parameters Data in its pblocks (success is
 *   implied: a failed action has no long result).
 * - GBT: incoming block numbers must be consecutive from the first block of a transfer; the server
 *   numbers its blocks from 1 for each response, sends up to the client's advertised window at once
 *   (streaming bit on all but the last of a window) and resends from `block-number-ack + 1` when asked.
 * - A failed HLS pass 3 answers ACTION result other-reason and returns to `idle`.
 * - The HLS-GMAC f(StoC) invocation counter must be above the last one accepted from the same client
 *   system title (counter key id {@link HLS_GMAC_COUNTER}, apart from the ciphering counters); a replayed
 *   or lower counter fails pass 3 like a wrong tag.
 * - ACCESS: one Data per specification both ways (null-data for a GET request, a SET response, an
 *   ACTION without parameters or return value, and a failed GET). Under break-on-error the model is
 *   asked one specification at a time and stops at the first failure; the specifications not performed
 *   answer temporary-failure. A long Access-Response goes in General-Block-Transfer when negotiated
 *   (there are no service-specific blocks for ACCESS), else pdu-too-long.
 * - A GET-Request-Next with another invoke-id than the long GET in progress aborts it
 *   (long-get-aborted); one naming another block than the last sent aborts it too
 *   (data-block-number-invalid).
 * - GBT blocks that only acknowledge carry block-number 0 and no data.
 * - SN: Read/Write/UnconfirmedWrite are mapped through `config.baseNames`; HLS pass 3 is a ReadRequest
 *   with parameterized access on Association SN (class 12) method 8.
 *
 * Deliberately not here: I/O, timers (inactivity time-outs belong to the transports), access rights (the
 * driver checks them with the object model), SN block transfer (Read/Write with block-number-access is
 * answered other-reason), general-ciphering and general-signing requests (service-not-supported), the
 * date-time of Access-Request (ignored; the Access-Response carries none).
 */
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ArgumentError, DecodeError, ProtocolError, SecurityError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import { decodeData, encodeDataBytes } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import { decodeApdu, encodeApdu, type Apdu } from '../apdu.js';
import type { Aarq } from '../acse/aarq.js';
import type { Aare, AcseServiceUserDiagnostic } from '../acse/aare.js';
import type { Rlre } from '../acse/rlre.js';
import { MECHANISM_NAMES, type ApplicationContextName } from '../acse/names.js';
import type { UserInformation } from '../acse/user-information.js';
import { conformanceBit, type ConformanceBit } from '../xdlms/conformance.js';
import { VAA_NAME_LN, VAA_NAME_SN, type InitiateRequest, type InitiateResponse } from '../xdlms/initiate.js';
import type { ConfirmedServiceError, ServiceError } from '../xdlms/confirmed-service-error.js';
import type { ExceptionServiceError, ExceptionStateError } from '../xdlms/exception-response.js';
import {
  actionResultCode,
  dataAccessResultCode,
  dataAccessResultFromCode,
  decodeListOfData,
  encodeGetDataResult,
  type CosemMethodDescriptor,
  type DataAccessResult,
  type GetDataResult,
  type InvokeIdAndPriority,
  type LongInvokeIdAndPriority,
} from '../xdlms/common.js';
import type {
  AccessRequest,
  AccessRequestSpecification,
  AccessResponseSpecification,
} from '../xdlms/access.js';
import type { CosemAttributeDescriptorWithSelection } from '../xdlms/get.js';
import { GENERAL_BLOCK_TRANSFER_TAG, type GeneralBlockTransfer } from '../xdlms/general-block-transfer.js';
import type { ReadResult, VariableAccessSpecification, WriteResult } from '../xdlms/sn.js';
import type { ActionResponseWithOptionalData } from '../xdlms/action.js';
import { DED_CIPHERED_TAG, GLO_CIPHERED_TAG, isCipheredApduTag } from '../security/envelope.js';
import { protectApdu, unprotectApdu, type ProtectForm } from '../security/protect.js';
import {
  checkPeerChallenge,
  computeHlsResponse,
  generateChallenge,
  verifyHlsResponse,
  verifyLlsPassword,
  type HlsMechanism,
} from '../security/authentication.js';
import { constantTimeEqual } from '../security/crypto.js';
import { SC_AUTHENTICATION, SC_ENCRYPTION } from '../security/security-control.js';
import { checkSuiteKey } from '../security/secret-key.js';
import type { CounterKeyId } from '../security/counters.js';
import {
  BlockReassembler,
  gbtOverhead,
  getDatablockOverhead,
  largestPayload,
  pblockOverhead,
  splitBlocks,
} from './blocks.js';
import {
  isActionOutcome,
  isDataResult,
  type CompleteOptions,
  type ModelRequest,
  type ModelResult,
  type ServerAssociationConfig,
  type ServerAssociationInfo,
  type ServerAssociationState,
  type ServerStep,
} from './server-config.js';

/** Kinds of received APDU the state table distinguishes. */
export type ServerEvent = 'aarq' | 'rlrq' | 'request' | 'gbt';

/** What the engine does for an event in a state. */
export type ServerTransition =
  'associate' | 'already-associated' | 'release' | 'not-associated' | 'hls-pass3' | 'serve' | 'gbt';

/** The literal state table of the server association. */
export const SERVER_STATE_TABLE: Readonly<
  Record<ServerAssociationState, Readonly<Record<ServerEvent, ServerTransition>>>
> = {
  idle: { aarq: 'associate', rlrq: 'release', request: 'not-associated', gbt: 'not-associated' },
  'awaiting-hls-pass3': { aarq: 'associate', rlrq: 'release', request: 'hls-pass3', gbt: 'gbt' },
  associated: { aarq: 'already-associated', rlrq: 'release', request: 'serve', gbt: 'gbt' },
  released: { aarq: 'associate', rlrq: 'release', request: 'not-associated', gbt: 'not-associated' },
};

/** Logical name of the current Association LN object (class 15), 0.0.40.0.0.255. */
const ASSOCIATION_LN = new Uint8Array([0, 0, 40, 0, 0, 255]);
/** Bytes a ciphering envelope may add around a plain APDU (general-glo: tag, title, length, SC, IC, tag). */
const CIPHER_OVERHEAD = 32;
const DEFAULT_MAX_REASSEMBLY = 65536;
/** Counter key id under which the invocation counters of the client's HLS-GMAC f(StoC) are tracked. */
export const HLS_GMAC_COUNTER = 'hls-gmac';

interface Protection {
  readonly form: ProtectForm;
  readonly securityControl: number;
}

/** How the current request arrived, so that its response leaves the same way. */
interface RequestContext {
  readonly protection?: Protection;
  readonly viaGbt: boolean;
}

/** The contexts of unprotected requests (shared: contexts are never modified). */
const PLAIN: RequestContext = { viaGbt: false };
const VIA_GBT: RequestContext = { viaGbt: true };

/** A step, synchronously when nothing asynchronous was needed to build it. */
type Next = ServerStep | Promise<ServerStep>;

type Pending =
  | {
      readonly kind: 'get-normal' | 'get-list' | 'set-normal' | 'set-list' | 'action-normal' | 'action-list';
      readonly iid: InvokeIdAndPriority;
      readonly ctx: RequestContext;
    }
  | {
      readonly kind: 'set-last' | 'set-last-list';
      readonly iid: InvokeIdAndPriority;
      readonly ctx: RequestContext;
      readonly blockNumber: number;
    }
  | {
      readonly kind: 'access';
      readonly liid: LongInvokeIdAndPriority;
      readonly ctx: RequestContext;
      readonly specifications: readonly AccessRequestSpecification[];
      readonly data: readonly Data[];
      /** Results so far (break-on-error asks the model one request at a time). */
      readonly done: readonly ModelResult[];
    }
  | {
      readonly kind: 'read' | 'write';
      readonly ctx: RequestContext;
      readonly slots: readonly Slot[];
      /** UnconfirmedWriteRequest: performed, never answered. */
      readonly unconfirmed?: boolean;
    };

/** One SN variable: either a position in the model requests, or an immediate error. */
type Slot = { readonly index: number } | { readonly error: DataAccessResult };

interface LongOut {
  readonly iid: InvokeIdAndPriority;
  readonly blocks: readonly Uint8Array[];
  sent: number;
  readonly ctx: RequestContext;
}

interface LongIn {
  readonly iid: InvokeIdAndPriority;
  readonly reasm: BlockReassembler;
  readonly attributes?: readonly CosemAttributeDescriptorWithSelection[];
  readonly methods?: readonly CosemMethodDescriptor[];
  readonly list: boolean;
}

interface GbtOut {
  readonly blocks: readonly Uint8Array[];
  /** Number of blocks sent so far (block numbers are 1-based). */
  sent: number;
}

function contextName(c: ServerAssociationConfig): ApplicationContextName {
  if (c.referencing === 'ln')
    return c.ciphered ? 'logical-name-referencing-with-ciphering' : 'logical-name-referencing-no-ciphering';
  return c.ciphered ? 'short-name-referencing-with-ciphering' : 'short-name-referencing-no-ciphering';
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && constantTimeEqual(a, b);
}

const GLO_TAGS: ReadonlySet<number> = new Set(Object.values(GLO_CIPHERED_TAG));
const DED_TAGS: ReadonlySet<number> = new Set(Object.values(DED_CIPHERED_TAG));

/** The protection form of a ciphered APDU by its tag; general-ciphering and general-signing are not served. */
function formOfTag(tag: number): ProtectForm | undefined {
  if (GLO_TAGS.has(tag)) return 'glo';
  if (DED_TAGS.has(tag)) return 'ded';
  if (tag === 0xdb) return 'general-glo';
  if (tag === 0xdc) return 'general-ded';
  return undefined;
}

function isHlsReply(m: CosemMethodDescriptor): boolean {
  return m.classId === 15 && m.methodId === 1 && equalBytes(m.instanceId, ASSOCIATION_LN);
}

function send(...apdus: Uint8Array[]): ServerStep {
  return { kind: 'send', apdus };
}

/**
 * One server association. Create one per (logical device, client SAP) link; it may be reused for
 * successive associations on the same link (after RLRQ, a new AARQ starts over).
 */
export class ServerAssociation {
  private stateValue: ServerAssociationState = 'idle';
  private readonly config: ServerAssociationConfig;
  /** The options every request is decoded with (built once: the configuration does not change). */
  private decodeOptions: { dataLimits?: NonNullable<ServerAssociationConfig['dataLimits']> } | undefined;
  private readonly maxReassembly: number;
  private mechanism = 0;
  private clientTitle: Uint8Array | undefined;
  private dedicatedKey: Uint8Array | undefined;
  private negotiated = 0;
  private clientMaxPdu = 0;
  /** The last {@link info} given, returned again while its fields are unchanged. */
  private infoValue: ServerAssociationInfo | undefined;
  private ctos: Uint8Array | undefined;
  private stoc: Uint8Array | undefined;
  private pending: Pending | undefined;
  private longGet: LongOut | undefined;
  private longActionOut: LongOut | undefined;
  private longSet: LongIn | undefined;
  private longActionIn: LongIn | undefined;
  private gbtIn: BlockReassembler | undefined;
  private gbtOut: GbtOut | undefined;
  private gbtClientWindow = 1;
  private gbtLastClientBlock = 0;

  constructor(config: ServerAssociationConfig) {
    const m = config.authentication.mechanism;
    if (![0, 1, 2, 3, 4, 5, 6, 7].includes(m)) throw new ArgumentError(`mechanism ${m} is not 0..7`);
    if (config.ciphered) {
      if (config.security === undefined)
        throw new ArgumentError('a ciphered association needs its security keys');
      if (config.counters === undefined)
        throw new ArgumentError('a ciphered association needs an invocation counter store');
      const suite = config.security.suite ?? 0;
      checkSuiteKey(config.security.blockCipherKey, suite, 'block cipher key');
      checkSuiteKey(config.security.authenticationKey, suite, 'authentication key');
    }
    if ((config.ciphered || m >= 5) && config.systemTitle?.length !== 8) {
      throw new ArgumentError(
        'the server system title (8 bytes) is needed for ciphering and HLS mechanisms 5-7',
      );
    }
    if (m === 5 && config.counters === undefined)
      throw new ArgumentError('HLS-GMAC needs an invocation counter store');
    if (
      !Number.isInteger(config.maxReceivePduSize) ||
      config.maxReceivePduSize < 12 ||
      config.maxReceivePduSize > 0xffff
    ) {
      throw new ArgumentError(`maxReceivePduSize ${config.maxReceivePduSize} is not in 12..65535`);
    }
    const w = config.gbtWindow ?? 1;
    if (!Number.isInteger(w) || w < 1 || w > 63) throw new ArgumentError(`gbtWindow ${w} is not in 1..63`);
    this.config = config;
    this.maxReassembly = config.maxReassemblyBytes ?? DEFAULT_MAX_REASSEMBLY;
  }

  /** The current state. */
  get state(): ServerAssociationState {
    return this.stateValue;
  }

  /** What the engine knows of the association, for the driver's access checks. */
  get info(): ServerAssociationInfo {
    // The same (readonly) object while nothing in it changed: the driver asks for it on every request.
    const last = this.infoValue;
    if (
      last !== undefined &&
      last.state === this.stateValue &&
      last.mechanism === this.mechanism &&
      last.clientSystemTitle === this.clientTitle &&
      last.conformance === this.negotiated &&
      last.clientMaxReceivePduSize === this.clientMaxPdu &&
      last.ciphered === this.config.ciphered
    )
      return last;
    const info: ServerAssociationInfo = {
      state: this.stateValue,
      mechanism: this.mechanism,
      ...(this.clientTitle === undefined ? {} : { clientSystemTitle: this.clientTitle }),
      conformance: this.negotiated,
      clientMaxReceivePduSize: this.clientMaxPdu,
      ciphered: this.config.ciphered,
    };
    this.infoValue = info;
    return info;
  }

  /** True while a `model` step waits for {@link complete}. */
  get awaitingModel(): boolean {
    return this.pending !== undefined;
  }

  /** Handles one received APDU (whole, as the transport delivered it). */
  async handle(apdu: Uint8Array): Promise<ServerStep> {
    return this.handleNow(apdu);
  }

  /**
   * {@link handle} without a promise where none is needed: a plain request (no ciphering, no HLS pass,
   * no invocation counter to store) is answered synchronously; otherwise the step comes as a promise.
   * Throws `INVALID_STATE` synchronously while a model step is open. For drivers that serve many
   * requests per second (each promise costs a turn of the microtask queue).
   */
  handleNow(apdu: Uint8Array): ServerStep | Promise<ServerStep> {
    if (this.pending !== undefined)
      throw new ProtocolError('INVALID_STATE', 'complete() the open model step before handling another APDU');
    const tag = apdu[0];
    if (tag === undefined) return this.exception('service-unknown', 'service-not-supported');
    const event: ServerEvent =
      tag === 0x60 ? 'aarq' : tag === 0x62 ? 'rlrq' : tag === GENERAL_BLOCK_TRANSFER_TAG ? 'gbt' : 'request';
    if (
      event === 'request' &&
      this.stateValue !== 'idle' &&
      this.stateValue !== 'released' &&
      apdu.length > this.config.maxReceivePduSize
    ) {
      return this.exception('service-not-allowed', 'pdu-too-long');
    }
    return this.dispatch(event, apdu);
  }

  private dispatch(event: ServerEvent, apdu: Uint8Array): Next {
    switch (SERVER_STATE_TABLE[this.stateValue][event]) {
      case 'associate':
        return this.associate(apdu);
      case 'already-associated':
        return Promise.resolve(send(this.aareBytes('rejected-transient', 'no-reason-given')));
      case 'release':
        return this.release(apdu);
      case 'not-associated':
        return Promise.resolve(this.exception('service-not-allowed', 'operation-not-possible'));
      case 'gbt':
        return this.onGbt(apdu);
      case 'hls-pass3':
      case 'serve':
        return this.onRequest(apdu, false);
    }
  }

  // -------------------------------------------------------------------------------------------------
  // Association establishment

  private reset(): void {
    this.mechanism = 0;
    this.clientTitle = undefined;
    this.dedicatedKey = undefined;
    this.negotiated = 0;
    this.clientMaxPdu = 0;
    this.ctos = undefined;
    this.stoc = undefined;
    this.longGet = undefined;
    this.longActionOut = undefined;
    this.longSet = undefined;
    this.longActionIn = undefined;
    this.gbtIn = undefined;
    this.gbtOut = undefined;
    this.gbtClientWindow = 1;
    this.gbtLastClientBlock = 0;
  }

  private aareBytes(
    result: 'accepted' | 'rejected-permanent' | 'rejected-transient',
    diagnostic: AcseServiceUserDiagnostic,
    extra: Partial<Aare> = {},
  ): Uint8Array {
    const aare: Aare = {
      type: 'aare',
      applicationContextName: contextName(this.config),
      result,
      resultSourceDiagnostic: { source: 'acse-service-user', value: diagnostic },
      ...extra,
    };
    return encodeApdu(aare);
  }

  private initiateResponse(): InitiateResponse {
    return {
      type: 'initiate-response',
      negotiatedDlmsVersionNumber: this.config.dlmsVersion ?? 6,
      negotiatedConformance: this.negotiated,
      serverMaxReceivePduSize: this.config.maxReceivePduSize,
      vaaName: this.config.referencing === 'ln' ? VAA_NAME_LN : VAA_NAME_SN,
    };
  }

  /** User-information carrying `plain`, ciphered in the form the request used. */
  private async userInformation<P extends InitiateResponse | ConfirmedServiceError>(
    plain: P,
    protection: Protection | undefined,
  ): Promise<UserInformation<P>> {
    if (protection === undefined) return { apdu: plain };
    return { apdu: { type: 'ciphered-apdu', bytes: await this.protect(encodeApdu(plain), protection) } };
  }

  private async associate(bytes: Uint8Array): Promise<ServerStep> {
    this.reset();
    this.stateValue = 'idle';
    let aarq: Aarq;
    try {
      const a = decodeApdu(bytes, this.dataLimits());
      if (a.type !== 'aarq') throw new ProtocolError('UNEXPECTED_APDU', 'not an AARQ');
      aarq = a;
    } catch (e) {
      if (e instanceof DecodeError || e instanceof ProtocolError) {
        return send(this.aareBytes('rejected-permanent', 'no-reason-given'));
      }
      throw e;
    }
    const c = this.config;
    const reject = (d: AcseServiceUserDiagnostic) => send(this.aareBytes('rejected-permanent', d));
    // ACSE protocol-version DEFAULT {version1}: a peer that does not offer version1 shares no version.
    const pv = aarq.protocolVersion;
    if (pv !== undefined && ((pv.bytes[0] ?? 0) & 0x80) === 0) {
      return send(
        this.aareBytes('rejected-permanent', 'null', {
          resultSourceDiagnostic: { source: 'acse-service-provider', value: 'no-common-acse-version' },
        }),
      );
    }
    if (aarq.applicationContextName !== contextName(c)) {
      // As in the Green Book example AARE, the rejection still carries what the server would have
      // negotiated when the InitiateRequest came in plain.
      const ui = aarq.userInformation?.apdu;
      if (ui?.type !== 'initiate-request') return reject('application-context-name-not-supported');
      this.negotiated = ui.proposedConformance & c.conformance;
      const userInformation = { apdu: this.initiateResponse() };
      this.negotiated = 0;
      return send(
        this.aareBytes('rejected-permanent', 'application-context-name-not-supported', { userInformation }),
      );
    }

    const mech = c.authentication.mechanism;
    const proposed = aarq.mechanismName ?? 'none';
    if (mech === 0) {
      if (proposed !== 'none') return reject('authentication-mechanism-name-not-recognised');
    } else {
      if (aarq.mechanismName === undefined) return reject('authentication-mechanism-name-required');
      if (proposed !== MECHANISM_NAMES[mech]) return reject('authentication-mechanism-name-not-recognised');
    }

    if (c.ciphered || mech >= 5) {
      // A ciphered context needs calling-AP-title (it is the deciphering IV's system title); HLS 5-7
      // outside ciphering may rely on the configured client title (the Green Book HLS-GMAC AARQ
      // example carries none).
      const t = aarq.callingApTitle ?? (c.ciphered ? undefined : c.clientSystemTitle);
      if (t === undefined || t.length !== 8) return reject('calling-AP-title-not-recognized');
      if (c.clientSystemTitle !== undefined && !equalBytes(t, c.clientSystemTitle))
        return reject('calling-AP-title-not-recognized');
      this.clientTitle = t.slice();
    }

    const auth = aarq.callingAuthenticationValue;
    if (mech === 1) {
      const cfg = c.authentication as Extract<ServerAssociationConfig['authentication'], { mechanism: 1 }>;
      if (auth?.type !== 'charstring' || !verifyLlsPassword(cfg.password, auth.value))
        return reject('authentication-failure');
    } else if (mech >= 2) {
      if (auth?.type !== 'charstring') return reject('authentication-failure');
      try {
        checkPeerChallenge(auth.value);
      } catch (e) {
        if (e instanceof SecurityError) return reject('authentication-failure');
        throw e;
      }
      this.ctos = auth.value.slice();
    }

    const ui = aarq.userInformation;
    if (ui === undefined) return reject('no-reason-given');
    let initiate: InitiateRequest;
    let protection: Protection | undefined;
    if (ui.apdu.type === 'ciphered-apdu') {
      if (!c.ciphered) return reject('no-reason-given');
      const d = await this.decipher(ui.apdu.bytes);
      if ('failure' in d) {
        const cse: ConfirmedServiceError = {
          type: 'confirmed-service-error',
          service: 'initiate-error',
          error: { kind: 'application-reference', value: 'deciphering-error' },
        };
        return send(
          this.aareBytes('rejected-permanent', 'no-reason-given', { userInformation: { apdu: cse } }),
        );
      }
      protection = d.protection;
      let inner: Apdu;
      try {
        inner = decodeApdu(d.plaintext);
      } catch (e) {
        if (e instanceof DecodeError) return reject('no-reason-given');
        throw e;
      }
      if (inner.type !== 'initiate-request') return reject('no-reason-given');
      initiate = inner;
    } else {
      if (c.ciphered && (c.security?.policy ?? 'none') !== 'none') return reject('no-reason-given');
      initiate = ui.apdu;
    }

    const initiateError = async (
      value: 'dlms-version-too-low' | 'incompatible-conformance' | 'pdu-size-too-short',
    ) => {
      const cse: ConfirmedServiceError = {
        type: 'confirmed-service-error',
        service: 'initiate-error',
        error: { kind: 'initiate', value } as ServiceError,
      };
      return send(
        this.aareBytes('rejected-permanent', 'no-reason-given', {
          userInformation: await this.userInformation(cse, protection),
        }),
      );
    };
    // Green Book 9.4 "xDLMS-Initiate": version, conformance and PDU size are checked in this order.
    if (initiate.proposedDlmsVersionNumber < (c.dlmsVersion ?? 6))
      return initiateError('dlms-version-too-low');
    const negotiated = initiate.proposedConformance & c.conformance;
    if (negotiated === 0) return initiateError('incompatible-conformance');
    const clientMax = initiate.clientMaxReceivePduSize;
    if (clientMax !== 0 && clientMax < (c.minClientPduSize ?? 12)) return initiateError('pdu-size-too-short');

    this.negotiated = negotiated;
    this.clientMaxPdu = clientMax;
    this.mechanism = mech;
    if (protection !== undefined && initiate.dedicatedKey !== undefined)
      this.dedicatedKey = initiate.dedicatedKey.slice();
    const userInformation = await this.userInformation(this.initiateResponse(), protection);
    // responding-AP-title in ciphered contexts, as the Green Book examples do (their plain HLS-GMAC AARE
    // carries none: the client knows the server system title from its configuration).
    const respondingApTitle =
      c.ciphered && c.systemTitle !== undefined ? { respondingApTitle: c.systemTitle } : {};
    if (mech >= 2) {
      this.stoc = (c.challenge ?? generateChallenge)(c.challengeLength ?? 16);
      this.stateValue = 'awaiting-hls-pass3';
      return send(
        this.aareBytes('accepted', 'authentication-required', {
          ...respondingApTitle,
          responderAcseRequirements: { authentication: true },
          mechanismName: MECHANISM_NAMES[mech],
          respondingAuthenticationValue: { type: 'charstring', value: this.stoc },
          userInformation,
        }),
      );
    }
    this.stateValue = 'associated';
    const lls =
      mech === 1
        ? { responderAcseRequirements: { authentication: true }, mechanismName: MECHANISM_NAMES[1] }
        : {};
    return send(this.aareBytes('accepted', 'null', { ...respondingApTitle, ...lls, userInformation }));
  }

  private async release(bytes: Uint8Array): Promise<ServerStep> {
    const live = this.stateValue === 'associated' || this.stateValue === 'awaiting-hls-pass3';
    let rlre: Rlre = { type: 'rlre', reason: 'normal' };
    try {
      const a = decodeApdu(bytes);
      if (a.type === 'rlrq' && a.userInformation !== undefined && live) {
        let protection: Protection | undefined;
        if (a.userInformation.apdu.type === 'ciphered-apdu') {
          if (!this.config.ciphered) return send(encodeApdu({ type: 'rlre', reason: 'not-finished' }));
          const d = await this.decipher(a.userInformation.apdu.bytes);
          if ('failure' in d) return send(encodeApdu({ type: 'rlre', reason: 'not-finished' }));
          protection = d.protection;
        }
        rlre = {
          type: 'rlre',
          reason: 'normal',
          userInformation: await this.userInformation(this.initiateResponse(), protection),
        };
      }
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
    this.reset();
    this.stateValue = 'released';
    return { kind: 'send', apdus: [encodeApdu(rlre)], release: true };
  }

  // -------------------------------------------------------------------------------------------------
  // Protection

  private dataLimits(): { dataLimits?: NonNullable<ServerAssociationConfig['dataLimits']> } {
    return (this.decodeOptions ??=
      this.config.dataLimits === undefined ? {} : { dataLimits: this.config.dataLimits });
  }

  private requiresProtection(): boolean {
    return this.config.ciphered && (this.config.security?.policy ?? 'none') !== 'none';
  }

  /** Deciphers one protected APDU from the client, checking keys, policy and the counter. */
  private async decipher(
    bytes: Uint8Array,
  ): Promise<
    | { plaintext: Uint8Array; protection: Protection }
    | { failure: 'deciphering' | 'counter' | 'unsupported'; expected?: number }
  > {
    const c = this.config;
    const s = c.security!;
    const policy = s.policy;
    const needAuth = policy === 'authenticated' || policy === 'authenticated-encrypted';
    const needEnc = policy === 'encrypted' || policy === 'authenticated-encrypted';
    const form = formOfTag(bytes[0]!);
    if (form === undefined) return { failure: 'unsupported' };
    const dedicated = form === 'ded' || form === 'general-ded';
    if (dedicated && this.dedicatedKey === undefined) return { failure: 'deciphering' };
    const keyId: CounterKeyId = dedicated ? 'dedicated' : 'global-unicast';
    try {
      const u = await unprotectApdu(bytes, {
        key: s.blockCipherKey,
        authKey: s.authenticationKey,
        ...(this.dedicatedKey === undefined ? {} : { dedicatedKey: this.dedicatedKey }),
        ...(this.clientTitle === undefined ? {} : { systemTitle: this.clientTitle }),
        requireAuthentication: needAuth,
        counters: c.counters!,
        counterKeyId: keyId,
      });
      const sc = u.envelope.securityControl!;
      if ((needAuth && !sc.authenticated) || (needEnc && !sc.encrypted) || sc.broadcastKey)
        return { failure: 'deciphering' };
      if (
        u.envelope.systemTitle !== undefined &&
        this.clientTitle !== undefined &&
        !equalBytes(u.envelope.systemTitle, this.clientTitle)
      ) {
        return { failure: 'deciphering' };
      }
      return {
        plaintext: u.plaintext,
        protection: {
          form,
          securityControl: (u.envelope.apdu as { securityControl: number }).securityControl,
        },
      };
    } catch (e) {
      if (e instanceof SecurityError && e.code === 'REPLAYED_COUNTER') {
        const last =
          this.clientTitle === undefined
            ? undefined
            : c.counters!.lastIncoming({ systemTitle: this.clientTitle, keyId });
        return { failure: 'counter', expected: last === undefined ? 0 : Math.min(last + 1, 0xffffffff) };
      }
      if (e instanceof SecurityError || e instanceof DecodeError) return { failure: 'deciphering' };
      throw e;
    }
  }

  private protect(plain: Uint8Array, p: Protection): Promise<Uint8Array> {
    const s = this.config.security!;
    const dedicated = p.form === 'ded' || p.form === 'general-ded';
    return protectApdu(plain, {
      form: p.form,
      securityControl: p.securityControl,
      key: dedicated ? this.dedicatedKey! : s.blockCipherKey,
      authKey: s.authenticationKey,
      systemTitle: this.config.systemTitle!,
      counters: this.config.counters!,
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Output

  private exception(
    stateError: ExceptionStateError,
    serviceError: ExceptionServiceError,
    invocationCounter?: number,
  ): ServerStep {
    return send(
      encodeApdu(
        invocationCounter === undefined
          ? { type: 'exception-response', stateError, serviceError }
          : { type: 'exception-response', stateError, serviceError, invocationCounter },
      ),
    );
  }

  private has(bit: ConformanceBit): boolean {
    return (this.negotiated & conformanceBit(bit)) !== 0;
  }

  /** The largest APDU the client accepts. */
  private get maxOut(): number {
    return this.clientMaxPdu === 0 ? 0xffff : Math.min(this.clientMaxPdu, 0xffff);
  }

  /** The largest plain APDU that still fits once protected as `ctx` asks. */
  private plainBudget(ctx: RequestContext): number {
    return this.maxOut - (ctx.protection === undefined ? 0 : CIPHER_OVERHEAD);
  }

  /** Protects (if the request was protected) and sends one plain response, in GBT when needed. */
  private reply(plain: Apdu | Uint8Array, ctx: RequestContext): Next {
    const bytes = plain instanceof Uint8Array ? plain : encodeApdu(plain);
    if (ctx.protection === undefined) return this.sendOut(bytes, ctx);
    return this.protect(bytes, ctx.protection).then((out) => this.sendOut(out, ctx));
  }

  /** Sends one response as it goes on the wire: whole, in GBT when needed, or pdu-too-long. */
  private sendOut(out: Uint8Array, ctx: RequestContext): ServerStep {
    if (ctx.viaGbt || (out.length > this.maxOut && this.has('general-block-transfer')))
      return this.startGbt(out);
    if (out.length > this.maxOut) return this.exception('service-not-allowed', 'pdu-too-long');
    return send(out);
  }

  /** Whether a long response to this request should use service-specific blocks. */
  private serviceBlocks(ctx: RequestContext, bit: ConformanceBit): boolean {
    return !ctx.viaGbt && this.has(bit);
  }

  // -------------------------------------------------------------------------------------------------
  // General-Block-Transfer

  private gbtBlock(
    lastBlock: boolean,
    streaming: boolean,
    blockNumber: number,
    data: Uint8Array,
  ): Uint8Array {
    const g: GeneralBlockTransfer = {
      type: 'general-block-transfer',
      lastBlock,
      streaming,
      window: this.config.gbtWindow ?? 1,
      blockNumber,
      blockNumberAck: this.gbtLastClientBlock,
      blockData: data,
    };
    return encodeApdu(g);
  }

  private startGbt(out: Uint8Array): ServerStep {
    const size = largestPayload(this.maxOut, gbtOverhead);
    if (size < 1) return this.exception('service-not-allowed', 'pdu-too-long');
    this.gbtOut = { blocks: splitBlocks(out, size), sent: 0 };
    return this.gbtWindowFrom(0);
  }

  /** Sends the window of blocks after block number `ack`. */
  private gbtWindowFrom(ack: number): ServerStep {
    const g = this.gbtOut!;
    const n = g.blocks.length;
    const end = Math.min(n, ack + this.gbtClientWindow);
    const apdus: Uint8Array[] = [];
    for (let i = ack; i < end; i++) apdus.push(this.gbtBlock(i === n - 1, i < end - 1, i + 1, g.blocks[i]!));
    g.sent = Math.max(g.sent, end);
    return apdus.length === 0 ? { kind: 'none' } : send(...apdus);
  }

  private async onGbt(bytes: Uint8Array): Promise<ServerStep> {
    if (!this.has('general-block-transfer'))
      return this.exception('service-not-allowed', 'service-not-supported');
    let g: GeneralBlockTransfer;
    try {
      const a = decodeApdu(bytes);
      if (a.type !== 'general-block-transfer') throw new ProtocolError('UNEXPECTED_APDU', 'not a GBT');
      g = a;
    } catch (e) {
      if (e instanceof DecodeError) return this.exception('service-unknown', 'other-reason');
      throw e;
    }
    if (g.window > 0) this.gbtClientWindow = g.window;
    if (g.blockData.length === 0 && !g.lastBlock) {
      // An acknowledgement: the client asks for the blocks after block-number-ack.
      if (this.gbtOut === undefined) return { kind: 'none' };
      if (g.blockNumberAck >= this.gbtOut.blocks.length) {
        this.gbtOut = undefined;
        return { kind: 'none' };
      }
      return this.gbtWindowFrom(g.blockNumberAck);
    }
    // A block of a request: a new transfer cancels what was left of the previous response.
    this.gbtOut = undefined;
    this.gbtIn ??= new BlockReassembler(this.maxReassembly, g.blockNumber);
    const r = this.gbtIn.push(g.blockNumber, g.blockData, g.lastBlock);
    if (r === 'too-large') {
      this.gbtIn = undefined;
      return this.exception('service-not-allowed', 'pdu-too-long');
    }
    if (r === 'block-number-invalid') {
      // Ask again for what follows the last block accepted.
      return send(this.gbtBlock(false, false, 0, new Uint8Array(0)));
    }
    this.gbtLastClientBlock = g.blockNumber;
    if (r === 'ok')
      return g.streaming ? { kind: 'none' } : send(this.gbtBlock(false, false, 0, new Uint8Array(0)));
    const inner = this.gbtIn.joined();
    this.gbtIn = undefined;
    const tag = inner[0];
    const event: ServerEvent =
      tag === 0x62 ? 'rlrq' : tag === GENERAL_BLOCK_TRANSFER_TAG || tag === 0x60 ? 'gbt' : 'request';
    if (event === 'gbt') return this.exception('service-not-allowed', 'operation-not-possible');
    if (event === 'rlrq') return this.release(inner);
    return this.onRequest(inner, true);
  }

  // -------------------------------------------------------------------------------------------------
  // Requests

  private onRequest(bytes: Uint8Array, viaGbt: boolean): Next {
    if (isCipheredApduTag(bytes[0]!)) {
      if (!this.config.ciphered) return this.exception('service-not-allowed', 'operation-not-possible');
      return this.onCipheredRequest(bytes, viaGbt);
    }
    if (this.requiresProtection()) return this.exception('service-not-allowed', 'operation-not-possible');
    return this.decodeAndServe(bytes, viaGbt ? VIA_GBT : PLAIN);
  }

  private async onCipheredRequest(bytes: Uint8Array, viaGbt: boolean): Promise<ServerStep> {
    const d = await this.decipher(bytes);
    if ('failure' in d) {
      if (d.failure === 'counter')
        return this.exception('service-not-allowed', 'invocation-counter-error', d.expected);
      if (d.failure === 'unsupported') return this.exception('service-not-allowed', 'service-not-supported');
      return this.exception('service-not-allowed', 'deciphering-error');
    }
    return this.decodeAndServe(d.plaintext, { viaGbt, protection: d.protection });
  }

  private decodeAndServe(plain: Uint8Array, ctx: RequestContext): Next {
    let apdu: Apdu;
    try {
      apdu = decodeApdu(plain, this.dataLimits());
    } catch (e) {
      if (e instanceof DecodeError) {
        return e.code === 'UNKNOWN_TAG' && e.offset === 0
          ? this.exception('service-unknown', 'service-not-supported')
          : this.exception('service-unknown', 'other-reason');
      }
      throw e;
    }
    if (this.stateValue === 'awaiting-hls-pass3') return this.hlsPass3(apdu, ctx);
    return this.serve(apdu, ctx);
  }

  private async hlsPass3(apdu: Apdu, ctx: RequestContext): Promise<ServerStep> {
    if (apdu.type === 'action-request-normal' && isHlsReply(apdu.method)) {
      const p = apdu.parameters;
      const f = await this.verifyPass3(p?.type === 'octet-string' ? p.value : undefined);
      const iid = apdu.invokeIdAndPriority;
      return this.reply(
        f === undefined
          ? { type: 'action-response-normal', invokeIdAndPriority: iid, response: { result: 'other-reason' } }
          : {
              type: 'action-response-normal',
              invokeIdAndPriority: iid,
              response: {
                result: 'success',
                returnParameters: { type: 'data', data: { type: 'octet-string', value: f } },
              },
            },
        ctx,
      );
    }
    // SN: reply_to_HLS_authentication is Association SN (class 12) method 8, invoked by a ReadRequest
    // with parameterized access on the method's short name.
    const v = apdu.type === 'read-request' && apdu.variables.length === 1 ? apdu.variables[0]! : undefined;
    if (v?.type === 'parameterized-access') {
      const t = this.config.baseNames?.(v.variableName);
      if (t?.type === 'method' && t.descriptor.classId === 12 && t.descriptor.methodId === 8) {
        const f = await this.verifyPass3(v.parameter.type === 'octet-string' ? v.parameter.value : undefined);
        return this.reply(
          {
            type: 'read-response',
            results: [
              f === undefined
                ? { type: 'data-access-error', result: 'other-reason' }
                : { type: 'data', data: { type: 'octet-string', value: f } },
            ],
          },
          ctx,
        );
      }
    }
    return this.exception('service-not-allowed', 'operation-not-possible');
  }

  /**
   * HLS pass 3 and 4: checks the client's f(StoC); on success the association is established and the
   * server's f(CtoS) is returned, on failure the engine returns to idle and `undefined` is returned.
   */
  private async verifyPass3(fStoC: Uint8Array | undefined): Promise<Uint8Array | undefined> {
    const m = this.config.authentication as HlsMechanism;
    const ch = { ctos: this.ctos!, stoc: this.stoc! };
    const parties = {
      ...(this.clientTitle === undefined ? {} : { clientSystemTitle: this.clientTitle }),
      ...(this.config.systemTitle === undefined ? {} : { serverSystemTitle: this.config.systemTitle }),
    };
    // HLS-GMAC: f(StoC) is SC ‖ IC ‖ tag; its IC must be above the last one accepted from this client
    // system title (Green Book 9.2.7.2.4: a receiver never accepts a counter twice). It is kept apart
    // from the ciphering counters (key id HLS_GMAC_COUNTER): clients take the f(StoC) counter before or
    // together with the one of the APDU that carries it, which is deciphered first.
    const counterId =
      m.mechanism === 5 && this.clientTitle !== undefined
        ? { systemTitle: this.clientTitle, keyId: HLS_GMAC_COUNTER }
        : undefined;
    const ic =
      fStoC !== undefined && fStoC.length >= 5
        ? ((fStoC[1]! << 24) | (fStoC[2]! << 16) | (fStoC[3]! << 8) | fStoC[4]!) >>> 0
        : 0;
    let ok = false;
    if (fStoC !== undefined) {
      try {
        if (counterId !== undefined) this.config.counters!.checkIncoming(counterId, ic);
        ok = verifyHlsResponse('server', m, ch, fStoC, parties);
        if (ok && counterId !== undefined) await this.config.counters!.acceptIncoming(counterId, ic);
      } catch (e) {
        if (!(e instanceof SecurityError)) throw e;
        ok = false;
      }
    }
    if (!ok) {
      this.reset();
      this.stateValue = 'idle';
      return undefined;
    }
    const invocationCounter =
      m.mechanism === 5
        ? await this.config.counters!.nextOutgoing({
            systemTitle: this.config.systemTitle!,
            keyId: 'global-unicast',
          })
        : undefined;
    const f = computeHlsResponse('server', m, ch, {
      ...parties,
      ...(invocationCounter === undefined ? {} : { invocationCounter }),
    });
    this.stateValue = 'associated';
    return f;
  }

  private model(
    service: 'get' | 'set' | 'action' | 'read' | 'write' | 'access',
    requests: ModelRequest[],
    pending: Pending,
  ): ServerStep {
    this.pending = pending;
    const p = pending.ctx.protection;
    if (p === undefined) return { kind: 'model', service, requests };
    const sc = p.securityControl;
    return {
      kind: 'model',
      service,
      requests,
      protection: { authenticated: (sc & SC_AUTHENTICATION) !== 0, encrypted: (sc & SC_ENCRYPTION) !== 0 },
    };
  }

  private serve(apdu: Apdu, ctx: RequestContext): Next {
    const ln = this.config.referencing === 'ln';
    const notSupported = () => this.exception('service-not-allowed', 'service-not-supported');
    switch (apdu.type) {
      case 'get-request-normal':
        if (!ln || !this.has('get')) return notSupported();
        if (apdu.accessSelection !== undefined && !this.has('selective-access')) return notSupported();
        this.longGet = undefined;
        return this.model(
          'get',
          [
            apdu.accessSelection === undefined
              ? { op: 'get', descriptor: apdu.attribute }
              : { op: 'get', descriptor: apdu.attribute, access: apdu.accessSelection },
          ],
          { kind: 'get-normal', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'get-request-with-list':
        if (!ln || !this.has('get') || !this.has('multiple-references')) return notSupported();
        this.longGet = undefined;
        return this.model(
          'get',
          apdu.attributes.map((a) => ({
            op: 'get',
            descriptor: a.attribute,
            ...(a.accessSelection === undefined ? {} : { access: a.accessSelection }),
          })),
          { kind: 'get-list', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'get-request-next':
        if (!ln || !this.has('get')) return notSupported();
        return this.getNext(apdu.invokeIdAndPriority, apdu.blockNumber, ctx);
      case 'set-request-normal':
        if (!ln || !this.has('set')) return notSupported();
        return this.model(
          'set',
          [
            {
              op: 'set',
              descriptor: apdu.attribute,
              value: apdu.value,
              ...(apdu.accessSelection === undefined ? {} : { access: apdu.accessSelection }),
            },
          ],
          { kind: 'set-normal', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'set-request-with-list':
        if (!ln || !this.has('set') || !this.has('multiple-references')) return notSupported();
        if (apdu.values.length !== apdu.attributes.length)
          return this.exception('service-unknown', 'other-reason');
        return this.model(
          'set',
          apdu.attributes.map((a, i) => ({
            op: 'set',
            descriptor: a.attribute,
            value: apdu.values[i]!,
            ...(a.accessSelection === undefined ? {} : { access: a.accessSelection }),
          })),
          { kind: 'set-list', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'set-request-with-first-datablock':
      case 'set-request-with-list-and-first-datablock': {
        if (!ln || !this.has('set') || !this.has('block-transfer-with-set-or-write')) return notSupported();
        const list = apdu.type === 'set-request-with-list-and-first-datablock';
        const attributes = list
          ? apdu.attributes
          : [
              {
                attribute: apdu.attribute,
                ...(apdu.accessSelection === undefined ? {} : { accessSelection: apdu.accessSelection }),
              },
            ];
        this.longSet = {
          iid: apdu.invokeIdAndPriority,
          reasm: new BlockReassembler(this.maxReassembly),
          attributes,
          list,
        };
        return this.setBlock(apdu.invokeIdAndPriority, apdu.block, ctx);
      }
      case 'set-request-with-datablock':
        if (!ln || !this.has('set') || !this.has('block-transfer-with-set-or-write')) return notSupported();
        if (this.longSet === undefined) {
          return this.reply(
            {
              type: 'set-response-normal',
              invokeIdAndPriority: apdu.invokeIdAndPriority,
              result: 'no-long-set-in-progress',
            },
            ctx,
          );
        }
        return this.setBlock(apdu.invokeIdAndPriority, apdu.block, ctx);
      case 'action-request-normal':
        if (!ln || !this.has('action')) return notSupported();
        this.longActionOut = undefined;
        return this.model(
          'action',
          [
            {
              op: 'action',
              descriptor: apdu.method,
              ...(apdu.parameters === undefined ? {} : { parameters: apdu.parameters }),
            },
          ],
          { kind: 'action-normal', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'action-request-with-list':
        if (!ln || !this.has('action') || !this.has('multiple-references')) return notSupported();
        if (apdu.parameters.length !== apdu.methods.length)
          return this.exception('service-unknown', 'other-reason');
        this.longActionOut = undefined;
        return this.model(
          'action',
          apdu.methods.map((m, i) => ({ op: 'action', descriptor: m, parameters: apdu.parameters[i]! })),
          { kind: 'action-list', iid: apdu.invokeIdAndPriority, ctx },
        );
      case 'action-request-with-first-pblock':
      case 'action-request-with-list-and-first-pblock': {
        if (!ln || !this.has('action') || !this.has('block-transfer-with-action')) return notSupported();
        const list = apdu.type === 'action-request-with-list-and-first-pblock';
        const methods = list ? apdu.methods : [apdu.method];
        this.longActionIn = {
          iid: apdu.invokeIdAndPriority,
          reasm: new BlockReassembler(this.maxReassembly),
          methods,
          list,
        };
        return this.actionBlock(apdu.invokeIdAndPriority, apdu.block, ctx);
      }
      case 'action-request-with-pblock':
        if (!ln || !this.has('action') || !this.has('block-transfer-with-action')) return notSupported();
        if (this.longActionIn === undefined) {
          return this.reply(
            {
              type: 'action-response-normal',
              invokeIdAndPriority: apdu.invokeIdAndPriority,
              response: { result: 'no-long-action-in-progress' },
            },
            ctx,
          );
        }
        return this.actionBlock(apdu.invokeIdAndPriority, apdu.block, ctx);
      case 'action-request-next-pblock':
        if (!ln || !this.has('action')) return notSupported();
        return this.actionNext(apdu.invokeIdAndPriority, apdu.blockNumber, ctx);
      case 'access-request':
        if (!ln || !this.has('access')) return notSupported();
        return this.access(apdu, ctx);
      case 'read-request':
        if (ln || !this.has('read')) return notSupported();
        return this.snRead(apdu.variables, ctx);
      case 'write-request':
        if (ln || !this.has('write')) return notSupported();
        return this.snWrite(apdu.variables, apdu.values, ctx, false);
      case 'unconfirmed-write-request':
        // Never answered, not even with an exception (IEC 61334-4-41: unconfirmed service).
        if (ln || !this.has('unconfirmed-write') || apdu.values.length !== apdu.variables.length)
          return { kind: 'none' };
        return this.snWrite(apdu.variables, apdu.values, ctx, true);
      default:
        return notSupported();
    }
  }

  // GET -------------------------------------------------------------------------------------------

  private getBlock(l: LongOut): Next {
    const n = l.sent + 1;
    l.sent = n;
    const last = n === l.blocks.length;
    if (last) this.longGet = undefined;
    return this.reply(
      {
        type: 'get-response-with-datablock',
        invokeIdAndPriority: l.iid,
        block: { lastBlock: last, blockNumber: n, result: { type: 'raw-data', rawData: l.blocks[n - 1]! } },
      },
      l.ctx,
    );
  }

  private getNext(iid: InvokeIdAndPriority, blockNumber: number, ctx: RequestContext): Next {
    const l = this.longGet;
    const error = (result: DataAccessResult) =>
      this.reply(
        {
          type: 'get-response-with-datablock',
          invokeIdAndPriority: iid,
          block: { lastBlock: true, blockNumber, result: { type: 'data-access-result', result } },
        },
        ctx,
      );
    if (l === undefined) return error('no-long-get-in-progress');
    if (iid.invokeId !== l.iid.invokeId) {
      // A GET-Request-Next that does not belong to the long GET in progress (another invoke-id) ends it:
      // the client has lost track of the transfer, so its remaining blocks are dropped.
      this.longGet = undefined;
      return error('long-get-aborted');
    }
    if (blockNumber !== l.sent) {
      // Green Book: a GET-Request-Next naming another block than the last one sent aborts the transfer.
      this.longGet = undefined;
      return error('data-block-number-invalid');
    }
    return this.getBlock(l);
  }

  /** Sends `raw` as GET data blocks when the plain response does not fit, else the response itself. */
  private longOrWhole(
    whole: Apdu,
    raw: () => Uint8Array,
    ctx: RequestContext,
    bit: ConformanceBit,
    overhead: (n: number) => number,
    start: (l: LongOut) => Next,
    iid: InvokeIdAndPriority,
  ): Next {
    const bytes = encodeApdu(whole);
    if (bytes.length <= this.plainBudget(ctx) || !this.serviceBlocks(ctx, bit)) return this.reply(bytes, ctx);
    const size = largestPayload(this.plainBudget(ctx), overhead);
    if (size < 1) return Promise.resolve(this.exception('service-not-allowed', 'pdu-too-long'));
    return start({ iid, blocks: splitBlocks(raw(), size), sent: 0, ctx });
  }

  // SET -------------------------------------------------------------------------------------------

  private setBlock(
    iid: InvokeIdAndPriority,
    block: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array },
    ctx: RequestContext,
  ): Next {
    const l = this.longSet!;
    const r = l.reasm.push(block.blockNumber, block.rawData, block.lastBlock);
    const fail = (result: DataAccessResult) => {
      this.longSet = undefined;
      return this.reply(
        {
          type: 'set-response-last-datablock',
          invokeIdAndPriority: iid,
          result,
          blockNumber: block.blockNumber,
        },
        ctx,
      );
    };
    if (r === 'block-number-invalid') return fail('data-block-number-invalid');
    if (r === 'too-large') return fail('long-set-aborted');
    if (r === 'ok')
      return this.reply(
        { type: 'set-response-datablock', invokeIdAndPriority: iid, blockNumber: block.blockNumber },
        ctx,
      );
    this.longSet = undefined;
    let values: Data[];
    try {
      values = decodeValues(l.reasm.joined(), l.list, this.config.dataLimits);
    } catch (e) {
      if (e instanceof DecodeError) return fail('type-unmatched');
      throw e;
    }
    const attrs = l.attributes!;
    if (values.length !== attrs.length) return fail('type-unmatched');
    return Promise.resolve(
      this.model(
        'set',
        attrs.map((a, i) => ({
          op: 'set',
          descriptor: a.attribute,
          value: values[i]!,
          ...(a.accessSelection === undefined ? {} : { access: a.accessSelection }),
        })),
        { kind: l.list ? 'set-last-list' : 'set-last', iid, ctx, blockNumber: block.blockNumber },
      ),
    );
  }

  // ACTION ----------------------------------------------------------------------------------------

  private actionBlock(
    iid: InvokeIdAndPriority,
    block: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array },
    ctx: RequestContext,
  ): Next {
    const l = this.longActionIn!;
    const r = l.reasm.push(block.blockNumber, block.rawData, block.lastBlock);
    const fail = () => {
      this.longActionIn = undefined;
      return this.reply(
        {
          type: 'action-response-normal',
          invokeIdAndPriority: iid,
          response: { result: 'long-action-aborted' },
        },
        ctx,
      );
    };
    if (r === 'block-number-invalid' || r === 'too-large') return fail();
    if (r === 'ok')
      return this.reply(
        { type: 'action-response-next-pblock', invokeIdAndPriority: iid, blockNumber: block.blockNumber },
        ctx,
      );
    this.longActionIn = undefined;
    let values: Data[];
    try {
      values = decodeValues(l.reasm.joined(), l.list, this.config.dataLimits);
    } catch (e) {
      if (e instanceof DecodeError) return fail();
      throw e;
    }
    const methods = l.methods!;
    if (values.length !== methods.length) return fail();
    this.longActionOut = undefined;
    return Promise.resolve(
      this.model(
        'action',
        methods.map((m, i) => ({ op: 'action', descriptor: m, parameters: values[i]! })),
        { kind: l.list ? 'action-list' : 'action-normal', iid, ctx },
      ),
    );
  }

  private actionPblock(l: LongOut): Next {
    const n = l.sent + 1;
    l.sent = n;
    const last = n === l.blocks.length;
    if (last) this.longActionOut = undefined;
    return this.reply(
      {
        type: 'action-response-with-pblock',
        invokeIdAndPriority: l.iid,
        block: { lastBlock: last, blockNumber: n, rawData: l.blocks[n - 1]! },
      },
      l.ctx,
    );
  }

  private actionNext(iid: InvokeIdAndPriority, blockNumber: number, ctx: RequestContext): Next {
    const l = this.longActionOut;
    if (l === undefined || blockNumber !== l.sent) {
      this.longActionOut = undefined;
      return this.reply(
        {
          type: 'action-response-normal',
          invokeIdAndPriority: iid,
          response: { result: l === undefined ? 'no-long-action-in-progress' : 'long-action-aborted' },
        },
        ctx,
      );
    }
    return this.actionPblock(l);
  }

  // ACCESS ----------------------------------------------------------------------------------------

  /**
   * Access-Request: the model performs every specification (all at once, or one at a time under
   * break-on-error so that nothing runs after a failure).
   */
  private access(apdu: AccessRequest, ctx: RequestContext): Next {
    const specs = apdu.specifications;
    if (apdu.data.length !== specs.length)
      return Promise.resolve(this.exception('service-unknown', 'other-reason'));
    if (specs.some((s) => s.type.endsWith('with-selection')) && !this.has('selective-access'))
      return Promise.resolve(this.exception('service-not-allowed', 'service-not-supported'));
    const pending: Pending = {
      kind: 'access',
      liid: apdu.longInvokeIdAndPriority,
      ctx,
      specifications: specs,
      data: apdu.data,
      done: [],
    };
    if (specs.length === 0) {
      this.pending = pending;
      return this.complete([]);
    }
    const requests = specs.map((s, i) => accessModelRequest(s, apdu.data[i]!));
    return Promise.resolve(
      this.model(
        'access',
        apdu.longInvokeIdAndPriority.breakOnError ? requests.slice(0, 1) : requests,
        pending,
      ),
    );
  }

  private accessComplete(p: Extract<Pending, { kind: 'access' }>, results: readonly ModelResult[]): Next {
    const done = [...p.done, ...results];
    const n = p.specifications.length;
    const failed = results.length > 0 && !succeeded(p.specifications[done.length - 1]!, results.at(-1));
    if (p.liid.breakOnError && done.length < n && !failed) {
      const i = done.length;
      return Promise.resolve(
        this.model('access', [accessModelRequest(p.specifications[i]!, p.data[i]!)], { ...p, done }),
      );
    }
    const data: Data[] = [];
    const responses: AccessResponseSpecification[] = [];
    p.specifications.forEach((spec, i) => {
      // Under break-on-error the requests after the failed one are not performed.
      const r = i < done.length ? done[i] : undefined;
      const skipped = i >= done.length;
      switch (spec.type) {
        case 'access-request-get':
        case 'access-request-get-with-selection': {
          const g = skipped ? undefined : getDataResult(r);
          data.push(g?.type === 'data' ? g.data : { type: 'null-data' });
          responses.push({
            type: 'access-response-get',
            result: g === undefined ? 'temporary-failure' : g.type === 'data' ? 'success' : g.result,
          });
          break;
        }
        case 'access-request-set':
        case 'access-request-set-with-selection':
          data.push({ type: 'null-data' });
          responses.push({
            type: 'access-response-set',
            result: skipped ? 'temporary-failure' : setResult(r),
          });
          break;
        case 'access-request-action': {
          const a = skipped ? undefined : actionResponse(r);
          const rp = a?.returnParameters;
          data.push(rp?.type === 'data' ? rp.data : { type: 'null-data' });
          responses.push({
            type: 'access-response-action',
            result: a === undefined ? 'temporary-failure' : a.result,
          });
          break;
        }
      }
    });
    return this.reply(
      {
        type: 'access-response',
        longInvokeIdAndPriority: p.liid,
        data,
        responses,
      },
      p.ctx,
    );
  }

  // SN --------------------------------------------------------------------------------------------

  private resolve(
    v: VariableAccessSpecification,
    value: Data | undefined,
    slots: Slot[],
    requests: ModelRequest[],
  ): void {
    if (v.type !== 'variable-name' && v.type !== 'parameterized-access') {
      slots.push({ error: 'other-reason' });
      return;
    }
    const target = this.config.baseNames?.(v.variableName);
    if (target === undefined) {
      slots.push({ error: 'object-undefined' });
      return;
    }
    slots.push({ index: requests.length });
    if (target.type === 'attribute') {
      const access =
        v.type === 'parameterized-access'
          ? { access: { accessSelector: v.selector, accessParameters: v.parameter } }
          : {};
      requests.push(
        value === undefined
          ? { op: 'get', descriptor: target.descriptor, ...access }
          : { op: 'set', descriptor: target.descriptor, value, ...access },
      );
    } else {
      const parameters = value ?? (v.type === 'parameterized-access' ? v.parameter : undefined);
      requests.push({
        op: 'action',
        descriptor: target.descriptor,
        ...(parameters === undefined ? {} : { parameters }),
      });
    }
  }

  private snRead(variables: readonly VariableAccessSpecification[], ctx: RequestContext): Next {
    const slots: Slot[] = [];
    const requests: ModelRequest[] = [];
    for (const v of variables) this.resolve(v, undefined, slots, requests);
    return this.snStep('read', requests, { kind: 'read', ctx, slots });
  }

  private snWrite(
    variables: readonly VariableAccessSpecification[],
    values: readonly Data[],
    ctx: RequestContext,
    unconfirmed: boolean,
  ): Next {
    if (values.length !== variables.length)
      return Promise.resolve(this.exception('service-unknown', 'other-reason'));
    const slots: Slot[] = [];
    const requests: ModelRequest[] = [];
    variables.forEach((v, i) => this.resolve(v, values[i]!, slots, requests));
    return this.snStep('write', requests, { kind: 'write', ctx, slots, unconfirmed });
  }

  private snStep(service: 'read' | 'write', requests: ModelRequest[], pending: Pending): Next {
    if (requests.length > 0) return Promise.resolve(this.model(service, requests, pending));
    this.pending = pending;
    return this.complete([]);
  }

  // -------------------------------------------------------------------------------------------------
  // Completion

  /** The request context with the response protection raised to `need` (a plain request: glo form). */
  private responseContext(ctx: RequestContext, need: CompleteOptions['responseProtection']): RequestContext {
    if (need?.authenticated !== true && need?.encrypted !== true) return ctx;
    if (!this.config.ciphered || this.config.security === undefined)
      throw new ArgumentError('a protected response needs a ciphered association');
    const p = ctx.protection;
    const sc =
      (p?.securityControl ?? this.config.security.suite ?? 0) |
      (need.authenticated === true ? SC_AUTHENTICATION : 0) |
      (need.encrypted === true ? SC_ENCRYPTION : 0);
    if (p !== undefined && sc === p.securityControl) return ctx;
    return { ...ctx, protection: { form: p?.form ?? 'glo', securityControl: sc } };
  }

  /**
   * Gives the object model's results for the open `model` step, in request order; `options` may demand
   * more protection of the response than the request had (access rights, see {@link CompleteOptions}).
   */
  async complete(results: readonly ModelResult[], options: CompleteOptions = {}): Promise<ServerStep> {
    return this.completeNow(results, options);
  }

  /**
   * {@link complete} without a promise where none is needed (an unprotected response is built
   * synchronously; protecting one takes the counter store, hence a promise). Throws `INVALID_STATE`
   * synchronously when no model step is open.
   */
  completeNow(
    results: readonly ModelResult[],
    options: CompleteOptions = {},
  ): ServerStep | Promise<ServerStep> {
    const open = this.pending;
    if (open === undefined) throw new ProtocolError('INVALID_STATE', 'no model step is open');
    const ctx = this.responseContext(open.ctx, options.responseProtection);
    const p = ctx === open.ctx ? open : ({ ...open, ctx } as Pending);
    this.pending = undefined;
    switch (p.kind) {
      case 'get-normal': {
        const result = getDataResult(results[0]);
        const whole: Apdu = { type: 'get-response-normal', invokeIdAndPriority: p.iid, result };
        return this.longOrWhole(
          whole,
          () => encodeDataBytes((result as { data: Data }).data),
          p.ctx,
          'block-transfer-with-get-or-read',
          getDatablockOverhead,
          (l) => ((this.longGet = l), this.getBlock(l)),
          p.iid,
        );
      }
      case 'get-list': {
        const list = results.map(getDataResult);
        const whole: Apdu = { type: 'get-response-with-list', invokeIdAndPriority: p.iid, results: list };
        return this.longOrWhole(
          whole,
          () => {
            const w = new Writer(1024);
            encodeLength(w, list.length);
            for (const r of list) encodeGetDataResult(w, r);
            return w.toBytes();
          },
          p.ctx,
          'block-transfer-with-get-or-read',
          getDatablockOverhead,
          (l) => ((this.longGet = l), this.getBlock(l)),
          p.iid,
        );
      }
      case 'set-normal':
        return this.reply(
          { type: 'set-response-normal', invokeIdAndPriority: p.iid, result: setResult(results[0]) },
          p.ctx,
        );
      case 'set-list':
        return this.reply(
          { type: 'set-response-with-list', invokeIdAndPriority: p.iid, results: results.map(setResult) },
          p.ctx,
        );
      case 'set-last':
        return this.reply(
          {
            type: 'set-response-last-datablock',
            invokeIdAndPriority: p.iid,
            result: setResult(results[0]),
            blockNumber: p.blockNumber,
          },
          p.ctx,
        );
      case 'set-last-list':
        return this.reply(
          {
            type: 'set-response-last-datablock-with-list',
            invokeIdAndPriority: p.iid,
            results: results.map(setResult),
            blockNumber: p.blockNumber,
          },
          p.ctx,
        );
      case 'action-normal': {
        const response = actionResponse(results[0]);
        const whole: Apdu = { type: 'action-response-normal', invokeIdAndPriority: p.iid, response };
        const rp = response.returnParameters;
        if (rp?.type !== 'data') return this.reply(whole, p.ctx);
        return this.longOrWhole(
          whole,
          () => encodeDataBytes(rp.data),
          p.ctx,
          'block-transfer-with-action',
          pblockOverhead,
          (l) => ((this.longActionOut = l), this.actionPblock(l)),
          p.iid,
        );
      }
      case 'action-list':
        return this.reply(
          {
            type: 'action-response-with-list',
            invokeIdAndPriority: p.iid,
            responses: results.map(actionResponse),
          },
          p.ctx,
        );
      case 'access':
        return this.accessComplete(p, results);
      case 'read': {
        const out: ReadResult[] = p.slots.map((s) => {
          if ('error' in s) return { type: 'data-access-error', result: s.error };
          const r = results[s.index];
          if (isDataResult(r)) return { type: 'data', data: r };
          if (isActionOutcome(r)) {
            const code = actionResultCode(r.result);
            if (code !== 0) return { type: 'data-access-error', result: dataAccessResultFromCode(code) };
            return { type: 'data', data: r.returnParameters ?? { type: 'null-data' } };
          }
          return {
            type: 'data-access-error',
            result: r === undefined ? 'other-reason' : (r as DataAccessResult),
          };
        });
        return this.reply({ type: 'read-response', results: out }, p.ctx);
      }
      case 'write': {
        if (p.unconfirmed === true) return { kind: 'none' };
        const out: WriteResult[] = p.slots.map((s) => {
          if ('error' in s) return { type: 'data-access-error', result: s.error };
          const r = results[s.index];
          const code = isActionOutcome(r)
            ? actionResultCode(r.result)
            : isDataResult(r) || r === undefined
              ? 250
              : dataAccessResultCode(r);
          return code === 0
            ? { type: 'success' }
            : { type: 'data-access-error', result: dataAccessResultFromCode(code) };
        });
        return this.reply({ type: 'write-response', results: out }, p.ctx);
      }
    }
  }
}

/** The model request of one Access-Request-Specification with its list-of-data element. */
function accessModelRequest(s: AccessRequestSpecification, d: Data): ModelRequest {
  switch (s.type) {
    case 'access-request-get':
      return { op: 'get', descriptor: s.attribute };
    case 'access-request-get-with-selection':
      return { op: 'get', descriptor: s.attribute, access: s.accessSelection };
    case 'access-request-set':
      return { op: 'set', descriptor: s.attribute, value: d };
    case 'access-request-set-with-selection':
      return { op: 'set', descriptor: s.attribute, value: d, access: s.accessSelection };
    case 'access-request-action':
      // An action without parameters carries null-data in the list of data.
      return d.type === 'null-data'
        ? { op: 'action', descriptor: s.method }
        : { op: 'action', descriptor: s.method, parameters: d };
  }
}

/** True when the model result of an access specification is a success (for break-on-error). */
function succeeded(s: AccessRequestSpecification, r: ModelResult | undefined): boolean {
  if (s.type === 'access-request-action') return isActionOutcome(r) && r.result === 'success';
  if (s.type === 'access-request-get' || s.type === 'access-request-get-with-selection')
    return isDataResult(r);
  return r === 'success' || r === 0;
}

function getDataResult(r: ModelResult | undefined): GetDataResult {
  if (isDataResult(r)) return { type: 'data', data: r };
  if (r === undefined || isActionOutcome(r)) return { type: 'data-access-result', result: 'other-reason' };
  // A model must not answer a GET with success and no data.
  return { type: 'data-access-result', result: r === 'success' || r === 0 ? 'other-reason' : r };
}

function setResult(r: ModelResult | undefined): DataAccessResult {
  if (r === undefined || isDataResult(r) || isActionOutcome(r)) return 'other-reason';
  return r;
}

function actionResponse(r: ModelResult | undefined): ActionResponseWithOptionalData {
  if (!isActionOutcome(r)) return { result: 'other-reason' };
  return r.returnParameters === undefined
    ? { result: r.result }
    : { result: r.result, returnParameters: { type: 'data', data: r.returnParameters } };
}

/** Decodes the joined raw-data of SET/ACTION blocks: one Data, or a SEQUENCE OF Data for the list forms. */
function decodeValues(
  bytes: Uint8Array,
  list: boolean,
  limits: ServerAssociationConfig['dataLimits'],
): Data[] {
  const r = new Reader(bytes);
  const out = list ? decodeListOfData(r, limits) : [decodeData(r, limits)];
  r.expectEnd('block data');
  return out;
}
