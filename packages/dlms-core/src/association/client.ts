/**
 * The client side of one DLMS/COSEM application association (IEC 62056-5-3 / Green Book clause 9),
 * sans-I/O: the caller asks for a service and gets the APDU bytes to send; it hands every received APDU
 * to {@link ClientAssociation.receive} and gets the next step. Time comes in as an argument (`nowMs`);
 * the machine has no timers and does no I/O.
 *
 * It builds the AARQ (LN or SN referencing, mechanisms 0–7, ciphered context, proposed conformance,
 * client-max-receive-pdu-size, calling-AP-title, dedicated key), checks the AARE, runs HLS pass 3/4
 * (reply_to_HLS_authentication, method 1 of the current association 0.0.40.0.0.255), sends GET, SET and
 * ACTION (normal and with-list) and SN Read/Write, matches responses by invoke-id, joins GET data blocks,
 * ACTION pblocks and General-Block-Transfer blocks (with a size cap), sends long SET/ACTION requests in
 * blocks when they exceed the server's max PDU, ciphers requests and deciphers responses (tag verified,
 * server invocation counter strictly increasing), and releases (RLRQ → RLRE).
 *
 * What the server answers is data: Data-Access-Results, Action-Results, ExceptionResponses and
 * ConfirmedServiceErrors come back as values in a `completed` step. Thrown are only what breaks the
 * association rules: `ASSOCIATION_REJECTED` (with the AARE diagnostic by name in the message and the
 * AARE as `cause`), `INVOKE_ID_MISMATCH`, `BLOCK_SEQUENCE`, `TIMEOUT`, `UNEXPECTED_APDU`,
 * `INVALID_STATE`, security errors and decode errors of the peer's bytes. After a throw while a request
 * was open, the request is dropped and the association stays usable.
 *
 * State table ({@link CLIENT_STATE_TABLE}); a transition missing from it is `INVALID_STATE`:
 *
 * | state               | event              | next                |
 * |---------------------|--------------------|---------------------|
 * | idle, released      | associate          | awaiting-aare       |
 * | awaiting-aare       | accepted           | associated          |
 * | awaiting-aare       | accepted-hls       | awaiting-hls-reply  |
 * | awaiting-aare       | rejected, timeout  | idle                |
 * | awaiting-hls-reply  | hls-ok             | associated          |
 * | awaiting-hls-reply  | hls-failed, timeout| idle                |
 * | associated          | request            | awaiting-response   |
 * | awaiting-response   | block              | awaiting-response   |
 * | awaiting-response   | completed, failed, timeout | associated  |
 * | associated          | release            | awaiting-rlre       |
 * | awaiting-rlre       | rlre, timeout      | released            |
 *
 * Long requests: service-specific blocks (SET datablocks, ACTION pblocks) when negotiated, else
 * General-Block-Transfer when negotiated (window 1: each block waits for its acknowledgement), else the
 * request goes whole and the server answers what it answers.
 *
 * Deliberately not here: I/O and timers (the async `DlmsClient` of `@meteringlab/cosem-objects` drives
 * this machine), SN Write in blocks, GBT windows above 1 on the sending side, general-ciphering and
 * general-signing of requests.
 */
import { Reader } from '../reader.js';
import { Writer } from '../writer.js';
import { ArgumentError, DecodeError, ProtocolError, SecurityError } from '../errors.js';
import { encodeLength } from '../axdr/length.js';
import { decodeData, encodeDataBytes } from '../axdr/data.js';
import type { Data } from '../axdr/types.js';
import { decodeApdu, encodeApdu, type Apdu } from '../apdu.js';
import type { Aarq } from '../acse/aarq.js';
import type { Aare } from '../acse/aare.js';
import type { Rlre } from '../acse/rlre.js';
import { MECHANISM_NAMES, type ApplicationContextName, type MechanismName } from '../acse/names.js';
import { conformanceFromNames, conformanceToNames, type ConformanceBit } from '../xdlms/conformance.js';
import { VAA_NAME_LN, VAA_NAME_SN, type InitiateRequest, type InitiateResponse } from '../xdlms/initiate.js';
import type { ConfirmedServiceError } from '../xdlms/confirmed-service-error.js';
import type { ExceptionResponse } from '../xdlms/exception-response.js';
import {
  decodeCount,
  decodeGetDataResult,
  type ActionResult,
  type CosemAttributeDescriptor,
  type CosemMethodDescriptor,
  type DataAccessResult,
  type GetDataResult,
  type InvokeIdAndPriority,
} from '../xdlms/common.js';
import type { CosemAttributeDescriptorWithSelection } from '../xdlms/get.js';
import type { SelectiveAccessDescriptor } from '../xdlms/selective-access.js';
import type { GeneralBlockTransfer } from '../xdlms/general-block-transfer.js';
import type { ReadResult, VariableAccessSpecification, WriteResult } from '../xdlms/sn.js';
import { isCipheredApduTag } from '../security/envelope.js';
import { protectApdu, unprotectApdu, type ProtectForm } from '../security/protect.js';
import {
  checkPeerChallenge,
  computeHlsResponse,
  generateChallenge,
  verifyHlsResponse,
  type HlsMechanism,
} from '../security/authentication.js';
import { encodeSecurityControl } from '../security/security-control.js';
import { BlockReassembler, gbtOverhead, largestPayload, pblockOverhead, splitBlocks } from './blocks.js';
import {
  DEFAULT_LN_CONFORMANCE,
  DEFAULT_SN_CONFORMANCE,
  STRICT_PROFILE,
  type ClientAssociationOptions,
  type ClientAuthentication,
  type ClientSecurity,
  type MeterProfile,
} from './client-profile.js';

/** States of the client association. */
export type ClientAssociationState =
  | 'idle'
  | 'awaiting-aare'
  | 'awaiting-hls-reply'
  | 'associated'
  | 'awaiting-response'
  | 'awaiting-rlre'
  | 'released';

/** Events of the state table. */
export type ClientEvent =
  | 'associate'
  | 'accepted'
  | 'accepted-hls'
  | 'rejected'
  | 'hls-ok'
  | 'hls-failed'
  | 'request'
  | 'block'
  | 'completed'
  | 'failed'
  | 'release'
  | 'rlre'
  | 'timeout';

/** The literal state table: state → event → next state. */
export const CLIENT_STATE_TABLE: Readonly<
  Record<ClientAssociationState, Readonly<Partial<Record<ClientEvent, ClientAssociationState>>>>
> = {
  idle: { associate: 'awaiting-aare' },
  released: { associate: 'awaiting-aare' },
  'awaiting-aare': {
    accepted: 'associated',
    'accepted-hls': 'awaiting-hls-reply',
    rejected: 'idle',
    timeout: 'idle',
  },
  'awaiting-hls-reply': { 'hls-ok': 'associated', 'hls-failed': 'idle', timeout: 'idle' },
  associated: { request: 'awaiting-response', release: 'awaiting-rlre' },
  'awaiting-response': {
    block: 'awaiting-response',
    completed: 'associated',
    failed: 'associated',
    timeout: 'associated',
  },
  'awaiting-rlre': { rlre: 'released', timeout: 'released' },
};

