// Database rows → the API's JSON shapes (the OpenAPI schemas in openapi.ts), shared by the REST routes and the pages.
import type { OperatorRow, RecordRow, RequestEventRow, RequestRow, ResponseRow } from '../core/db/schema.ts';
import { hashJson } from '../core/canonical.ts';
import { VeritasError } from '../core/errors.ts';
import { DatasetRecord, type ProvedRecord } from '../schemas/record.ts';
import type { RequestDetail as Detail } from './queries.ts';
import { publicMessage } from './errors.ts';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const requestLinks = (id: string): Record<string, string> => ({
  self: `/v1/requests/${id}`,
  events: `/v1/requests/${id}/events`,
  records: `/v1/requests/${id}/records.jsonl`,
  croissant: `/v1/requests/${id}/croissant.json`,
  page: `/requests/${id}`,
});

export const requestSummary = (r: RequestRow) => ({
  id: r.id,
  status: r.status,
  consumer: r.consumer,
  url: r.spec?.url ?? null,
  specHash: r.specHash,
  specCid: r.specCid,
  quorum: r.quorum,
  deadline: r.deadline,
  fee: r.fee,
  txHash: r.txHash,
  blockNumber: r.blockNumber,
  merkleRoot: r.merkleRoot,
  reportCid: r.reportCid,
  createdAt: r.createdAt.toISOString(),
  fulfilledAt: iso(r.fulfilledAt),
  links: requestLinks(r.id),
});

export const eventJson = (e: RequestEventRow) => ({
  id: e.id,
  at: e.at.toISOString(),
  source: e.source,
  stage: e.stage,
  // timelines are written by operators and the aggregator: what they say passes the public-message filter
  detail: e.detail ? (publicJson(e.detail) as Record<string, unknown>) : null,
});

/** A JSON value with every string passed through publicMessage (no URLs, no IP literals), depth-bounded. */
export function publicJson(v: unknown, depth = 0): unknown {
  if (typeof v === 'string') return publicMessage(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth > 16) return null;
  if (Array.isArray(v)) return v.map((x) => publicJson(x, depth + 1));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, publicJson(x, depth + 1)]));
}

export const requestDetail = (d: Detail, recordRows: Pick<RecordRow, 'id' | 'index'>[]) => ({
  ...requestSummary(d.request),
  spec: d.request.spec,
  timeline: d.timeline,
  operators: d.work,
  events: d.events.map(eventJson),
  report: d.report
    ? {
        reportCid: d.report.reportCid,
        merkleRoot: d.report.merkleRoot,
        recordCount: d.report.recordCount,
        fulfillTxHash: d.report.fulfillTxHash,
        policyOutcome: d.report.policyOutcome,
      }
    : null,
  records: recordRows.map((r) => ({ id: r.id, index: r.index, href: `/v1/records/${encodeURIComponent(r.id)}` })),
});

export const operatorJson = (o: OperatorRow) => ({
  address: o.address,
  status: o.status,
  bond: o.bond,
  notaryUrl: o.notaryUrl,
  metadataUri: o.metadataUri,
  answered: o.answered,
  agreed: o.agreed,
  invalid: o.invalid,
  slashed: o.slashed,
  links: { self: `/v1/operators/${o.address}`, page: `/operators/${o.address}` },
});

export const operatorResponseJson = (address: string, r: ResponseRow) => ({
  requestId: r.requestId,
  role: r.prover === address.toLowerCase() ? ('prover' as const) : ('notary' as const),
  prover: r.prover,
  notary: r.notary,
  bundleCid: r.bundleCid,
  verification: r.verification,
  invalidCode: r.invalidCode,
});

/**
 * A stored record row as a ProvedRecord. The aggregator stores the full DatasetRecord in `provenance` (and its
 * value again in `value` for queries); the record hash is recomputed here rather than trusted from the row, so a
 * row edited in the database fails verification instead of carrying a stale hash.
 */
export function provedRecordOf(row: RecordRow, merkleRoot: string): ProvedRecord {
  const direct = DatasetRecord.safeParse(row.provenance);
  const parsed = direct.success
    ? direct
    : DatasetRecord.safeParse({
        ...row.provenance,
        value: row.value,
        index: row.index,
        requestId: row.requestId,
      });
  if (!parsed.success)
    throw new VeritasError('INTERNAL', `record ${row.id} is stored without a complete DatasetRecord`, {
      details: { id: row.id },
    });
  const record = parsed.data;
  return { record, recordHash: hashJson(record), merkleRoot, proof: row.proof };
}
