/**
 * Configuration of the client association (`client.ts`): what to propose (referencing, mechanism,
 * ciphering, conformance, PDU size), the keys, and the per-meter profile of known deviations from the
 * Green Book that the client tolerates.
 *
 * Leniency is data, not code branches: every tolerated quirk is one named field of {@link MeterProfile},
 * read at exactly one place in the state machine. The default profile ({@link STRICT_PROFILE}) tolerates
 * nothing. Types and constants only; the machine is in `client.ts`.
 */
import type { DataLimits } from '../axdr/data.js';
import type { ConformanceBit } from '../xdlms/conformance.js';
import type { HlsMechanism } from '../security/authentication.js';
import type { KeyInput } from '../security/crypto.js';
import type { SecuritySuite } from '../security/security-control.js';
import type { SecretKey } from '../security/secret-key.js';

/**
 * Known meter quirks the client may tolerate. Each field is off (strict) by default.
 */
export interface MeterProfile {
  /** A short name for logs (`'strict'`, `'vendor-x-2015'`). */
  readonly name: string;
  /**
   * Accept an accepted AARE that carries no user-information (no InitiateResponse). The negotiated
   * parameters are then assumed: the proposed conformance, {@link assumedServerMaxPdu}, DLMS version 6
   * and the vaa-name of the referencing in use.
   */
  readonly aareWithoutUserInformation?: boolean;
  /** server-max-receive-pdu-size assumed when the AARE has no InitiateResponse (default 0x200). */
  readonly assumedServerMaxPdu?: number;
  /**
   * HLS-GMAC: compute f(StoC) with the same invocation counter as the ciphered APDU that carries it,
   * instead of taking a counter value of its own (some meters check that the two agree).
   */
  readonly hlsGmacSharesFrameCounter?: boolean;
  /**
   * Accept an RLRE that does not decode (a wrong length byte has been seen in the field) as a
   * successful release, as long as its first byte is the RLRE tag 0x63.
   */
  readonly lenientRlre?: boolean;
  /** Length of the client-to-server HLS challenge (8..64; default 16). Some meters want 8. */
  readonly challengeLength?: number;
  /**
   * HDLC link quirk: the meter repeats the LLC header (E6 E7 00) on every segment of a segmented
   * response, where IEC 62056-46 puts it on the first only. Read by the HDLC link (the transport
   * package's `openApduChannel` applies it), not by the association.
   */
  readonly hdlcLlcOnEverySegment?: boolean;
}

/** The names of the boolean quirks of {@link MeterProfile}, as tools spell them (kebab-case). */
export const METER_QUIRKS = {
  'aare-without-user-information': 'aareWithoutUserInformation',
  'hls-gmac-shares-frame-counter': 'hlsGmacSharesFrameCounter',
  'lenient-rlre': 'lenientRlre',
  'hdlc-llc-on-every-segment': 'hdlcLlcOnEverySegment',
} as const satisfies Readonly<Record<string, keyof MeterProfile>>;

/** A quirk name of {@link METER_QUIRKS}. */
export type MeterQuirkName = keyof typeof METER_QUIRKS;

/** The profile that tolerates nothing. */
export const STRICT_PROFILE: MeterProfile = Object.freeze({ name: 'strict' });

/** How the client authenticates: none, LLS password, or an HLS mechanism 2–7 (see `authentication.ts`). */
export type ClientAuthentication =
  | { readonly mechanism: 0 }
  | { readonly mechanism: 1; readonly password: Uint8Array | SecretKey }
  | HlsMechanism;

/** Which protection requests carry (and responses must carry) in a ciphered association. */
export type ClientSecurityPolicy = 'none' | 'authenticated' | 'encrypted' | 'authenticated-encrypted';

/**
 * A source of outgoing invocation counters: `take()` returns a value never returned before for the
 * client's key. Synchronous so the machine stays sans-I/O; a driver backed by a durable store fetches a
 * value ahead (see `DlmsClient`).
 */
export interface InvocationCounterSource {
  take(): number;
}

