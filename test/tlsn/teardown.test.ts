// Session lifecycle without a full MPC run: readiness, stage timeouts, teardown of the party process, the cap.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { createLimiter } from '../../operator/tlsn/limiter.ts';
import { relayUrl, startRelay, type RoomStats, type StandaloneRelay } from '../../operator/tlsn/relay.ts';
import { prove, verify, type VerifierStage } from '../../operator/tlsn/session.ts';

const limits = { maxSentBytes: 512, maxRecvBytes: 1024 };

describe('session lifecycle', () => {
  let relay: StandaloneRelay;
  const closedRooms = new Map<string, (s: RoomStats) => void>();
  before(async () => {
    relay = await startRelay({ onRoomClosed: (s) => closedRooms.get(s.room)?.(s) });
  });
  after(() => relay.close());

  test('a verifier whose prover never comes is ready first, then times out, and its process is gone', async () => {
    const stages: VerifierStage[] = [];
    let readyAt = 0;
    const roomClosed = new Promise<RoomStats>((resolve) => closedRooms.set('lonely', resolve));
    await assert.rejects(
      verify({
        // Only the wait for the prover is short; loading the wasm may take long on a busy machine.
        limits,
        relayUrl: relayUrl(relay.url, 'lonely', 'verifier'),
        timeoutMs: 120_000,
        stageTimeoutsMs: { connected: 1000 },
        onReady: () => (readyAt = Date.now()),
        onProgress: (stage) => stages.push(stage),
      }),
      (e) => isVeritasError(e, 'TIMEOUT') && /after stage "connected"/.test(e.message),
    );
    assert.deepEqual(stages, ['initialized', 'connected']);
    assert.ok(readyAt > 0);
    // The killed party's socket drops, so the relay closes the room: nothing is left behind.
    assert.ok((await roomClosed).closedAt);
  });

  test('a prover that cannot reach its relay fails with a typed error', async () => {
    const dead = await startRelay();
    const url = relayUrl(dead.url, 'r', 'prover');
    await dead.close();
    await assert.rejects(
      prove({
        serverName: 'api.veritas.test',
        request: { method: 'GET', path: '/', headers: [] },
        limits,
        relayUrl: url,
        proxyUrl: 'ws://127.0.0.1:9/proxy?target=api.veritas.test%3A443',
        timeoutMs: 120_000,
      }),
      (e) => isVeritasError(e, 'PEER_DISCONNECTED') && /cannot connect to the relay/.test(e.message),
    );
  });

  test('the concurrency cap queues sessions, and a queued session times out without starting a process', async () => {
    const limiter = createLimiter(1);
    const release = await limiter.acquire();
    const stages: string[] = [];
    await assert.rejects(
      verify({
        limits,
        relayUrl: relayUrl(relay.url, 'queued', 'verifier'),
        timeoutMs: 50,
        limiter,
        onProgress: (s) => stages.push(s),
      }),
      (e) => isVeritasError(e, 'TIMEOUT') && /slot/.test(e.message),
    );
    assert.deepEqual(stages, []);
    assert.equal(relay.stats('queued'), undefined);
    release();
  });
});
