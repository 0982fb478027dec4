// The aggregator service: indexes OracleHub, re-verifies every response's bundle, aggregates under the spec's policy,
// pins the report and fulfils on-chain — idempotent and restartable, with all state in PostgreSQL and on-chain.
//
// Crash safety: a report is built once and stored (reports row, fulfill_tx_hash null) before any transaction; the
// on-chain status is read right before `fulfill` is sent and the tx hash is stored as soon as it is known. After a
// crash anywhere, the next pass re-reads the chain: a fulfilled request is only marked so, a pending one is fulfilled
// from the stored report. OracleHub refuses a second fulfil (AlreadyFulfilled), so at most one RequestFulfilled
// exists per request whatever happens; the pass over all open requests means none is skipped.
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
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
import {
  aggregatorWork,
  bundles,
  evidence,
  records,
  reports,
  requestEvents,
  requests,
  responses,
  type AggregatorWorkRow,
} from '../core/db/schema.ts';
import { toVeritasError, VeritasError } from '../core/errors.ts';
import { publicError } from '../core/public-error.ts';
import { startIndexer, type Indexer } from '../core/indexer.ts';
import type { IpfsNode } from '../core/ipfs.ts';
import { requestLogger, type Logger } from '../core/log.ts';
import { loadSpec } from '../core/spec.ts';
import { verifyBundle } from '../core/verify/bundle.ts';
import { checkRecord, type JudgedResponse } from '../core/verify/record.ts';
import { bundleContext, readOnChainRequest, type OnChainRequest } from '../core/verify/chain.ts';
import { recoverAttestationSignerFast } from '../core/verify/recover.ts';
import { attestationDomain } from '../schemas/attestation.ts';
import type { ProvenanceBundle } from '../schemas/bundle.ts';
import type { AggregateReport, Exclusion } from '../schemas/record.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { normalizeAnswer } from '../core/aggregation/normalize.ts';
import { aggregate } from '../core/aggregation/policies.ts';
import { buildReport, type BuildReportInput, type BuiltReport, type VerifiedSource } from './records.ts';

export type AggregatorPolicy = { acceptDevnetProofs: boolean };

export type AggregatorHooks = {
  /** Called after the report is pinned and stored, before `fulfill` is sent (tests crash the process here). */
  beforeFulfill?: (requestId: Hex) => Promise<void> | void;
  /**
   * Called with the inputs of each report before it is built and checked; what it returns is used instead. Tests
   * only: it is how a test makes the aggregator build a wrong (but self-consistent) record.
   */
  beforeBuildReport?: (input: BuildReportInput) => BuildReportInput;
};

/** How much of itself the aggregator gives one request, so unservable ones cannot starve the rest (issue 13). */
export type AggregatorLimits = {
  /** Open requests processed at once in a pass. */
  concurrency: number;
  /** One request's processing is abandoned (and counted as a failed attempt) after this long. */
  requestTimeoutMs: number;
  /** Fetching a spec from IPFS gives up after this long. */
  specTimeoutMs: number;
  /** Failed attempts (persisted) before the request is ended: never processed again, expired at its deadline. */
  maxAttempts: number;
  /** Backoff after the n-th failed attempt: base·2^(n-1), capped at a minute. */
  backoffBaseMs: number;
};

export const DEFAULT_AGGREGATOR_LIMITS: AggregatorLimits = {
  concurrency: 4,
  requestTimeoutMs: 60_000,
  specTimeoutMs: 10_000,
  maxAttempts: 5,
  backoffBaseMs: 2_000,
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
  limits?: Partial<AggregatorLimits>;
  /** After each complete pass, with the number of open requests it found (health and the backlog metric). */
  onPass?: (backlog: number, pass: { durationMs: number }) => void;
};

export type AggregatorStats = {
  passes: number;
  /** Durations of the most recent passes (ms), oldest first, at most 1000. */
  passMs: number[];
  /** Requests whose processing is still running (a timed-out one stays here until it settles). */
  inFlight: number;
};

export type Aggregator = {
  /** Index, then process every due open request once (in bounded slots). Resolves when all of it is done. */
  tick(): Promise<void>;
  stats(): AggregatorStats;
  stop(): Promise<void>;
};

const OPEN = ['requested', 'assigned', 'aggregating'] as const;

