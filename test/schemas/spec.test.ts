import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSpec, compileResultSchema, resultValidatorFor } from '../../schemas/validate.ts';
import { isVeritasError, type ErrorCode } from '../../core/errors.ts';

const base = {
  url: 'https://api.veritas.test/v1/price',
  extract: { jsonPath: '$.price' },
  resultSchema: { type: 'number' },
  value: { type: 'number', precision: 2 },
  aggregation: { policy: 'median' },
  quorum: 3,
  deadline: 1_900_000_000,
};

test('a valid spec gets its defaults', () => {
  const spec = validateSpec(base);
  assert.equal(spec.method, 'GET');
  assert.deepEqual(spec.headers, []);
  assert.deepEqual(spec.aggregation, { policy: 'median', madK: 3, band: 0.01 });
  assert.equal(spec.maxResponseBytes, 4096);
  assert.equal(spec.records, 'single');
});

test('a secret header carries a reference, never a value', () => {
  const spec = validateSpec({ ...base, headers: [{ name: 'Authorization', secret: true, ref: 'fixture-token' }] });
  assert.deepEqual(spec.headers[0], { name: 'Authorization', secret: true, ref: 'fixture-token', maxLength: 64 });
  assertRejects(
    { ...base, headers: [{ name: 'Authorization', secret: true, ref: 'x', value: 'Bearer leak' }] },
    'INPUT_INVALID',
    'headers[0]',
  );
});

const cases: [string, Record<string, unknown>, ErrorCode, string, RegExp?][] = [
  ['plain http', { url: 'http://api.veritas.test/' }, 'INPUT_INVALID', 'url', /https/],
  ['credentials in the URL', { url: 'https://u:p@api.veritas.test/' }, 'INPUT_INVALID', 'url', /credentials/],
  ['a missing extraction rule', { extract: undefined }, 'INPUT_INVALID', 'extract'],
  ['a JSONPath not starting with $', { extract: { jsonPath: 'price' } }, 'INPUT_INVALID', 'extract.jsonPath'],
  ['a regex that does not compile', { extract: { regex: '(' } }, 'INPUT_INVALID', 'extract.regex'],
  ['an unknown regex flag', { extract: { regex: 'a', flags: 'g' } }, 'INPUT_INVALID', 'extract.flags'],
  ['header injection', { headers: [{ name: 'X-A', value: 'a\r\nX-B: b' }] }, 'INPUT_INVALID', 'headers[0].value'],
  ['a Host header', { headers: [{ name: 'Host', value: 'evil' }] }, 'INPUT_INVALID', 'headers[0].name'],
  [
    'duplicate headers',
    {
      headers: [
        { name: 'A', value: '1' },
        { name: 'a', value: '2' },
      ],
    },
    'INPUT_INVALID',
    'headers[1].name',
  ],
  ['a GET with a body', { body: 'x' }, 'INPUT_INVALID', 'body'],
  ['quorum 0', { quorum: 0 }, 'INPUT_INVALID', 'quorum'],
  ['an oversize response limit', { maxResponseBytes: 10_000_000 }, 'INPUT_INVALID', 'maxResponseBytes'],
  ['median over strings', { value: { type: 'string' } }, 'INPUT_INVALID', 'aggregation.policy'],
  [
    'mode agreement above quorum',
    { aggregation: { policy: 'mode', minAgreement: 4 }, value: { type: 'json' } },
    'INPUT_INVALID',
    'aggregation.minAgreement',
  ],
  ['an unknown policy', { aggregation: { policy: 'mean' } }, 'INPUT_INVALID', 'aggregation.policy'],
  ['an unknown field', { extra: 1 }, 'INPUT_INVALID', '$', /extra/],
  [
    'a result schema that is not JSON Schema',
    { resultSchema: { type: 'nope' } },
    'SCHEMA_INVALID',
    'resultSchema.type',
  ],
];
for (const [name, patch, code, field, message] of cases) {
  test(`rejects ${name}, naming ${field}`, () => assertRejects({ ...base, ...patch }, code, field, message));
}

function assertRejects(input: unknown, code: ErrorCode, field: string, message?: RegExp) {
  assert.throws(
    () => validateSpec(input),
    (e) => {
      assert.ok(isVeritasError(e, code), `expected ${code}, got ${String(e)}`);
      assert.equal(e.field, field, e.message);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}

test('a compiled result schema names where the value fails', () => {
  const check = compileResultSchema({
    type: 'object',
    properties: { rows: { type: 'array', items: { type: 'integer' } } },
  });
  check({ rows: [1, 2] });
  assert.throws(
    () => check({ rows: [1, 'two'] }),
    (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH') && e.field === 'rows[1]',
  );
});

test('attack: cached result validators never mix schemas up, and a bad schema is refused every time', () => {
  const schemaOf = (max: number) => ({ type: 'number', maximum: max });
  const refuses = (check: (v: unknown) => void, value: unknown) =>
    assert.throws(
      () => check(value),
      (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
    );
  // the same schema text (another object) is one compiled validator; another schema is another
  assert.equal(resultValidatorFor(schemaOf(10)), resultValidatorFor(schemaOf(10)));
  assert.notEqual(resultValidatorFor(schemaOf(10)), resultValidatorFor(schemaOf(11)));
  // each still checks exactly its own schema, also after hundreds of others pushed it out of the cache
  for (let max = 0; max < 300; max++) {
    const check = resultValidatorFor(schemaOf(max));
    check(max);
    refuses(check, max + 1);
  }
  for (const max of [0, 150, 299]) {
    resultValidatorFor(schemaOf(max))(max);
    refuses(resultValidatorFor(schemaOf(max)), max + 1);
  }
  // key order is part of the text: an equivalent schema spelled otherwise is compiled on its own, with the same rules
  refuses(resultValidatorFor({ maximum: 3, type: 'number' }), 4);
  for (let i = 0; i < 2; i++)
    assert.throws(
      () => resultValidatorFor({ type: 'no-such-type' }),
      (e) => isVeritasError(e, 'SCHEMA_INVALID'),
    );
});
