// A fulfilled request as a dataset: its flat rows (rows.jsonl: the value's columns beside the provenance columns,
// as core/dataset builds them for snapshots) and their MLCommons Croissant 1.1 description, on the public base URL.
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { RecordRow, RequestRow } from '../core/db/schema.ts';
import { croissantDocument } from '../core/dataset/croissant.ts';
import { LicenseDecl } from '../core/dataset/license.ts';
import { columnsOf, flatRowOf, jsonlOf, type Column } from '../core/dataset/rows.ts';
import { matches } from './etag.ts';
import { preserialized } from './router.ts';
import { provedRecordOf } from './views.ts';

/** A fulfilled request's exports never change (its root is on-chain): cache them for a year; otherwise revalidate. */
export const exportCacheHeaders = (status: string, etag: string): Record<string, string> => ({
  ETag: etag,
  'Cache-Control': status === 'fulfilled' ? 'public, max-age=31536000, immutable' : 'no-cache',
});

/** Sends an export with a strong ETag over its exact bytes, answering a matching If-None-Match with 304. */
export function exportBody(c: Context, body: string | Uint8Array, contentType: string, status: string): never {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const etag = `"${createHash('sha256').update(bytes).digest('base64url')}"`;
  const headers = exportCacheHeaders(status, etag);
  if (matches(c.req.header('if-none-match'), etag)) return preserialized(c.body(null, 304, headers));
  return preserialized(c.body(bytes as Uint8Array<ArrayBuffer>, 200, { ...headers, 'Content-Type': contentType }));
}

export type RequestRows = { columns: Column[]; jsonl: Uint8Array };

/** The request's records as flat rows (round 0: a one-shot request), one JSON object per line. */
export function requestRowsOf(request: RequestRow & { merkleRoot: string }, rows: RecordRow[]): RequestRows {
  const records = rows.map((r) => ({ round: 0, proved: provedRecordOf(r, request.merkleRoot) }));
  const columns = columnsOf(records);
  return {
    columns,
    jsonl: jsonlOf(
      records.map((r) => flatRowOf(r, columns)),
      columns,
    ),
  };
}

type SpecMeta = { name?: unknown; description?: unknown; url?: unknown; license?: unknown };

export function croissantOf(
  request: RequestRow & { merkleRoot: string },
  rows: RecordRow[],
  baseUrl: string,
): Record<string, unknown> {
  const { columns, jsonl } = requestRowsOf(request, rows);
  const spec = (request.spec ?? {}) as SpecMeta;
  const url = typeof spec.url === 'string' ? spec.url : undefined;
  // A licence only when the spec declares a well-formed one; otherwise "unspecified", never an assumed CC0.
  const license = LicenseDecl.safeParse(spec.license).data;
  const proved = rows.map((r) => provedRecordOf(r, request.merkleRoot).record);
  const tlsTimes = proved.flatMap((r) => r.sources.map((s) => s.tlsTime));
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const published = (request.fulfilledAt ?? request.createdAt).toISOString();
  const apiUrl = `${baseUrl}/v1/requests/${request.id}`;
  return croissantDocument({
    name: typeof spec.name === 'string' ? spec.name : `veritas-${request.id.slice(2, 14)}`,
    description:
      typeof spec.description === 'string'
        ? spec.description
        : `Values fetched from ${url ?? 'an HTTPS source'} over MPC-TLS by independent operators, attested by ` +
          'notaries and committed on-chain by a Merkle root. Each row names the bundles needed to re-check it.',
    url: `${baseUrl}/requests/${request.id}`,
    version: 1,
    license,
    creator: { name: `Ethereum account ${request.consumer}`, type: 'Organization' },
    live: false,
    datePublished: published,
    dateModified: published,
    citeAs: `Veritas oracle request ${request.id}, Merkle root ${request.merkleRoot}`,
    sources: [...new Set([...(url ? [url] : []), ...proved.map((r) => r.url)])].sort(),
    activity: {
      startedAt: tlsTimes.length > 0 ? iso(Math.min(...tlsTimes)) : request.createdAt.toISOString(),
      endedAt: tlsTimes.length > 0 ? iso(Math.max(...tlsTimes)) : published,
      provers: [...new Set(proved.flatMap((r) => r.sources.map((s) => s.prover)))].sort(),
    },
    columns,
    files: [
      {
        id: 'rows-jsonl',
        name: `${request.id}.rows.jsonl`,
        contentUrl: `${apiUrl}/rows.jsonl`,
        encodingFormat: 'application/jsonlines',
        bytes: jsonl,
        recordSet: 'records',
        description: 'One flat row per record: the value’s columns beside provenance columns',
      },
    ],
    extra: {
      'veritas:requestId': request.id,
      'veritas:status': request.status,
      'veritas:specCid': request.specCid,
      'veritas:specHash': request.specHash,
      'veritas:merkleRoot': request.merkleRoot,
      'veritas:reportCid': request.reportCid,
      'veritas:requestTx': request.txHash,
      'veritas:provedRecords': `${apiUrl}/records.jsonl`,
    },
  });
}
