// Database reads behind the API and the provenance pages: requests with their timeline, records, operators.
import { and, asc, desc, eq, gt, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../core/db/client.ts';
import {
  assignments,
  bundles,
  datasets,
  feeds,
  operatorJobs,
  operators,
  records,
  reports,
  requestEvents,
  requests,
  responses,
  type AssignmentRow,
  type OperatorJobRow,
  type OperatorRow,
  type RecordRow,
  type ReportRow,
  type RequestEventRow,
  type RequestRow,
  type RequestStatus,
  type ResponseRow,
} from '../core/db/schema.ts';
import { VeritasError } from '../core/errors.ts';
import { decodeOperatorMetadata } from '../core/operator-metadata.ts';
import { publicMessage } from './errors.ts';

export type StageStatus = 'done' | 'pending' | 'failed';
export type TimelineStage = { stage: string; status: StageStatus; at: string | null; detail: Record<string, unknown> };

/** The latest `mpc-progress` event of an operator (stage emitted while its MPC-TLS session runs). */
export type MpcProgress = { fraction: number; bytes: number; expectedBytes: number; at: string };

export type OperatorWork = {
  position: number;
  prover: string;
  notary: string;
  /** The job's state; `not needed` for a spare prover whose request was fulfilled without it. */
  state: string;
  /** The stable error code of a failed or retrying job (operator_jobs.last_error_code). */
  errorCode: string | null;
  progress: MpcProgress | null;
  response: {
    resultHash: string;
    bundleCid: string;
    txHash: string | null;
    verification: string;
    invalidCode: string | null;
    invalidMessage: string | null;
    /** The source's own extracted value after normalization (set once the aggregator verified it). */
    value: unknown;
  } | null;
};

export type RequestDetail = {
  request: RequestRow;
  events: RequestEventRow[];
  work: OperatorWork[];
  report: ReportRow | null;
  timeline: TimelineStage[];
};

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export async function getRequest(db: Database, id: string): Promise<RequestRow | undefined> {
  const [row] = await db.select().from(requests).where(eq(requests.id, id.toLowerCase())).limit(1);
  return row;
}

export async function getRequestDetail(db: Database, id: string): Promise<RequestDetail | undefined> {
  const request = await getRequest(db, id);
  if (!request) return undefined;
  const [events, assigned, answered, jobs, reportRows] = await Promise.all([
    db.select().from(requestEvents).where(eq(requestEvents.requestId, request.id)).orderBy(asc(requestEvents.id)),
    db.select().from(assignments).where(eq(assignments.requestId, request.id)).orderBy(asc(assignments.position)),
    db.select().from(responses).where(eq(responses.requestId, request.id)),
    db.select().from(operatorJobs).where(eq(operatorJobs.requestId, request.id)),
    db.select().from(reports).where(eq(reports.requestId, request.id)).limit(1),
  ]);
  const report = reportRows[0] ?? null;
  const work = operatorWork(request, assigned, answered, jobs, latestProgress(events));
  return { request, events, work, report, timeline: timeline(request, events, work, report) };
}

/** Each operator's latest `mpc-progress` event, keyed by its address; detail fields are checked, not trusted. */
function latestProgress(events: RequestEventRow[]): Map<string, MpcProgress> {
  const out = new Map<string, MpcProgress>();
  for (const e of events) {
    if (e.stage !== 'mpc-progress' || !e.detail) continue;
    const { fraction, bytes, expectedBytes } = e.detail as Record<string, unknown>;
    const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
    if (!finite(fraction) || !finite(bytes) || !finite(expectedBytes)) continue;
    out.set(e.source.toLowerCase(), { fraction: Math.min(fraction, 1), bytes, expectedBytes, at: e.at.toISOString() });
  }
  return out;
}

function operatorWork(
  request: RequestRow,
  assigned: AssignmentRow[],
  answered: ResponseRow[],
  jobs: OperatorJobRow[],
  progress: Map<string, MpcProgress>,
): OperatorWork[] {
  const byProver = new Map(answered.map((r) => [r.prover, r]));
  const jobOf = new Map(jobs.map((j) => [j.operator, j]));
  // A response can be indexed before its assignment row: list it anyway rather than hide it.
  const rows = [...assigned];
  for (const r of answered)
    if (!rows.some((a) => a.prover === r.prover))
      rows.push({
        requestId: r.requestId,
        prover: r.prover,
        notary: r.notary,
        position: rows.length,
        createdAt: r.createdAt,
      });
  return rows.map((a) => {
    const r = byProver.get(a.prover);
    const job = jobOf.get(a.prover);
    const jobState = job?.state ?? 'assigned';
    // The hub over-samples: once the request is settled, a prover that neither answered nor failed was a spare.
    const settled = request.status === 'fulfilled' || request.status === 'expired';
    const state = r
      ? r.verification === 'invalid'
        ? 'invalid'
        : r.verification === 'valid'
          ? 'verified'
          : 'responded'
      : settled && jobState !== 'failed'
        ? 'not needed'
        : jobState;
    return {
      position: a.position,
      prover: a.prover,
      notary: a.notary,
      state,
      errorCode: !r && job?.lastErrorCode ? job.lastErrorCode : null,
      progress: r ? null : (progress.get(a.prover) ?? null),
      response: r
        ? {
            resultHash: r.resultHash,
            bundleCid: r.bundleCid,
            txHash: r.txHash,
            verification: r.verification,
            invalidCode: r.invalidCode,
            invalidMessage: r.invalidMessage === null ? null : publicMessage(r.invalidMessage),
            value: r.value ?? null,
          }
        : null,
    };
  });
}

const firstEvent = (events: RequestEventRow[], stage: string) => events.find((e) => e.stage === stage);

/** The canonical stages of a request, each done / pending / failed, from whatever the watchers have recorded. */
function timeline(
  request: RequestRow,
  events: RequestEventRow[],
  work: OperatorWork[],
  report: ReportRow | null,
): TimelineStage[] {
  const stages: TimelineStage[] = [
    {
      stage: 'requested',
      status: 'done',
      at: iso(request.createdAt),
      detail: { txHash: request.txHash, specCid: request.specCid },
    },
  ];
  const assigned = work.length > 0 || firstEvent(events, 'assigned') !== undefined;
  stages.push({
    stage: 'assigned',
    status: assigned ? 'done' : request.status === 'expired' ? 'failed' : 'pending',
    at: iso(firstEvent(events, 'assigned')?.at ?? null),
    detail: { pairs: work.map((w) => ({ prover: w.prover, notary: w.notary })) },
  });
  for (const w of work) {
    const lastOwn = [...events].reverse().find((e) => e.source.toLowerCase() === w.prover);
    const status: StageStatus =
      w.state === 'invalid' || w.state === 'failed'
        ? 'failed'
        : w.response || w.state === 'not needed'
          ? 'done'
          : 'pending';
    const code = w.response?.invalidCode ?? w.errorCode;
    stages.push({
      stage: `operator ${w.position + 1}`,
      status,
      at: iso(lastOwn?.at ?? null),
      detail: {
        prover: w.prover,
        notary: w.notary,
        state: w.state,
        bundleCid: w.response?.bundleCid ?? null,
        ...(code ? { code } : {}),
      },
    });
  }
  const terminal = request.status === 'fulfilled' || request.status === 'expired' || request.status === 'failed';
  stages.push({
    stage: 'aggregated',
    status: report ? 'done' : terminal ? 'failed' : 'pending',
    at: iso(report?.createdAt ?? firstEvent(events, 'aggregated')?.at ?? null),
    detail: report ? { reportCid: report.reportCid, merkleRoot: report.merkleRoot, records: report.recordCount } : {},
  });
  if (request.status === 'expired' || request.status === 'failed')
    stages.push({ stage: request.status, status: 'failed', at: iso(request.updatedAt), detail: {} });
  else
    stages.push({
      stage: 'fulfilled',
      status: request.status === 'fulfilled' ? 'done' : 'pending',
      at: iso(request.fulfilledAt),
      detail:
        request.status === 'fulfilled'
          ? { merkleRoot: request.merkleRoot, reportCid: request.reportCid, txHash: report?.fulfillTxHash ?? null }
          : {},
    });
  return stages;
}

export type ListRequestsOptions = { limit: number; cursor?: string; status?: RequestStatus; consumer?: string };

/** Keyset pagination on (created_at desc, id desc): stable under inserts, no OFFSET scans. */
export async function listRequests(
  db: Database,
  o: ListRequestsOptions,
): Promise<{ items: RequestRow[]; nextCursor: string | null }> {
  const where: SQL[] = [];
  if (o.status) where.push(eq(requests.status, o.status));
  if (o.consumer) where.push(eq(requests.consumer, o.consumer.toLowerCase()));
  if (o.cursor) {
    const c = decodeCursor(o.cursor);
    where.push(or(lt(requests.createdAt, c.at), and(eq(requests.createdAt, c.at), lt(requests.id, c.id)))!);
  }
  const rows = await db
    .select()
    .from(requests)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(o.limit + 1);
  const items = rows.slice(0, o.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > o.limit && last ? encodeCursor(last) : null };
}

// The cursor carries the timestamp in microseconds as text: JS Dates would lose PostgreSQL's precision and skip rows.
const encodeCursor = (r: RequestRow): string =>
  Buffer.from(JSON.stringify([r.createdAt.toISOString(), r.id])).toString('base64url');

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    const d = new Date(at);
    if (typeof id !== 'string' || Number.isNaN(d.getTime())) throw new Error('bad cursor');
    return { at: d, id };
  } catch {
    throw new VeritasError('INPUT_INVALID', 'cursor is not a cursor this API returned', { field: 'cursor' });
  }
}

