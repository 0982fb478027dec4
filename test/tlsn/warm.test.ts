// Warm parties: preloaded party processes (wasm compiled, thread pool started) wait for the next session, never
// keep the host process alive, and end on closeWarmParties. No MPC here (the bench runs sessions on warm parties).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { closeWarmParties, warmParties } from '../../operator/tlsn/session.ts';

const parties = () =>
  execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes('party.ts') && l.includes('--preload'));

test('warmParties preloads the asked number of parties once; closeWarmParties ends them', async () => {
  const preload = { wasmPath: undefined, tuning: { threads: 1, warm: 2 } };
  await warmParties(preload);
  assert.equal(parties().length, 2);
  await warmParties(preload); // already full: starts nothing
  assert.equal(parties().length, 2);
  await closeWarmParties();
  assert.equal(parties().length, 0);
});
