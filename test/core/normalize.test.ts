// Normalization per declared value type: numbers (half-to-even on the decimal text), timestamps, strings, JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeAnswer, normalizeValue, roundHalfEven } from '../../core/aggregation/normalize.ts';
import { isVeritasError } from '../../core/errors.ts';

test('numbers round half to even on their decimal text, to the declared precision', () => {
  const n = (v: unknown, precision?: number) => normalizeValue(v, { type: 'number', precision });
  assert.equal(n(2.5, 0), 2);
  assert.equal(n(3.5, 0), 4);
  assert.equal(n(-2.5, 0), -2);
  assert.equal(n(2.675, 2), 2.68); // the double is 2.67499…; the decimal text is what is rounded
  assert.equal(n(2.665, 2), 2.66);
  assert.equal(n('1.005', 2), 1);
  assert.equal(n('1.0051', 2), 1.01);
  assert.equal(n('1e-7', 3), 0);
  assert.equal(n('-0.0004', 3), 0);
  assert.equal(n(' 42 '), 42);
  assert.equal(n(-0), 0);
  assert.equal(n(1234.5678), 1234.5678);
  assert.equal(n('12.3456e2', 1), 1234.6);
  assert.equal(roundHalfEven('0.125', 2), 0.12);
  assert.equal(roundHalfEven('0.135', 2), 0.14);
  assert.equal(roundHalfEven(1e21, 0), 1e21);
  for (const bad of ['abc', '', true, null, {}, '1.2.3'])
    assert.throws(
      () => n(bad, 2),
      (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH') && e.field === 'value.type',
    );
});

test('timestamps become UTC ISO-8601 from ISO strings with a zone or unix seconds / milliseconds', () => {
  const t = (v: unknown) => normalizeValue(v, { type: 'timestamp' });
  assert.equal(t('2024-03-01T12:00:00+02:00'), '2024-03-01T10:00:00.000Z');
  assert.equal(t('2024-03-01T12:00:00.123456Z'), '2024-03-01T12:00:00.123Z');
  assert.equal(t('2024-03-01 12:00:00-0130'), '2024-03-01T13:30:00.000Z');
  assert.equal(t(1709294400), '2024-03-01T12:00:00.000Z'); // seconds
  assert.equal(t('1709294400'), '2024-03-01T12:00:00.000Z');
  assert.equal(t(1709294400123), '2024-03-01T12:00:00.123Z'); // milliseconds
  assert.throws(
    () => t('2024-03-01T12:00:00'),
    (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  ); // no zone
  assert.throws(
    () => t('yesterday'),
    (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  );
});

test('strings are NFC-normalized and trimmed; numbers and booleans become their JSON text', () => {
  const s = (v: unknown) => normalizeValue(v, { type: 'string' });
  assert.equal(s('  Cafe\u0301 \n'), 'Caf\u00e9');
  assert.equal(s('\u00a0x\u2003'), 'x');
  assert.equal(s(12.5), '12.5');
  assert.equal(s(true), 'true');
  assert.throws(
    () => s({ a: 1 }),
    (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  );
});

test('json values are canonical: key order fixed, equal inputs normalize identically', () => {
  const j = (v: unknown) => JSON.stringify(normalizeValue(v, { type: 'json' }));
  assert.equal(j({ b: 1, a: [1, { d: 2, c: 1e2 }] }), '{"a":[1,{"c":100,"d":2}],"b":1}');
  assert.equal(j({ a: 1, b: 2 }), j({ b: 2, a: 1 }));
});

test('records "array" normalizes element-wise and refuses a non-array', () => {
  assert.deepEqual(normalizeAnswer(['1.25', 2.35], { type: 'number', precision: 1 }, 'array'), [1.2, 2.4]);
  assert.throws(
    () => normalizeAnswer(3, { type: 'number' }, 'array'),
    (e) => isVeritasError(e, 'RESULT_SCHEMA_MISMATCH'),
  );
});