/** What the association negotiated (from the AARE and its InitiateResponse). */
export interface NegotiatedParameters {
  readonly conformance: number;
  readonly conformanceNames: readonly ConformanceBit[];
  /** server-max-receive-pdu-size (0 = no limit). */
  readonly serverMaxReceivePduSize: number;
  readonly dlmsVersion: number;
  /** 0x0007 for LN, the Association SN base name (0xFA00) for SN. */
  readonly vaaName: number;
  readonly mechanism: MechanismName;
  /** responding-AP-title (server system title), when sent. */
  readonly serverSystemTitle?: Uint8Array;
  /** True when the InitiateResponse was missing and the values are assumed (profile quirk). */
  readonly assumed?: boolean;
}

/** One attribute to GET (LN): descriptor and optional selective access. */
export interface GetItem {
  readonly attribute: CosemAttributeDescriptor;
  readonly access?: SelectiveAccessDescriptor;
}

/** One attribute to SET (LN). */
export interface SetItem extends GetItem {
  readonly value: Data;
}

/** One method to invoke (LN). */
export interface ActionItem {
  readonly method: CosemMethodDescriptor;
  readonly parameters?: Data;
}

/** One ACTION result, with the return parameters when the server sent any. */
export interface ClientActionOutcome {
  readonly result: ActionResult;
  readonly returnParameters?: GetDataResult;
}

/** How a request ended: the server's answer, as values. */
export type ClientOutcome =
  | { readonly service: 'get'; readonly results: readonly GetDataResult[] }
  | { readonly service: 'set'; readonly results: readonly DataAccessResult[] }
  | { readonly service: 'action'; readonly results: readonly ClientActionOutcome[] }
  | { readonly service: 'read'; readonly results: readonly ReadResult[] }
  | { readonly service: 'write'; readonly results: readonly WriteResult[] }
  | { readonly service: 'exception-response'; readonly exception: ExceptionResponse }
  | { readonly service: 'confirmed-service-error'; readonly error: ConfirmedServiceError };

/** Progress of a block transfer, for progress bars. */
export interface BlockProgress {
  readonly direction: 'receiving' | 'sending';
  /** Number of the last block received or sent. */
  readonly blockNumber: number;
  /** Bytes received or sent so far. */
  readonly bytes: number;
  /** Total blocks when known (sending). */
  readonly totalBlocks?: number;
}

/**
 * What the caller does next:
 * - `send`: transmit `apdu` (then wait for the next APDU); `progress` when it continues a block transfer;
 * - `associated`: the association is up;
 * - `completed`: the open request ended with `outcome`;
 * - `released`: the RLRE arrived;
 * - `unsolicited`: an APDU that answers nothing (DataNotification, EventNotification…); keep waiting;
 * - `waiting`: nothing to send yet (a streamed GBT block arrived); keep waiting.
 */
export type ClientStep =
  | { readonly kind: 'send'; readonly apdu: Uint8Array; readonly progress?: BlockProgress }
  | { readonly kind: 'associated'; readonly negotiated: NegotiatedParameters }
  | { readonly kind: 'completed'; readonly outcome: ClientOutcome }
  | { readonly kind: 'released'; readonly rlre?: Rlre }
  | { readonly kind: 'unsolicited'; readonly apdu: Apdu }
  | { readonly kind: 'waiting'; readonly progress?: BlockProgress };

/** Logical name of the current association (class 15), target of reply_to_HLS_authentication. */
export const CURRENT_ASSOCIATION_LN: Uint8Array = Uint8Array.of(0, 0, 40, 0, 0, 255);

/** Room taken by the ciphering around a plain APDU (tag, length, SC, IC, system title, GCM tag). */
const CIPHER_OVERHEAD = 32;
const DEFAULT_MAX_REASSEMBLY = 1 << 20;
const DEFAULT_TIMEOUT_MS = 10_000;
const EMPTY = new Uint8Array(0);

type Service = 'get' | 'set' | 'action' | 'read' | 'write';

interface Pending {
  readonly service: Service;
  readonly invokeId: number;
  readonly list: boolean;
  /** Reassembly of GET data blocks or ACTION response pblocks. */
  blocksIn?: BlockReassembler;
  /** Remaining blocks of a long SET/ACTION request. */
  blocksOut?: { readonly blocks: readonly Uint8Array[]; sent: number; bytes: number };
}

/**
 * Adds one received block to `r`. A block out of sequence is `BLOCK_SEQUENCE`, a total above the cap
 * `LIMIT_EXCEEDED`; otherwise says whether it was the last.
 */
function acceptBlock(
  r: BlockReassembler,
  what: string,
  blockNumber: number,
  data: Uint8Array,
  last: boolean,
): 'ok' | 'complete' {
  const res = r.push(blockNumber, data, last);
  if (res === 'too-large')
    throw new DecodeError('LIMIT_EXCEEDED', `${what} response above the reassembly cap`, 0);
  if (res === 'block-number-invalid') {
    throw new ProtocolError('BLOCK_SEQUENCE', `${what} block ${blockNumber}, expected ${r.expected}`);
  }
  return res;
}

/** The sans-I/O client association. One request at a time. */
export class ClientAssociation {
  private stateValue: ClientAssociationState = 'idle';
  private readonly referencing: 'ln' | 'sn';
  private readonly auth: ClientAuthentication;
  private readonly security: ClientSecurity | undefined;
  private readonly ownTitle: Uint8Array | undefined;
  private readonly profile: MeterProfile;
  private readonly proposed: number;
  private readonly timeoutMs: number;
  private readonly maxReassembly: number;
  private negotiatedValue: NegotiatedParameters | undefined;
  private ctos: Uint8Array | undefined;
  private stoc: Uint8Array | undefined;
  private serverTitle: Uint8Array | undefined;
  private lastServerIc: number | undefined;
  /** Last counter accepted with the dedicated key (a key of its own, so a counter of its own). */
  private lastServerDedicatedIc: number | undefined;
  private nextInvokeId = 1;
  private pending: Pending | undefined;
  private hlsInvokeId = 0;
  private gbtIn: BlockReassembler | undefined;
  /** Blocks of a request sent in General-Block-Transfer, and how many went out. */
  private gbtOut: { readonly blocks: readonly Uint8Array[]; sent: number } | undefined;
  private deadline: number | undefined;
  /** Invoke-ids of requests abandoned on a time-out: their late answers are dropped, not errors. */
  private readonly abandoned = new Set<number>();

