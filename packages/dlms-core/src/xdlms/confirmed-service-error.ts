/**
 * The xDLMS ConfirmedServiceError APDU (tag 0x0E, IEC 62056-5-3 xDLMS ASN.1), A-XDR encoded as four
 * bytes: `0E <service> <ServiceError choice> <enumerated value>`, e.g. `0E 01 06 01` is
 * initiateError / initiate / dlms-version-too-low, the answer to an InitiateRequest with too low a
 * DLMS version (carried in an AARE's user-information).
 *
 * A peer's error is a value, never a throw. An enumerated value the table does not name stays a
 * number, so an unexpected code is still reported. ServiceError tag 8 (change-scope) is reserved by
 * the standard and rejected as `UNKNOWN_TAG`; tag 10 (other) has no named values.
 * Deliberately not here: the glo-/ded- ciphered forms (0x2E, 0x4E), which are the security module's.
 */
import type { Reader } from '../reader.js';
import type { Writer } from '../writer.js';
import { ArgumentError } from '../errors.js';
import { namedValues, type NamedValues } from '../acse/names.js';

/** Tag of the ConfirmedServiceError APDU. */
export const CONFIRMED_SERVICE_ERROR_TAG = 0x0e;

/** The ConfirmedServiceError CHOICE arms (the service that failed), tags 1..19; tag 0 is reserved. */
export const CONFIRMED_SERVICES = [
  'initiate-error',
  'get-status',
  'get-name-list',
  'get-variable-attribute',
  'read',
  'write',
  'get-data-set-attribute',
  'get-ti-attribute',
  'change-scope',
  'start',
  'stop',
  'resume',
  'make-usable',
  'initiate-load',
  'load-segment',
  'terminate-load',
  'initiate-up-load',
  'up-load-segment',
  'terminate-up-load',
] as const;
/** Name of the service a ConfirmedServiceError reports on. */
export type ConfirmedService = (typeof CONFIRMED_SERVICES)[number];

const v = <N extends string>(names: readonly N[]): readonly (readonly [N, number])[] =>
  names.map((n, i) => [n, i] as const);

/** The enumerated values of each ServiceError arm, by ServiceError tag. */
export const SERVICE_ERROR_KINDS = {
  'application-reference': {
    tag: 0,
    values: namedValues(
      v([
        'other',
        'time-elapsed',
        'application-unreachable',
        'application-reference-invalid',
        'application-context-unsupported',
        'provider-communication-error',
        'deciphering-error',
      ] as const),
      'application-reference error',
      0,
      255,
    ),
  },
  'hardware-resource': {
    tag: 1,
    values: namedValues(
      v([
        'other',
        'memory-unavailable',
        'processor-resource-unavailable',
        'mass-storage-unavailable',
        'other-resource-unavailable',
      ] as const),
      'hardware-resource error',
      0,
      255,
    ),
  },
  'vde-state-error': {
    tag: 2,
    values: namedValues(
      v(['other', 'no-dlms-context', 'loading-data-set', 'status-nochange', 'status-inoperable'] as const),
      'vde-state-error',
      0,
      255,
    ),
  },
  service: {
    tag: 3,
    values: namedValues(v(['other', 'pdu-size', 'service-unsupported'] as const), 'service error', 0, 255),
  },
  definition: {
    tag: 4,
    values: namedValues(
      v(['other', 'object-undefined', 'object-class-inconsistent', 'object-attribute-inconsistent'] as const),
      'definition error',
      0,
      255,
    ),
  },
  access: {
    tag: 5,
    values: namedValues(
      v([
        'other',
        'scope-of-access-violated',
        'object-access-violated',
        'hardware-fault',
        'object-unavailable',
      ] as const),
      'access error',
      0,
      255,
    ),
  },
  initiate: {
    tag: 6,
    values: namedValues(
      v([
        'other',
        'dlms-version-too-low',
        'incompatible-conformance',
        'pdu-size-too-short',
        'refused-by-the-VDE-Handler',
      ] as const),
      'initiate error',
      0,
      255,
    ),
  },
  'load-data-set': {
    tag: 7,
    values: namedValues(
      v([
        'other',
        'primitive-out-of-sequence',
        'not-loadable',
        'dataset-size-too-large',
        'not-awaited-segment',
        'interpretation-failure',
        'storage-failure',
        'data-set-not-ready',
      ] as const),
      'load-data-set error',
      0,
      255,
    ),
  },
  task: {
    tag: 9,
    values: namedValues(
      v(['other', 'no-remote-control', 'ti-stopped', 'ti-running', 'ti-unusable'] as const),
      'task error',
      0,
      255,
    ),
  },
  'other-error': {
    tag: 10,
    values: namedValues([] as readonly (readonly [never, number])[], 'other error', 0, 255),
  },
} as const;

