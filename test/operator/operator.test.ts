// Operator on a real devnet: anvil + contracts, PGlite, loopback Helia nodes, the fixture site under the devnet
// trust anchor and real MPC-TLS sessions between operators (prover ↔ notary). Sessions are the expensive part
// (~12 s each on CI), so one devnet serves every test and only three sessions run in all.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { and, eq } from 'drizzle-orm';
import { keccak256, parseEther, toBytes, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { pino } from 'pino';
import { startDevnet, FIXTURE_HOST, FIXTURE_SECRET_REF, type Devnet } from '../../cli/devnet.ts';
import { connectChain } from '../../core/chain/clients.ts';
import { assignWhenDue, getOracleHub, requestData, requestParamsOf } from '../../core/chain/contracts.ts';
import { recoverAttestationSigner } from '../../core/chain/attestation.ts';
import { hashJson } from '../../core/canonical.ts';
import { operatorJobs, requestEvents } from '../../core/db/schema.ts';
import { validateDocument, validateSpec } from '../../schemas/validate.ts';
import { attestationDomain } from '../../schemas/attestation.ts';
import { decodeTranscript } from '../../schemas/transcript.ts';
import { transcriptHash } from '../../core/transcript-hash.ts';
import { signHello } from '../../operator/protocol.ts';
import type { RequestSpecInput } from '../../schemas/spec.ts';
import type { StageEvent } from '../../operator/index.ts';

let devnet: Devnet;
let dataDir: string;
const log = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-operator-'));
  devnet = await startDevnet({ dataDir, log, operators: 2, sessionTimeoutMs: 180_000 });
});
after(async () => {
  await devnet?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const consumer = () => connectChain(devnet.rpcUrl, devnet.keys.at(-1)!, { chainId: devnet.chainId });
const hub = () => getOracleHub(devnet.deployment.hub, devnet.deployer);

/** Pins a spec the way the API does (canonical JSON; specHash = keccak256 of those bytes) and requests it. */
async function submit(input: Omit<RequestSpecInput, 'deadline' | 'quorum'>, opts: { specHash?: Hex } = {}) {
  const spec = validateSpec({ quorum: 1, deadline: Math.floor(Date.now() / 1000) + 900, ...input });
  const specCid = await devnet.ipfs.addJson(spec);
  const result = await requestData(await consumer(), devnet.deployment.hub, {
    specHash: opts.specHash ?? hashJson(spec),
    specCid,
    params: requestParamsOf(spec),
    fee: parseEther('0.01'),
  });
  // hub v2: the committee is drawn by `assign` once the randomness block is mined (the aggregator may be first)
  const committee = await assignWhenDue(await consumer(), devnet.deployment.hub, result.requestId);
  return {
    spec,
    specCid,
    requestId: result.requestId as Hex,
    prover: committee.provers[0]!.toLowerCase() as Hex,
    notary: committee.notaries[0]!.toLowerCase() as Hex,
  };
}

/** Resolves with the first stage event for `requestId` matching `stages` (any operator instance, even restarted). */
function stageOf(requestId: Hex, stages: readonly StageEvent['stage'][]): Promise<StageEvent> {
  return new Promise((resolve) => {
    const listeners: (() => void)[] = [];
    const watch = () => {
      for (const op of devnet.operators) {
        const on = (e: StageEvent) => {
          if (e.requestId !== requestId || !stages.includes(e.stage)) return;
          for (const off of listeners) off();
          resolve(e);
        };
        op.events.on('stage', on);
        listeners.push(() => op.events.off('stage', on));
      }
    };
    watch();
  });
}

const privateSpec = {
  url: `https://${FIXTURE_HOST}/v1/private`,
  headers: [{ name: 'Authorization', secret: true as const, ref: FIXTURE_SECRET_REF }],
  extract: { jsonPath: '$.balance' },
  resultSchema: { type: 'number' },
  value: { type: 'number' as const, precision: 2 },
  maxResponseBytes: 2048,
};

describe('operator', () => {
  let answered: Awaited<ReturnType<typeof submit>>;
  let bundleCid: string;

  test('bad specs end as recorded failures, not crashes, and the operator goes on', async () => {
    const mismatch = await submit({ ...privateSpec }, { specHash: keccak256(toBytes('not the spec')) });
    // Listen before the next submission: with hub v2 it waits for its assignment (blocks), long enough for this
    // request's failure to be emitted, and missed, before a later listener exists.
    const mismatchFailed = stageOf(mismatch.requestId, ['failed']);
    // No secret header: a secret bound to the fixture host would be refused (INPUT_INVALID) before the SSRF check.
    const ssrf = await submit({ ...privateSpec, headers: [], url: 'https://10.0.0.1/v1/private' });
    const failures = await Promise.all([mismatchFailed, stageOf(ssrf.requestId, ['failed'])]);
    assert.equal(failures[0].detail?.code, 'SPEC_HASH_MISMATCH');
    assert.equal(failures[1].detail?.code, 'SSRF_REFUSED');
    const rows = await devnet.database.db.select().from(operatorJobs).where(eq(operatorJobs.requestId, ssrf.requestId));
    assert.equal(rows[0]?.state, 'failed');
    assert.equal(rows[0]?.lastErrorCode, 'SSRF_REFUSED');
    assert.match(rows[0]?.lastError ?? '', /10\.0\.0\.1/);
  });

  test('a quorum-1 request is answered on-chain with a pinned, valid, attested bundle', async () => {
    answered = await submit(privateSpec);
    const done = await stageOf(answered.requestId, ['responded', 'failed']);
    assert.equal(done.stage, 'responded', JSON.stringify(done.detail));
    bundleCid = String(done.detail?.bundleCid);

    const onChain = await hub().read.responses([answered.requestId]);
    assert.equal(onChain.length, 1);
    assert.equal(onChain[0]!.prover.toLowerCase(), answered.prover);
    assert.equal(onChain[0]!.bundleCid, bundleCid);

    // Retrieved through the gateway node, i.e. from the operator's node over bitswap, and validated as untrusted.
    const bundle = validateDocument(
      'provenance-bundle',
      await devnet.ipfs.getJson(bundleCid, { timeoutMs: 30_000 }),
      'BUNDLE_INVALID',
    );
    assert.equal(bundle.trust, 'devnet');
    assert.equal(bundle.serverName, FIXTURE_HOST);
    assert.equal(bundle.value, 1234.56);
    const signer = await recoverAttestationSigner(
      attestationDomain(devnet.chainId, devnet.deployment.hub),
      bundle.attestation,
      bundle.notarySignature as Hex,
    );
    assert.equal(signer.toLowerCase(), answered.notary);
    assert.notEqual(answered.notary, answered.prover);
    const t = decodeTranscript(bundle.transcript);
    assert.equal(bundle.attestation.recvHash, transcriptHash(t.recv, t.recvRanges));
    assert.equal(bundle.attestation.sentHash, transcriptHash(t.sent, t.sentRanges));
    assert.match(
      Buffer.from(t.sent).toString('latin1'),
      /^GET https:\/\/api\.veritas\.test\/v1\/private HTTP\/1\.1\r\n/,
    );
    assert.match(
      Buffer.from(t.sent).toString('latin1'),
      /authorization: \0{64}\r\n/i,
      'the header name is revealed, its value (padded to its 64-byte slot) zeroed',
    );
  });

  test('the operator serves /healthz, /readyz and metrics beside its notary port, with the session histogram', async () => {
    const op = devnet.operators[0]!;
    assert.equal((await fetch(`${op.healthUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${op.healthUrl}/readyz`)).status, 200);
    const text = await (await fetch(`${op.healthUrl}/metrics`)).text();
    // the session of the test above (the devnet's operators share one process, hence one registry)
    const count = /^veritas_mpc_session_duration_seconds_count\{outcome="ok"\} (\d+)$/m.exec(text);
    assert.ok(count && Number(count[1]) > 0, text.slice(0, 2000));
    assert.match(text, /^veritas_relay_bytes_total\{from="prover"\} [1-9]/m);
    assert.match(text, /^veritas_mpc_sessions_total\{stage="responded",outcome="ok"\} [1-9]/m);
  });
  test('the Authorization secret appears in no pinned or stored byte', async () => {
    const token = Buffer.from(devnet.fixtureToken);
    const files = await listFiles(dataDir);
    assert.ok(
      files.some((f) => f.includes(`${path.sep}ipfs${path.sep}`)),
      'the IPFS blockstores were scanned',
    );
    for (const file of files) {
      if (file.includes(`${path.sep}db${path.sep}`)) continue; // PGlite pages: checked through SQL below, where they are readable
      const bytes = await readFile(file);
      assert.equal(bytes.indexOf(token), -1, `secret found in ${file}`);
      for (let shift = 0; shift < 3; shift++) {
        // base64 at any alignment (the bundle carries transcripts in base64)
        const b64 = Buffer.from(`Bearer ${devnet.fixtureToken}`).subarray(shift).toString('base64').slice(4, -4);
        assert.equal(bytes.indexOf(Buffer.from(b64)), -1, `base64 secret found in ${file}`);
      }
    }
  });

  test('the database holds no trace of the secret either', async () => {
    const tables = [operatorJobs, requestEvents];
    for (const table of tables) {
      const rows = await devnet.database.db.select().from(table);
      assert.ok(rows.length > 0);
      assert.ok(!JSON.stringify(rows).includes(devnet.fixtureToken));
    }
  });

  test('the notary refuses a prover not assigned to it, and a hello with a bad signature', async () => {
    const notaryOp = devnet.operators.find((o) => o.address === answered.notary)!;
    const stranger = privateKeyToAccount(devnet.keys.at(-1)!); // the consumer: not an assigned prover
    const base = {
      chainId: devnet.chainId,
      hub: devnet.deployment.hub.toLowerCase() as Hex,
      requestId: answered.requestId,
      notary: answered.notary,
      issuedAt: Math.floor(Date.now() / 1000),
    };

    const notAssigned = await signHello(stranger, {
      ...base,
      prover: stranger.address.toLowerCase() as Hex,
      nonce: 'a'.repeat(32),
    });
    assert.deepEqual(pick(await helloAnswer(notaryOp.notaryUrl, notAssigned)), { type: 'error', code: 'NOT_ASSIGNED' });

    const forged = await signHello(stranger, { ...base, prover: answered.prover, nonce: 'b'.repeat(32) });
    const answer = await helloAnswer(notaryOp.notaryUrl, forged);
    assert.deepEqual(pick(answer), { type: 'error', code: 'BAD_SIGNATURE' });
    assert.match(String(answer.message), /not by the prover/);
  });

  test('a restart mid-session neither loses nor double-answers the request', async () => {
    const req = await submit({
      ...privateSpec,
      extract: { jsonPath: '$.currency' },
      resultSchema: { type: 'string' },
      value: { type: 'string' },
    });
    const index = devnet.operators.findIndex((o) => o.address === req.prover);
    await stageOf(req.requestId, ['notary-connected']);
    const restarted = await devnet.restartOperator(index);
    const done = await stageOf(req.requestId, ['responded', 'failed']);
    assert.equal(done.stage, 'responded', JSON.stringify(done.detail));
    assert.equal(done.operator, restarted.address);
    const onChain = await hub().read.responses([req.requestId]);
    assert.equal(onChain.length, 1, 'exactly one response on-chain');
    const [job] = await devnet.database.db
      .select()
      .from(operatorJobs)
      .where(and(eq(operatorJobs.requestId, req.requestId), eq(operatorJobs.operator, req.prover)));
    assert.equal(job?.state, 'responded');
    assert.ok((job?.attempts ?? 0) >= 2, `the interrupted attempt was resumed (attempts ${job?.attempts})`);
  });
});

const pick = (m: Record<string, unknown>) => ({ type: m.type, code: m.code });

async function helloAnswer(notaryUrl: string, hello: unknown): Promise<Record<string, unknown>> {
  const ws = new WebSocket(`${notaryUrl}/session`);
  await once(ws, 'open');
  ws.send(JSON.stringify(hello));
  const [data] = (await once(ws, 'message')) as [Buffer];
  ws.close();
  return JSON.parse(data.toString()) as Record<string, unknown>;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