  constructor(private readonly options: ClientAssociationOptions = {}) {
    this.referencing = options.referencing ?? 'ln';
    this.auth = options.authentication ?? { mechanism: 0 };
    this.security = options.security;
    this.profile = options.profile ?? STRICT_PROFILE;
    const m = this.auth.mechanism;
    if (![0, 1, 2, 3, 4, 5, 6, 7].includes(m)) throw new ArgumentError(`mechanism ${m} is not 0..7`);
    this.ownTitle = this.security?.systemTitle ?? options.systemTitle;
    if (this.ownTitle !== undefined && this.ownTitle.length !== 8) {
      throw new ArgumentError('the client system title must be 8 bytes');
    }
    if (m >= 5 && this.ownTitle === undefined) {
      throw new ArgumentError(`mechanism ${m} needs the client system title`);
    }
    if (m === 5 && this.security === undefined)
      throw new ArgumentError('HLS-GMAC needs the security options (keys, counter)');
    const bits =
      options.conformance ?? (this.referencing === 'ln' ? DEFAULT_LN_CONFORMANCE : DEFAULT_SN_CONFORMANCE);
    this.proposed = conformanceFromNames(bits);
    this.timeoutMs = options.responseTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxReassembly = options.maxReassemblyBytes ?? DEFAULT_MAX_REASSEMBLY;
    this.lastServerIc = this.security?.lastServerInvocationCounter;
  }

  /** The current state. */
  get state(): ClientAssociationState {
    return this.stateValue;
  }

  /** What was negotiated, once the AARE arrived. */
  get negotiated(): NegotiatedParameters | undefined {
    return this.negotiatedValue;
  }

  /** The time by which the awaited APDU must arrive (`undefined` when nothing is awaited). */
  get deadlineMs(): number | undefined {
    return this.deadline;
  }

  /** The last invocation counter accepted from the server with the global key (to persist across sessions). */
  get lastServerInvocationCounter(): number | undefined {
    return this.lastServerIc;
  }

  /** True when the negotiated conformance has `bit`. */
  has(bit: ConformanceBit): boolean {
    const n = this.negotiatedValue?.conformance ?? 0;
    return (n & conformanceFromNames([bit])) !== 0;
  }

  private go(event: ClientEvent): void {
    const next = CLIENT_STATE_TABLE[this.stateValue][event];
    if (next === undefined) {
      throw new ProtocolError('INVALID_STATE', `'${event}' is not allowed in state '${this.stateValue}'`);
    }
    this.stateValue = next;
    if (next === 'associated' || next === 'idle' || next === 'released') this.deadline = undefined;
  }

  private arm(nowMs: number): void {
    this.deadline = nowMs + this.timeoutMs;
  }

  // -------------------------------------------------------------------------------------------------
  // Association establishment

  /** Builds the AARQ and moves to `awaiting-aare`. */
  associate(nowMs: number): ClientStep {
    this.go('associate');
    this.lastServerDedicatedIc = undefined;
    this.negotiatedValue = undefined;
    this.pending = undefined;
    this.gbtIn = undefined;
    this.serverTitle = undefined;
    this.ctos = undefined;
    this.stoc = undefined;
    this.arm(nowMs);
    return { kind: 'send', apdu: encodeApdu(this.buildAarq()) };
  }

  private contextName(): ApplicationContextName {
    const c = this.security !== undefined;
    if (this.referencing === 'ln')
      return c ? 'logical-name-referencing-with-ciphering' : 'logical-name-referencing-no-ciphering';
    return c ? 'short-name-referencing-with-ciphering' : 'short-name-referencing-no-ciphering';
  }

  private buildAarq(): Aarq {
    const s = this.security;
    const initiate: InitiateRequest = {
      type: 'initiate-request',
      ...(s?.dedicatedKey === undefined ? {} : { dedicatedKey: s.dedicatedKey }),
      responseAllowed: true,
      proposedDlmsVersionNumber: this.options.dlmsVersion ?? 6,
      proposedConformance: this.proposed,
      clientMaxReceivePduSize: this.options.maxReceivePduSize ?? 0xffff,
    };
    const plainInitiate = encodeApdu(initiate);
    const cipherInitiate = s !== undefined && (s.policy !== 'none' || s.dedicatedKey !== undefined);
    const userInformation = cipherInitiate
      ? { apdu: { type: 'ciphered-apdu' as const, bytes: this.protect(plainInitiate, true) } }
      : { apdu: initiate };
    const m = this.auth.mechanism;
    const base: Aarq = {
      type: 'aarq',
      applicationContextName: this.contextName(),
      ...(this.ownTitle === undefined ? {} : { callingApTitle: this.ownTitle }),
      userInformation,
    };
    if (m === 0) return base;
    let value: Uint8Array;
    if (this.auth.mechanism === 1) {
      const p = this.auth.password;
      value = p instanceof Uint8Array ? p : p.exportBytes();
    } else {
      const len = this.profile.challengeLength ?? 16;
      this.ctos = (this.options.challenge ?? generateChallenge)(len);
      value = this.ctos;
    }
    return {
      ...base,
      senderAcseRequirements: { authentication: true },
      mechanismName: MECHANISM_NAMES[m],
      callingAuthenticationValue: { type: 'charstring', value },
    };
  }

