/**
 * The one error hierarchy of the stack.
 *
 * Every error thrown by a codec, framer, security function or state machine is a {@link DlmsError}
 * with a stable machine-readable `code`. Callers and tests branch on `code` (never on message text).
 * Decode errors also carry the byte `offset` at which the problem was found.
 *
 * Data-access results, exception responses and confirmed-service-errors received from a peer are
 * *values*, not errors: they are decoded into APDU objects and never thrown from here.
 */

/** Stable codes of decode errors. */
export type DecodeErrorCode =
  'TRUNCATED' | 'TRAILING_BYTES' | 'UNKNOWN_TAG' | 'INVALID_VALUE' | 'LIMIT_EXCEEDED';

/** Stable codes of framing errors (transports). */
export type FramingErrorCode =
  | 'BAD_FRAME'
  | 'BAD_CHECKSUM'
  | 'BAD_VERSION'
  | 'FRAME_TOO_LONG'
  | 'UNKNOWN_ADDRESS'
  | 'FRAMER_FAILED'
  | 'UNKNOWN_CONTROL';

/** Stable codes of security errors. */
export type SecurityErrorCode =
  | 'AUTHENTICATION_FAILED'
  | 'REPLAYED_COUNTER'
  | 'INVALID_KEY'
  | 'MISSING_KEY'
  | 'UNSUPPORTED_SECURITY'
  | 'INVALID_SECURITY_CONTROL'
  | 'COUNTER_EXHAUSTED'
  | 'INVALID_SYSTEM_TITLE';

/** Stable codes of protocol (state machine) errors. */
export type ProtocolErrorCode =
  | 'UNEXPECTED_APDU'
  | 'INVALID_STATE'
  | 'ASSOCIATION_REJECTED'
  | 'INVOKE_ID_MISMATCH'
  | 'BLOCK_SEQUENCE'
  | 'SERVICE_ERROR'
  | 'TIMEOUT'
  | 'SEQUENCE_ERROR'
  | 'INVALID_NR'
  | 'FRAME_REJECTED';

/** Stable codes of transport (I/O) errors. */
export type TransportErrorCode =
  'CONNECT_FAILED' | 'CONNECT_TIMEOUT' | 'IDLE_TIMEOUT' | 'CLOSED' | 'CONNECTION_LIMIT' | 'LINK_FAILED';

/** Every code any {@link DlmsError} may carry. */
export type DlmsErrorCode =
  | DecodeErrorCode
  | FramingErrorCode
  | SecurityErrorCode
  | ProtocolErrorCode
  | TransportErrorCode
  | 'INVALID_ARGUMENT';

/** Options common to every error of the hierarchy. */
export interface DlmsErrorOptions {
  /** The underlying error, when this one wraps another. */
  readonly cause?: unknown;
}

/** Base class of every error the stack throws. `code` is stable; `message` is for people. */
export class DlmsError extends Error {
  readonly code: DlmsErrorCode;

  constructor(code: DlmsErrorCode, message: string, options?: DlmsErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Bytes that do not decode: `offset` is where in the input the problem was found. */
export class DecodeError extends DlmsError {
  declare readonly code: DecodeErrorCode;
  readonly offset: number;

  constructor(code: DecodeErrorCode, message: string, offset: number, options?: DlmsErrorOptions) {
    super(code, `${message} (at offset ${offset})`, options);
    this.offset = offset;
  }
}

/** A transport frame that is malformed (bad flag, checksum, length, version, address…). */
export class FramingError extends DlmsError {
  declare readonly code: FramingErrorCode | DecodeErrorCode;
  readonly offset: number | undefined;

  constructor(
    code: FramingErrorCode | DecodeErrorCode,
    message: string,
    offset?: number,
    options?: DlmsErrorOptions,
  ) {
    super(code, offset === undefined ? message : `${message} (at offset ${offset})`, options);
    this.offset = offset;
  }
}

/** Ciphering, authentication or key-handling failure. Never carries key material. */
export class SecurityError extends DlmsError {
  declare readonly code: SecurityErrorCode;
  constructor(code: SecurityErrorCode, message: string, options?: DlmsErrorOptions) {
    super(code, message, options);
  }
}

/** A peer or caller broke the rules of an association or link state machine. */
export class ProtocolError extends DlmsError {
  declare readonly code: ProtocolErrorCode;
  constructor(code: ProtocolErrorCode, message: string, options?: DlmsErrorOptions) {
    super(code, message, options);
  }
}

/** An I/O channel failed: connect, timeout, close, limits. */
export class TransportError extends DlmsError {
  declare readonly code: TransportErrorCode;
  constructor(code: TransportErrorCode, message: string, options?: DlmsErrorOptions) {
    super(code, message, options);
  }
}

/** Thrown when a caller passes a value an encoder cannot represent. */
export class ArgumentError extends DlmsError {
  constructor(message: string, options?: DlmsErrorOptions) {
    super('INVALID_ARGUMENT', message, options);
  }
}

/** True when `e` is a {@link DlmsError} (optionally with the given code). */
export function isDlmsError(e: unknown, code?: DlmsErrorCode): e is DlmsError {
  return e instanceof DlmsError && (code === undefined || e.code === code);
}
