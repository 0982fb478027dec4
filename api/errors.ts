// The API's error body `{code, message, field?}` and the HTTP status of every error code, in one place.
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, VeritasError, toVeritasError } from '../core/errors.ts';

/** Codes only the HTTP layer produces (no component below it can cause them). */
export type HttpErrorCode =
  | 'UNAUTHORIZED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE';
export type ApiErrorCode = ErrorCode | HttpErrorCode;

export type ApiErrorBody = { code: ApiErrorCode; message: string; field?: string };

/** An error raised by the HTTP layer itself (auth, limits). */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly code: HttpErrorCode;
  readonly status: ContentfulStatusCode;
  readonly headers: Record<string, string>;
  constructor(
    status: ContentfulStatusCode,
    code: HttpErrorCode,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  INPUT_INVALID: 400,
  SCHEMA_INVALID: 400,
  SPEC_HASH_MISMATCH: 400,
  RESULT_SCHEMA_MISMATCH: 400,
  NOT_FOUND: 404,
  TIMEOUT: 504,
  CHAIN_ERROR: 502,
  IPFS_ERROR: 502,
  DB_ERROR: 503,
};

export const statusOf = (code: ErrorCode): ContentfulStatusCode => STATUS[code] ?? 500;

/** Maps anything thrown in a handler to its status and body. Internal details never leak into a 500's message. */
export function errorResponse(e: unknown): {
  status: ContentfulStatusCode;
  body: ApiErrorBody;
  headers: Record<string, string>;
} {
  if (e instanceof ApiError)
    return { status: e.status, body: { code: e.code, message: e.message }, headers: e.headers };
  if (e instanceof HTTPException) {
    const status = e.status as ContentfulStatusCode;
    const code: ApiErrorCode =
      status === 413
        ? 'PAYLOAD_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : status === 401
            ? 'UNAUTHORIZED'
            : status === 404
              ? 'NOT_FOUND'
              : status < 500
                ? 'INPUT_INVALID'
                : 'INTERNAL';
    // hono's validators raise a 400 HTTPException for a body that is not JSON at all
    const field = status === 400 ? { field: 'body' } : {};
    const message =
      status === 415 ? 'send the body as JSON with the header "Content-Type: application/json"' : e.message;
    return { status, body: { code, message: publicMessage(message || 'request refused'), ...field }, headers: {} };
  }
  const err = databaseUnavailable(e)
    ? new VeritasError('DB_ERROR', 'the database is unavailable; retry shortly', { cause: e })
    : toVeritasError(e);
  const status = statusOf(err.code);
  const message =
    status === 500 ? 'internal error (see the server log for the request id)' : publicMessage(err.message);
  return {
    status,
    body: { code: err.code, message, ...(err.field === undefined ? {} : { field: err.field }) },
    headers: {},
  };
}

// A lost or refused database connection (a PostgreSQL restart, a network blip) surfaces from postgres.js, often wrapped
// by drizzle: it is the DB_ERROR of the table above (503, worth a retry), not an internal error.
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
]);
function databaseUnavailable(e: unknown): boolean {
  for (let cur = e, depth = 0; cur instanceof Error && depth < 4; cur = cur.cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    // SQLSTATE class 08 (connection exception) and 57P0x (admin/crash shutdown, cannot connect now)
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || /^08...$|^57P0[1-3]$/.test(code))) return true;
  }
  return false;
}

// What a public message must never carry: URLs (an RPC URL holds its API key in the path or query; an IPFS or notary
// URL names internal hosts) and IP literals (an SSRF refusal that prints the resolved address is a DNS oracle).
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>]+/gi;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g;
// full form (at least 4 groups, so a clock time 12:30:45 is left alone) or compressed (contains ::)
const IPV6 =
  /\[?(?:\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b|(?:\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?::(?:[0-9a-f]{1,4}\b(?::[0-9a-f]{1,4}\b)*)?)(?:%\w+)?\]?(?::\d+)?/gi;

/** A message fit for a public error body or timeline: URLs and IP addresses replaced by a placeholder. */
export function publicMessage(message: string): string {
  return message.replace(URL_IN_TEXT, '<url>').replace(IPV4, '<address>').replace(IPV6, '<address>');
}

export const notFound = (what: string, id: string, field = 'id'): VeritasError =>
  new VeritasError('NOT_FOUND', `${what} ${id} not found`, { field });
