// The CLI's exit codes: one table, so scripts can tell a typo from a bad input, a failed request, a failed
// verification and a network problem. The README's "Exit codes" table is this one.
import { isErrorCode, type ErrorCode, VeritasError } from '../core/errors.ts';

export const EXIT = {
  /** success */
  OK: 0,
  /** an unexpected error (a bug, or a failure no other class covers) */
  INTERNAL: 1,
  /** usage: unknown command or option, missing argument */
  USAGE: 2,
  /** input invalid: a flag, a file or the environment is wrong (the message names it) */
  INPUT: 3,
  /** the request failed or expired (an operator's failed stage, `expired`, `failed`) */
  REQUEST_FAILED: 4,
  /** verification failed: a record, proof, bundle or signature does not check out */
  VERIFICATION_FAILED: 5,
  /** network: the API, the RPC or IPFS cannot be reached (or answered 502/503/504); retrying may help */
  NETWORK: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** What each class means, for `--help` and the README. */
export const EXIT_TABLE: { code: ExitCode; name: keyof typeof EXIT; meaning: string }[] = [
  { code: 0, name: 'OK', meaning: 'success' },
  { code: 1, name: 'INTERNAL', meaning: 'unexpected error' },
  {
    code: 2,
    name: 'USAGE',
    meaning: 'unknown command or option, missing argument, a send without --yes off a terminal',
  },
  {
    code: 3,
    name: 'INPUT',
    meaning: 'invalid input: a flag, file or environment variable (named in the message), or a call the chain refuses',
  },
  { code: 4, name: 'REQUEST_FAILED', meaning: 'the request failed (a failed stage) or expired' },
  { code: 5, name: 'VERIFICATION_FAILED', meaning: 'a record, proof, bundle or signature did not verify' },
  { code: 6, name: 'NETWORK', meaning: 'API, RPC or IPFS unreachable or briefly unavailable; retry' },
];

// Error codes by class. Codes not listed are INTERNAL: a new code lands there until someone decides otherwise.
const BY_CODE: Partial<Record<ErrorCode, ExitCode>> = {
  CONFIG_INVALID: EXIT.INPUT,
  INPUT_INVALID: EXIT.INPUT,
  SCHEMA_INVALID: EXIT.INPUT,
  SPEC_HASH_MISMATCH: EXIT.INPUT,
  NOT_FOUND: EXIT.INPUT,
  SSRF_REFUSED: EXIT.INPUT,
  SERVER_UNREACHABLE: EXIT.NETWORK,
  PEER_DISCONNECTED: EXIT.NETWORK,
  TIMEOUT: EXIT.NETWORK,
  IPFS_ERROR: EXIT.NETWORK,
  BAD_SIGNATURE: EXIT.VERIFICATION_FAILED,
  BUNDLE_INVALID: EXIT.VERIFICATION_FAILED,
  TRUST_MODE_REFUSED: EXIT.VERIFICATION_FAILED,
  TRANSCRIPT_MISMATCH: EXIT.VERIFICATION_FAILED,
  VALUE_MISMATCH: EXIT.VERIFICATION_FAILED,
  REQUEST_MISMATCH: EXIT.VERIFICATION_FAILED,
  DEADLINE_PASSED: EXIT.REQUEST_FAILED,
  EXTRACTION_FAILED: EXIT.REQUEST_FAILED,
  RESULT_SCHEMA_MISMATCH: EXIT.REQUEST_FAILED,
  RESPONSE_TOO_LARGE: EXIT.REQUEST_FAILED,
  CERTIFICATE_REJECTED: EXIT.REQUEST_FAILED,
  TLSN_FAILED: EXIT.REQUEST_FAILED,
};

/** Ends the command with a chosen class (a failed request or verification is not an exception of the code). */
export class CliExit extends Error {
  override name = 'CliExit';
  readonly exitCode: ExitCode;
  readonly code: string;
  constructor(exitCode: ExitCode, code: string, message: string) {
    super(message);
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** The exit class of anything a command threw. */
export function exitCodeOf(e: unknown): ExitCode {
  if (e instanceof CliExit) return e.exitCode;
  if (e instanceof VeritasError) {
    // the chain refused the transaction (a decoded revert: not the owner, bond still locked, …): the caller's input;
    // any other chain failure is the RPC endpoint being unreachable or failing, which a retry may mend
    if (e.code === 'CHAIN_ERROR') return typeof e.details?.revert === 'string' ? EXIT.INPUT : EXIT.NETWORK;
    if (isErrorCode(e.code)) return BY_CODE[e.code] ?? EXIT.INTERNAL;
    // codes the API sends that are not ours (PAYLOAD_TOO_LARGE, UNAUTHORIZED, RATE_LIMITED…): the caller's input
    return EXIT.INPUT;
  }
  return EXIT.INTERNAL;
}