  private onAare(bytes: Uint8Array, nowMs: number): ClientStep {
    let apdu: Apdu;
    try {
      apdu = decodeApdu(bytes, this.decodeOptions());
    } catch (e) {
      this.go('rejected');
      throw e;
    }
    if (apdu.type !== 'aare') {
      this.go('rejected');
      throw new ProtocolError('UNEXPECTED_APDU', `expected an AARE, got ${apdu.type}`, { cause: apdu });
    }
    const aare = apdu;
    if (aare.result !== 'accepted') {
      this.go('rejected');
      const d = aare.resultSourceDiagnostic;
      const cse = this.initiateErrorOf(aare);
      throw new ProtocolError(
        'ASSOCIATION_REJECTED',
        `association ${String(aare.result)}: ${d.source} ${String(d.value)}${cse === undefined ? '' : ` (${cse})`}`,
        { cause: aare },
      );
    }
    this.serverTitle = aare.respondingApTitle?.slice() ?? this.options.serverSystemTitle;
    const known =
      this.serverTitle === undefined
        ? undefined
        : this.security?.lastServerInvocationCounterOf?.(this.serverTitle);
    if (known !== undefined && (this.lastServerIc === undefined || known > this.lastServerIc))
      this.lastServerIc = known;
    let initiate: InitiateResponse | undefined;
    try {
      initiate = this.initiateResponseOf(aare);
    } catch (e) {
      this.go('rejected');
      throw e;
    }
    let assumed = false;
    if (initiate === undefined) {
      if (this.profile.aareWithoutUserInformation !== true) {
        this.go('rejected');
        throw new ProtocolError('UNEXPECTED_APDU', 'the AARE carries no InitiateResponse', { cause: aare });
      }
      assumed = true;
      initiate = {
        type: 'initiate-response',
        negotiatedDlmsVersionNumber: 6,
        negotiatedConformance: this.proposed,
        serverMaxReceivePduSize: this.profile.assumedServerMaxPdu ?? 0x200,
        vaaName: this.referencing === 'ln' ? VAA_NAME_LN : VAA_NAME_SN,
      };
    }
    this.negotiatedValue = {
      conformance: initiate.negotiatedConformance,
      conformanceNames: conformanceToNames(initiate.negotiatedConformance),
      serverMaxReceivePduSize: initiate.serverMaxReceivePduSize,
      dlmsVersion: initiate.negotiatedDlmsVersionNumber,
      vaaName: initiate.vaaName,
      mechanism: MECHANISM_NAMES[this.auth.mechanism],
      ...(this.serverTitle === undefined ? {} : { serverSystemTitle: this.serverTitle }),
      ...(assumed ? { assumed: true } : {}),
    };
    if (this.auth.mechanism < 2) {
      this.go('accepted');
      return { kind: 'associated', negotiated: this.negotiatedValue };
    }
    // HLS: the AARE carries StoC; pass 3 is reply_to_HLS_authentication (Green Book 9.2.7.4).
    const av = aare.respondingAuthenticationValue;
    if (av?.type !== 'charstring') {
      this.go('rejected');
      throw new SecurityError('AUTHENTICATION_FAILED', 'the AARE carries no server-to-client challenge');
    }
    try {
      checkPeerChallenge(av.value);
    } catch (e) {
      this.go('rejected');
      throw e;
    }
    this.stoc = av.value.slice();
    this.go('accepted-hls');
    return this.sendHlsPass3(nowMs);
  }

  private hlsParties(): { clientSystemTitle?: Uint8Array; serverSystemTitle?: Uint8Array } {
    return {
      ...(this.ownTitle === undefined ? {} : { clientSystemTitle: this.ownTitle }),
      ...(this.serverTitle === undefined ? {} : { serverSystemTitle: this.serverTitle }),
    };
  }

  private sendHlsPass3(nowMs: number): ClientStep {
    const m = this.auth as HlsMechanism;
    const ch = { ctos: this.ctos!, stoc: this.stoc! };
    const shares =
      m.mechanism === 5 && this.profile.hlsGmacSharesFrameCounter === true && this.ciphersRequests();
    // With the quirk, f(StoC) and the APDU that carries it use one counter value.
    const frameIc = shares ? this.security!.invocationCounter.take() : undefined;
    let f: Uint8Array;
    try {
      f = computeHlsResponse('client', m, ch, {
        ...this.hlsParties(),
        ...(m.mechanism === 5
          ? { invocationCounter: frameIc ?? this.needSecurity('HLS-GMAC').invocationCounter.take() }
          : {}),
      });
    } catch (e) {
      this.go('hls-failed');
      throw e;
    }
    this.hlsInvokeId = this.takeInvokeId();
    const plain = encodeApdu({
      type: 'action-request-normal',
      invokeIdAndPriority: this.iid(this.hlsInvokeId),
      method: { classId: 15, instanceId: CURRENT_ASSOCIATION_LN, methodId: 1 },
      parameters: { type: 'octet-string', value: f },
    });
    this.arm(nowMs);
    return { kind: 'send', apdu: this.ciphersRequests() ? this.protect(plain, false, frameIc) : plain };
  }

  private onHlsReply(apdu: Apdu): ClientStep {
    if (apdu.type === 'exception-response' || apdu.type === 'confirmed-service-error') {
      this.go('hls-failed');
      throw new SecurityError('AUTHENTICATION_FAILED', `HLS pass 3 refused: ${apdu.type}`, { cause: apdu });
    }
    if (apdu.type !== 'action-response-normal') {
      this.go('hls-failed');
      throw new ProtocolError('UNEXPECTED_APDU', `expected the HLS pass 4 ACTION response, got ${apdu.type}`);
    }
    if (apdu.invokeIdAndPriority.invokeId !== this.hlsInvokeId) {
      this.go('hls-failed');
      throw new ProtocolError(
        'INVOKE_ID_MISMATCH',
        `HLS reply has invoke-id ${apdu.invokeIdAndPriority.invokeId}, sent ${this.hlsInvokeId}`,
      );
    }
    const r = apdu.response;
    const rp = r.returnParameters;
    if (r.result !== 'success' || rp?.type !== 'data' || rp.data.type !== 'octet-string') {
      this.go('hls-failed');
      throw new SecurityError('AUTHENTICATION_FAILED', `the server refused f(StoC): ${String(r.result)}`, {
        cause: apdu,
      });
    }
    const m = this.auth as HlsMechanism;
    const f = rp.data.value;
    let ok: boolean;
    try {
      // The counter inside an HLS-GMAC f(CtoS) is not replay-checked: CtoS is fresh for this
      // association, so an old f(CtoS) cannot verify (and servers take it before the frame's own).
      ok = verifyHlsResponse('client', m, { ctos: this.ctos!, stoc: this.stoc! }, f, this.hlsParties());
    } catch (e) {
      this.go('hls-failed');
      throw e;
    }
    if (!ok) {
      this.go('hls-failed');
      throw new SecurityError('AUTHENTICATION_FAILED', 'the server f(CtoS) does not verify');
    }
    this.go('hls-ok');
    return { kind: 'associated', negotiated: this.negotiatedValue! };
  }

  private initiateErrorOf(aare: Aare): string | undefined {
    const ui = aare.userInformation;
    if (ui === undefined) return undefined;
    let a: Apdu | undefined;
    if (ui.apdu.type === 'ciphered-apdu') {
      try {
        a = decodeApdu(this.unprotect(ui.apdu.bytes));
      } catch {
        return 'ciphered user-information';
      }
    } else a = ui.apdu;
    if (a.type === 'confirmed-service-error') return `${a.service}: ${a.error.kind} ${String(a.error.value)}`;
    return undefined;
  }

  private initiateResponseOf(aare: Aare): InitiateResponse | undefined {
    const ui = aare.userInformation;
    if (ui === undefined) return undefined;
    let a: Apdu;
    if (ui.apdu.type === 'ciphered-apdu') {
      a = decodeApdu(this.unprotect(ui.apdu.bytes), this.decodeOptions());
    } else {
      a = ui.apdu;
    }
    if (a.type === 'initiate-response') return a;
    throw new ProtocolError('UNEXPECTED_APDU', `the AARE carries ${a.type}, not an InitiateResponse`, {
      cause: a,
    });
  }

  // -------------------------------------------------------------------------------------------------
  // Protection

  private needSecurity(what: string): ClientSecurity {
    if (this.security === undefined)
      throw new SecurityError('MISSING_KEY', `${what} needs the security options`);
    return this.security;
  }

