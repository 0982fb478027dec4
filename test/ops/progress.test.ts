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
  r.traffic(Math.round(expected * 0.05)); // +5 %, 1 s later: not yet
  t += 1000;
  r.traffic(Math.round(expected * 0.06));
  t += 1500; // 2.5 s since the last report: reported although under 10 %
  r.traffic(Math.round(expected * 0.08));
  r.traffic(Math.round(expected * 0.3)); // +22 %: at once
  r.traffic(Math.round(expected * 5)); // past the estimate: capped
  r.done(Math.round(expected * 5));
  assert.deepEqual(
    seen.map((p) => p.fraction),
    [0, 0.08, 0.3, 0.99, 1],
  );
  assert.ok(seen.every((p) => p.expectedBytes === expected));
});

test('the expected total is the cost model fitted on the MPC matrix: within 1 % of every measured session', async () => {
  const { readFile } = await import('node:fs/promises');
  const matrix = JSON.parse(
    await readFile(new URL('../../bench/results/tlsn-matrix.json', import.meta.url), 'utf8'),
  ) as {
    cells: {
      ok: boolean;
      network: 'Bandwidth' | 'Latency';
      maxSentBytes: number;
      maxRecvBytes: number;
      relayedProverToVerifier: number;
      relayedVerifierToProver: number;
    }[];
  };
  const cells = matrix.cells.filter((c) => c.ok);
  assert.ok(cells.length >= 8, 'both modes, four cells each');
  for (const c of cells) {
    const measured = c.relayedProverToVerifier + c.relayedVerifierToProver;
    const limits = { maxSentBytes: c.maxSentBytes, maxRecvBytes: c.maxRecvBytes };
    // the proxy's TLS bytes ride on top of the relay's, at most the limits
    const relayModel = expectedSessionBytes(limits, c.network) - c.maxSentBytes - c.maxRecvBytes;
    const error = Math.abs(relayModel - measured) / measured;
    assert.ok(
      error < 0.01,
      `${c.network} ${c.maxSentBytes}×${c.maxRecvBytes}: model ${relayModel}, measured ${measured}`,
    );
  }
  // the sent limit dominates: 1 KB more to send costs ≈ 13.7 MB, 1 KB more to receive ≈ 0.06 MB
  const at = (s: number, r: number) => expectedSessionBytes({ maxSentBytes: s, maxRecvBytes: r });
  assert.ok(at(2048, 1024) - at(1024, 1024) > 100 * (at(1024, 2048) - at(1024, 1024)));
});
