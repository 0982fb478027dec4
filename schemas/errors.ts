// Typed errors with stable codes: every failure a user, an operator or a peer can cause is one of these.
//
// They live in schemas/, the bottom layer: the codes are published vocabulary (notary messages, API error bodies,
// bundle verdicts carry them) and schemas/ validates with them, so schemas/ imports nothing from core/.
//
// Modelled on viem's BaseError: `code` is stable and machine-readable, `message` says what failed and why,
// `field` names the offending input where there is one, `details` carries structured context for logs.

export const ERROR_CODES = [
  // configuration and input
  'CONFIG_INVALID',
  'INPUT_INVALID',
  'SCHEMA_INVALID',
  'SPEC_HASH_MISMATCH',
  /** A document of a version this software no longer accepts (e.g. a version-1 bundle). */
  'UNSUPPORTED_VERSION',
  'NOT_FOUND',
  // network and transport
  'SSRF_REFUSED',
  'SERVER_UNREACHABLE',
  'PEER_DISCONNECTED',
  'TIMEOUT',
  // TLS / MPC-TLS
  'CERTIFICATE_REJECTED',
  'RESPONSE_TOO_LARGE',
  'TLSN_FAILED',
  /** The peer is busy with this very piece of work (e.g. a notary session still closing): retry shortly. */
  'BUSY',
  // protocol
  'NOT_ASSIGNED',
  'DEADLINE_PASSED',
  'BAD_SIGNATURE',
  'EXTRACTION_FAILED',
  'RESULT_SCHEMA_MISMATCH',
  'BUNDLE_INVALID',
  'TRUST_MODE_REFUSED',
  'REQUEST_MISMATCH',
  'TRANSCRIPT_MISMATCH',
  'VALUE_MISMATCH',
  // infrastructure
  'CHAIN_ERROR',
  'IPFS_ERROR',
  'DB_ERROR',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (code: string): code is ErrorCode => (ERROR_CODES as readonly string[]).includes(code);

/**
 * Whether trying the same operation again later may succeed, decided once per code (as tlsn's error kinds answer
 * `is_io()` / `is_user()`): a `Record` over every code, so adding a code does not compile until it has a decision.
 * Retryable: the other side or our infrastructure was briefly unavailable, busy or slow, or failed in a way we cannot
 * tell from a blip (TLSN_FAILED, INTERNAL; attempts are bounded by whoever retries). Not retryable: the input, the
 * spec, the peer's evidence or the protocol state is wrong, and the same attempt would fail the same way.
 */
export const RETRYABLE: Record<ErrorCode, boolean> = {
  CONFIG_INVALID: false,
  INPUT_INVALID: false,
  SCHEMA_INVALID: false,
  SPEC_HASH_MISMATCH: false,
  UNSUPPORTED_VERSION: false,
  NOT_FOUND: false,
  SSRF_REFUSED: false,
  SERVER_UNREACHABLE: true,
  PEER_DISCONNECTED: true,
  TIMEOUT: true,
  CERTIFICATE_REJECTED: false,
  RESPONSE_TOO_LARGE: false,
  TLSN_FAILED: true,
  BUSY: true,
  NOT_ASSIGNED: false,
  DEADLINE_PASSED: false,
  BAD_SIGNATURE: false,
  EXTRACTION_FAILED: false,
  RESULT_SCHEMA_MISMATCH: false,
  BUNDLE_INVALID: false,
  TRUST_MODE_REFUSED: false,
  REQUEST_MISMATCH: false,
  TRANSCRIPT_MISMATCH: false,
  VALUE_MISMATCH: false,
  CHAIN_ERROR: true,
  IPFS_ERROR: true,
  DB_ERROR: true,
  INTERNAL: true,
};

export type VeritasErrorOptions = {
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
};

export class VeritasError extends Error {
  override name = 'VeritasError';
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: VeritasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  /** Whether retrying may help: the code's decision in RETRYABLE, never the thrower's. */
  get retryable(): boolean {
    // `?? false`: a code cast in from outside (another service's error body) may not be in the table
    return RETRYABLE[this.code] ?? false;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.field === undefined ? {} : { field: this.field }),
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

export const isVeritasError = (e: unknown, code?: ErrorCode): e is VeritasError =>
  e instanceof VeritasError && (code === undefined || e.code === code);

/** Wraps anything thrown into a VeritasError, keeping one that already is. */
export function toVeritasError(e: unknown, fallback: ErrorCode = 'INTERNAL'): VeritasError {
  if (e instanceof VeritasError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new VeritasError(fallback, message, { cause: e });
}
