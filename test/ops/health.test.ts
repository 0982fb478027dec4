// Health and metrics endpoints: /readyz answers 503 until the component is ready (API: database and chain answer;
// aggregator: its first complete pass; operator: every part started), /healthz is liveness, /metrics is Prometheus.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAggregator } from '../../aggregator/service.ts';
import { startAggregatorHealth } from '../../aggregator/health.ts';
import { createVeritasPublicClient } from '../../core/chain/clients.ts';
import { operatorHealth } from '../../operator/health.ts';
import { API_KEY, type Env, log, startEnv, withApi } from '../api/harness.ts';

let env: Env;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await env?.close();
});

test('API: /readyz is 503 while its chain does not answer, 200 once it does; /metrics has the latency histogram', async () => {
  const deps = env.deps();
  // a chain RPC where nothing listens: the API is up (healthz) but not ready
  const dead = {
    ...deps,
    chain: { ...deps.chain, publicClient: createVeritasPublicClient('http://127.0.0.1:1', 31337) },
  };
  await withApi(dead, async (api) => {
    assert.equal((await fetch(`${api.url}/healthz`)).status, 200);
    const res = await fetch(`${api.url}/readyz`);
    assert.equal(res.status, 503);
    const body = (await res.json()) as { checks: Record<string, string> };
    assert.equal(body.checks.database, 'ok');
    assert.notEqual(body.checks.chain, 'ok');
  });
  await withApi(deps, async (api) => {
    assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
    await fetch(`${api.url}/v1/requests`, { headers: { authorization: `Bearer ${API_KEY}` } });
    const text = await (await fetch(`${api.url}/metrics`)).text();
    assert.match(
      text,
      /^veritas_api_request_duration_seconds_count\{method="GET",route="\/v1\/requests",status="200"\} [1-9]/m,
    );
  });
});

test('aggregator: /readyz is 503 until its first complete pass, then 200; the backlog gauge is exported', async () => {
  const health = await startAggregatorHealth({
    host: '127.0.0.1',
    port: 0,
    db: env.db.db,
    publicClient: env.v.chain.publicClient,
  });
  try {
    assert.equal((await fetch(`${health.server.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${health.server.url}/readyz`)).status, 503);
    let passed!: () => void;
    const firstPass = new Promise<void>((resolve) => {
      passed = resolve;
    });
    const aggregator = startAggregator({
      db: env.db.db,
      ipfs: env.ipfs,
      publicClient: env.v.chain.publicClient,
      walletClient: env.v.aggregator,
      hub: env.v.hub,
      fromBlock: 0n,
      policy: { acceptDevnetProofs: true },
      log,
      onPass: () => {
        health.onPass();
        passed();
      },
    });
    try {
      await firstPass;
      assert.equal((await fetch(`${health.server.url}/readyz`)).status, 200);
      assert.match(await (await fetch(`${health.server.url}/metrics`)).text(), /^veritas_aggregator_backlog \d+$/m);
    } finally {
      await aggregator.stop();
    }
  } finally {
    await health.server.close();
  }
});

test('operator: /readyz is 503 until every part has started, other paths fall through to the notary', async () => {
  const health = operatorHealth({
    db: env.db.db,
    publicClient: env.v.chain.publicClient,
    address: env.v.operators[0]!.account.address,
  });
  const server = http.createServer((req, res) => {
    if (!health.handle(req, res)) res.writeHead(426).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 503);
    health.markReady();
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal((await fetch(`${url}/session`)).status, 426);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
