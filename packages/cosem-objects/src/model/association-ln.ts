/**
 * Association LN (class 15; Blue Book 4.4.4): one application association a client (by its SAP) can
 * open with the logical device, its object list with the access rights it grants, its context, and
 * the HLS methods.
 *
 * The association does not authenticate anyone itself: reply_to_HLS_authentication (method 1) and
 * change_HLS_secret (method 2) and SETs of `secret` delegate to hooks the server engine provides
 * (which hold the keys and the pass-3/4 state). association_status is the engine's: a request through
 * this association reads the status the driver put in its context (`ctx.associationStatus`, `associated`
 * when absent); another association's object reads `non-associated` (0); a `status` hook overrides both.
 *
 * Version 2 by default (named access modes); version 3 publishes the bit-mapped modes the rights
 * policy gives (numbers). application_context_name and authentication_mechanism_name are served as
 * octet strings holding the BER contents of the OID (2.16.756.5.8.1.x / 2.16.756.5.8.2.x), as
 * versions 1 and later define them.
 */
import {
  ArgumentError,
  type HlsMechanism,
  type InvocationCounterStore,
  type SecretKey,
  type ServerAssociationConfig,
  type ServerAuthentication,
  type ServerSecurity,
} from '@meteringlab/dlms-core';
import type { AccessRights } from '../decoders.js';
import { objectListToData } from '../decoders.js';
import { logicalNameBytes, type LogicalNameInput } from '../logical-name.js';
import { defaultRights, type AssociationRights, type RightsPolicy } from './access.js';
import {
  ACTION_SUCCESS,
  BaseObject,
  type AccessContext,
  type ActionReply,
  type CosemObject,
  type MaybePromise,
} from './object.js';

/** Hooks of the server engine for the association's security methods. */
export interface AssociationHooks {
  /**
   * HLS pass 3 (method 1): checks the client's f(StoC) and returns the server's f(CtoS), or
   * `undefined` when the check fails (the method then answers `other-reason`).
   */
  replyToHlsAuthentication?(
    clientResponse: Uint8Array,
    ctx: AccessContext,
  ): MaybePromise<Uint8Array | undefined>;
  /** Method 2: sets a new HLS secret; `false` refuses it. */
  changeHlsSecret?(secret: Uint8Array, ctx: AccessContext): MaybePromise<boolean>;
  /** SET of attribute 7 (secret, e.g. the LLS password); `false` refuses it. */
  setSecret?(secret: Uint8Array, ctx: AccessContext): MaybePromise<boolean>;
  /** association_status: 0 non-associated, 1 association-pending, 2 associated. */
  status?(ctx: AccessContext): MaybePromise<number>;
}

/** xDLMS_context_info (attribute 5). */
export interface XdlmsContextInfo {
  /** The 24-bit conformance block (dlms-core `conformance.ts` layout). */
  readonly conformance: number;
  readonly maxReceivePduSize: number;
  readonly maxSendPduSize: number;
  readonly dlmsVersion: number;
  readonly qualityOfService?: number;
  readonly cipheringInfo?: Uint8Array;
}

/**
 * What the engine needs to authenticate and cipher the association: references to secrets and keys
 * held by the application (the object never serves them; `secret`, attribute 7, is write-only).
 */
export interface AssociationSecrets {
  /** LLS password (mechanism 1). */
  readonly password?: Uint8Array | SecretKey;
  /** HLS mechanism 2–7 with its secret or keys; its `mechanism` must be the association's. */
  readonly hls?: HlsMechanism;
  /** Keys and policy of a ciphered context (application context 3 or 4). */
  readonly security?: ServerSecurity;
  /** Server system title (ciphering, HLS 5–7). */
  readonly systemTitle?: Uint8Array;
  /** The client system title expected in calling-AP-title. */
  readonly clientSystemTitle?: Uint8Array;
  /** Invocation counters (ciphering, HLS-GMAC). */
  readonly counters?: InvocationCounterStore;
}

