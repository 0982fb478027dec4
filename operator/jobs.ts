// The operator's work loop: finds requests assigned to it on-chain, keeps them as durable jobs in PostgreSQL, and
// runs them with bounded concurrency, backoff for transient failures and none for permanent ones.
//
// Best-paid first (issue 13): a job records its request's fee per sampled prover and its deadline when queued, and due
// jobs start in that order (fee per prover descending, then the nearest deadline, then the oldest), so a flood of
// minimum-fee requests cannot hold back a well-paid one. A job past its deadline, or whose request closed on-chain
// (fulfilled by the others, expired), is never started, and a running one is abandoned when that happens.
//
// Junk costs no session slot (issue 13): a job's spec is fetched and validated first, in its own small pool of loads
// (`prefetch`, also best-paid first), and only a job whose spec loaded may take one of the `concurrency` session slots.
// A request whose spec CID nobody serves waits out its fetch timeout there, while paid work runs.
//
// No missed events across restarts: the `Assigned` scan resumes from the last block recorded in chain_cursors,
// and the job rows and the cursor move in one transaction. No double answers: a job is terminal once responded,
// and `answerRequest` checks the chain before answering anyway.
import { and, asc, eq, inArray, isNotNull, isNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import type { Hex } from 'viem';
import { oracleHubAbi } from '../core/chain/contracts.ts';
import { chainCursors, operatorJobs } from '../core/db/schema.ts';
import { publicError } from '../core/public-error.ts';
import { toVeritasError } from '../core/errors.ts';
import { requestLogger } from '../core/log.ts';
import { requestStatusOf } from '../core/verify/chain.ts';
import { hubOf, loadRequestSpec, type OperatorContext } from './context.ts';
import { answerRequest, type FetcherDeps } from './fetcher.ts';
import { CURSOR_LAG_BLOCKS } from '../core/indexer.ts';

export const TERMINAL_STATES = ['responded', 'failed', 'skipped'] as const;

export type JobsOptions = {
  fromBlock: bigint;
  pollIntervalMs: number;
  concurrency: number;
  maxAttempts: number;
  /** Backoff after the n-th failed attempt: base·2^(n-1), capped. */
  backoffBaseMs: number;
  /** Spec loads at once, outside the session slots (default 8). */
  prefetch?: number;
  /** The work of one job (default answerRequest: the MPC session and `respond`); scheduling tests record instead. */
  answer?: typeof answerRequest;
  /** What must succeed before a job may take a session slot (default: load its spec, see loadJobSpec). */
  prepare?: (ctx: OperatorContext, requestId: Hex, signal: AbortSignal) => Promise<void>;
};

/** Fetches and validates the spec of an open request into the operator's spec cache; closed requests need none. */
export async function loadJobSpec(ctx: OperatorContext, requestId: Hex, signal: AbortSignal): Promise<void> {
  const request = await hubOf(ctx).read.getRequest([requestId]);
  if (requestStatusOf(request.status) !== 'pending') return; // runJob skips it without a session
  await loadRequestSpec(ctx, request, signal);
}

export type JobRunner = {
  /** Scans the chain and starts due jobs now instead of at the next tick. */
  poke(): void;
  stop(): Promise<void>;
};

export function startJobs(ctx: OperatorContext, deps: Omit<FetcherDeps, 'signal'>, options: JobsOptions): JobRunner {
  const me = ctx.account.address.toLowerCase() as Hex;
  const cursorName = `operator:${me}:Assigned`;
  const log = ctx.log.child({ component: 'operator-jobs' });
  const running = new Map<string, { done: Promise<void>; abandon: AbortController }>();
  const preparing = new Map<string, Promise<void>>(); // spec loads in flight
  const ready = new Set<string>(); // jobs whose spec loaded: the only ones that may take a session slot
  const prefetch = options.prefetch ?? 8;
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;
  let stopped = false;
  // An idle tick costs no database query (issue 16: on the devnet, polling queries to PGlite took about a fifth of a
  // core, beside the MPC sessions). The cursor is read once (this runner is its only writer), and due jobs are looked
  // for only when something may have changed: a new block (new jobs, chain time, closed requests), a poke (a job
  // ended, a spec loaded), a retry coming due, or every IDLE_TICKS ticks in any case.
  const IDLE_TICKS = 10;
  let nextFrom: bigint | undefined;
  // The cursor row is written only when a range held `Assigned` logs or it would lag CURSOR_LAG_BLOCKS behind: an
  // empty range rescanned after a restart yields no job, so not recording it is safe, and it saves the devnet a
  // transaction per block per operator (issue 16). The lag bounds the rescan after a long idle spell.
  let persisted: bigint | undefined;
  let lastHead: bigint | undefined;
  let dirty = true;
  let wakeAt = Number.POSITIVE_INFINITY;
  let idleTicks = 0;

  async function scan(): Promise<bigint> {
    if (nextFrom === undefined) {
      const [cursor] = await ctx.db.select().from(chainCursors).where(eq(chainCursors.name, cursorName));
      nextFrom = cursor ? BigInt(cursor.lastBlock) + 1n : options.fromBlock;
      persisted = nextFrom - 1n;
    }
    let from = nextFrom;
    const head = await ctx.publicClient.getBlockNumber();
    while (from <= head) {
      const to = from + 4_999n < head ? from + 4_999n : head;
      const logs = await ctx.publicClient.getContractEvents({
        address: ctx.hub,
        abi: oracleHubAbi,
        eventName: 'Assigned',
        fromBlock: from,
        toBlock: to,
      });
      if (logs.length === 0 && to - (persisted ?? -1n) < CURSOR_LAG_BLOCKS) {
        nextFrom = from = to + 1n;
        continue;
      }
      const mine = logs
        .filter((l) => l.args.provers?.some((p) => p.toLowerCase() === me))
        .map((l) => ({ requestId: l.args.requestId as Hex, sampled: l.args.provers?.length ?? 1 }));
      const priced = await priceJobs(mine);
      const inserted = await ctx.db.transaction(async (tx) => {
        const rows = priced.length
          ? await tx
              .insert(operatorJobs)
              .values(priced.map((j) => ({ ...j, operator: me, state: 'queued' })))
              .onConflictDoNothing()
              .returning({ requestId: operatorJobs.requestId })
          : [];
        await tx
          .insert(chainCursors)
          .values({ name: cursorName, lastBlock: Number(to) })
          .onConflictDoUpdate({ target: chainCursors.name, set: { lastBlock: Number(to), updatedAt: new Date() } });
        return rows;
      });
      nextFrom = to + 1n;
      persisted = to;
      for (const r of inserted) await deps.onStage(r.requestId as Hex, 'queued');
      from = to + 1n;
    }
    return head;
  }

  /** Fee per sampled prover and deadline of new jobs, read once from the hub (a few reads at a time). */
  async function priceJobs(jobs: { requestId: Hex; sampled: number }[]) {
    const out: { requestId: Hex; feePerProver: string; deadline: number }[] = [];
    for (let i = 0; i < jobs.length; i += 16)
      out.push(
        ...(await Promise.all(
          jobs.slice(i, i + 16).map(async ({ requestId, sampled }) => {
            const r = await hubOf(ctx).read.getRequest([requestId]);
            return {
              requestId,
              feePerProver: (r.fee / BigInt(Math.max(sampled, 1))).toString(),
              deadline: Number(r.deadline),
            };
          }),
        )),
      );
    return out;
  }

  /** The chain's clock: deadlines are the hub's, judged as the hub judges them (by block time). */
  const chainNow = async () => Number((await ctx.publicClient.getBlock({ blockTag: 'latest' })).timestamp);

  async function startDue(): Promise<void> {
    const now = await chainNow();
    // Past its deadline a job can only fail (the hub refuses late responses): end it without spending a slot.
    const late = await ctx.db
      .update(operatorJobs)
      .set({ state: 'skipped', lastError: 'deadline-passed', nextAttemptAt: null, updatedAt: new Date() })
      .where(
        and(
          eq(operatorJobs.operator, me),
          notInArray(operatorJobs.state, [...TERMINAL_STATES, 'running']),
          isNotNull(operatorJobs.deadline),
          lt(operatorJobs.deadline, now),
        ),
      )
      .returning({ requestId: operatorJobs.requestId });
    for (const j of late) {
      ready.delete(j.requestId);
      requestLogger(log, j.requestId).info('request skipped: deadline passed');
    }
    await abandonClosed(now);
    const free = options.concurrency - running.size + Math.max(0, prefetch - preparing.size);
    if (free <= 0) return;
    const due = await ctx.db
      .select()
      .from(operatorJobs)
      .where(
        and(
          eq(operatorJobs.operator, me),
          notInArray(operatorJobs.state, [...TERMINAL_STATES]),
          or(isNull(operatorJobs.nextAttemptAt), lte(operatorJobs.nextAttemptAt, new Date())),
        ),
      )
      .orderBy(
        sql`${operatorJobs.feePerProver} desc nulls last`,
        sql`${operatorJobs.deadline} asc nulls last`,
        asc(operatorJobs.createdAt),
      )
      .limit(free + running.size + preparing.size + ready.size);
    for (const job of due) {
      const id = job.requestId;
      if (running.has(id) || preparing.has(id)) continue;
      if (ready.has(id)) {
        if (running.size >= options.concurrency) continue;
        ready.delete(id); // a retry loads its spec again (from the cache)
        const abandon = new AbortController();
        const done = runJob(id as Hex, abandon).finally(() => {
          running.delete(id);
          if (!stopped) poke();
        });
        running.set(id, { done, abandon });
      } else if (preparing.size < prefetch) {
        preparing.set(
          id,
          prepareJob(id as Hex).finally(() => {
            preparing.delete(id);
            if (!stopped) poke();
          }),
        );
      }
    }
  }

  /** Loads a job's spec outside the session slots; a failure counts as one of the job's attempts. */
  async function prepareJob(requestId: Hex): Promise<void> {
    try {
      await (options.prepare ?? loadJobSpec)(ctx, requestId, abort.signal);
      ready.add(requestId);
    } catch (e) {
      if (stopped) return;
      const where = and(eq(operatorJobs.requestId, requestId), eq(operatorJobs.operator, me));
      const [job] = await ctx.db
        .update(operatorJobs)
        .set({ attempts: sql`${operatorJobs.attempts} + 1`, updatedAt: new Date() })
        .where(where)
        .returning();
      await recordFailure(requestId, job?.attempts ?? 1, e);
    }
  }

  /** Running jobs whose request closed on-chain or passed its deadline are aborted: their slot goes to open work. */
  async function abandonClosed(now: number): Promise<void> {
    if (!running.size) return;
    const ids = [...running.keys()];
    const rows = await ctx.db
      .select({ requestId: operatorJobs.requestId, deadline: operatorJobs.deadline })
      .from(operatorJobs)
      .where(and(eq(operatorJobs.operator, me), inArray(operatorJobs.requestId, ids)));
    for (const row of rows) {
      const job = running.get(row.requestId);
      if (!job || job.abandon.signal.aborted) continue;
      const why = await closedReason(row.requestId as Hex, now, row.deadline);
      if (why) job.abandon.abort(new Error(why));
    }
  }

  /** Why a job should not (or no longer) run: its request is closed on-chain or past its deadline; else undefined. */
  async function closedReason(requestId: Hex, now: number, deadline: number | null): Promise<string | undefined> {
    if (deadline !== null && now > deadline) return 'deadline-passed';
    const r = await hubOf(ctx).read.getRequest([requestId]);
    const status = requestStatusOf(r.status);
    if (status !== 'pending') return `closed (${status})`;
    return now > Number(r.deadline) ? 'deadline-passed' : undefined;
  }

  async function runJob(requestId: Hex, abandon: AbortController): Promise<void> {
    const rlog = requestLogger(log, requestId);
    const where = and(eq(operatorJobs.requestId, requestId), eq(operatorJobs.operator, me));
    const [job] = await ctx.db
      .update(operatorJobs)
      .set({
        state: 'running',
        attempts: sql`${operatorJobs.attempts} + 1`,
        nextAttemptAt: null,
        updatedAt: new Date(),
      })
      .where(where)
      .returning();
    try {
      const why = await closedReason(requestId, await chainNow(), job?.deadline ?? null);
      if (why) {
        await ctx.db.update(operatorJobs).set({ state: 'skipped', lastError: why, updatedAt: new Date() }).where(where);
        rlog.info({ reason: why }, 'request skipped');
        return;
      }
      const signal = AbortSignal.any([abort.signal, abandon.signal]);
      const outcome = await (options.answer ?? answerRequest)(ctx, { ...deps, signal }, requestId);
      if (outcome.outcome === 'responded') {
        await ctx.db
          .update(operatorJobs)
          .set({
            state: 'responded',
            bundleCid: outcome.bundleCid,
            txHash: outcome.txHash,
            lastError: null,
            lastErrorCode: null,
            updatedAt: new Date(),
          })
          .where(where);
        rlog.info({ bundleCid: outcome.bundleCid, txHash: outcome.txHash }, 'request answered');
      } else {
        await ctx.db
          .update(operatorJobs)
          .set({ state: 'skipped', lastError: outcome.reason, updatedAt: new Date() })
          .where(where);
        rlog.info({ reason: outcome.reason }, 'request skipped');
      }
    } catch (e) {
      if (stopped) return; // aborted by stop(): the job stays runnable and resumes at the next start
      if (abandon.signal.aborted) {
        const why = (abandon.signal.reason as Error).message;
        await ctx.db
          .update(operatorJobs)
          .set({ state: 'skipped', lastError: why, nextAttemptAt: null, updatedAt: new Date() })
          .where(where);
        rlog.info({ reason: why }, 'request abandoned');
        return;
      }
      await recordFailure(requestId, job?.attempts ?? 1, e);
    }
  }

  /** A failed attempt: retried with backoff when its code is retryable and attempts remain, else failed for good. */
  async function recordFailure(requestId: Hex, attempts: number, e: unknown): Promise<void> {
    const rlog = requestLogger(log, requestId);
    const where = and(eq(operatorJobs.requestId, requestId), eq(operatorJobs.operator, me));
    const err = toVeritasError(e);
    // Whether to retry is the code's decision (RETRYABLE); bad specs, SSRF, certificates, schemas are final.
    const retry = err.retryable && attempts < options.maxAttempts;
    const nextAttemptAt = retry
      ? new Date(Date.now() + Math.min(options.backoffBaseMs * 2 ** (attempts - 1), 60_000))
      : null;
    if (nextAttemptAt) wakeAt = Math.min(wakeAt, nextAttemptAt.getTime());
    await ctx.db
      .update(operatorJobs)
      .set({
        state: retry ? 'retrying' : 'failed',
        lastErrorCode: err.code,
        lastError: err.message,
        nextAttemptAt,
        updatedAt: new Date(),
      })
      .where(where);
    // Stage events are public (timelines, SSE): the sanitized message; the full error goes to the local log.
    await deps.onStage(requestId, retry ? 'retrying' : 'failed', {
      ...publicError(err),
      attempts,
      ...(nextAttemptAt ? { nextAttemptAt: nextAttemptAt.toISOString() } : {}),
    });
    rlog[retry ? 'warn' : 'error'](
      { code: err.code, err: err.message, details: err.details, attempts },
      retry ? 'request failed, will retry' : 'request failed',
    );
  }

  async function tick(): Promise<void> {
    try {
      const head = await scan();
      if (dirty || head !== lastHead || Date.now() >= wakeAt || ++idleTicks >= IDLE_TICKS) {
        dirty = false;
        lastHead = head;
        if (wakeAt <= Date.now()) wakeAt = Number.POSITIVE_INFINITY; // a later retry keeps its wake-up
        idleTicks = 0;
        await startDue();
      }
    } catch (e) {
      dirty = true;
      // An RPC or database blip: log it and try again at the next tick; never crash the operator.
      log.warn({ err: toVeritasError(e).message }, 'job scan failed');
    }
  }

  // A poke during a tick (a job ended, a spec loaded) runs another tick right after it, not a poll interval later.
  let pokedDuringTick = false;
  function poke(): void {
    dirty = true;
    schedule();
  }
  function schedule(): void {
    if (stopped) return;
    if (ticking) {
      pokedDuringTick = true;
      return;
    }
    clearTimeout(timer);
    ticking = tick().finally(() => {
      ticking = undefined;
      if (stopped) return;
      if (pokedDuringTick) {
        pokedDuringTick = false;
        poke();
      } else timer = setTimeout(schedule, options.pollIntervalMs);
    });
  }

  poke();
  return {
    poke,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort(new Error('operator stopping'));
      await ticking;
      await Promise.allSettled([...running.values()].map((j) => j.done));
      await Promise.allSettled(preparing.values());
    },
  };
}
