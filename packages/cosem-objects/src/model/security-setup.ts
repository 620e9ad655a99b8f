/**
 * Security setup (class 64, version 1; Blue Book 4.4.7): the security policy and suite of the
 * associations that reference it, the client and server system titles, and the key management
 * methods. Keys never live here: key_transfer unwraps the keys with the master key (KEK) the
 * application provides (AES key wrap, RFC 3394, through dlms-core `decodeKeyTransfer`) and hands
 * them to the application, which stores them and applies them to its associations.
 *
 * security_activate (method 1) may only strengthen the policy (Blue Book: the policy cannot be
 * lowered); in version 1 the policy is bit-mapped (bit 2 authenticated request, bit 3 encrypted
 * request, bit 4 digitally signed request, bits 5–7 the same for responses), in version 0 an enum
 * 0–3 whose values read as bits too (1 authenticated, 2 encrypted, 3 both), so "strengthen" is
 * "keep every bit already set". Certificate methods (3–8) are not implemented.
 */
import { decodeKeyTransfer, isDlmsError, type KeyInput, type TransferredKey } from '@meteringlab/dlms-core';
import type { LogicalNameInput } from '../logical-name.js';
import {
  ACTION_SUCCESS,
  BaseObject,
  resolve,
  type AccessContext,
  type MaybePromise,
  type Provider,
} from './object.js';

/** Options of a {@link SecuritySetup}. */
export interface SecuritySetupOptions {
  /** Default 0.0.43.0.0.255. */
  readonly logicalName?: LogicalNameInput;
  /** Class version 0 or 1. Default 1. */
  readonly version?: 0 | 1;
  /** security_policy. Default 0 (nothing required). */
  readonly securityPolicy?: number;
  /** security_suite 0–2. Default 0 (AES-GCM-128). */
  readonly securitySuite?: number;
  /** The server's 8-byte system title. */
  readonly serverSystemTitle: Uint8Array;
  /** The client's system title, once known. */
  readonly clientSystemTitle?: Uint8Array;
  /** The master key (KEK) for key_transfer. Without it key_transfer answers `other-reason`. */
  readonly masterKey?: Provider<KeyInput>;
  /** Receives the unwrapped keys of a key_transfer; `false` refuses them. */
  readonly onKeyTransfer?: (keys: TransferredKey[], ctx: AccessContext) => MaybePromise<boolean | void>;
  /** Told of a policy change by security_activate. */
  readonly onSecurityActivate?: (policy: number, ctx: AccessContext) => MaybePromise<void>;
}

/** Security setup (class 64). */
export class SecuritySetup extends BaseObject {
  private policy: number;
  private clientSystemTitle: Uint8Array;

  constructor(options: SecuritySetupOptions) {
    super(64, options.version ?? 1, options.logicalName ?? '0.0.43.0.0.255');
    this.policy = options.securityPolicy ?? 0;
    this.clientSystemTitle = options.clientSystemTitle ?? new Uint8Array(0);
    this.attributes.set(2, { get: () => ({ type: 'enum', value: this.policy }) });
    this.attributes.set(3, { get: () => ({ type: 'enum', value: options.securitySuite ?? 0 }) });
    this.attributes.set(4, {
      get: () => ({ type: 'octet-string', value: this.clientSystemTitle }),
      set: (v) => {
        if (v.type !== 'octet-string') return 'type-unmatched';
        if (v.value.length !== 8) return 'other-reason';
        this.clientSystemTitle = v.value.slice();
        return 'success';
      },
    });
    this.attributes.set(5, { get: () => ({ type: 'octet-string', value: options.serverSystemTitle }) });
    if (this.version >= 1) this.attributes.set(6, { get: () => ({ type: 'array', value: [] }) });

    this.methods.set(1, async (p, ctx) => {
      if (p?.type !== 'enum') return { result: 'type-unmatched' };
      if ((p.value & this.policy) !== this.policy) return { result: 'other-reason' };
      this.policy = p.value;
      await options.onSecurityActivate?.(p.value, ctx);
      return ACTION_SUCCESS;
    });
    this.methods.set(2, async (p, ctx) => {
      if (p?.type !== 'array') return { result: 'type-unmatched' };
      if (options.masterKey === undefined) return { result: 'other-reason' };
      let keys: TransferredKey[];
      try {
        keys = decodeKeyTransfer(await resolve(options.masterKey), p);
      } catch (e) {
        // A malformed parameter or a key that does not unwrap (wrong KEK, tampered) is refused.
        if (isDlmsError(e, 'INVALID_ARGUMENT')) return { result: 'type-unmatched' };
        if (isDlmsError(e)) return { result: 'other-reason' };
        throw e;
      }
      const ok = (await options.onKeyTransfer?.(keys, ctx)) ?? true;
      return ok ? ACTION_SUCCESS : { result: 'other-reason' };
    });
  }

  /** The current security_policy. */
  get securityPolicy(): number {
    return this.policy;
  }
}