  private ciphersRequests(): boolean {
    return this.security !== undefined && this.security.policy !== 'none';
  }

  private protect(plain: Uint8Array, initiate: boolean, ic?: number): Uint8Array {
    const s = this.needSecurity('ciphering');
    const general = s.form === 'general';
    const dedicated = !initiate && s.dedicatedKey !== undefined;
    const form: ProtectForm = general
      ? dedicated
        ? 'general-ded'
        : 'general-glo'
      : dedicated
        ? 'ded'
        : 'glo';
    const policy = s.policy === 'none' ? 'authenticated-encrypted' : s.policy;
    const securityControl = encodeSecurityControl({
      suite: s.suite ?? 0,
      authenticated: policy !== 'encrypted',
      encrypted: policy !== 'authenticated',
      broadcastKey: false,
    });
    return protectApdu(plain, {
      form,
      securityControl,
      key: dedicated ? s.dedicatedKey! : s.key,
      authKey: s.authKey,
      systemTitle: s.systemTitle,
      invocationCounter: ic ?? s.invocationCounter.take(),
    });
  }

  private unprotect(bytes: Uint8Array): Uint8Array {
    const s = this.needSecurity('a ciphered APDU');
    const requireAuthentication = s.policy === 'authenticated' || s.policy === 'authenticated-encrypted';
    const u = unprotectApdu(bytes, {
      key: s.key,
      authKey: s.authKey,
      ...(s.dedicatedKey === undefined ? {} : { dedicatedKey: s.dedicatedKey }),
      ...(this.serverTitle === undefined ? {} : { systemTitle: this.serverTitle }),
      requireAuthentication,
    });
    const sc = u.envelope.securityControl;
    if (sc !== undefined && s.policy !== 'none') {
      const needEnc = s.policy === 'encrypted' || s.policy === 'authenticated-encrypted';
      if ((requireAuthentication && !sc.authenticated) || (needEnc && !sc.encrypted)) {
        throw new SecurityError(
          'AUTHENTICATION_FAILED',
          'the response carries less protection than the policy requires',
        );
      }
    }
    const ic = u.envelope.invocationCounter;
    if (ic !== undefined) {
      // Green Book 9.2.7.2.4: per key, a receiver accepts a counter only above the last one it accepted.
      const dedicated = u.envelope.type === 'ded-ciphered' || u.envelope.type === 'general-ded-ciphering';
      const last = dedicated ? this.lastServerDedicatedIc : this.lastServerIc;
      if (last !== undefined && ic <= last) {
        throw new SecurityError('REPLAYED_COUNTER', `server invocation counter ${ic} is not above ${last}`);
      }
      if (dedicated) this.lastServerDedicatedIc = ic;
      else this.lastServerIc = ic;
    }
    return u.plaintext;
  }

  private decodeOptions(): { dataLimits?: NonNullable<ClientAssociationOptions['dataLimits']> } {
    return this.options.dataLimits === undefined ? {} : { dataLimits: this.options.dataLimits };
  }

  // -------------------------------------------------------------------------------------------------
  // Requests

  private takeInvokeId(): number {
    const id = this.nextInvokeId;
    this.nextInvokeId = (id + 1) & 0x0f;
    this.abandoned.delete(id);
    return id;
  }

  private iid(invokeId: number): InvokeIdAndPriority {
    return { invokeId, confirmed: true, highPriority: this.options.highPriority === true };
  }

  /** The largest plain APDU the server takes, once ciphered. */
  private plainBudget(): number {
    return this.serverLimit() - (this.ciphersRequests() ? CIPHER_OVERHEAD : 0);
  }

  private open(service: Service, list: boolean, nowMs: number): Pending {
    if (this.referencing === 'ln' && (service === 'read' || service === 'write')) {
      throw new ProtocolError('INVALID_STATE', 'Read/Write need short name referencing');
    }
    if (this.referencing === 'sn' && (service === 'get' || service === 'set' || service === 'action')) {
      throw new ProtocolError('INVALID_STATE', 'GET/SET/ACTION need logical name referencing');
    }
    this.go('request');
    const p: Pending = { service, invokeId: this.takeInvokeId(), list };
    this.pending = p;
    this.gbtIn = undefined;
    this.gbtOut = undefined;
    this.arm(nowMs);
    return p;
  }

  private out(plain: Uint8Array, progress?: BlockProgress): ClientStep {
    const apdu = this.ciphersRequests() ? this.protect(plain, false) : plain;
    const limit = this.serverLimit();
    if (apdu.length > limit && this.has('general-block-transfer')) {
      // Green Book 9.3.10: a request too long for the server goes in General-Block-Transfer blocks
      // (around the ciphered APDU); each block waits for the server's acknowledgement (window 1).
      const size = largestPayload(limit, gbtOverhead);
      if (size < 1) throw new ArgumentError('the server max PDU leaves no room for a GBT block');
      const blocks = splitBlocks(apdu, size);
      this.gbtOut = { blocks, sent: 1 };
      return {
        kind: 'send',
        apdu: this.gbtBlock(1, blocks),
        progress: {
          direction: 'sending',
          blockNumber: 1,
          bytes: blocks[0]!.length,
          totalBlocks: blocks.length,
        },
      };
    }
    return progress === undefined ? { kind: 'send', apdu } : { kind: 'send', apdu, progress };
  }

  private serverLimit(): number {
    const max = this.negotiatedValue?.serverMaxReceivePduSize ?? 0;
    return max === 0 ? 0xffff : max;
  }

  private gbtBlock(n: number, blocks: readonly Uint8Array[]): Uint8Array {
    return encodeApdu({
      type: 'general-block-transfer',
      lastBlock: n === blocks.length,
      streaming: false,
      window: 1,
      blockNumber: n,
      blockNumberAck: 0,
      blockData: blocks[n - 1]!,
    });
  }

  /** GET (normal for one item, with-list for several). */
  get(items: readonly GetItem[], nowMs: number): ClientStep {
    if (items.length === 0) throw new ArgumentError('nothing to GET');
    const p = this.open('get', items.length > 1, nowMs);
    const iid = this.iid(p.invokeId);
    if (items.length === 1) {
      const it = items[0]!;
      return this.out(
        encodeApdu({
          type: 'get-request-normal',
          invokeIdAndPriority: iid,
          attribute: it.attribute,
          ...(it.access === undefined ? {} : { accessSelection: it.access }),
        }),
      );
    }
    return this.out(
      encodeApdu({
        type: 'get-request-with-list',
        invokeIdAndPriority: iid,
        attributes: items.map(withSelection),
      }),
    );
  }