/** A plain counter starting at `next`. */
export class SequentialCounter implements InvocationCounterSource {
  constructor(private nextValue: number) {}
  /** The value the next `take()` returns. */
  get next(): number {
    return this.nextValue;
  }
  take(): number {
    const v = this.nextValue;
    if (v > 0xffffffff) throw new RangeError('invocation counter exhausted');
    this.nextValue = v + 1;
    return v;
  }
}

/** Keys and policy of a ciphered association (suite 0 by default). */
export interface ClientSecurity {
  readonly policy: ClientSecurityPolicy;
  readonly suite?: SecuritySuite;
  /** Global unicast encryption key (block cipher key). */
  readonly key: KeyInput;
  readonly authKey: KeyInput;
  /** Own system title (8 bytes): sent as calling-AP-title and used in every IV. */
  readonly systemTitle: Uint8Array;
  /** Outgoing invocation counters. */
  readonly invocationCounter: InvocationCounterSource;
  /** Envelope: service-specific glo-/ded- APDUs (default) or general-glo/-ded-ciphering. */
  readonly form?: 'service-specific' | 'general';
  /**
   * Dedicated key proposed in the InitiateRequest; once associated, requests use the ded- forms
   * with it.
   */
  readonly dedicatedKey?: Uint8Array;
  /** Last invocation counter accepted from the server, when known (replay protection across sessions). */
  readonly lastServerInvocationCounter?: number;
  /**
   * The last counter accepted from the server of this system title (asked once the AARE named it), for
   * callers that keep counters per meter.
   */
  readonly lastServerInvocationCounterOf?: (serverSystemTitle: Uint8Array) => number | undefined;
}

/** Options of a {@link ClientAssociation}. */
export interface ClientAssociationOptions {
  /** Logical name (default) or short name referencing. */
  readonly referencing?: 'ln' | 'sn';
  /** Mechanism 0 (no security) by default. */
  readonly authentication?: ClientAuthentication;
  /** Present for a ciphered application context. */
  readonly security?: ClientSecurity;
  /**
   * Own system title for HLS mechanisms 6 and 7 without a ciphered context (sent as calling-AP-title);
   * `security.systemTitle` is used when ciphering.
   */
  readonly systemTitle?: Uint8Array;
  /**
   * The server's system title when it is known beforehand: HLS mechanisms 5–7 outside a ciphered
   * context need it and the AARE need not carry it (responding-AP-title is sent in ciphered contexts).
   * A responding-AP-title in the AARE wins.
   */
  readonly serverSystemTitle?: Uint8Array;
  /** Conformance bits to propose; a full set for the referencing in use by default. */
  readonly conformance?: readonly ConformanceBit[];
  /** client-max-receive-pdu-size (default 0xFFFF). */
  readonly maxReceivePduSize?: number;
  /** DLMS version to propose (default 6). */
  readonly dlmsVersion?: number;
  /** Time allowed for each response, in milliseconds (default 10 000). */
  readonly responseTimeoutMs?: number;
  /** Cap on a reassembled response (GET blocks, ACTION pblocks, GBT), in bytes (default 1 MiB). */
  readonly maxReassemblyBytes?: number;
  /** Limits on every Data value decoded from the server. */
  readonly dataLimits?: DataLimits;
  /** Send requests with high priority (default false). */
  readonly highPriority?: boolean;
  /** Source of HLS challenges (tests pin it). */
  readonly challenge?: (length: number) => Uint8Array;
  /** Tolerated meter quirks. */
  readonly profile?: MeterProfile;
}

/** Conformance proposed for logical name referencing unless the caller says otherwise. */
export const DEFAULT_LN_CONFORMANCE: readonly ConformanceBit[] = [
  'general-block-transfer',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'block-transfer-with-action',
  'multiple-references',
  'get',
  'set',
  'selective-access',
  'action',
  'attribute0-supported-with-get',
];

/** Conformance proposed for short name referencing unless the caller says otherwise. */
export const DEFAULT_SN_CONFORMANCE: readonly ConformanceBit[] = [
  'read',
  'write',
  'unconfirmed-write',
  'block-transfer-with-get-or-read',
  'block-transfer-with-set-or-write',
  'multiple-references',
  'parameterized-access',
  'information-report',
];
