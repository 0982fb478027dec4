// Extraction: applies a spec's rule (JSONPath or regex capture) to a response body. One implementation, used by the
// prover (to build its answer), the notary (to replay it on what it verified) and every verifier after them.
//
// Every rule is consumer input run on the notary's, prover's, aggregator's and API's main thread, so each step costs
// linear time in the body: regexes run on re2js (RE2: no backtracking), JSON and the body are bounded by the response
// limit, JSONPath filters may compare but never call (a `.match()` inside a filter is a backtracking regex again),
// and recursive descent is bounded by the document's depth limit.
import { JSONPath } from 'jsonpath-plus';
import type { RE2JS } from 're2js';
import type { ExtractionRule } from '../schemas/spec.ts';

/**
 * Bound on the input of one extraction (linear-time engines, but still work per byte): the spec limit
 * (SPEC_LIMITS.maxResponseBytes, 16 KiB since the MPC memory measurements) with room to spare, so a change of that
 * limit never makes a stored record unverifiable.
 */
const MAX_BODY_BYTES = 65_536;
import { checkJsonPath, compileRegex, MAX_RECURSIVE_DESCENTS } from '../schemas/extraction-rules.ts';
import { VeritasError } from './errors.ts';

export { checkJsonPath, compileRegex, MAX_RECURSIVE_DESCENTS };
import { parseHttpResponse } from './http-message.ts';

const fail = (field: string, reason: string) => new VeritasError('EXTRACTION_FAILED', `${field}: ${reason}`, { field });

/** Deepest JSON nesting extraction accepts: recursive descent visits each node at most once per level. */
export const MAX_JSON_DEPTH = 64;
// A path with wildcards, recursive descent, filters, unions or slices can match any number of nodes: its result is
// always the array of matches, even for one match, so the shape of the value never depends on the data.
const isIndefinite = (path: string): boolean =>
  JSONPath.toPathArray(path).some((seg) => seg === '*' || seg === '..' || /^\?\(|^\(|,|:/.test(seg));

function depthWithin(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d >= max) return false;
    for (const child of Object.values(v as object)) stack.push([child, d + 1]);
  }
  return true;
}

/** Applies `rule` to a response body. Throws EXTRACTION_FAILED naming the rule's field. */
export function extractValue(rule: ExtractionRule, body: Uint8Array): unknown {
  if (body.length > MAX_BODY_BYTES)
    throw fail('body', `is ${body.length} bytes, more than extraction accepts (${MAX_BODY_BYTES})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw fail('body', 'is not valid UTF-8');
  }
  if ('jsonPath' in rule) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw fail('extract.jsonPath', 'the response body is not JSON');
    }
    if (!depthWithin(json, MAX_JSON_DEPTH)) throw fail('body', `JSON nested deeper than ${MAX_JSON_DEPTH}`);
    try {
      checkJsonPath(rule.jsonPath);
    } catch (e) {
      throw new VeritasError('EXTRACTION_FAILED', (e as Error).message, { field: 'extract.jsonPath' });
    }
    // eval: 'safe' is jsonpath-plus's sandboxed filter evaluator; never native eval on a consumer's expression.
    const matches = JSONPath({ path: rule.jsonPath, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    if (isIndefinite(rule.jsonPath)) return matches;
    if (matches.length === 0) throw fail('extract.jsonPath', `${rule.jsonPath} matched nothing`);
    return matches[0];
  }
  let re: RE2JS;
  try {
    re = compileRegex(rule);
  } catch (e) {
    throw new VeritasError('EXTRACTION_FAILED', (e as Error).message, { field: 'extract.regex' });
  }
  const m = re.matcher(text);
  if (!m.find()) throw fail('extract.regex', 'did not match');
  let value: string | null;
  try {
    value = m.group(rule.group as never) as string | null;
  } catch {
    value = null;
  }
  if (value === null || value === undefined) throw fail('extract.group', `group ${rule.group} did not capture`);
  return value;
}

/** Parses the HTTP response in a transcript and extracts the value; a non-2xx status is an extraction failure. */
export function extractFromResponse(rule: ExtractionRule, recv: Uint8Array): { value: unknown; status: number } {
  const response = parseHttpResponse(recv);
  if (response.status < 200 || response.status > 299)
    throw new VeritasError('EXTRACTION_FAILED', `the source answered HTTP ${response.status}`, {
      field: 'status',
      details: { status: response.status },
    });
  return { value: extractValue(rule, response.body), status: response.status };
}
