// Typed errors with stable codes: every failure a user, an operator or a peer can cause is one of these.
//
// Modelled on viem's BaseError: `code` is stable and machine-readable, `message` says what failed and why,
// `field` names the offending input where there is one, `details` carries structured context for logs.

export const ERROR_CODES = [
  // configuration and input
  'CONFIG_INVALID',
  'INPUT_INVALID',
  'SCHEMA_INVALID',
  'SPEC_HASH_MISMATCH',
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
  /** A document of a version this software no longer accepts (e.g. a version-1 bundle). */
  'UNSUPPORTED_VERSION',
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

export type VeritasErrorOptions = {
  field?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** true when retrying the same operation later may succeed (network blips, RPC errors). */
  transient?: boolean;
};

export class VeritasError extends Error {
  override name = 'VeritasError';
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: VeritasErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options.field;
    this.details = options.details;
    this.transient = options.transient ?? false;
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
