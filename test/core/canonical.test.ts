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

// The fast serializer and WASM keccak must be byte-for-byte what `canonicalize` (RFC 8785) and viem give.
test('canonical JSON and its hash equal canonicalize + viem keccak256 on varied documents', async () => {
  const { default: canonicalize } = await import('canonicalize');
  const strings = ['', 'a', 'é', '€', '😀', '\u2028', '"\\\n\t\u0001', 'x'.repeat(20_000), '\ud83d\ude00', 'Ω≈ç√'];
  const numbers = [
    0,
    -0,
    1,
    -1,
    0.1,
    1e21,
    1e-7,
    123456789012345680000,
    2 ** 53,
    -(2 ** 31),
    5e-324,
    1.7976931348623157e308,
  ];
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const gen = (depth: number): unknown => {
    switch (rnd(depth > 3 ? 4 : 7)) {
      case 0:
        return strings[rnd(strings.length)];
      case 1:
        return numbers[rnd(numbers.length)];
      case 2:
        return rnd(2) === 0;
      case 3:
        return null;
      case 4:
        return Array.from({ length: rnd(5) }, () => gen(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = rnd(6); i > 0; i--) o[strings[rnd(strings.length)]! + String(rnd(30))] = gen(depth + 1);
        return o;
      }
    }
  };
  for (let i = 0; i < 2000; i++) {
    const v = gen(0);
    const text = canonicalize(v)!;
    assert.equal(canonicalJson(v), text);
    assert.equal(hashJson(v), keccak256(toBytes(text)));
  }
});

test('a lone surrogate and a circular value are refused as INPUT_INVALID naming the member', () => {
  assert.throws(
    () => canonicalJson({ a: ['ok', '\ud800'] }),
    (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === '$.a[1]',
  );
  const cyclic: Record<string, unknown> = { a: 1 };
  let inner = cyclic;
  for (let i = 0; i < 70; i++) {
    const next: Record<string, unknown> = {};
    inner.next = next;
    inner = next;
  }
  inner.loop = cyclic;
  assert.throws(
    () => canonicalJson(cyclic),
    (e) => isVeritasError(e, 'INPUT_INVALID'),
  );
});

test('keccak256 of long and multi-block inputs equals viem’s', async () => {
  const { keccakBytes, keccakUtf8 } = await import('../../core/canonical.ts');
  for (const n of [0, 1, 135, 136, 137, 16_383, 16_384, 16_385, 100_000]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
    assert.equal(keccakBytes(bytes), keccak256(bytes), `${n} bytes`);
    const text = 'é'.repeat(n);
    assert.equal(keccakUtf8(text), keccak256(toBytes(text)), `${n} two-byte chars`);
  }
});
