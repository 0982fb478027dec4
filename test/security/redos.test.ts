// Attacks on "untrusted input costs linear time": a consumer's catastrophic regex (`^(a+)+$` on 64 KB) in the
// extraction rule, in the result schema's `pattern`/`patternProperties`, and smuggled into a JSONPath filter as a
// `.match()`; rules RE2 cannot run, and broken JSONPaths, are refused at spec validation, naming the field.
//
// No timing threshold: on the JS engine each of these never returns (2^65536 paths), so finishing at all, with the
// right answer, is the assertion.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { extractValue } from '../../core/extract.ts';
import { compileResultSchema, validateSpec } from '../../schemas/validate.ts';

const EVIL = '^(a+)+$';
const A64K = 'a'.repeat(65_536 - 16);
const enc = (s: string) => new TextEncoder().encode(s);
const spec = (over: Record<string, unknown>) => ({
  url: 'https://api.veritas.test/v1/x',
  extract: { jsonPath: '$.v' },
  quorum: 1,
  deadline: 2_000_000_000,
  ...over,
});

test('attack: ^(a+)+$ against 64 KB in the extraction regex finishes with the right answer', () => {
  // Almost all a's and one b at the end: no match (the JS engine backtracks forever here).
  assert.throws(
    () => extractValue({ regex: EVIL, group: 1, flags: '' }, enc(`${A64K}b`)),
    (e: unknown) => isVeritasError(e, 'EXTRACTION_FAILED') && /did not match/.test(e.message),
  );
  assert.equal(extractValue({ regex: EVIL, group: 1, flags: '' }, enc(A64K)), A64K);
  assert.equal(extractValue({ regex: '(?i)^(A+)+$', group: 1, flags: '' }, enc('aaa')), 'aaa');
  assert.equal(extractValue({ regex: '"p":(?<v>[0-9.]+)', group: 'v', flags: '' }, enc('{"p":12.5}')), '12.5');
});

test('attack: ^(a+)+$ in resultSchema pattern and patternProperties finishes with the right answer', () => {
  const check = compileResultSchema({ type: 'string', pattern: EVIL });
  check(A64K);
  assert.throws(
    () => check(`${A64K}b`),
    (e: unknown) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  );
  const props = compileResultSchema({ type: 'object', patternProperties: { [EVIL]: { type: 'number' } } });
  props({ [A64K]: 1 });
  assert.throws(
    () => props({ [A64K]: 'x' }),
    (e: unknown) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  );
  props({ [`${A64K}b`]: 'not matched, not checked' });
});

test('attack: a .match() inside a JSONPath filter is refused at validation and at extraction', () => {
  const path = `$.rows[?(@.name.match(/${EVIL}/))]`;
  assert.throws(
    () => validateSpec(spec({ extract: { jsonPath: path } })),
    (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'extract.jsonPath',
  );
  assert.throws(
    () => extractValue({ jsonPath: path }, enc(JSON.stringify({ rows: [{ name: `${'a'.repeat(60_000)}b` }] }))),
    (e: unknown) => isVeritasError(e, 'EXTRACTION_FAILED') && e.field === 'extract.jsonPath',
  );
  // Comparisons stay allowed.
  assert.deepEqual(extractValue({ jsonPath: '$.rows[?(@.n > 1)].n' }, enc('{"rows":[{"n":1},{"n":2}]}')), [2]);
});

test('nesting and recursive descent are bounded', () => {
  const deep = `${'['.repeat(100)}1${']'.repeat(100)}`;
  assert.throws(
    () => extractValue({ jsonPath: '$..*' }, enc(deep)),
    (e: unknown) => isVeritasError(e, 'EXTRACTION_FAILED') && /deeper/.test(e.message),
  );
  assert.throws(
    () => validateSpec(spec({ extract: { jsonPath: '$..a..b' } })),
    (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'extract.jsonPath',
  );
  assert.throws(
    () => extractValue({ jsonPath: '$.v' }, new Uint8Array(65_537)),
    (e: unknown) => isVeritasError(e, 'EXTRACTION_FAILED') && e.field === 'body',
  );
});

test('a regex RE2 cannot run, or a broken JSONPath, is refused at submission naming the field', () => {
  for (const regex of ['(a)\\1', '(?=a)b', '(?<!a)b', '('])
    assert.throws(
      () => validateSpec(spec({ extract: { regex } })),
      (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'extract.regex',
      regex,
    );
  for (const jsonPath of ['$.[', '$[', '$.a['])
    assert.throws(
      () => validateSpec(spec({ extract: { jsonPath } })),
      (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === 'extract.jsonPath',
      jsonPath,
    );
  assert.throws(
    () => validateSpec(spec({ resultSchema: { type: 'string', pattern: '(a)\\1' } })),
    (e: unknown) => isVeritasError(e, 'SCHEMA_INVALID') && e.field === 'resultSchema',
  );
  assert.deepEqual(validateSpec(spec({ extract: { regex: EVIL } })).extract, { regex: EVIL, group: 1, flags: '' });
});
