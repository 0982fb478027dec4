// The aggregator service: indexes OracleHub, re-verifies every response's bundle, aggregates under the spec's policy,
// pins the report and fulfils on-chain — idempotent and restartable, with all state in PostgreSQL and on-chain.
//
// Crash safety: a report is built once and stored (reports row, fulfill_tx_hash null) before any transaction; the
// on-chain status is read right before `fulfill` is sent and the tx hash is stored as soon as it is known. After a
// crash anywhere, the next pass re-reads the chain: a fulfilled request is only marked so, a pending one is fulfilled
// from the stored report. OracleHub refuses a second fulfil (AlreadyFulfilled), so at most one RequestFulfilled
// exists per request whatever happens; the pass over all open requests means none is skipped.
import { and, eq, inArray } from 'drizzle-orm';
import { decodeFunctionData, type Address, type Hex } from 'viem';
import {
  assignRequest,
  oracleHubAbi,
  paramsMatchSpec,
  revertErrorName,
  sendContractCall,
} from '../core/chain/contracts.ts';
import type { VeritasPublicClient, VeritasWalletClient } from '../core/chain/clients.ts';
import { fromContractAttestation, toContractAttestation } from '../core/chain/attestation.ts';
import { hashJson } from '../core/canonical.ts';
import type { Database } from '../core/db/client.ts';
import { metrics } from '../core/metrics.ts';
import { bundles, evidence, records, reports, requestEvents, requests, responses } from '../core/db/schema.ts';
import { toVeritasError } from '../core/errors.ts';
import { startIndexer, type Indexer } from '../core/indexer.ts';
import type { IpfsNode } from '../core/ipfs.ts';
import { requestLogger, type Logger } from '../core/log.ts';
import { loadSpec } from '../core/spec.ts';
import { verifyBundle } from '../core/verify/bundle.ts';
import { bundleContext, readOnChainRequest, type OnChainRequest } from '../core/verify/chain.ts';
import { recoverAttestationSignerFast } from '../core/verify/recover.ts';
import { attestationDomain } from '../schemas/attestation.ts';
import type { ProvenanceBundle } from '../schemas/bundle.ts';
import type { AggregateReport, Exclusion } from '../schemas/record.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { normalizeAnswer } from '../core/aggregation/normalize.ts';
import { aggregate } from '../core/aggregation/policies.ts';
import { buildReport, type VerifiedSource } from './records.ts';

export type AggregatorPolicy = { acceptDevnetProofs: boolean };

export type AggregatorHooks = {
  /** Called after the report is pinned and stored, before `fulfill` is sent (tests crash the process here). */
  beforeFulfill?: (requestId: Hex) => Promise<void> | void;
};

export type StartAggregatorOptions = {
  db: Database;
  ipfs: IpfsNode;
  publicClient: VeritasPublicClient;
  walletClient: VeritasWalletClient;
  hub: Address;
  /** Where the indexer starts when it has no cursor (the hub's deployment block). */
  fromBlock: bigint;
  policy: AggregatorPolicy;
  log: Logger;
  pollIntervalMs?: number;
  hooks?: AggregatorHooks;
  /** After each complete pass, with the number of open requests it found (health and the backlog metric). */
  onPass?: (backlog: number) => void;
};

