// The edge checks of a JSON request body that no schema can express: media type, well-formed Unicode, no NUL, depth
// and the documented length limits, each failing as a 4xx that names the field before any handler runs.
import type { MiddlewareHandler } from 'hono';
import { VeritasError } from '../core/errors.ts';
import { fieldPath } from '../schemas/common.ts';
import { ApiError } from './errors.ts';
import type { ApiEnv } from './middleware.ts';

/**
 * The API's documented input limits. `bodyBytes` is the default of `ApiOptions.bodyLimitBytes`; `urlChars` follows
 * the common de-facto bound of browsers, CDNs and servers (a longer URL is refused by many origins anyway, and every
 * prover would pay MPC-TLS cost for each sent byte); every other string is bounded by its schema and by `bodyBytes`.
 */
export const API_LIMITS = { bodyBytes: 64 * 1024, urlChars: 2048, depth: 32 } as const;

/** Limits on particular members, checked before the schema so the message states the limit. */
const MAX_CHARS: Record<string, number> = { 'spec.url': API_LIMITS.urlChars };

// (String.prototype.isWellFormed is ES2024, beyond the configured lib; this is its definition, on UTF-16 code units)
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Why a string cannot be accepted, or undefined. PostgreSQL JSON cannot store U+0000; canonical JSON and every
 * UTF-8 encoder disagree on lone surrogates (replaced, refused or kept), so the bytes hashed would not be the bytes
 * pinned. */
export function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'must not contain a NUL character (U+0000)';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode: it contains a lone UTF-16 surrogate';
  return undefined;
}

/** The first member of `json` that breaks a rule above, as an INPUT_INVALID naming it. Iterative: depth is bounded. */
export function checkJsonStrings(json: unknown, root: readonly (string | number)[] = []): VeritasError | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: json, path: [...root] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    const field = path.length === 0 ? 'body' : fieldPath(path);
    if (typeof value === 'string') {
      const why = badString(value);
      if (why) return new VeritasError('INPUT_INVALID', `${field}: ${why}`, { field });
      const max = MAX_CHARS[field];
      if (max !== undefined && value.length > max)
        return new VeritasError('INPUT_INVALID', `${field}: must be at most ${max} characters (got ${value.length})`, {
          field,
        });
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= API_LIMITS.depth)
      return new VeritasError('INPUT_INVALID', `${field}: nested deeper than ${API_LIMITS.depth} levels`, { field });
    const entries: [string | number, unknown][] = Array.isArray(value)
      ? value.map((v, i) => [i, v])
      : Object.entries(value);
    // pushed in reverse so the first offending member in document order is the one reported
    for (const [k, v] of entries.reverse()) {
      if (typeof k === 'string') {
        const why = badString(k);
        if (why) {
          const at = path.length === 0 ? 'body' : field;
          return new VeritasError('INPUT_INVALID', `${at}: a member name ${why}`, { field: at });
        }
      }
      stack.push({ value: v, path: [...path, k] });
    }
  }
  return undefined;
}

/**
 * A route's JSON body gate: `Content-Type: application/json` (else 415 saying so), parseable JSON (else 400 naming
 * `body`), and the string rules above (else 400 naming the member). The parsed body is cached by hono for the
 * validator that runs next.
 */
export const jsonBody = (): MiddlewareHandler<ApiEnv> => async (c, next) => {
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type))
    throw new ApiError(
      415,
      'UNSUPPORTED_MEDIA_TYPE',
      `send the body as JSON with the header "Content-Type: application/json"${type ? ` (got "${type.slice(0, 100)}")` : ''}`,
    );
  let body: unknown;
  try {
    body = await c.req.json();
  } catch (e) {
    if (e instanceof ApiError) throw e; // the body limit's 413
    throw new VeritasError('INPUT_INVALID', 'body: is not valid JSON', { field: 'body' });
  }
  const bad = checkJsonStrings(body);
  if (bad) throw bad;
  await next();
};