  /** SET (normal or with-list), in data blocks when the request does not fit the server's max PDU. */
  set(items: readonly SetItem[], nowMs: number): ClientStep {
    if (items.length === 0) throw new ArgumentError('nothing to SET');
    const p = this.open('set', items.length > 1, nowMs);
    const iid = this.iid(p.invokeId);
    const whole = encodeApdu(
      items.length === 1
        ? {
            type: 'set-request-normal',
            invokeIdAndPriority: iid,
            attribute: items[0]!.attribute,
            ...(items[0]!.access === undefined ? {} : { accessSelection: items[0]!.access }),
            value: items[0]!.value,
          }
        : {
            type: 'set-request-with-list',
            invokeIdAndPriority: iid,
            attributes: items.map(withSelection),
            values: items.map((i) => i.value),
          },
    );
    if (whole.length <= this.plainBudget() || !this.has('block-transfer-with-set-or-write'))
      return this.out(whole);
    // Green Book 9.3.5: the value (or the SEQUENCE OF Data) goes in DataBlock-SA raw-data.
    const raw = items.length === 1 ? encodeDataBytes(items[0]!.value) : listBytes(items.map((i) => i.value));
    return this.firstBlock(p, raw, 1 + 1 + 1 + items.length * 12 + 4, 'a SET data block', (block) =>
      items.length === 1
        ? {
            type: 'set-request-with-first-datablock',
            invokeIdAndPriority: iid,
            attribute: items[0]!.attribute,
            ...(items[0]!.access === undefined ? {} : { accessSelection: items[0]!.access }),
            block,
          }
        : {
            type: 'set-request-with-list-and-first-datablock',
            invokeIdAndPriority: iid,
            attributes: items.map(withSelection),
            block,
          },
    );
  }

