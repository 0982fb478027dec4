// Validation of untrusted JSON: published documents (Ajv2020 against the generated JSON Schema, then zod for the
// refinements JSON Schema cannot express), consumer-supplied result schemas, and complete request specs.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { RE2JS } from 're2js';
import { VeritasError } from './errors.ts';
import { checkJsonPath, compileRegex } from './extraction-rules.ts';
import { parseWith } from './common.ts';
import { jsonSchemaOf, published, type PublishedName } from './json-schemas.ts';
import { RequestSpec } from './spec.ts';
import type { z } from 'zod';

// ajv-formats is CommonJS with `exports.default`; under Node's ESM interop the default import is the exports object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv2020,
) => Ajv2020;

/**
 * JSON Schema patterns are ECMA-262 regexes; RE2 spells a code point escape `\x{hhhh}`, not `\uhhhh` (zod writes
 * the latter into our own published schemas, e.g. the spec's control-character checks). An even run of backslashes
 * before the `u` is literal backslashes, so only an odd run is an escape.
 */
export const re2Syntax = (pattern: string): string =>
  pattern.replace(/(?<!\\)((?:\\\\)*)\\u([0-9A-Fa-f]{4})/g, (_, bs: string, hex: string) => `${bs}\\x{${hex}}`);

/**
 * Ajv's regex engine for `pattern` and `patternProperties`: re2js, linear time, like the extraction regexes (a
 * consumer's `^(a+)+$` must not freeze a notary). A pattern RE2 cannot compile fails the schema's compilation.
 */
const re2Engine = Object.assign(
  (pattern: string) => {
    const re = RE2JS.compile(re2Syntax(pattern));
    // Ajv caches compiled patterns by `toString()`: it must name the pattern, or every pattern would share one.
    return { test: (s: string) => re.matcher(s).find(), toString: () => `re2:${pattern}` };
  },
  { code: 'RE2JS' },
);

const newAjv = (regExp: 're2' | 'native' = 're2'): Ajv2020 => {
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    validateFormats: true,
    ...(regExp === 're2' ? { code: { regExp: re2Engine } } : {}),
  });
  addFormats(ajv);
  return ajv;
};

// One compiled validator per published document, built on first use. Their patterns are this project's own (simple
// character classes, generated from schemas/), not a consumer's, so ECMA-262's engine (JSON Schema's own) runs them:
// re2js took about a tenth of a bundle verification matching the base64 transcripts.
const documentAjv = newAjv('native');
const documentValidators = new Map<PublishedName, ValidateFunction>();

/** `/transcript/sent` → `transcript.sent`, `/headers/0/name` → `headers[0].name`. */
export function ajvField(e: ErrorObject): string {
  const parts = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (e.keyword === 'required') parts.push(String((e.params as { missingProperty: string }).missingProperty));
  if (e.keyword === 'additionalProperties')
    parts.push(String((e.params as { additionalProperty: string }).additionalProperty));
  if (parts.length === 0) return '$';
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function ajvError(
  code: 'BUNDLE_INVALID' | 'SCHEMA_INVALID' | 'RESULT_SCHEMA_MISMATCH',
  what: string,
  errors: ErrorObject[],
) {
  const problems = errors.map((e) => ({ field: ajvField(e), reason: e.message ?? e.keyword }));
  const first = problems[0]!;
  return new VeritasError(code, `${what}: ${first.field}: ${first.reason}`, {
    field: first.field,
    details: { problems },
  });
}

/**
 * Validates an untrusted published document (e.g. a bundle fetched from IPFS) against its published JSON Schema,
 * then parses it with zod. Failures are `SCHEMA_INVALID` (or `code`) naming the field.
 */
export function validateDocument<N extends PublishedName>(
  name: N,
  json: unknown,
  code: 'BUNDLE_INVALID' | 'SCHEMA_INVALID' = 'SCHEMA_INVALID',
): z.infer<(typeof published)[N]> {
  let validate = documentValidators.get(name);
  if (!validate) {
    validate = documentAjv.compile(jsonSchemaOf(name));
    documentValidators.set(name, validate);
  }
  if (!validate(json)) throw ajvError(code, name, validate.errors ?? []);
  return parseWith(published[name], json, name, code === 'BUNDLE_INVALID' ? 'SCHEMA_INVALID' : code) as z.infer<
    (typeof published)[N]
  >;
}

/** A compiled consumer result schema: throws RESULT_SCHEMA_MISMATCH naming the offending part of the value. */
export type ResultValidator = (value: unknown) => void;

/** Compiles a consumer-supplied JSON Schema (draft 2020-12). A schema that does not compile is SCHEMA_INVALID. */
export function compileResultSchema(schema: Record<string, unknown>, field = 'resultSchema'): ResultValidator {
  const ajv = newAjv();
  let validate: ValidateFunction;
  try {
    if (!ajv.validateSchema(schema)) {
      // Errors are about the schema document itself: name them from the spec's point of view.
      const e = (ajv.errors ?? [])[0];
      const inner = e ? ajvField(e) : '$';
      const at = inner === '$' ? field : `${field}.${inner}`;
      throw new VeritasError('SCHEMA_INVALID', `${at}: ${e?.message ?? 'invalid JSON Schema'}`, { field: at });
    }
    validate = ajv.compile(schema);
  } catch (e) {
    if (e instanceof VeritasError) throw e;
    throw new VeritasError('SCHEMA_INVALID', `${field}: ${(e as Error).message}`, { field, cause: e });
  }
  return (value) => {
    if (!validate(value)) {
      const err = ajvError('RESULT_SCHEMA_MISMATCH', 'extracted value', validate.errors ?? []);
      throw new VeritasError('RESULT_SCHEMA_MISMATCH', err.message, { field: err.field, details: err.details });
    }
  };
}

// Compiling a result schema builds an Ajv instance and generates code: ≈ 28 ms even for `{}`, some 50 bundle
// verifications' worth, and a verifier sees the same few schemas over and over (every bundle and record of a request
// has the same spec). So verification takes its validator from here: one per distinct schema text, most recently used
// kept. A schema that does not compile is not cached (it throws again, with the same error, each time).
const RESULT_VALIDATORS_KEPT = 128;
const resultValidators = new Map<string, ResultValidator>();

/** compileResultSchema, compiled once per distinct schema (by its JSON text). */
export function resultValidatorFor(schema: Record<string, unknown>): ResultValidator {
  const key = JSON.stringify(schema);
  let validator = resultValidators.get(key);
  if (validator) {
    resultValidators.delete(key); // re-inserted below: Map order is the recency order
  } else {
    validator = compileResultSchema(schema);
    if (resultValidators.size >= RESULT_VALIDATORS_KEPT)
      resultValidators.delete(resultValidators.keys().next().value as string);
  }
  resultValidators.set(key, validator);
  return validator;
}

/**
 * Fully validates a request spec: structure (zod), the result schema compiles (Ajv2020, patterns on RE2), the
 * regex compiles on RE2 and the JSONPath passes the checks extraction applies. Returns the spec with defaults applied. Errors are INPUT_INVALID / SCHEMA_INVALID with the field.
 */
export function validateSpec(input: unknown): RequestSpec {
  const spec = parseWith(RequestSpec, input, 'spec', 'INPUT_INVALID');
  compileResultSchema(spec.resultSchema);
  // The same engine and the same checks extraction uses, so a rule accepted here never fails to compile later.
  if ('regex' in spec.extract) {
    compileRegex(spec.extract);
  } else {
    checkJsonPath(spec.extract.jsonPath);
  }
  return spec;
}