export function startAggregator(o: StartAggregatorOptions): Aggregator {
  const log = o.log.child({ component: 'aggregator' });
  const limits: AggregatorLimits = { ...DEFAULT_AGGREGATOR_LIMITS, ...o.limits };
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
  const inFlight = new Map<string, Promise<void>>();
  const stats: AggregatorStats = { passes: 0, passMs: [], inFlight: 0 };

  // Slots: attempts and expiries in progress, at most `concurrency`. A pass only fills free slots, best paid first, and
  // does not wait for them, so one slow request (a spec fetch that times out) never holds up the next pass.
  const tasks = new Map<string, Promise<void>>();
  const startTask = (id: string, work: () => Promise<void>, rlog: Logger): Promise<void> => {
    const p = work()
      .catch((e) => rlog.warn({ err: toVeritasError(e) }, 'aggregator task failed'))
      .finally(() => {
        tasks.delete(id);
        stats.inFlight = Math.max(tasks.size, inFlight.size);
      });
    tasks.set(id, p);
    stats.inFlight = Math.max(tasks.size, inFlight.size);
    return p;
  };

  /** Indexes, then starts work on due open requests in free slots (skipping `seen`); returns what it started. */
  const dispatch = async (seen?: Set<string>): Promise<Promise<void>[]> => {
    const started = performance.now();
    await indexer.sync();
    // best paid first, so a pass reaches paid work before a backlog of minimum-fee requests
    const open = await o.db
      .select({ id: requests.id, deadline: requests.deadline, work: aggregatorWork })
      .from(requests)
      .leftJoin(aggregatorWork, eq(aggregatorWork.requestId, requests.id))
      .where(inArray(requests.status, [...OPEN]))
      .orderBy(desc(requests.fee), asc(requests.deadline));
    const head = await o.publicClient.getBlock();
    const now = Date.now();
    const starting: Promise<void>[] = [];
    for (const r of open) {
      if (stopped || tasks.size >= Math.max(1, limits.concurrency)) break;
      if (tasks.has(r.id) || inFlight.has(r.id) || seen?.has(r.id)) continue;
      if (r.work?.nextAttemptAt && r.work.nextAttemptAt.getTime() > now) continue;
      const rlog = requestLogger(log, r.id);
      if (r.work?.endedCode) {
        // ended: nothing but the expiry once the deadline passes (the hub allows it only then)
        if (Number(head.timestamp) <= r.deadline) continue;
        starting.push(startTask(r.id, () => expire(o, r.id as Hex, rlog), rlog));
      } else starting.push(startTask(r.id, () => attempt(r.id as Hex, r.work ?? undefined, rlog), rlog));
      seen?.add(r.id);
    }
    const durationMs = performance.now() - started;
    stats.passes++;
    stats.passMs.push(durationMs);
    if (stats.passMs.length > 1000) stats.passMs.shift();
    metrics.aggregatorBacklog.set(open.length);
    log.debug({ open: open.length, started: starting.length, durationMs }, 'aggregator pass');
    o.onPass?.(open.length, { durationMs });
    return starting;
  };
  // one dispatch at a time (the background loop and tick())
  let lock: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const r = lock.then(fn);
    lock = r.catch(() => undefined);
    return r;
  };

  /** One bounded attempt at a request: a timeout, and on failure a persisted count with backoff, then the end. */
  const attempt = async (requestId: Hex, work: AggregatorWorkRow | undefined, rlog: Logger): Promise<void> => {
    const timeout = AbortSignal.timeout(limits.requestTimeoutMs);
    const run = processRequest(o, requestId, rlog, { specTimeoutMs: limits.specTimeoutMs, signal: timeout });
    // a timed-out run keeps the request out of later passes until it settles: never two at once
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    inFlight.set(requestId, settled);
    void settled.finally(() => inFlight.delete(requestId));
    try {
      await Promise.race([run, aborted(timeout)]);
      if (work?.nextAttemptAt || work?.lastError)
        await o.db
          .update(aggregatorWork)
          .set({ nextAttemptAt: null, lastError: null, lastErrorCode: null })
          .where(eq(aggregatorWork.requestId, requestId));
    } catch (e) {
      if (stopped) return;
      const err = toVeritasError(e);
      const attempts = (work?.attempts ?? 0) + 1;
      const end = !err.retryable || attempts >= limits.maxAttempts;
      const nextAttemptAt = end
        ? null
        : new Date(Date.now() + Math.min(limits.backoffBaseMs * 2 ** (attempts - 1), 60_000));
      const row = {
        attempts,
        nextAttemptAt,
        lastErrorCode: err.code,
        lastError: err.message.slice(0, 2000),
        ...(end ? { endedCode: err.code, endedReason: endReason(err, attempts) } : {}),
      };
      await o.db
        .insert(aggregatorWork)
        .values({ requestId, ...row })
        .onConflictDoUpdate({ target: aggregatorWork.requestId, set: row });
      if (end) {
        await timeline(o.db, requestId, 'ended', { ...publicError(err), attempts, reason: endReason(err, attempts) });
        rlog.warn({ code: err.code, err: err.message, attempts }, 'request ended: it expires at its deadline');
      } else
        rlog.warn(
          { code: err.code, err: err.message, attempts, nextAttemptAt },
          'request processing failed; will retry',
        );
    }
  };

  /** Every due open request once (as many dispatches as the slots need), waiting for all of it to finish. */
  const tick = async (): Promise<void> => {
    const seen = new Set<string>();
    for (;;) {
      const started = await exclusive(() => dispatch(seen));
      if (!started.length && !tasks.size) break;
      await Promise.all(started.length ? started : tasks.values());
    }
    await Promise.all(tasks.values());
  };
  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await exclusive(() => dispatch());
    } catch (e) {
      log.warn({ err: e }, 'aggregator pass failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => void loop(), o.pollIntervalMs ?? 250);
  };
  void loop();
  return {
    tick,
    stats: () => ({ ...stats, passMs: [...stats.passMs] }),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await lock;
      await Promise.all(tasks.values());
      await Promise.all(inFlight.values());
      await indexer.stop();
    },
  };
}

