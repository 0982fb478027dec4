// Slow fault tests (`npm run faults`, not CI), on devnets with real MPC-TLS sessions: a Byzantine operator publishes a
// forged bundle (the aggregator rejects it and records why, the honest result is still fulfilled); a Byzantine
// prover sends a request its spec does not describe (its honest notary refuses to sign; what a colluding notary
// signs, the aggregator and `veritas verify` reject).
//
// The Byzantine operator is a test-only variant of the real one: the same `startOperator` code (an honest notary for
// others, a real prover with a real session and a genuine attestation), except that its IPFS node forges every
// provenance bundle it is asked to pin — the value is changed to 9999.99 and the bundle re-signed with the operator's
// key — before the operator responds on-chain with the attestation it genuinely got (the only one the hub accepts).
// This is why a variant is needed at all: nothing in the shipped operator can be told to lie. The quick suite
// (network.test.ts) covers forged transcripts and an equivocating notary without sessions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { pino } from 'pino';
import type { Address, Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { FIXTURE_HOST, fixtureSecrets, privateBalanceSpec, startDevnet, type Devnet } from '../../cli/devnet.ts';
import { normalizeAnswer } from '../../core/aggregation/normalize.ts';
import { hashJson } from '../../core/canonical.ts';
import type { VeritasError } from '../../core/errors.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import { requestStatusOf } from '../../core/verify/chain.ts';
import { verifyProvedRecord } from '../../core/verify/proved-record.ts';
import type { OperatorContext } from '../../operator/context.ts';
import { answerRequest, buildHttpRequest, type FetcherDeps } from '../../operator/fetcher.ts';
import { attest, attestationFields, startNotaryService } from '../../operator/notary.ts';
import { createFileStore } from '../../operator/store.ts';
import { createLimiter } from '../../operator/tlsn/limiter.ts';
import { startProxy } from '../../operator/tlsn/proxy.ts';
import type { ProveRequest } from '../../operator/tlsn/session.ts';
import type { DatasetRecord, ProvedRecord } from '../../schemas/record.ts';
import type { RequestSpec, RequestSpecInput } from '../../schemas/spec.ts';
import { validateSpec } from '../../schemas/validate.ts';
import { signBundle } from '../../core/bundle.ts';
import { connectChain } from '../../core/chain/clients.ts';
import { assignWhenDue, oracleHubAbi, sendContractCall } from '../../core/chain/contracts.ts';
import { responses } from '../../core/db/schema.ts';
import type { IpfsNode } from '../../core/ipfs.ts';
import { startOperator, type StageEvent } from '../../operator/index.ts';
import { startAggregator, type Aggregator } from '../../aggregator/service.ts';
import { secretStoreFrom, type SecretStore } from '../../operator/secrets.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';

const log = pino({ level: process.env.VERITAS_TEST_LOG ?? 'silent' });

/** A fresh aggregator on the devnet's database and IPFS node, judging what is on-chain (passes driven by `tick`). */
const honestAggregator = (devnet: Devnet): Aggregator =>
  startAggregator({
    db: devnet.database.db,
    ipfs: devnet.ipfs,
    publicClient: devnet.deployer.publicClient,
    walletClient: devnet.deployer.walletClient,
    hub: devnet.deployment.hub,
    fromBlock: devnet.deployment.deployBlock,
    policy: { acceptDevnetProofs: true },
    log,
    pollIntervalMs: 250,
  });

describe('a Byzantine operator pins a forged bundle', () => {
  let devnet: Devnet;
  let dataDir: string;
  let byzantine: Address;
  let aggregator: Aggregator | undefined;

  /** Resolves when `prover` has answered `requestId` on-chain (or throws when it gave up). */
  function responded(requestId: Hex, prover: Address): Promise<void> {
    return new Promise((resolve, reject) => {
      const offs: (() => void)[] = [];
      for (const op of devnet.operators) {
        const on = (e: StageEvent) => {
          if (e.requestId !== requestId || e.operator !== prover || (e.stage !== 'responded' && e.stage !== 'failed'))
            return;
          for (const off of offs) off();
          if (e.stage === 'responded') resolve();
          else reject(new Error(`prover ${prover} failed: ${JSON.stringify(e.detail)}`));
        };
        op.events.on('stage', on);
        offs.push(() => op.events.off('stage', on));
      }
    });
  }

  /** An IPFS node that pins forged bundles (value changed, prover signature redone) and everything else as is. */
  function forging(node: IpfsNode, key: Hex): IpfsNode {
    const account = privateKeyToAccount(key);
    return {
      ...node,
      peerId: node.peerId,
      multiaddrs: node.multiaddrs,
      async addJson(value, options) {
        const v = value as Partial<ProvenanceBundle>;
        if (v && typeof v === 'object' && 'proverSignature' in v && 'attestation' in v) {
          const { proverSignature: _, ...unsigned } = v as ProvenanceBundle;
          return node.addJson(await signBundle(account, { ...unsigned, value: 9999.99 }), options);
        }
        return node.addJson(value, options);
      },
    };
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-faults-byz-'));
    // 3 operators, quorum 2: the hub draws all three as provers, so the Byzantine one always takes part
    devnet = await startDevnet({ dataDir, log, operators: 3, sessionTimeoutMs: 300_000 });
    // operator 1 (keys[1]) is replaced by its Byzantine twin: same key, data, notary port and registration
    const key = devnet.keys[1]!;
    const honest = devnet.operators[0]!;
    const notaryPort = Number(new URL(honest.notaryUrl).port);
    await honest.stop();
    const chain = await connectChain(devnet.rpcUrl, key, { chainId: devnet.chainId });
    devnet.operators[0] = await startOperator({
      account: privateKeyToAccount(key),
      chain: { ...chain, chainId: devnet.chainId, hub: devnet.deployment.hub, registry: devnet.deployment.registry },
      db: devnet.database.db,
      ipfs: forging(honest.ipfs, key),
      dataDir: path.join(devnet.dataDir, 'operators', '1'),
      trust: 'devnet',
      wasmPath: devnet.trust.wasmPath,
      notary: { host: '127.0.0.1', port: notaryPort },
      ssrf: devnet.ssrf,
      secrets: secretStoreFrom(fixtureSecrets(`Bearer ${devnet.fixtureToken}`)),
      sessionTimeoutMs: 300_000,
      jobs: { fromBlock: devnet.deployment.deployBlock, pollIntervalMs: 500 },
      log,
    });
    byzantine = devnet.operators[0].address;
    await devnet.aggregator.stop();
  });
  after(async () => {
    await aggregator?.stop();
    await devnet?.stop(); // stops whichever operator instances are in devnet.operators, the Byzantine one included
    await rm(dataDir, { recursive: true, force: true });
  });

  test('a Byzantine operator pins a forged bundle: rejected with the failed check recorded, the honest result fulfilled', async () => {
    const chainNow = Number((await devnet.deployer.publicClient.getBlock()).timestamp);
    const res = await fetch(`${devnet.api.url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
      body: JSON.stringify({
        spec: privateBalanceSpec(2, chainNow + 900),
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { requestId } = (await res.json()) as { requestId: Hex };
    const hub = { address: devnet.deployment.hub, abi: oracleHubAbi } as const;
    // the devnet's aggregator (which would draw the committee) is stopped: draw it here, as any account may
    const { provers } = await assignWhenDue(devnet.deployer, devnet.deployment.hub, requestId);
    assert.ok(provers.some((p) => p.toLowerCase() === byzantine));

    // The aggregator fulfils as soon as two valid answers agree, and a request once fulfilled takes no more answers: so
    // it waits (stopped) until all three provers have answered, then a fresh one judges them all.
    await Promise.all(provers.map((p) => responded(requestId, p.toLowerCase() as Address)));
    aggregator = honestAggregator(devnet);
    const judged = async () =>
      (await devnet.database.db.select().from(responses).where(eq(responses.requestId, requestId))).find(
        (r) => r.prover === byzantine,
      );
    for (let i = 0; ; i++) {
      const status = requestStatusOf(
        (await devnet.deployer.publicClient.readContract({ ...hub, functionName: 'getRequest', args: [requestId] }))
          .status,
      );
      const row = await judged();
      if (status === 'fulfilled' && row && row.verification !== 'pending') break;
      if (status === 'expired' || i > 5_000)
        assert.fail(`request ended ${status}; the forger's response ${JSON.stringify(row)}`);
      await aggregator!.tick().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100)); // a pass over nothing returns at once: pace the re-checks
    }
    const logs = await devnet.deployer.publicClient.getContractEvents({
      ...hub,
      eventName: 'RequestFulfilled',
      args: { requestId },
      fromBlock: devnet.deployment.deployBlock,
    });
    assert.equal(logs.length, 1);
    const included = (logs[0]!.args as { included: Address[] }).included.map((a) => a.toLowerCase());
    assert.ok(!included.includes(byzantine), 'the forger is not included');
    const row = (await judged())!;
    assert.equal(row.verification, 'invalid');
    assert.match(row.invalidMessage ?? '', /extraction/, `names the failed check: ${row.invalidMessage}`);
    const forged = await devnet.ipfs.getJson<ProvenanceBundle>(row.bundleCid, { timeoutMs: 30_000 });
    assert.equal(forged.value, 9999.99, 'the pinned bundle is the forgery');
    const detail = (await (await fetch(`${devnet.api.url}/v1/requests/${requestId}`)).json()) as {
      records: { href: string }[];
      operators: { prover: string; state: string }[];
    };
    assert.equal(detail.operators.find((o) => o.prover === byzantine)?.state, 'invalid');
    const record = (await (await fetch(`${devnet.api.url}${detail.records[0]!.href}`)).json()) as {
      record: { value: unknown };
    };
    assert.equal(record.record.value, 1234.56, 'the honest value');
  });
});

