// MPC progress throttling: the heartbeat's byte counts become `mpc-progress` events at most every 10 % or 2 s, with
// rising fractions below 1 until the session ends, in the exact shape the request page renders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MpcProgress } from '../../core/operator-events.ts';
import { expectedSessionBytes, progressReporter } from '../../operator/progress.ts';

test('progress is reported every 10 % or 2 s, rising, capped below 1 until done', () => {
  const limits = { maxSentBytes: 1000, maxRecvBytes: 2048 };
  const expected = expectedSessionBytes(limits);
  let t = 0;
  const seen: MpcProgress[] = [];
  const r = progressReporter(
    limits,
    (p) => seen.push(MpcProgress.parse(p)),
    () => t,
  );
  r.traffic(0); // the first beat is reported
  r.traffic(expected * 0.05); // +5 %, 1 s later: not yet
  t += 1000;
  r.traffic(expected * 0.06);
  t += 1500; // 2.5 s since the last report: reported although under 10 %
  r.traffic(expected * 0.08);
  r.traffic(expected * 0.3); // +22 %: at once
  r.traffic(expected * 5); // past the estimate: capped
  r.done(expected * 5);
  assert.deepEqual(
    seen.map((p) => p.fraction),
    [0, 0.08, 0.3, 0.99, 1],
  );
  assert.ok(seen.every((p) => p.expectedBytes === expected));
});