  /**
   * Starts sending `raw` in blocks (SET data blocks, ACTION pblocks): splits it for the server's max
   * PDU less `headerRoom` bytes of request header, keeps the blocks for the next steps and sends the
   * first one in the APDU `first` builds.
   */
  private firstBlock(
    p: Pending,
    raw: Uint8Array,
    headerRoom: number,
    what: string,
    first: (block: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array }) => Apdu,
  ): ClientStep {
    const size = largestPayload(this.plainBudget() - headerRoom, pblockOverhead);
    if (size < 1) throw new ArgumentError(`the server max PDU leaves no room for ${what}`);
    const blocks = splitBlocks(raw, size);
    p.blocksOut = { blocks, sent: 1, bytes: blocks[0]!.length };
    const block = { lastBlock: blocks.length === 1, blockNumber: 1, rawData: blocks[0]! };
    return this.out(encodeApdu(first(block)), {
      direction: 'sending',
      blockNumber: 1,
      bytes: block.rawData.length,
      totalBlocks: blocks.length,
    });
  }

  /** ACTION (normal or with-list), in pblocks when the request does not fit the server's max PDU. */
  action(items: readonly ActionItem[], nowMs: number): ClientStep {
    if (items.length === 0) throw new ArgumentError('nothing to invoke');
    const p = this.open('action', items.length > 1, nowMs);
    const iid = this.iid(p.invokeId);
    const whole = encodeApdu(
      items.length === 1
        ? {
            type: 'action-request-normal',
            invokeIdAndPriority: iid,
            method: items[0]!.method,
            ...(items[0]!.parameters === undefined ? {} : { parameters: items[0]!.parameters }),
          }
        : {
            type: 'action-request-with-list',
            invokeIdAndPriority: iid,
            methods: items.map((i) => i.method),
            parameters: items.map((i) => i.parameters ?? { type: 'null-data' }),
          },
    );
    if (whole.length <= this.plainBudget() || !this.has('block-transfer-with-action')) return this.out(whole);
    const raw =
      items.length === 1
        ? encodeDataBytes(items[0]!.parameters ?? { type: 'null-data' })
        : listBytes(items.map((i) => i.parameters ?? { type: 'null-data' }));
    return this.firstBlock(p, raw, 1 + 1 + 1 + items.length * 9 + 4, 'an ACTION pblock', (block) =>
      items.length === 1
        ? {
            type: 'action-request-with-first-pblock',
            invokeIdAndPriority: iid,
            method: items[0]!.method,
            block,
          }
        : {
            type: 'action-request-with-list-and-first-pblock',
            invokeIdAndPriority: iid,
            methods: items.map((i) => i.method),
            block,
          },
    );
  }

  /** SN Read of variables (base name + attribute offset, or parameterized access). */
  read(variables: readonly VariableAccessSpecification[], nowMs: number): ClientStep {
    if (variables.length === 0) throw new ArgumentError('nothing to read');
    this.open('read', variables.length > 1, nowMs);
    return this.out(encodeApdu({ type: 'read-request', variables }));
  }

  /** SN Write of variables. */
  write(
    variables: readonly VariableAccessSpecification[],
    values: readonly Data[],
    nowMs: number,
  ): ClientStep {
    if (variables.length === 0 || variables.length !== values.length) {
      throw new ArgumentError('write needs one value per variable');
    }
    this.open('write', variables.length > 1, nowMs);
    return this.out(encodeApdu({ type: 'write-request', variables, values }));
  }

  /** Builds the RLRQ and moves to `awaiting-rlre`. */
  release(nowMs: number): ClientStep {
    this.go('release');
    this.arm(nowMs);
    return { kind: 'send', apdu: encodeApdu({ type: 'rlrq', reason: 'normal' }) };
  }

  /**
   * Checks the deadline: when `nowMs` is past it, the awaited exchange is abandoned and
   * `ProtocolError` `TIMEOUT` is thrown. A no-op otherwise.
   */
  tick(nowMs: number): void {
    if (this.deadline === undefined || nowMs < this.deadline) return;
    const what = this.stateValue;
    if (this.pending !== undefined) this.abandoned.add(this.pending.invokeId);
    this.pending = undefined;
    this.gbtIn = undefined;
    this.gbtOut = undefined;
    this.go('timeout');
    throw new ProtocolError('TIMEOUT', `no answer within ${this.timeoutMs} ms (state ${what})`);
  }

  // -------------------------------------------------------------------------------------------------
  // Receiving

  /** Handles one received APDU (as the transport delivered it). */
  receive(bytes: Uint8Array, nowMs: number): ClientStep {
    switch (this.stateValue) {
      case 'awaiting-aare':
        return this.onAare(bytes, nowMs);
      case 'awaiting-rlre':
        return this.onRlre(bytes);
      case 'awaiting-hls-reply':
      case 'awaiting-response':
        break;
      default:
        throw new ProtocolError('UNEXPECTED_APDU', `an APDU arrived in state '${this.stateValue}'`);
    }
    let plain = bytes;
    try {
      if (bytes[0] === 0xe0) {
        const joined = this.onGbt(bytes, nowMs);
        if (joined.kind === 'send') return joined.step;
        plain = joined.bytes;
      }
      if (plain.length > 0 && isCipheredApduTag(plain[0]!)) plain = this.unprotect(plain);
      const apdu = decodeApdu(plain, this.decodeOptions());
      if (this.stateValue === 'awaiting-hls-reply') return this.onHlsReply(apdu);
      return this.onResponse(apdu, nowMs);
    } catch (e) {
      if (this.stateValue === 'awaiting-response') {
        this.pending = undefined;
        this.gbtIn = undefined;
        this.gbtOut = undefined;
        this.go('failed');
      } else if (this.stateValue === 'awaiting-hls-reply') {
        this.go('hls-failed');
      }
      throw e;
    }
  }

  private onGbt(
    bytes: Uint8Array,
    nowMs: number,
  ): { kind: 'send'; step: ClientStep } | { kind: 'done'; bytes: Uint8Array } {
    const g = decodeApdu(bytes) as GeneralBlockTransfer;
    if (!this.has('general-block-transfer')) {
      throw new ProtocolError('UNEXPECTED_APDU', 'General-Block-Transfer arrived but was not negotiated');
    }
    if (g.blockData.length === 0 && !g.lastBlock) {
      // An acknowledgement of our request blocks: send the block after block-number-ack.
      const o = this.gbtOut;
      if (o === undefined || g.blockNumberAck !== o.sent || o.sent >= o.blocks.length) {
        throw new ProtocolError(
          'BLOCK_SEQUENCE',
          `GBT acknowledgement of block ${g.blockNumberAck} out of sequence`,
        );
      }
      o.sent++;
      this.arm(nowMs);
      let bytesSent = 0;
      for (let i = 0; i < o.sent; i++) bytesSent += o.blocks[i]!.length;
      return {
        kind: 'send',
        step: {
          kind: 'send',
          apdu: this.gbtBlock(o.sent, o.blocks),
          progress: {
            direction: 'sending',
            blockNumber: o.sent,
            bytes: bytesSent,
            totalBlocks: o.blocks.length,
          },
        },
      };
    }
    this.gbtOut = undefined;
    this.gbtIn ??= new BlockReassembler(this.maxReassembly, g.blockNumber);
    const r = acceptBlock(this.gbtIn, 'GBT', g.blockNumber, g.blockData, g.lastBlock);
    if (r === 'complete') {
      const joined = this.gbtIn.joined();
      this.gbtIn = undefined;
      return { kind: 'done', bytes: joined };
    }
    this.arm(nowMs);
    const progress: BlockProgress = {
      direction: 'receiving',
      blockNumber: g.blockNumber,
      bytes: this.gbtIn.length,
    };
    // Streaming blocks need no acknowledgement until the last of the window.
    if (g.streaming) return { kind: 'send', step: { kind: 'waiting', progress } };
    const ack = encodeApdu({
      type: 'general-block-transfer',
      lastBlock: false,
      streaming: false,
      window: 1,
      blockNumber: 0,
      blockNumberAck: g.blockNumber,
      blockData: EMPTY,
    });
    return { kind: 'send', step: { kind: 'send', apdu: ack, progress } };
  }

  private onResponse(apdu: Apdu, nowMs: number): ClientStep {
    const p = this.pending!;
    switch (apdu.type) {
      case 'exception-response':
        return this.complete({ service: 'exception-response', exception: apdu });
      case 'confirmed-service-error':
        return this.complete({ service: 'confirmed-service-error', error: apdu });
      case 'data-notification':
      case 'event-notification-request':
      case 'information-report-request':
        return { kind: 'unsolicited', apdu };
      default:
        break;
    }
    if ('invokeIdAndPriority' in apdu) {
      const got = apdu.invokeIdAndPriority.invokeId;
      if (got !== p.invokeId && this.abandoned.has(got)) {
        // A late answer to a request given up on a time-out: not ours any more.
        this.abandoned.delete(got);
        return { kind: 'waiting' };
      }
      if (got !== p.invokeId) {
        throw new ProtocolError(
          'INVOKE_ID_MISMATCH',
          `response has invoke-id ${got}, the request ${p.invokeId}`,
        );
      }
    }
    switch (p.service) {
      case 'get':
        return this.onGet(apdu, p, nowMs);
      case 'set':
        return this.onSet(apdu, p, nowMs);
      case 'action':
        return this.onAction(apdu, p, nowMs);
      case 'read':
        if (apdu.type !== 'read-response') break;
        return this.onRead(apdu.results, p, nowMs);
      case 'write':
        if (apdu.type !== 'write-response') break;
        return this.complete({ service: 'write', results: apdu.results });
    }
    throw new ProtocolError('UNEXPECTED_APDU', `${apdu.type} does not answer a ${p.service} request`);
  }

  private complete(outcome: ClientOutcome): ClientStep {
    this.pending = undefined;
    this.gbtOut = undefined;
    this.go('completed');
    return { kind: 'completed', outcome };
  }

  private onGet(apdu: Apdu, p: Pending, nowMs: number): ClientStep {
    switch (apdu.type) {
      case 'get-response-normal':
        return this.complete({ service: 'get', results: [apdu.result] });
      case 'get-response-with-list':
        return this.complete({ service: 'get', results: apdu.results });
      case 'get-response-with-datablock': {
        const b = apdu.block;
        if (b.result.type === 'data-access-result') {
          // The whole (long) GET failed: every requested item gets the result.
          return this.complete({
            service: 'get',
            results: [{ type: 'data-access-result', result: b.result.result }],
          });
        }
        p.blocksIn ??= new BlockReassembler(this.maxReassembly);
        const r = acceptBlock(p.blocksIn, 'GET', b.blockNumber, b.result.rawData, b.lastBlock);
        if (r === 'ok') {
          this.go('block');
          this.arm(nowMs);
          return this.out(
            encodeApdu({
              type: 'get-request-next',
              invokeIdAndPriority: this.iid(p.invokeId),
              blockNumber: b.blockNumber,
            }),
            { direction: 'receiving', blockNumber: b.blockNumber, bytes: p.blocksIn.length },
          );
        }
        const raw = p.blocksIn.joined();
        const rd = new Reader(raw);
        let results: GetDataResult[];
        if (p.list) {
          // Green Book: the raw-data of a long with-list response is the SEQUENCE OF Get-Data-Result.
          const n = decodeCount(rd, 2, 'Get-Data-Results');
          results = [];
          for (let i = 0; i < n; i++) results.push(decodeGetDataResult(rd, this.options.dataLimits));
        } else {
          results = [{ type: 'data', data: decodeData(rd, this.options.dataLimits) }];
        }
        rd.expectEnd('GET data blocks');
        return this.complete({ service: 'get', results });
      }
      default:
        throw new ProtocolError('UNEXPECTED_APDU', `${apdu.type} does not answer a GET`);
    }
  }

  /**
   * SN Read results; a single data-block-result starts a block transfer: each next block is asked for
   * with ReadRequest block-number-access naming the last block received, and the joined raw-data is
   * the encoded Data. (As we read the Green Book SN block transfer; not yet checked against a meter or
   * the text itself, and the server engine of this stack does not serve SN blocks.)
   */
  private onRead(results: readonly ReadResult[], p: Pending, nowMs: number): ClientStep {
    const r = results[0];
    if (results.length !== 1 || r?.type !== 'data-block-result') {
      if (p.blocksIn !== undefined)
        throw new ProtocolError('UNEXPECTED_APDU', 'a Read block transfer ended without its last block');
      return this.complete({ service: 'read', results });
    }
    p.blocksIn ??= new BlockReassembler(this.maxReassembly);
    const pushed = acceptBlock(p.blocksIn, 'Read', r.blockNumber, r.rawData, r.lastBlock);
    if (pushed === 'ok') {
      this.go('block');
      this.arm(nowMs);
      return this.out(
        encodeApdu({
          type: 'read-request',
          variables: [{ type: 'block-number-access', blockNumber: r.blockNumber }],
        }),
        {
          direction: 'receiving',
          blockNumber: r.blockNumber,
          bytes: p.blocksIn.length,
        },
      );
    }
    const rd = new Reader(p.blocksIn.joined());
    const data = decodeData(rd, this.options.dataLimits);
    rd.expectEnd('Read blocks');
    return this.complete({ service: 'read', results: [{ type: 'data', data }] });
  }

  private nextOut(
    p: Pending,
    nowMs: number,
    build: (block: { lastBlock: boolean; blockNumber: number; rawData: Uint8Array }) => Apdu,
  ): ClientStep {
    const o = p.blocksOut!;
    if (o.sent >= o.blocks.length)
      throw new ProtocolError('BLOCK_SEQUENCE', 'the server asks for a block after the last one');
    const n = o.sent + 1;
    const rawData = o.blocks[n - 1]!;
    o.sent = n;
    o.bytes += rawData.length;
    this.go('block');
    this.arm(nowMs);
    return this.out(encodeApdu(build({ lastBlock: n === o.blocks.length, blockNumber: n, rawData })), {
      direction: 'sending',
      blockNumber: n,
      bytes: o.bytes,
      totalBlocks: o.blocks.length,
    });
  }

  private onSet(apdu: Apdu, p: Pending, nowMs: number): ClientStep {
    switch (apdu.type) {
      case 'set-response-normal':
        return this.complete({ service: 'set', results: [apdu.result] });
      case 'set-response-with-list':
        return this.complete({ service: 'set', results: apdu.results });
      case 'set-response-last-datablock':
        return this.complete({ service: 'set', results: [apdu.result] });
      case 'set-response-last-datablock-with-list':
        return this.complete({ service: 'set', results: apdu.results });
      case 'set-response-datablock': {
        if (p.blocksOut === undefined || apdu.blockNumber !== p.blocksOut.sent) {
          throw new ProtocolError(
            'BLOCK_SEQUENCE',
            `SET block ${apdu.blockNumber} acknowledged out of sequence`,
          );
        }
        const iid = this.iid(p.invokeId);
        return this.nextOut(p, nowMs, (block) => ({
          type: 'set-request-with-datablock',
          invokeIdAndPriority: iid,
          block,
        }));
      }
      default:
        throw new ProtocolError('UNEXPECTED_APDU', `${apdu.type} does not answer a SET`);
    }
  }

  private onAction(apdu: Apdu, p: Pending, nowMs: number): ClientStep {
    const iid = this.iid(p.invokeId);
    switch (apdu.type) {
      case 'action-response-normal':
        return this.complete({ service: 'action', results: [actionOutcome(apdu.response)] });
      case 'action-response-with-list':
        return this.complete({ service: 'action', results: apdu.responses.map(actionOutcome) });
      case 'action-response-next-pblock': {
        if (p.blocksOut === undefined || apdu.blockNumber !== p.blocksOut.sent) {
          throw new ProtocolError(
            'BLOCK_SEQUENCE',
            `ACTION pblock ${apdu.blockNumber} acknowledged out of sequence`,
          );
        }
        return this.nextOut(p, nowMs, (block) => ({
          type: 'action-request-with-pblock',
          invokeIdAndPriority: iid,
          block,
        }));
      }
      case 'action-response-with-pblock': {
        const b = apdu.block;
        p.blocksIn ??= new BlockReassembler(this.maxReassembly);
        const r = acceptBlock(p.blocksIn, 'ACTION', b.blockNumber, b.rawData, b.lastBlock);
        if (r === 'ok') {
          this.go('block');
          this.arm(nowMs);
          return this.out(
            encodeApdu({
              type: 'action-request-next-pblock',
              invokeIdAndPriority: iid,
              blockNumber: b.blockNumber,
            }),
            {
              direction: 'receiving',
              blockNumber: b.blockNumber,
              bytes: p.blocksIn.length,
            },
          );
        }
        // The joined pblocks carry the return parameters as one Data (success implied).
        const rd = new Reader(p.blocksIn.joined());
        const data = decodeData(rd, this.options.dataLimits);
        rd.expectEnd('ACTION pblocks');
        return this.complete({
          service: 'action',
          results: [{ result: 'success', returnParameters: { type: 'data', data } }],
        });
      }
      default:
        throw new ProtocolError('UNEXPECTED_APDU', `${apdu.type} does not answer an ACTION`);
    }
  }

  private onRlre(bytes: Uint8Array): ClientStep {
    let plain = bytes;
    try {
      if (plain.length > 0 && isCipheredApduTag(plain[0]!)) plain = this.unprotect(plain);
      const apdu = decodeApdu(plain, this.decodeOptions());
      if (apdu.type !== 'rlre') {
        if (apdu.type === 'exception-response') {
          this.go('rlre');
          return { kind: 'released' };
        }
        throw new ProtocolError('UNEXPECTED_APDU', `expected an RLRE, got ${apdu.type}`);
      }
      this.go('rlre');
      return { kind: 'released', rlre: apdu };
    } catch (e) {
      // Known quirk: an RLRE with a wrong length byte; the tag alone says "released".
      if (e instanceof DecodeError && this.profile.lenientRlre === true && bytes[0] === 0x63) {
        this.go('rlre');
        return { kind: 'released' };
      }
      this.go('rlre');
      throw e;
    }
  }
}

function withSelection(i: GetItem): CosemAttributeDescriptorWithSelection {
  return i.access === undefined
    ? { attribute: i.attribute }
    : { attribute: i.attribute, accessSelection: i.access };
}

function listBytes(values: readonly Data[]): Uint8Array {
  const w = new Writer(256);
  encodeLength(w, values.length);
  for (const v of values) w.bytes(encodeDataBytes(v));
  return w.toBytes();
}

function actionOutcome(r: {
  readonly result: ActionResult;
  readonly returnParameters?: GetDataResult;
}): ClientActionOutcome {
  return r.returnParameters === undefined
    ? { result: r.result }
    : { result: r.result, returnParameters: r.returnParameters };
}
