// Aggregation policies: median with k·MAD outliers (and MAD = 0), mode with minAgreement, exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, median, mode, exact } from '../../core/aggregation/policies.ts';

const p = (i: number) => `0x${String(i).padStart(40, '0')}` as `0x${string}`;
const nums = (...xs: number[]) => xs.map((value, i) => ({ prover: p(i + 1), value }));

test('median excludes and lists an outlier beyond k·MAD and reports the inliers’ lower median', () => {
  const r = median(nums(100.1, 100.3, 99.9, 100.2, 250), 3, 2, 3);
  assert.equal(r.ok, true);
  // Element ⌊(4−1)/2⌋ of 99.9, 100.1, 100.2, 100.3: an attested value, never the average 100.15.
  assert.equal(r.ok && r.value, 100.1);
  assert.deepEqual(r.included, [p(1), p(2), p(3), p(4)]);
  assert.equal(r.excluded.length, 1);
  assert.equal(r.excluded[0]!.prover, p(5));
  assert.equal(r.excluded[0]!.code, 'OUTLIER');
  assert.match(r.excluded[0]!.reason, /MAD/);
});

test('median with MAD = 0: a value one unit of precision away is kept, a farther one is an outlier', () => {
  const r = median(nums(10, 10, 10, 10.01, 10.5), 3, 2, 3);
  assert.deepEqual(r.included, [p(1), p(2), p(3), p(4)]);
  assert.deepEqual(
    r.excluded.map((e) => e.prover),
    [p(5)],
  );
  assert.equal(r.ok && r.value, 10);
  // without a declared precision only float noise is tolerated
  const q = median(nums(1, 1, 1, 1.000001), 3, undefined, 3);
  assert.deepEqual(
    q.excluded.map((e) => e.prover),
    [p(4)],
  );
});

test('median fails when fewer inliers than needed remain', () => {
  const r = median(nums(1, 1, 1000), 3, 0, 3);
  assert.equal(r.ok, false);
  assert.deepEqual(
    r.excluded.map((e) => e.prover),
    [p(3)],
  );
});

test('median of arrays is element-wise; an outlier source is excluded as a whole', () => {
  const r = aggregate(
    [
      { prover: p(1), value: [1, 10] },
      { prover: p(2), value: [1.1, 10.2] },
      { prover: p(3), value: [0.9, 99] },
      { prover: p(4), value: [1, 10.1] },
    ],
    {
      policy: { policy: 'median', madK: 3, band: 0 },
      value: { type: 'number', precision: 2 },
      records: 'array',
      needed: 3,
    },
  );
  assert.equal(r.ok, true);
  assert.deepEqual(r.ok && r.value, [1, 10.1]);
  assert.deepEqual(
    r.excluded.map((e) => e.prover),
    [p(3)],
  );
});

test('mode needs minAgreement; a tie is no agreement; dissenters are listed', () => {
  const ok = mode(
    [
      { prover: p(1), value: { a: 1, b: 2 } },
      { prover: p(2), value: { b: 2, a: 1 } },
      { prover: p(3), value: 'x' },
    ],
    2,
    2,
  );
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.ok && ok.value, { a: 1, b: 2 });
  assert.deepEqual(
    ok.excluded.map((e) => [e.prover, e.code]),
    [[p(3), 'DISSENT']],
  );
  const weak = mode(
    [
      { prover: p(1), value: 'a' },
      { prover: p(2), value: 'b' },
      { prover: p(3), value: 'a' },
    ],
    3,
    3,
  );
  assert.equal(weak.ok, false);
  assert.match(!weak.ok ? weak.reason : '', /minAgreement is 3/);
  const tie = mode(
    [
      { prover: p(1), value: 'a' },
      { prover: p(2), value: 'b' },
    ],
    1,
    1,
  );
  assert.equal(tie.ok, false);
});

test('exact needs quorum equal answers; a dissenter is listed, not blocking', () => {
  assert.equal(
    exact(
      [
        { prover: p(1), value: [1, 2] },
        { prover: p(2), value: [1, 2] },
      ],
      2,
    ).ok,
    true,
  );
  const r = exact(
    [
      { prover: p(1), value: 1 },
      { prover: p(2), value: 1 },
      { prover: p(3), value: 2 },
    ],
    2,
  );
  assert.equal(r.ok, true);
  assert.deepEqual(r.included, [p(1), p(2)]);
  assert.deepEqual(
    r.excluded.map((e) => [e.prover, e.code]),
    [[p(3), 'DISSENT']],
  );
  const short = exact(nums(1, 2), 2);
  assert.equal(short.ok, false);
  assert.match(!short.ok ? short.reason : '', /exact/);
});

test('median: the band keeps honest jitter in when three answers have a tiny MAD', () => {
  // devs from the median 100.31: 0.01, 0, 0.39 → MAD 0.01, so k·MAD alone (0.03) would reject an honest 100.70.
  const jittered = nums(100.3, 100.31, 100.7);
  assert.equal(median(jittered, 3, 2, 3).ok, false);
  const banded = median(jittered, 3, 2, 3, 0.01);
  assert.equal(banded.ok, true);
  assert.equal(banded.ok && banded.value, 100.31);
  // …while a value 2 % away is still an outlier.
  const far = median(nums(100.3, 100.31, 102.4), 3, 2, 2, 0.01);
  assert.deepEqual(
    far.excluded.map((e) => e.code),
    ['OUTLIER'],
  );
});
