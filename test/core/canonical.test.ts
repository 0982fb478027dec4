import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keccak256, toBytes } from 'viem';
import { canonicalJson, hashJson } from '../../core/canonical.ts';
import { isVeritasError } from '../../core/errors.ts';

test('RFC 8785: keys sorted by UTF-16 code units, no whitespace, ES number formatting', () => {
  // Examples from RFC 8785 §3.2.2 / Appendix.
  assert.equal(canonicalJson({ b: 1, a: [true, null, 'x'] }), '{"a":[true,null,"x"],"b":1}');
  assert.equal(
    canonicalJson({ numbers: [Number('333333333.33333329'), 1e30, 4.5, 0.002, 1e-27] }),
    '{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}',
  );
  assert.equal(canonicalJson({ '\u20ac': 1, '\r': 2, '1': 3 }), '{"\\r":2,"1":3,"€":1}');
});

test('key order and whitespace never change the hash', () => {
  assert.equal(hashJson({ x: 1, y: { b: 2, a: 1 } }), hashJson(JSON.parse('{ "y": {"a":1, "b":2}, "x": 1 }')));
  assert.equal(hashJson({ v: 1 }), keccak256(toBytes('{"v":1}')));
});

test('values JSON cannot represent are refused with their path, not silently dropped', () => {
  for (const [value, field] of [
    [{ a: undefined }, '$.a'],
    [{ a: [1, Number.NaN] }, '$.a[1]'],
    [{ a: Infinity }, '$.a'],
    [{ d: new Date(0) }, '$.d'],
    [() => 1, '$'],
  ] as const) {
    assert.throws(
      () => canonicalJson(value),
      (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === field,
    );
  }
});