/** Options of an {@link AssociationLn}. */
export interface AssociationLnOptions {
  /** Default 0.0.40.0.0.255 (reachable only as the current association). */
  readonly logicalName?: LogicalNameInput;
  readonly clientSap: number;
  /** Default 1 (management logical device). */
  readonly serverSap?: number;
  /** Class version published in the object list; default 2. */
  readonly version?: number;
  /** Which objects the client sees and with which rights; default: the class definitions' defaults. */
  readonly rights?: RightsPolicy;
  /** Application context id 1–4 (1 LN, 3 LN with ciphering). Default 1. */
  readonly applicationContext?: number;
  /** Authentication mechanism id 0–7 (0 none, 1 LLS, 5 HLS-GMAC…). Default 0. */
  readonly mechanism?: number;
  readonly xdlmsContextInfo?: Partial<XdlmsContextInfo>;
  /** security_setup_reference (attribute 9); default 0.0.43.0.0.255. */
  readonly securitySetupReference?: LogicalNameInput;
  readonly hooks?: AssociationHooks;
  /** Secrets and keys for the engine's configuration (see {@link associationConfigFrom}). */
  readonly secrets?: AssociationSecrets;
}

/** BER contents of 2.16.756.5.8.{arc}.{id}: 2×40+16 = 0x60, 756 = 0x85 0x74, then 5, 8, arc, id. */
function dlmsOid(arc: number, id: number): Uint8Array {
  return Uint8Array.of(0x60, 0x85, 0x74, 0x05, 0x08, arc, id);
}

/** Default conformance of a server: get, set, selective-access, action, block-transfer-with-get. */
export const DEFAULT_SERVER_CONFORMANCE = 0x00101d;

/** Association LN (class 15). */
export class AssociationLn extends BaseObject implements AssociationRights {
  readonly clientSap: number;
  readonly serverSap: number;
  private readonly policy: RightsPolicy;
  private readonly contextInfo: XdlmsContextInfo;