// The request-integrity attacks (issue 11), with real sessions. The Byzantine prover X sends bytes its spec does not
// describe: an extra hidden `cookie:` header, fitted into the bytes it saves by not padding its secret slot (so the
// request keeps the template's length and passes the MPC sent-limit), or a POST body other than the spec's (same
// length). Both variants are the real operator parts — `answerRequest`, `startNotaryService`, the proxy — composed
// here rather than by `startOperator`, so the test drives each step in order instead of a job loop:
// - X's prover differs only in the request it builds (`buildRequest`, the fetcher's test seam): nothing in the
//   shipped operator can be told to send another request.
// - Y, the notary the hub pairs with X, is honest at first (the real `attest`), then colludes: it signs whatever it is
//   shown (the real attestation fields, minus the one check; `attest`, the notary's test seam). Why a colluding
//   notary and not a forced assignment: the hub never assigns a prover as its own notary, and a colluding pair is
//   exactly what the adversary model allows (a minority of operators, as prover and as notary).
// Why 2 operators at quorum 2: the hub draws min(q + ⌊q/2⌋, n) = 2 provers, so X and Y are both provers and each is
// the other's notary — the pairing is the hub's own, no test assignment. Y also proves honestly (with X's honest
// notary), so a Byzantine aggregator can fulfil with both and hand `veritas verify` a record the hub accepted.
describe('a Byzantine prover sends a request the spec does not describe', () => {
  let devnet: Devnet;
  let dataDir: string;
  type Party = { ctx: OperatorContext; deps: FetcherDeps; address: Address; close: () => Promise<void> };
  let X: Party;
  let Y: Party;
  let colluding = false;
  type Source = { bundle: ProvenanceBundle; cid: string };
  let attack: ((spec: RequestSpec, secrets: SecretStore) => ProveRequest) | undefined;

  /** A colluding notary: the real attestation fields of what the Verifier authenticated, the request unchecked. */
  const signWhateverShown: typeof attest = attestationFields;

  /** The hidden-header attack: the secret value unpadded, and a hidden `cookie:` line in the bytes that frees. */
  const hiddenCookie = (spec: RequestSpec, secrets: SecretStore): ProveRequest => {
    const honest = buildHttpRequest(spec, secrets);
    const headers = honest.headers.flatMap((h) => {
      if (!h.secret) return [h];
      const value = h.value.trimEnd();
      const room = h.value.length - value.length - 'cookie: \r\n'.length;
      assert.ok(room >= 8, 'the slot leaves room for a cookie');
      return [
        { ...h, value },
        { name: 'cookie', value: 'session='.padEnd(room, 'v'), secret: true },
      ];
    });
    return { ...honest, headers };
  };
  /** The wrong-body attack: another symbol, same length, so the body is all that differs. */
  const otherBody = (spec: RequestSpec, secrets: SecretStore): ProveRequest => ({
    ...buildHttpRequest(spec, secrets),
    body: { symbol: 'EVL-USD' },
  });

  async function party(index: number, notaryHook?: typeof attest): Promise<Party> {
    const key = devnet.keys[index + 1]!;
    const old = devnet.operators[index]!;
    const port = Number(new URL(old.notaryUrl).port);
    await old.stop();
    const chain = await connectChain(devnet.rpcUrl, key, { chainId: devnet.chainId });
    const dir = path.join(dataDir, `party-${index}`);
    const ctx: OperatorContext = {
      account: privateKeyToAccount(key),
      chainId: devnet.chainId,
      hub: devnet.deployment.hub,
      registry: devnet.deployment.registry,
      ...chain,
      ipfs: old.ipfs,
      db: devnet.database.db,
      wasmPath: devnet.trust.wasmPath,
      trust: 'devnet',
      tuning: undefined,
      limiters: { prover: createLimiter(1), verifier: createLimiter(1) },
      log,
    };
    const notary = await startNotaryService(ctx, {
      host: '127.0.0.1',
      port,
      attestations: createFileStore(path.join(dir, 'attestations')),
      sessionTimeoutMs: 300_000,
      ...(notaryHook ? { attest: notaryHook } : {}),
    });
    const proxy = await startProxy({ host: '127.0.0.1', policy: devnet.ssrf });
    const deps: FetcherDeps = {
      secrets: secretStoreFrom(fixtureSecrets(`Bearer ${devnet.fixtureToken}`)),
      sessions: createFileStore(path.join(dir, 'sessions')),
      proxyBaseUrl: proxy.url,
      ssrf: devnet.ssrf,
      sessionTimeoutMs: 300_000,
      onStage: () => undefined,
    };
    const close = async () => {
      await proxy.close();
      await notary.close();
    };
    // devnet.stop() stops what devnet.operators holds: these parts now, not the stopped operator again
    devnet.operators[index] = { ...old, stop: close };
    return { ctx, deps, address: ctx.account.address.toLowerCase() as Address, close };
  }

  before(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-faults-byz-request-'));
    devnet = await startDevnet({ dataDir, log, operators: 2, sessionTimeoutMs: 300_000 });
    // this test plays every part in turn: no job loop, no aggregator pass it did not ask for
    await devnet.aggregator.stop();
    X = await party(0);
    Y = await party(1, (v, spec, who) => (colluding ? signWhateverShown : attest)(v, spec, who));
    X.deps = { ...X.deps, buildRequest: (spec, secrets) => attack!(spec, secrets) };
  });
  after(async () => {
    await devnet?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Posts the spec through the API and draws the committee: X and Y, each the other's notary. */
  async function place(spec: RequestSpecInput): Promise<Hex> {
    const res = await fetch(`${devnet.api.url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
      body: JSON.stringify({ spec }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const { requestId } = (await res.json()) as { requestId: Hex };
    const { provers, notaries } = await assignWhenDue(devnet.deployer, devnet.deployment.hub, requestId);
    const lower = (a: readonly Address[]) => a.map((x) => x.toLowerCase());
    assert.deepEqual(new Set(lower(provers)), new Set([X.address, Y.address]));
    assert.equal(lower(notaries)[lower(provers).indexOf(X.address)], Y.address, "Y notarises X's session");
    return requestId;
  }

  /** The honest aggregator's verdict on X's response, after one judging run over the request's responses. */
  async function judged(requestId: Hex) {
    const aggregator = honestAggregator(devnet);
    try {
      for (let pass = 0; pass < 200; pass++) {
        const rows = await devnet.database.db.select().from(responses).where(eq(responses.requestId, requestId));
        const x = rows.find((r) => r.prover === X.address);
        const y = rows.find((r) => r.prover === Y.address);
        if (x && y && x.verification !== 'pending' && y.verification !== 'pending') return { x, y };
        await aggregator.tick().catch(() => undefined);
      }
      throw new Error(`the aggregator did not judge ${requestId}`);
    } finally {
      await aggregator.stop();
    }
  }

  /**
   * The Byzantine aggregator (the devnet's, keys[0]): fulfils with X and Y included — the hub checks only the
   * notary-signed result hashes, which agree — and returns the record `veritas verify` is then handed.
   */
  async function fulfilWithBoth(requestId: Hex, src: { x: Source; y: Source }) {
    const hub = { address: devnet.deployment.hub, abi: oracleHubAbi } as const;
    const onChain = await devnet.deployer.publicClient.readContract({
      ...hub,
      functionName: 'getRequest',
      args: [requestId],
    });
    const spec = validateSpec(await devnet.ipfs.getJson(onChain.specCid));
    const valueHash = src.x.bundle.attestation.resultHash as Hex;
    assert.equal(src.y.bundle.attestation.resultHash, valueHash, 'the answers agree: the hub cannot tell them apart');
    const sources = [src.x, src.y].map(({ bundle: b, cid }) => ({
      prover: b.prover,
      notary: b.notary,
      bundleCid: cid,
      serverName: b.serverName,
      tlsTime: b.tlsTime,
      resultHash: b.attestation.resultHash,
      value: normalizeAnswer(b.value, spec.value, spec.records) as DatasetRecord['value'],
    }));
    const record: DatasetRecord = {
      version: 1,
      chainId: devnet.chainId,
      hub: devnet.deployment.hub.toLowerCase() as Address,
      requestId,
      index: 0,
      value: sources[1]!.value,
      url: spec.url,
      specCid: onChain.specCid,
      extract: spec.extract,
      policy: spec.aggregation,
      trust: 'devnet',
      sources,
    };
    const recordHash = hashJson(record);
    const tree = buildRecordTree([{ requestId, index: 0, valueHash, recordHash }]);
    await sendContractCall(devnet.deployer, {
      ...hub,
      functionName: 'fulfill',
      args: [requestId, tree.root, 'bafy-byzantine-report', [X.address, Y.address], valueHash, 1],
    });
    const proved: ProvedRecord = { record, recordHash, merkleRoot: tree.root, proof: tree.proof(0) };
    return verifyProvedRecord(proved, {
      publicClient: devnet.deployer.publicClient,
      hub: devnet.deployment.hub,
      getJson: (cid) => devnet.ipfs.getJson(cid, { timeoutMs: 30_000 }),
      acceptDevnetProofs: true,
    });
  }

  for (const [name, buildAttack, spec, why] of [
    [
      'hidden header',
      hiddenCookie,
      (deadline: number): RequestSpecInput => privateBalanceSpec(2, deadline),
      /not one of the spec's header lines/,
    ],
    [
      'wrong body',
      otherBody,
      (deadline: number): RequestSpecInput => ({
        name: 'Fixture price, by POST',
        url: `https://${FIXTURE_HOST}/v1/price`,
        method: 'POST',
        body: '{"symbol":"VRT-USD"}',
        extract: { jsonPath: '$.currency' },
        resultSchema: { type: 'string' },
        value: { type: 'string' },
        aggregation: { policy: 'exact' },
        maxResponseBytes: 2048,
        quorum: 2,
        deadline,
      }),
      /the body is not the spec's body/,
    ],
  ] as const) {
    test(`${name}: the honest notary refuses to sign; what a colluding one signs, the aggregator and verify reject`, async () => {
      const chainNow = Number((await devnet.deployer.publicClient.getBlock()).timestamp);
      const requestId = await place(spec(chainNow + 1800));
      attack = buildAttack;

      // (a) honest notary: the real `attest` refuses before signing, and says why
      colluding = false;
      await assert.rejects(answerRequest(X.ctx, X.deps, requestId), (e: VeritasError) => {
        assert.equal(e.code, 'TRANSCRIPT_MISMATCH', e.message);
        assert.match(e.message, /notary refused/);
        assert.match(e.message, why);
        return true;
      });

      // (b) a colluding notary signs it: the hub takes the response (it cannot see transcripts)...
      colluding = true;
      const byzantine = await answerRequest(X.ctx, X.deps, requestId);
      assert.equal(byzantine.outcome, 'responded');
      const honest = await answerRequest(Y.ctx, Y.deps, requestId);
      assert.equal(honest.outcome, 'responded');

      // ...the aggregator rejects the bundle, naming the check...
      const { x, y } = await judged(requestId);
      assert.equal(y.verification, 'valid', `Y's honest answer: ${y.invalidMessage}`);
      assert.equal(x.verification, 'invalid');
      assert.equal(x.invalidCode, 'TRANSCRIPT_MISMATCH');
      assert.match(x.invalidMessage ?? '', /^session: the revealed request is not the spec's/);
      assert.match(x.invalidMessage ?? '', why);

      // ...and a record that includes it — on a root the hub accepted — fails `veritas verify` at that check
      const source = async (cid: string): Promise<Source> => ({
        bundle: await devnet.ipfs.getJson<ProvenanceBundle>(cid, { timeoutMs: 30_000 }),
        cid,
      });
      const v = await fulfilWithBoth(requestId, { x: await source(x.bundleCid), y: await source(y.bundleCid) });
      assert.equal(v.ok, false);
      assert.equal(v.failed?.name, 'source 1: session', JSON.stringify(v.failed));
      assert.match(v.failed.detail, why);
      assert.ok(v.checks.find((c) => c.name === 'on-chain-root')?.ok, 'the hub did accept the root');
    });
  }
});