/** Rejects with a TIMEOUT VeritasError when `signal` fires. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener(
      'abort',
      () => reject(new VeritasError('TIMEOUT', 'processing the request took longer than its per-request limit')),
      { once: true },
    ),
  );
}

const endReason = (err: VeritasError, attempts: number): string =>
  err.retryable
    ? `gave up after ${attempts} failed attempts (${err.code}); the request expires at its deadline`
    : `cannot be served (${err.code}); the request expires at its deadline`;

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

/**
 * Runs `checkRecord` (core/verify/record.ts, the function `veritas verify` uses) on every record of `built`, against
 * the chain as it will be once `fulfill` succeeds: this root, this value hash, the policy's included set. Every
 * response's bundle is re-verified for the check. A failure is stored as evidence, logged, and ends the request.
 */
async function checkOwnRecords(
  o: StartAggregatorOptions,
  chain: OnChainRequest,
  spec: RequestSpec,
  built: BuiltReport,
  /** what `fulfill` will send: the value hash (hashJson of the policy's value) and the included provers */
  fulfil: { valueHash: Hex; included: readonly Address[] },
  bundleRows: { cid: string; content: ProvenanceBundle }[],
  log: Logger,
): Promise<void> {
  const included = new Set(fulfil.included.map((p) => p.toLowerCase()));
  const after: OnChainRequest = {
    ...chain,
    status: 'fulfilled',
    merkleRoot: built.report.merkleRoot.toLowerCase() as Hex,
    reportCid: '',
    valueHash: fulfil.valueHash,
    responses: chain.responses.map((r) => ({ ...r, included: included.has(r.prover) })),
  };
  const judged: JudgedResponse[] = [];
  for (const response of after.responses) {
    const row = bundleRows.find((b) => b.cid === response.bundleCid);
    if (!row) {
      judged.push({ response, fetchError: 'the aggregator holds no bundle for this response' });
      continue;
    }
    const verification = await verifyBundle(
      row.content,
      bundleContext(after, spec, { acceptDevnetProofs: o.policy.acceptDevnetProofs, response }),
    );
    let normalized: unknown;
    if (verification.ok && verification.bundle)
      try {
        normalized = normalizeAnswer(verification.bundle.value, spec.value, spec.records);
      } catch {
        normalized = undefined;
      }
    judged.push({ response, verification, ...(normalized === undefined ? {} : { normalized }) });
  }
  for (const r of built.records) {
    const v = checkRecord(
      { record: r.record, recordHash: r.recordHash, merkleRoot: built.report.merkleRoot, proof: r.proof },
      { chain: after, spec, specHashOk: true, responses: judged },
    );
    if (v.ok) continue;
    const failed = v.checks.filter((c) => c.status === 'fail').map((c) => ({ name: c.name, message: c.message }));
    log.error({ index: r.record.index, failed }, 'own record fails the record check; not fulfilling');
    const me = o.walletClient.account.address.toLowerCase();
    await o.db
      .insert(evidence)
      .values({
        requestId: chain.requestId,
        notary: me,
        prover: me,
        kind: 'record_check_failed',
        detail: { index: r.record.index, failed, merkleRoot: built.report.merkleRoot },
      })
      .onConflictDoNothing();
    throw new VeritasError(
      v.failed?.code ?? 'VALUE_MISMATCH',
      `record ${r.record.index} would not verify (${v.failed?.name}: ${v.failed?.message}); not fulfilled`,
      { field: 'record' },
    );
  }
}

