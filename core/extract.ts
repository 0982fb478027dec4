// Extraction: applies a spec's rule (JSONPath or regex capture) to a response body. One implementation, used by the
// prover (to build its answer), the notary (to replay it on what it verified) and every verifier after them.
import { JSONPath } from 'jsonpath-plus';
import type { ExtractionRule } from '../schemas/spec.ts';
import { VeritasError } from './errors.ts';
import { parseHttpResponse } from './http-message.ts';

const fail = (field: string, reason: string) => new VeritasError('EXTRACTION_FAILED', `${field}: ${reason}`, { field });

// A path with wildcards, recursive descent, filters, unions or slices can match any number of nodes: its result is
// always the array of matches, even for one match, so the shape of the value never depends on the data.
const isIndefinite = (path: string): boolean =>
  JSONPath.toPathArray(path).some((seg) => seg === '*' || seg === '..' || /^\?\(|^\(|,|:/.test(seg));

/** Applies `rule` to a response body. Throws EXTRACTION_FAILED naming the rule's field. */
export function extractValue(rule: ExtractionRule, body: Uint8Array): unknown {
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
    // eval: 'safe' is jsonpath-plus's sandboxed filter evaluator; never native eval on a consumer's expression.
    const matches = JSONPath({ path: rule.jsonPath, json: json as object, wrap: true, eval: 'safe' }) as unknown[];
    if (isIndefinite(rule.jsonPath)) return matches;
    if (matches.length === 0) throw fail('extract.jsonPath', `${rule.jsonPath} matched nothing`);
    return matches[0];
  }
  const re = new RegExp(rule.regex, rule.flags);
  const m = re.exec(text);
  if (!m) throw fail('extract.regex', 'did not match');
  const value = typeof rule.group === 'number' ? m[rule.group] : m.groups?.[rule.group];
  if (value === undefined) throw fail('extract.group', `group ${rule.group} did not capture`);
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