export async function eventsAfter(
  db: Database,
  requestId: string,
  afterId: number,
  limit = 100,
): Promise<RequestEventRow[]> {
  return db
    .select()
    .from(requestEvents)
    .where(and(eq(requestEvents.requestId, requestId), gt(requestEvents.id, afterId)))
    .orderBy(asc(requestEvents.id))
    .limit(limit);
}

export async function getRecord(db: Database, id: string): Promise<RecordRow | undefined> {
  const [row] = await db.select().from(records).where(eq(records.id, id)).limit(1);
  return row;
}

export async function recordsOf(
  db: Database,
  requestId: string,
  afterIndex: number,
  limit: number,
): Promise<RecordRow[]> {
  return db
    .select()
    .from(records)
    .where(and(eq(records.requestId, requestId), gt(records.index, afterIndex)))
    .orderBy(asc(records.index))
    .limit(limit);
}

/**
 * An operator's track record, counted from what the indexer and the aggregator recorded rather than kept as
 * counters: always consistent with the responses, reports and evidence, and right after a re-index or a replay.
 * answered: responses as prover; agreed: those the fulfilment included; invalid: those the aggregator refused;
 * slashed: equivocation evidence against it as notary that reached the chain.
 */
// Written out with qualified names: drizzle drops the table qualifier inside a select's sql, and these correlate.
const trackRecord = {
  answered: sql<number>`(select count(*)::int from responses r where r.prover = operators.address)`,
  agreed: sql<number>`(select count(*)::int from responses r join reports p on p.request_id = r.request_id
    where r.prover = operators.address and exists (
      select 1 from jsonb_array_elements_text(p.policy_outcome->'included') as inc(a) where lower(inc.a) = r.prover))`,
  invalid: sql<number>`(select count(*)::int from responses r
    where r.prover = operators.address and r.verification = 'invalid')`,
  slashed: sql<number>`(select count(*)::int from evidence e where e.notary = operators.address and e.tx_hash is not null)`,
};