export type Aggregator = {
  /** One full pass: index, then process every open request. Resolves when done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
};

const OPEN = ['requested', 'assigned', 'aggregating'] as const;

export function startAggregator(o: StartAggregatorOptions): Aggregator {
  const log = o.log.child({ component: 'aggregator' });
  const indexer: Indexer = startIndexer(
    {
      db: o.db,
      publicClient: o.publicClient,
      hub: o.hub,
      fromBlock: o.fromBlock,
      name: `aggregator:${o.hub.toLowerCase()}`,
      log,
    },
    { run: false },
  );
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;

  const pass = async (): Promise<void> => {
    await indexer.sync();
    const open = await o.db
      .select({ id: requests.id })
      .from(requests)
      .where(inArray(requests.status, [...OPEN]));
    for (const { id } of open) {
      if (stopped) return;
      try {
        await processRequest(o, id as Hex, requestLogger(log, id));
      } catch (e) {
        requestLogger(log, id).warn({ err: toVeritasError(e) }, 'request processing failed; will retry');
      }
    }
    metrics.aggregatorBacklog.set(open.length);
    o.onPass?.(open.length);
  };
  const tick = (): Promise<void> => (current ??= pass().finally(() => (current = undefined)));
  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await tick();
    } catch (e) {
      log.warn({ err: e }, 'aggregator pass failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => void loop(), o.pollIntervalMs ?? 250);
  };
  void loop();
  return {
    tick,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current?.catch(() => undefined);
      await indexer.stop();
    },
  };
}

async function timeline(
  db: Database,
  requestId: string,
  stage: string,
  detail: Record<string, unknown>,
  once = true,
): Promise<void> {
  if (once) {
    const [seen] = await db
      .select({ id: requestEvents.id })
      .from(requestEvents)
      .where(and(eq(requestEvents.requestId, requestId), eq(requestEvents.stage, stage)))
      .limit(1);
    if (seen) return;
  }
  await db.insert(requestEvents).values({ requestId, source: 'aggregator', stage, detail });
}

/** Everything the aggregator does for one request, safe to repeat at any point. */
export async function processRequest(o: StartAggregatorOptions, requestId: Hex, log: Logger): Promise<void> {
  const chain = await readOnChainRequest(o.publicClient, o.hub, requestId);
  if (chain.status === 'fulfilled' || chain.status === 'expired') {
    await o.db.update(requests).set({ status: chain.status }).where(eq(requests.id, requestId));
    return;
  }
  const clients = { publicClient: o.publicClient, walletClient: o.walletClient };
  const head = await o.publicClient.getBlock();
  // Deadlines are judged against the head block: the devnet mines on an interval, so an idle chain's head is at
  // most one block interval behind the wall clock and an unanswerable request expires within that of its deadline.
  const pastDeadline = Number(head.timestamp) > chain.deadline;

  // 0. draw the committee once it is due (anyone may; the first wins, an AlreadyAssigned revert is fine)
  if (!chain.assigned) {
    if (pastDeadline) await expire(o, requestId, log);
    else if (head.number > chain.randomnessBlock) {
      try {
        const r = await assignRequest(clients, o.hub, requestId);
        if (r.committee) log.info({ provers: r.committee.provers }, 'committee assigned');
      } catch (e) {
        if (revertErrorName(e) !== 'AssignmentNotReady') throw e;
      }
    }
    return;
  }

  const [row] = await o.db.select().from(requests).where(eq(requests.id, requestId));
  let spec: RequestSpec;
  try {
    if (row?.spec) spec = RequestSpec.parse(row.spec);
    else {
      spec = await loadSpec(o.ipfs, chain.specCid, chain.specHash, 10_000, chain.deadline);
      await o.db.update(requests).set({ spec }).where(eq(requests.id, requestId));
    }
  } catch (e) {
    // an unfetchable or invalid spec can never be answered: once past the deadline it ends (refundable)
    if (pastDeadline) return expire(o, requestId, log);
    throw e;
  }
  if (!paramsMatchSpec(chain, spec)) {
    // the hub would check another policy than the spec declares: never fulfil, let it expire (refundable)
    if (pastDeadline) await expire(o, requestId, log);
    else await timeline(o.db, requestId, 'unfulfilled', { reason: 'on-chain parameters differ from the spec' });
    return;
  }

  // 1. verify every response not yet judged
  const rows = await o.db.select().from(responses).where(eq(responses.requestId, requestId));
  for (const response of chain.responses) {
    const stored = rows.find((r) => r.prover === response.prover);
    if (stored && stored.verification !== 'pending') continue;
    await judgeResponse(o, chain, spec, response, stored?.txHash ?? undefined, log);
  }

  // 2. aggregate the valid ones
  const valid = await o.db
    .select()
    .from(responses)
    .where(and(eq(responses.requestId, requestId), eq(responses.verification, 'valid')));
  const invalid = await o.db
    .select()
    .from(responses)
    .where(and(eq(responses.requestId, requestId), eq(responses.verification, 'invalid')));
  const outcome = aggregate(
    valid.map((r) => ({ prover: r.prover as Address, value: r.value })),
    { policy: spec.aggregation, value: spec.value, records: spec.records, needed: chain.quorum },
  );
  if (!outcome.ok) {
    // The hub over-samples (quorum + ⌊quorum/2⌋ provers): "all in" means every assigned prover answered.
    const allIn = chain.responses.length >= chain.assignment.provers.length;
    if (pastDeadline) {
      await expire(o, requestId, log);
    } else if (allIn) {
      await timeline(o.db, requestId, 'unfulfilled', { reason: outcome.reason, excluded: outcome.excluded });
      log.info({ reason: outcome.reason }, 'no agreement; waiting for the deadline');
    }
    return;
  }

  // 3. the report: built once, stored, reused after a restart
  let [report] = await o.db.select().from(reports).where(eq(reports.requestId, requestId));
  if (!report) {
    const sourcesByProver = new Map(valid.map((r) => [r.prover, r]));
    const bundleRows = await o.db.select().from(bundles).where(eq(bundles.requestId, requestId));
    const sources: VerifiedSource[] = outcome.included.map((prover) => {
      const r = sourcesByProver.get(prover)!;
      const b = bundleRows.find((x) => x.cid === r.bundleCid)!;
      return { bundleCid: r.bundleCid, bundle: b.content, normalized: r.value };
    });
    const excluded: Exclusion[] = [
      ...outcome.excluded.map((e) => ({
        prover: e.prover,
        bundleCid: sourcesByProver.get(e.prover)?.bundleCid,
        code: e.code,
        reason: e.reason,
      })),
      ...invalid.map((r) => ({
        prover: r.prover as Address,
        bundleCid: r.bundleCid,
        code: r.invalidCode ?? 'BUNDLE_INVALID',
        reason: r.invalidMessage ?? 'invalid',
      })),
    ].map((e) => (e.bundleCid === undefined ? { prover: e.prover, code: e.code, reason: e.reason } : e));
    const built = buildReport({
      chainId: chain.chainId,
      hub: chain.hub,
      requestId,
      specCid: chain.specCid,
      spec,
      value: outcome.value,
      sources,
      excluded,
      aggregator: o.walletClient.account.address,
      createdAt: new Date(),
    });
    const reportCid = await o.ipfs.addJson(built.report);
    await o.db.transaction(async (tx) => {
      await tx
        .insert(reports)
        .values({
          requestId,
          reportCid,
          merkleRoot: built.report.merkleRoot,
          policyOutcome: { included: outcome.included, excluded, value: outcome.value },
          recordCount: built.records.length,
        })
        .onConflictDoNothing();
      for (const r of built.records)
        await tx
          .insert(records)
          .values({
            id: r.leafHash,
            requestId,
            index: r.record.index,
            value: r.record.value,
            leafHash: r.leafHash,
            proof: r.proof,
            provenance: r.record,
          })
          .onConflictDoNothing();
      await tx.update(requests).set({ status: 'aggregating' }).where(eq(requests.id, requestId));
    });
    [report] = await o.db.select().from(reports).where(eq(reports.requestId, requestId));
    await timeline(o.db, requestId, 'aggregated', {
      merkleRoot: built.report.merkleRoot,
      reportCid,
      included: outcome.included,
      excluded,
    });
    log.info({ merkleRoot: built.report.merkleRoot, reportCid, records: built.records.length }, 'report pinned');
  }
  const stored = report!;
  const policyOutcome = stored.policyOutcome;

  await o.hooks?.beforeFulfill?.(requestId);

  // 4. fulfil — only if the chain still says pending (another instance, or our pre-crash self, may have done it)
  if (stored.fulfillTxHash) {
    const receipt = await o.publicClient
      .getTransactionReceipt({ hash: stored.fulfillTxHash as Hex })
      .catch(() => undefined);
    if (receipt?.status === 'success') return;
  }
  const fresh = await readOnChainRequest(o.publicClient, o.hub, requestId);
  if (fresh.status !== 'pending') {
    await o.db
      .update(requests)
      .set({ status: fresh.status === 'fulfilled' ? 'fulfilled' : 'expired' })
      .where(eq(requests.id, requestId));
    return;
  }
  try {
    // the value hash the hub checks against the included responses (and every record's leaf commits)
    const valueHash = hashJson(policyOutcome.value);
    const receipt = await sendContractCall(clients, {
      address: o.hub,
      abi: oracleHubAbi,
      functionName: 'fulfill',
      args: [requestId, stored.merkleRoot as Hex, stored.reportCid, policyOutcome.included, valueHash],
    });
    await o.db
      .update(reports)
      .set({ fulfillTxHash: receipt.transactionHash, fulfillBlockNumber: Number(receipt.blockNumber) })
      .where(eq(reports.requestId, requestId));
    await o.db
      .update(requests)
      .set({ status: 'fulfilled', merkleRoot: stored.merkleRoot, reportCid: stored.reportCid })
      .where(eq(requests.id, requestId));
    log.info({ txHash: receipt.transactionHash }, 'fulfilled');
  } catch (e) {
    const name = revertErrorName(e);
    if (name === 'AlreadyFulfilled' || name === 'AlreadyExpired') return; // someone (our past self) got there first
    throw e;
  }
}

async function judgeResponse(
  o: StartAggregatorOptions,
  chain: OnChainRequest,
  spec: RequestSpec,
  response: OnChainRequest['responses'][number],
  txHash: string | undefined,
  log: Logger,
): Promise<void> {
  const requestId = chain.requestId;
  let verdict: { ok: true; value: unknown } | { ok: false; code: string; message: string };
  let bundle: ProvenanceBundle | undefined;
  try {
    const json = await o.ipfs.getJson(response.bundleCid, { timeoutMs: 10_000, maxBytes: 1024 * 1024 });
    const v = await verifyBundle(
      json,
      bundleContext(chain, spec, { acceptDevnetProofs: o.policy.acceptDevnetProofs, response }),
    );
    bundle = v.bundle;
    if (v.ok && v.bundle) {
      try {
        verdict = { ok: true, value: normalizeAnswer(v.bundle.value, spec.value, spec.records) };
      } catch (e) {
        const err = toVeritasError(e);
        verdict = { ok: false, code: err.code, message: err.message };
      }
    } else
      verdict = {
        ok: false,
        code: v.failed!.code ?? 'BUNDLE_INVALID',
        message: `${v.failed!.name}: ${v.failed!.message}`,
      };
  } catch (e) {
    const err = toVeritasError(e, 'IPFS_ERROR');
    if (err.retryable) {
      log.warn({ prover: response.prover, err }, 'bundle not retrievable yet; will retry');
      return;
    }
    verdict = { ok: false, code: err.code, message: err.message };
  }
  if (bundle)
    await o.db
      .insert(bundles)
      .values({ cid: response.bundleCid, requestId, prover: response.prover, content: bundle })
      .onConflictDoNothing();
  await o.db
    .insert(responses)
    .values({
      requestId,
      prover: response.prover,
      notary: response.notary,
      resultHash: response.resultHash,
      bundleCid: response.bundleCid,
      verification: verdict.ok ? 'valid' : 'invalid',
      invalidCode: verdict.ok ? null : verdict.code,
      invalidMessage: verdict.ok ? null : verdict.message,
      value: verdict.ok ? verdict.value : null,
      verifiedAt: new Date(),
    })
    .onConflictDoUpdate({
      target: [responses.requestId, responses.prover],
      set: {
        verification: verdict.ok ? 'valid' : 'invalid',
        invalidCode: verdict.ok ? null : verdict.code,
        invalidMessage: verdict.ok ? null : verdict.message,
        value: verdict.ok ? verdict.value : null,
        verifiedAt: new Date(),
      },
    });
  await timeline(
    o.db,
    requestId,
    verdict.ok ? 'response_verified' : 'response_invalid',
    {
      prover: response.prover,
      bundleCid: response.bundleCid,
      ...(verdict.ok ? {} : { code: verdict.code, reason: verdict.message }),
    },
    false,
  );
  if (!verdict.ok) {
    log.warn({ prover: response.prover, code: verdict.code, reason: verdict.message }, 'invalid bundle excluded');
    metrics.verificationFailures.inc({ check: verdict.code });
    if (bundle && txHash) await checkEquivocation(o, chain, bundle, txHash as Hex, log);
  }
}

/**
 * Two attestations by one notary for one (request, prover) that disagree on recvHash or resultHash: the one sent to
 * `respond` (read back from the transaction's calldata) and the one in the pinned bundle. Submitted once.
 */
async function checkEquivocation(
  o: StartAggregatorOptions,
  chain: OnChainRequest,
  bundle: ProvenanceBundle,
  txHash: Hex,
  log: Logger,
): Promise<void> {
  const tx = await o.publicClient.getTransaction({ hash: txHash });
  let onchain: { att: ProvenanceBundle['attestation']; sig: Hex };
  try {
    const call = decodeFunctionData({ abi: oracleHubAbi, data: tx.input });
    if (call.functionName !== 'respond') return;
    onchain = { att: fromContractAttestation(call.args[2]), sig: call.args[3] };
  } catch {
    return; // respond was called through a contract: the attestation is not in this calldata
  }
  const a = onchain.att;
  const b = bundle.attestation;
  if (a.requestId !== b.requestId || a.prover !== b.prover || a.notary !== b.notary) return;
  if (a.recvHash === b.recvHash && a.resultHash === b.resultHash) return;
  const domain = attestationDomain(chain.chainId, chain.hub);
  try {
    if (recoverAttestationSignerFast(domain, b, bundle.notarySignature as Hex) !== b.notary) return;
  } catch {
    return;
  }
  const inserted = await o.db
    .insert(evidence)
    .values({
      requestId: chain.requestId,
      notary: b.notary,
      prover: b.prover,
      kind: 'double_attestation',
      detail: { a, sigA: onchain.sig, b, sigB: bundle.notarySignature },
    })
    .onConflictDoNothing()
    .returning({ id: evidence.id });
  const [row] = await o.db
    .select()
    .from(evidence)
    .where(
      and(
        eq(evidence.requestId, chain.requestId),
        eq(evidence.notary, b.notary),
        eq(evidence.prover, b.prover),
        eq(evidence.kind, 'double_attestation'),
      ),
    );
  if (!row || row.txHash) return;
  try {
    const receipt = await sendContractCall(clients(o), {
      address: o.hub,
      abi: oracleHubAbi,
      functionName: 'reportEquivocation',
      args: [toContractAttestation(a), onchain.sig, toContractAttestation(b), bundle.notarySignature as Hex],
    });
    await o.db.update(evidence).set({ txHash: receipt.transactionHash }).where(eq(evidence.id, row.id));
    log.warn(
      { notary: b.notary, prover: b.prover, txHash: receipt.transactionHash, fresh: inserted.length > 0 },
      'equivocation reported',
    );
  } catch (e) {
    if (revertErrorName(e) !== 'EvidenceAlreadyUsed') throw e;
    // someone else reported it first: record their transaction, read from the hub's event
    const [event] = await o.publicClient.getContractEvents({
      address: o.hub,
      abi: oracleHubAbi,
      eventName: 'EquivocationReported',
      args: { requestId: chain.requestId, prover: b.prover, notary: b.notary },
      fromBlock: o.fromBlock,
    });
    if (event) await o.db.update(evidence).set({ txHash: event.transactionHash }).where(eq(evidence.id, row.id));
  }
}

const clients = (o: StartAggregatorOptions) => ({ publicClient: o.publicClient, walletClient: o.walletClient });

/** Anyone may expire a request past its deadline; refused ones (already closed, not yet due) are no-ops here. */
async function expire(o: StartAggregatorOptions, requestId: Hex, log: Logger): Promise<void> {
  try {
    const receipt = await sendContractCall(clients(o), {
      address: o.hub,
      abi: oracleHubAbi,
      functionName: 'expire',
      args: [requestId],
    });
    await o.db.update(requests).set({ status: 'expired' }).where(eq(requests.id, requestId));
    log.info({ txHash: receipt.transactionHash }, 'expired after the deadline without agreement');
  } catch (e) {
    const name = revertErrorName(e);
    if (name === 'AlreadyExpired' || name === 'AlreadyFulfilled' || name === 'NotExpired') return;
    throw e;
  }
}

export type { AggregateReport };
