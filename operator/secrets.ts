// The operator's own secret store: header values referenced by name in specs, each bound to the one target its
// owner meant it for (host, optionally a path prefix and a header name). Never on-chain, never pinned.
//
// File format (VERITAS_SECRETS_FILE), one entry per ref:
//   { "price-api": { "value": "Bearer tok_…", "host": "api.example.com", "pathPrefix": "/v1/private",
//                    "header": "Authorization" } }
// `host` is a DNS name (IDN written either way, compared in its punycode form), with `:port` when the source is
// not on 443; `pathPrefix` matches whole path segments; `header` is compared case-insensitively.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { VeritasError } from '../core/errors.ts';

const Ref = z.string().regex(/^[A-Za-z0-9_.-]+$/);

/**
 * One RFC 9110 §5.5 field-value, ASCII only: visible characters, with spaces or tabs only between them. A secret
 * travels in a slot the notary cannot see (core/http-message.ts), so this is the only check its bytes get: no CR or
 * LF (a second header line smuggled into the slot), no NUL or other control byte, no white space at either end (the
 * slot's padding is trailing spaces; a server strips them, so the value must not depend on them).
 */
const FIELD_VALUE = /^[\x21-\x7e](?:[\x20-\x7e\t]*[\x21-\x7e])?$/;
const FIELD_VALUE_RULE =
  'must be one HTTP field value: printable ASCII, no CR, LF or other control bytes, no white space at either end';
/** Whether `value` may fill a secret slot (see FIELD_VALUE). */
export const isSecretValue = (value: string): boolean => FIELD_VALUE.test(value);

export const SecretEntry = z
  .object({
    value: z.string().min(1).regex(FIELD_VALUE, FIELD_VALUE_RULE),
    host: z.string().min(1).max(253),
    pathPrefix: z
      .string()
      .regex(/^\/[^?#]*$/, 'must start with / and hold no query or fragment')
      .optional(),
    header: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header name')
      .optional(),
  })
  .strict();
export type SecretEntry = z.infer<typeof SecretEntry>;

const SecretsFile = z.record(Ref, SecretEntry);

/** Where a spec wants to send a secret: checked against the entry's binding before any connection. */
export type SecretUse = {
  ref: string;
  url: string;
  header: string /** The spec field named in a refusal. */;
  field?: string;
};

export type SecretStore = {
  /**
   * The value of `use.ref` if, and only if, the store holds it bound to exactly this target; otherwise
   * SECRET_REFUSED with the same public message whether the ref is unknown or bound elsewhere, so a requester
   * learns nothing about what the store holds. The precise reason goes to `onRefused` (the operator's own log).
   */
  resolve(use: SecretUse): string;
};

/** `host[:port]` in the form URL.host gives it: lowercase, punycode, default port dropped. */
function canonicalHost(host: string): string | undefined {
  try {
    const u = new URL(`https://${host}/`);
    if (u.username || u.password || u.pathname !== '/' || `${u.host}` === '') return undefined;
    return u.host;
  } catch {
    return undefined;
  }
}

// Paths a server might decode into something else (encoded dot-segments, slashes, backslashes) never match a prefix.
const AMBIGUOUS_PATH = /%2e|%2f|%5c|\\/i;

/** Why `use` does not fit `entry`, or undefined when it does. */
export function bindingMismatch(entry: SecretEntry, use: SecretUse): string | undefined {
  let url: URL;
  try {
    url = new URL(use.url);
  } catch {
    return 'the URL does not parse';
  }
  if (url.protocol !== 'https:') return 'not https';
  const bound = canonicalHost(entry.host);
  if (bound === undefined) return 'the entry host is not a valid host name';
  if (url.host !== bound) return `host ${url.host} is not the bound host`;
  if (entry.pathPrefix !== undefined) {
    const path = url.pathname;
    if (AMBIGUOUS_PATH.test(path)) return 'the path holds encoded dot-segments or slashes';
    const prefix = entry.pathPrefix.endsWith('/') ? entry.pathPrefix : `${entry.pathPrefix}/`;
    if (path !== entry.pathPrefix && !path.startsWith(prefix)) return `path ${path} is outside the bound prefix`;
  }
  if (entry.header !== undefined && entry.header.toLowerCase() !== use.header.toLowerCase())
    return `header ${use.header} is not the bound header`;
  return undefined;
}

/** The one public refusal: names the spec's own ref and header (public already), nothing from the store. */
export const secretRefused = (use: SecretUse, field: string): VeritasError =>
  new VeritasError(
    'INPUT_INVALID',
    `${field}: this operator holds no secret "${use.ref}" for header ${use.header} at this URL`,
    { field },
  );

export function secretStoreFrom(
  entries: Record<string, SecretEntry>,
  onRefused: (ref: string, reason: string) => void = () => undefined,
): SecretStore {
  const map = new Map(Object.entries(SecretsFile.parse(entries)));
  return {
    resolve(use) {
      const entry = map.get(use.ref);
      const reason = entry === undefined ? 'no such ref' : bindingMismatch(entry, use);
      if (reason !== undefined) {
        onRefused(use.ref, reason);
        throw secretRefused(use, use.field ?? 'headers');
      }
      return entry!.value;
    },
  };
}

/** Reads the store file; errors name the file and the entry, never a value. */
export async function loadSecretStore(
  file: string | undefined,
  onRefused?: (ref: string, reason: string) => void,
): Promise<SecretStore> {
  if (file === undefined) return secretStoreFrom({}, onRefused);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    // A JSON.parse message can quote the file's text (a value): say only that it is not JSON.
    const why = e instanceof SyntaxError ? 'not valid JSON' : (e as Error).message;
    throw new VeritasError('CONFIG_INVALID', `VERITAS_SECRETS_FILE: cannot read ${file}: ${why}`, {
      field: 'VERITAS_SECRETS_FILE',
    });
  }
  const r = SecretsFile.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const legacy = issue.path.length === 1 && issue.code === 'invalid_type';
    throw new VeritasError(
      'CONFIG_INVALID',
      `VERITAS_SECRETS_FILE: ${issue.path.join('.')}: ${
        legacy ? 'each entry is now {"value", "host", "pathPrefix"?, "header"?} (see README)' : issue.message
      }`,
      { field: 'VERITAS_SECRETS_FILE' },
    );
  }
  for (const [ref, entry] of Object.entries(r.data))
    if (canonicalHost(entry.host) === undefined)
      throw new VeritasError('CONFIG_INVALID', `VERITAS_SECRETS_FILE: ${ref}.host: not a valid host name`, {
        field: 'VERITAS_SECRETS_FILE',
      });
  return secretStoreFrom(r.data, onRefused);
}
