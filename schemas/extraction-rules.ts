// The extraction rules a spec may declare, checked with the engines extraction runs them on: a regex compiles on
// RE2 (linear time), a JSONPath parses and stays within the bounds extraction enforces. Used at submission
// (schemas/validate.ts) and by core/extract.ts, so a rule accepted at submission is one every party can run.
import { JSONPath } from 'jsonpath-plus';
import { RE2JS } from 're2js';
import { VeritasError } from './errors.ts';

/** At most this many `..` in one path: each multiplies the nodes visited by the document's size. */
export const MAX_RECURSIVE_DESCENTS = 1;

/**
 * The regex of a rule compiled by the one engine every party uses (RE2 semantics: linear time, no backreferences
 * or lookaround). Flags: i, m, s (u is implied: RE2 matches code points). Throws INPUT_INVALID naming extract.regex.
 */
export function compileRegex(rule: { regex: string; flags: string }): RE2JS {
  let flags = 0;
  if (rule.flags.includes('i')) flags |= RE2JS.CASE_INSENSITIVE;
  if (rule.flags.includes('m')) flags |= RE2JS.MULTILINE;
  if (rule.flags.includes('s')) flags |= RE2JS.DOTALL;
  try {
    return RE2JS.compile(rule.regex, flags);
  } catch (e) {
    throw new VeritasError(
      'INPUT_INVALID',
      `extract.regex: ${(e as Error).message} (regexes run on RE2: no backreferences or lookaround)`,
      { field: 'extract.regex' },
    );
  }
}

/**
 * Checks a JSONPath the way extraction will run it: it parses, holds at most MAX_RECURSIVE_DESCENTS `..`, and its
 * filters/scripts call no function. Throws INPUT_INVALID naming extract.jsonPath.
 */
export function checkJsonPath(path: string): void {
  const bad = (reason: string) =>
    new VeritasError('INPUT_INVALID', `extract.jsonPath: ${reason}`, { field: 'extract.jsonPath' });
  let segments: string[];
  try {
    segments = JSONPath.toPathArray(path);
    // Parsing alone accepts some broken paths (`$.[`): evaluating on an empty document rejects them.
    JSONPath({ path, json: {}, wrap: true, eval: 'safe' });
  } catch (e) {
    throw bad((e as Error).message);
  }
  if (/\[\s*$|\[(?![^\]]*\])/.test(path)) throw bad('unbalanced [');
  if (segments.filter((s) => s === '..').length > MAX_RECURSIVE_DESCENTS)
    throw bad(`at most ${MAX_RECURSIVE_DESCENTS} recursive descent (..) per path`);
  for (const seg of segments)
    if (/^\??\(/.test(seg) && /[\w$\])]\s*\(/.test(seg.replace(/^\??\(/, '')))
      throw bad('filters and scripts may compare values but not call functions');
}