type Kinds = typeof SERVICE_ERROR_KINDS;
/** Name of a ServiceError CHOICE arm. */
export type ServiceErrorKind = keyof Kinds;
/** The named values of one ServiceError arm. */
export type ServiceErrorValue<K extends ServiceErrorKind> =
  Kinds[K]['values'] extends NamedValues<infer N> ? N : never;

/** ServiceError: which kind of problem, and its enumerated value (a name, or the raw code when unnamed). */
export type ServiceError = {
  readonly [K in ServiceErrorKind]: { readonly kind: K; readonly value: ServiceErrorValue<K> | number };
}[ServiceErrorKind];

/** ConfirmedServiceError: the service that failed and why. */
export interface ConfirmedServiceError {
  readonly type: 'confirmed-service-error';
  readonly service: ConfirmedService;
  readonly error: ServiceError;
}

const KIND_BY_TAG: ReadonlyMap<number, ServiceErrorKind> = new Map(
  (Object.keys(SERVICE_ERROR_KINDS) as ServiceErrorKind[]).map((k) => [SERVICE_ERROR_KINDS[k].tag, k]),
);

/** Reads a ConfirmedServiceError, starting at its tag byte 0x0E. */
export function decodeConfirmedServiceError(r: Reader): ConfirmedServiceError {
  const tag = r.u8();
  if (tag !== CONFIRMED_SERVICE_ERROR_TAG) {
    throw r.error('UNKNOWN_TAG', `expected ConfirmedServiceError (tag 14), got tag ${tag}`, r.pos - 1);
  }
  const s = r.u8();
  const service = CONFIRMED_SERVICES[s - 1];
  if (service === undefined) {
    throw r.error('UNKNOWN_TAG', `unknown ConfirmedServiceError service tag ${s}`, r.pos - 1);
  }
  const k = r.u8();
  const kind = KIND_BY_TAG.get(k);
  if (kind === undefined) throw r.error('UNKNOWN_TAG', `unknown ServiceError tag ${k}`, r.pos - 1);
  const value = SERVICE_ERROR_KINDS[kind].values.name(r.u8());
  return { type: 'confirmed-service-error', service, error: { kind, value } as ServiceError };
}

/** Writes a ConfirmedServiceError, tag byte included. */
export function encodeConfirmedServiceError(w: Writer, e: ConfirmedServiceError): void {
  const s = CONFIRMED_SERVICES.indexOf(e.service);
  if (s < 0) throw new ArgumentError(`'${String(e.service)}' is not a ConfirmedServiceError service`);
  const kind = SERVICE_ERROR_KINDS[e.error.kind];
  if (kind === undefined) throw new ArgumentError(`'${String(e.error.kind)}' is not a ServiceError kind`);
  const values = kind.values as NamedValues<string>;
  w.u8(CONFIRMED_SERVICE_ERROR_TAG)
    .u8(s + 1)
    .u8(kind.tag)
    .u8(values.code(e.error.value));
}