  constructor(private readonly options: AssociationLnOptions) {
    super(15, options.version ?? 2, options.logicalName ?? '0.0.40.0.0.255');
    this.clientSap = options.clientSap;
    this.serverSap = options.serverSap ?? 1;
    this.policy = options.rights ?? defaultRights;
    const hooks = options.hooks ?? {};
    const ctxInfo: XdlmsContextInfo = (this.contextInfo = {
      conformance: DEFAULT_SERVER_CONFORMANCE,
      maxReceivePduSize: 1024,
      maxSendPduSize: 1024,
      dlmsVersion: 6,
      ...options.xdlmsContextInfo,
    });

    this.attributes.set(2, {
      get: () => objectListToData(this.objectList(), { associationVersion: this.version }),
    });
    this.attributes.set(3, {
      get: () => ({
        type: 'structure',
        value: [
          { type: 'integer', value: this.clientSap > 127 ? this.clientSap - 256 : this.clientSap },
          { type: 'long-unsigned', value: this.serverSap },
        ],
      }),
    });
    this.attributes.set(4, {
      get: () => ({ type: 'octet-string', value: dlmsOid(1, options.applicationContext ?? 1) }),
    });
    this.attributes.set(5, {
      get: () => {
        const c = ctxInfo.conformance;
        return {
          type: 'structure',
          value: [
            {
              type: 'bit-string',
              value: { length: 24, bytes: Uint8Array.of((c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff) },
            },
            { type: 'long-unsigned', value: ctxInfo.maxReceivePduSize },
            { type: 'long-unsigned', value: ctxInfo.maxSendPduSize },
            { type: 'unsigned', value: ctxInfo.dlmsVersion },
            { type: 'integer', value: ctxInfo.qualityOfService ?? 0 },
            { type: 'octet-string', value: ctxInfo.cipheringInfo ?? new Uint8Array(0) },
          ],
        };
      },
    });
    this.attributes.set(6, {
      get: () => ({ type: 'octet-string', value: dlmsOid(2, options.mechanism ?? 0) }),
    });
    // secret: write-only (a read answers read-write-denied through the rights and here alike).
    this.attributes.set(7, {
      get: () => 'read-write-denied',
      set: async (v, ctx) => {
        if (v.type !== 'octet-string') return 'type-unmatched';
        if (hooks.setSecret === undefined) return 'read-write-denied';
        return (await hooks.setSecret(v.value, ctx)) ? 'success' : 'other-reason';
      },
    });
    this.attributes.set(8, {
      get: async (ctx) => ({
        type: 'enum',
        value:
          hooks.status !== undefined
            ? await hooks.status(ctx)
            : ctx.clientSap === this.clientSap
              ? (ctx.associationStatus ?? 2)
              : 0,
      }),
    });
    this.attributes.set(9, {
      get: () => ({
        type: 'octet-string',
        value: logicalNameBytes(options.securitySetupReference ?? '0.0.43.0.0.255'),
      }),
    });

    this.methods.set(1, async (params, ctx): Promise<ActionReply> => {
      if (params?.type !== 'octet-string') return { result: 'type-unmatched' };
      if (hooks.replyToHlsAuthentication === undefined) return { result: 'other-reason' };
      const reply = await hooks.replyToHlsAuthentication(params.value, ctx);
      if (reply === undefined) return { result: 'other-reason' };
      return { result: 'success', returnValue: { type: 'octet-string', value: reply } };
    });
    this.methods.set(2, async (params, ctx): Promise<ActionReply> => {
      if (params?.type !== 'octet-string') return { result: 'type-unmatched' };
      if (hooks.changeHlsSecret === undefined) return { result: 'other-reason' };
      return (await hooks.changeHlsSecret(params.value, ctx)) ? ACTION_SUCCESS : { result: 'other-reason' };
    });
  }

  /** The authentication mechanism id of this association. */
  get mechanism(): number {
    return this.options.mechanism ?? 0;
  }

  /** The application context id (1 LN, 2 SN, 3 LN with ciphering, 4 SN with ciphering). */
  get applicationContext(): number {
    return this.options.applicationContext ?? 1;
  }

  /** xDLMS_context_info (attribute 5) with its defaults filled in. */
  get xdlmsContextInfo(): XdlmsContextInfo {
    return this.contextInfo;
  }

  /** The conformance block the association offers (xDLMS_context_info). */
  get conformance(): number {
    return this.contextInfo.conformance;
  }

  /** References to the secrets and keys of the association (empty when none were given). */
  get secrets(): AssociationSecrets {
    return this.options.secrets ?? {};
  }

  /** The rights this association grants on an object (`undefined`: not visible). */
  rightsFor(obj: CosemObject): AccessRights | undefined {
    return this.policy(obj);
  }

  /** The object list (attribute 2) as plain entries, built from the attached device. */
  objectList() {
    return this.device === undefined ? [] : this.device.objectList(this.policy, this);
  }
}

/**
 * The engine configuration (dlms-core `ServerAssociationConfig`) of an Association LN object: its
 * application context gives the referencing and ciphering, its mechanism and secrets the
 * authentication, its xDLMS_context_info the conformance, server-max-receive-pdu-size and DLMS version;
 * `overrides` replace any field. `ArgumentError` when the mechanism's secret is missing (password for
 * 1, `secrets.hls` of the same mechanism for 2–7).
 */
export function associationConfigFrom(
  assoc: AssociationLn,
  overrides: Partial<ServerAssociationConfig> = {},
): ServerAssociationConfig {
  const ctx = assoc.applicationContext;
  if (![1, 2, 3, 4].includes(ctx)) throw new ArgumentError(`application context ${ctx} is not 1..4`);
  const s = assoc.secrets;
  const info = assoc.xdlmsContextInfo;
  const authentication = overrides.authentication ?? authenticationOf(assoc.mechanism, s);
  const optional = {
    ...(s.security === undefined ? {} : { security: s.security }),
    ...(s.systemTitle === undefined ? {} : { systemTitle: s.systemTitle }),
    ...(s.clientSystemTitle === undefined ? {} : { clientSystemTitle: s.clientSystemTitle }),
    ...(s.counters === undefined ? {} : { counters: s.counters }),
  };
  return {
    referencing: ctx === 2 || ctx === 4 ? 'sn' : 'ln',
    ciphered: ctx >= 3,
    authentication,
    conformance: info.conformance,
    maxReceivePduSize: info.maxReceivePduSize,
    dlmsVersion: info.dlmsVersion,
    ...optional,
    ...overrides,
  };
}

function authenticationOf(mechanism: number, s: AssociationSecrets): ServerAuthentication {
  if (mechanism === 0) return { mechanism: 0 };
  if (mechanism === 1) {
    if (s.password === undefined) throw new ArgumentError('mechanism 1 (LLS) needs secrets.password');
    return { mechanism: 1, password: s.password };
  }
  if (s.hls?.mechanism !== mechanism)
    throw new ArgumentError(`mechanism ${mechanism} needs secrets.hls of the same mechanism`);
  return s.hls;
}