/**
 * Runs a write of the request's own data; a refusal caused by that data (PostgreSQL data exceptions, SQLSTATE class
 * 22: e.g. a NUL byte that JSON columns cannot hold) is final, so the request ends instead of failing every pass.
 */
async function storeOrEnd(what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (e) {
    const code = sqlState(e);
    if (code?.startsWith('22'))
      throw new VeritasError('INPUT_INVALID', `the request's ${what} cannot be stored (SQLSTATE ${code})`, {
        field: what,
        cause: e,
      });
    throw e;
  }
}

function sqlState(e: unknown): string | undefined {
  for (
    let x: unknown = e, depth = 0;
    x && typeof x === 'object' && depth < 4;
    x = (x as { cause?: unknown }).cause, depth++
  ) {
    const code = (x as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Everything the aggregator does for one request, safe to repeat at any point. */
export async function processRequest(
  o: StartAggregatorOptions,
  requestId: Hex,
  log: Logger,
  run: { specTimeoutMs: number; signal?: AbortSignal } = { specTimeoutMs: DEFAULT_AGGREGATOR_LIMITS.specTimeoutMs },
): Promise<void> {
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

  // 0. the spec first: an unfetchable or invalid one ends the request (it throws), before anyone is assigned to it
  const [row] = await o.db.select().from(requests).where(eq(requests.id, requestId));
  let spec: RequestSpec;
  if (row?.spec) spec = RequestSpec.parse(row.spec);
  else {
    // no spec yet and past the deadline: nothing can be answered any more, so no fetch is worth waiting for
    if (pastDeadline) return expire(o, requestId, log);
    try {
      spec = await loadSpec(o.ipfs, chain.specCid, chain.specHash, run.specTimeoutMs, chain.deadline);
    } catch (e) {
      // past the deadline nothing can be answered any more: end it now (refundable)
      if (pastDeadline) return expire(o, requestId, log);
      throw e;
    }
    await storeOrEnd('spec', () => o.db.update(requests).set({ spec }).where(eq(requests.id, requestId)));
  }
  if (!paramsMatchSpec(chain, spec)) {
    // the hub would check another policy than the spec declares: never assigned, never fulfilled; it ends
    if (pastDeadline) return expire(o, requestId, log);
    throw new VeritasError('REQUEST_MISMATCH', 'the on-chain policy parameters differ from the spec', {
      field: 'params',
    });
  }
  run.signal?.throwIfAborted();

  // 0b. draw the committee once it is due (anyone may; the first wins, an AlreadyAssigned revert is fine)
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

  // 1. verify every response not yet judged
  const rows = await o.db.select().from(responses).where(eq(responses.requestId, requestId));
  for (const response of chain.responses) {
    const stored = rows.find((r) => r.prover === response.prover);
    if (stored && stored.verification !== 'pending') continue;
    await judgeResponse(o, chain, spec, response, stored?.txHash ?? undefined, log);
  }

  run.signal?.throwIfAborted();
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
    const input: BuildReportInput = {
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
    };
    const built = buildReport(o.hooks?.beforeBuildReport?.(input) ?? input);
    // The record rule `veritas verify` applies, on the fulfilment this report is about to make: a record that would
    // not verify is never pinned, stored or committed (issue 11).
    await checkOwnRecords(
      o,
      chain,
      spec,
      built,
      { valueHash: hashJson(outcome.value), included: outcome.included },
      bundleRows,
      log,
    );
    const reportCid = await o.ipfs.addJson(built.report);
    await storeOrEnd('report', () =>
      o.db.transaction(async (tx) => {
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
      }),
    );
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
  run.signal?.throwIfAborted();

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
      args: [
        requestId,
        stored.merkleRoot as Hex,
        stored.reportCid,
        policyOutcome.included,
        valueHash,
        stored.recordCount,
      ],
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