/** The notary URL a row lacks, read from its registry metadata (rows indexed before the indexer decoded it). */
const withNotaryUrl = (o: OperatorRow): OperatorRow => {
  if (o.notaryUrl !== null || o.metadataUri === null) return o;
  try {
    return { ...o, notaryUrl: decodeOperatorMetadata(o.metadataUri).notaryUrl };
  } catch {
    return o; // not our metadata format: shown as unknown, never guessed
  }
};

async function operatorRows(db: Database, where?: SQL): Promise<OperatorRow[]> {
  const rows = await db
    .select({ row: operators, ...trackRecord })
    .from(operators)
    .where(where)
    .orderBy(asc(operators.address));
  return rows.map(({ row, ...counts }) => withNotaryUrl({ ...row, ...counts }));
}

export const listOperators = (db: Database): Promise<OperatorRow[]> => operatorRows(db);

export async function getOperator(db: Database, address: string): Promise<OperatorRow | undefined> {
  const [row] = await operatorRows(db, eq(operators.address, address.toLowerCase()));
  return row;
}

/** An operator's recent responses, as prover or as notary. */
export async function operatorResponses(db: Database, address: string, limit = 50): Promise<ResponseRow[]> {
  const a = address.toLowerCase();
  return db
    .select()
    .from(responses)
    .where(or(eq(responses.prover, a), eq(responses.notary, a)))
    .orderBy(desc(responses.createdAt))
    .limit(limit);
}

export async function bundleRow(db: Database, cid: string) {
  const [row] = await db.select().from(bundles).where(eq(bundles.cid, cid)).limit(1);
  return row;
}

/**
 * True when a response or the chain names this CID (a bundle; a request's spec or report; a dataset's metadata or a
 * feed's template): only then is it worth asking IPFS, which may wait on the network. With its own node (a devnet of
 * processes, a deployment) the API holds none of the reports the aggregator pinned, and `veritas dataset verify`
 * reads them through this route.
 */
export async function isKnownBundle(db: Database, cid: string): Promise<boolean> {
  const named = async (q: Promise<unknown[]>) => (await q).length > 0;
  const one = sql<number>`1`;
  return (
    (await named(db.select({ n: one }).from(responses).where(eq(responses.bundleCid, cid)).limit(1))) ||
    (await bundleRow(db, cid)) !== undefined ||
    (await named(
      db
        .select({ n: one })
        .from(requests)
        .where(or(eq(requests.reportCid, cid), eq(requests.specCid, cid)))
        .limit(1),
    )) ||
    (await named(db.select({ n: one }).from(datasets).where(eq(datasets.metadataCid, cid)).limit(1))) ||
    (await named(db.select({ n: one }).from(feeds).where(eq(feeds.specCid, cid)).limit(1)))
  );
}
