/**
 * Types of the server association engine (`server.ts`): its configuration per association (one per
 * client SAP), the steps it returns, the requests it makes of the object model and the results the
 * object model gives back.
 *
 * Types and small helpers only; the state machine is in `server.ts`.
 */
import type { Data } from '../axdr/types.js';
import type { DataLimits } from '../axdr/data.js';
import type {
  ActionResult,
  CosemAttributeDescriptor,
  CosemMethodDescriptor,
  DataAccessResult,
} from '../xdlms/common.js';
import type { SelectiveAccessDescriptor } from '../xdlms/selective-access.js';
import type { HlsMechanism } from '../security/authentication.js';
import type { SecretKey } from '../security/secret-key.js';
import type { KeyInput } from '../security/crypto.js';
import type { InvocationCounterStore } from '../security/counters.js';
import type { SecuritySuite } from '../security/security-control.js';

/** States of the server association (see the state table in `server.ts`). */
export type ServerAssociationState = 'idle' | 'awaiting-hls-pass3' | 'associated' | 'released';

/** How the client must authenticate: mechanism 0 (none), 1 (LLS password) or an HLS mechanism 2–7. */
export type ServerAuthentication =
  | { readonly mechanism: 0 }
  | { readonly mechanism: 1; readonly password: Uint8Array | SecretKey }
  | HlsMechanism;

/** Which protection every xDLMS request of a ciphered association must carry (and responses get). */
export type SecurityPolicy = 'none' | 'authenticated' | 'encrypted' | 'authenticated-encrypted';

/** Keys and policy of a ciphered association (security suite 0 by default). */
export interface ServerSecurity {
  readonly policy: SecurityPolicy;
  readonly suite?: SecuritySuite;
  /** Global unicast encryption key (block cipher key). */
  readonly blockCipherKey: KeyInput;
  /** Authentication key. */
  readonly authenticationKey: KeyInput;
}

/** The configuration of one association (one client SAP of one logical device). */
export interface ServerAssociationConfig {
  /** Logical name or short name referencing. */
  readonly referencing: 'ln' | 'sn';
  /** The ciphered application context (…-with-ciphering) is required instead of the plain one. */
  readonly ciphered: boolean;
  readonly authentication: ServerAuthentication;
  /** Keys and policy; required when `ciphered`. */
  readonly security?: ServerSecurity;
  /** Server system title (8 bytes); required when ciphered and for HLS mechanisms 5–7. */
  readonly systemTitle?: Uint8Array;
  /** The client system title expected in calling-AP-title; when absent it is learned from the AARQ. */
  readonly clientSystemTitle?: Uint8Array;
  /** Invocation counters (incoming high-water marks and outgoing values); required when ciphered and for HLS-GMAC. */
  readonly counters?: InvocationCounterStore;
  /** Conformance block the server offers; the negotiated block is proposed ∩ offered. */
  readonly conformance: number;
  /** server-max-receive-pdu-size announced in the InitiateResponse; longer incoming APDUs are refused. */
  readonly maxReceivePduSize: number;
  /** DLMS version; 6 (the only one defined for COSEM) by default. */
  readonly dlmsVersion?: number;
  /** Smallest client-max-receive-pdu-size accepted (pdu-size-too-short below it); 12 by default. */
  readonly minClientPduSize?: number;
  /** Length of the HLS server-to-client challenge (8..64, 16 by default). */
  readonly challengeLength?: number;
  /** Source of challenges (tests pin it); `generateChallenge` by default. */
  readonly challenge?: (length: number) => Uint8Array;
  /** Cap on a reassembled SET/ACTION/GBT request (65 536 bytes by default). */
  readonly maxReassemblyBytes?: number;
  /** Limits on every Data value decoded from the client. */
  readonly dataLimits?: DataLimits;
  /** GBT window the server advertises for receiving (1..63, 1 by default). */
  readonly gbtWindow?: number;
  /** Short-name referencing: maps a base name (ObjectName) to the attribute or method it names. */
  readonly baseNames?: (baseName: number) => BaseNameTarget | undefined;
}

/** What a short name (base name + offset) designates. */
export type BaseNameTarget =
  | { readonly type: 'attribute'; readonly descriptor: CosemAttributeDescriptor }
  | { readonly type: 'method'; readonly descriptor: CosemMethodDescriptor };

/** One operation the object model must perform. */
export type ModelRequest =
  | {
      readonly op: 'get';
      readonly descriptor: CosemAttributeDescriptor;
      readonly access?: SelectiveAccessDescriptor;
    }
  | {
      readonly op: 'set';
      readonly descriptor: CosemAttributeDescriptor;
      readonly access?: SelectiveAccessDescriptor;
      readonly value: Data;
    }
  | { readonly op: 'action'; readonly descriptor: CosemMethodDescriptor; readonly parameters?: Data };

/** The outcome of an ACTION. */
export interface ActionOutcome {
  readonly result: ActionResult;
  readonly returnParameters?: Data;
}

/**
 * The object model's answer to one {@link ModelRequest}, in the same position: a `get` answers a Data
 * value or a Data-Access-Result, a `set` a Data-Access-Result, an `action` an {@link ActionOutcome}.
 */
export type ModelResult = Data | DataAccessResult | ActionOutcome;

/**
 * What the engine wants next:
 * - `send`: transmit these APDUs, in order (several only for a GBT window); `release` is true on the
 *   RLRE that ended the association, so a driver may close connection-oriented links.
 * - `none`: nothing to transmit (e.g. a GBT acknowledgement that needs no answer).
 * - `model`: perform `requests` on the object model and call `complete(results)` with one result per
 *   request, in order. `service` names the xDLMS service that asked (for logs and access checks).
 */
export type ServerStep =
  | { readonly kind: 'send'; readonly apdus: readonly Uint8Array[]; readonly release?: boolean }
  | { readonly kind: 'none' }
  | {
      readonly kind: 'model';
      readonly service: 'get' | 'set' | 'action' | 'read' | 'write' | 'access';
      readonly requests: readonly ModelRequest[];
      /**
       * How the request was protected (absent: plain), for access modes that demand protected
       * requests (Association LN version 3 bit-mapped access rights).
       */
      readonly protection?: RequestProtection;
    };

/** The protection a request arrived with (from its verified security control byte). */
export interface RequestProtection {
  readonly authenticated: boolean;
  readonly encrypted: boolean;
  /** Digitally signed (general-signing is not served, so the engine never sets it). */
  readonly signed?: boolean;
}

/** Options of `ServerAssociation.complete`. */
export interface CompleteOptions {
  /**
   * Protection the response must get at least (an access right demanding authenticated or encrypted
   * responses): the engine adds the bits to the request's security control, or protects the response of
   * a plain request with the global unicast key. Needs a ciphered association (`ArgumentError`).
   */
  readonly responseProtection?: { readonly authenticated?: boolean; readonly encrypted?: boolean };
}

/** What the engine knows of the current association (for access-right checks by the driver). */
export interface ServerAssociationInfo {
  readonly state: ServerAssociationState;
  /** The mechanism the client authenticated with (meaningful once associated). */
  readonly mechanism: number;
  /** Client system title from calling-AP-title (ciphered contexts and HLS 5–7). */
  readonly clientSystemTitle?: Uint8Array;
  /** The negotiated conformance block (0 before association). */
  readonly conformance: number;
  /** client-max-receive-pdu-size (0 = no limit). */
  readonly clientMaxReceivePduSize: number;
  /** True in a ciphered context: responses can be authenticated and encrypted (see `CompleteOptions`). */
  readonly ciphered?: boolean;
}

/** True when a model result is a Data value (and not a Data-Access-Result or an action outcome). */
export function isDataResult(r: ModelResult | undefined): r is Data {
  return typeof r === 'object' && r !== null && 'type' in r;
}

/** True when a model result is an {@link ActionOutcome}. */
export function isActionOutcome(r: ModelResult | undefined): r is ActionOutcome {
  return typeof r === 'object' && r !== null && 'result' in r && !('type' in r);
}
