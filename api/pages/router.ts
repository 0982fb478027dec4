// The provenance pages' routes (server-rendered HTML, no scripts): requests, bundles, operators, datasets, API docs.
import { Hono } from 'hono';
import { html } from 'hono/html';
import { eq } from 'drizzle-orm';
import { bundles as bundleTable } from '../../core/db/schema.ts';
import { REQUEST_STATUSES, type RequestStatus } from '../../core/db/schema.ts';
import type { ApiDeps } from '../deps.ts';
import { VeritasError } from '../../core/errors.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import { validateDocument } from '../../schemas/validate.ts';
import { DatasetMetadata } from '../../core/dataset/chain.ts';
import { getDataset, indexedHistory, listDatasets } from '../../core/dataset/store.ts';
import type { RecordRow, RequestRow } from '../../core/db/schema.ts';
import { errorResponse, notFound } from '../errors.ts';
import type { ApiEnv } from '../middleware.ts';
import {
  getOperator,
  getRequest,
  getRequestDetail,
  listOperators,
  listRequests,
  operatorResponses,
  recordsOf,
} from '../queries.ts';
import { loadIpfsJson } from '../routes/bundles.ts';
import { verificationCache } from '../verification.ts';
import { provedRecordOf } from '../views.ts';
import { CSS, CSS_PATH, layout } from './layout.ts';
import { datasetListPage, datasetPage } from './dataset.ts';
import { type BundleFacts, requestPage, requestTitle } from './request.ts';
import {
  bundlePage,
  documentPage,
  invalidDocumentPage,
  docsPage,
  operatorPage,
  operatorsPage,
  requestListPage,
} from './views.ts';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const DATASET_ID = /^[1-9][0-9]{0,18}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** A pinned document as the page may show it: validated against its published schema first, or not at all. */
type ShownDocument =
  | { kind: 'provenance-bundle'; doc: ProvenanceBundle }
  | { kind: 'request-spec' | 'aggregate-report'; doc: unknown }
  | { kind: 'invalid'; error: VeritasError };

function classify(json: unknown): ShownDocument {
  let first: VeritasError | undefined;
  for (const kind of ['provenance-bundle', 'request-spec', 'aggregate-report'] as const) {
    try {
      const doc = validateDocument(kind, json, 'BUNDLE_INVALID');
      return kind === 'provenance-bundle' ? { kind, doc: doc as ProvenanceBundle } : { kind, doc };
    } catch (e) {
      if (!(e instanceof VeritasError)) throw e;
      first ??= e;
    }
  }
  return { kind: 'invalid', error: first! };
}

export function pagesRouter(deps: ApiDeps, openapi: () => unknown) {
  const app = new Hono<ApiEnv>();
  const { db } = deps;
  const verdicts = verificationCache(deps, deps.options?.verificationCacheSize);

  app.get(CSS_PATH, (c) =>
    c.body(CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  );

  app.onError((e, c) => {
    const { status, body } = errorResponse(e);
    if (status >= 500) c.var.log?.error({ err: e }, 'page failed');
    return c.html(
      layout(
        status === 404 ? 'Not found' : 'Error',
        html`<h1>${status === 404 ? 'Not found' : 'Something went wrong'}</h1><p>${body.message}</p>`,
      ),
      status,
    );
  });

  app.get('/', async (c) => {
    const s = c.req.query('status');
    const status = REQUEST_STATUSES.includes(s as RequestStatus) ? (s as RequestStatus) : undefined;
    const page = await listRequests(db, { limit: 50, cursor: c.req.query('cursor') || undefined, status });
    return c.html(layout('Requests', requestListPage(page.items, page.nextCursor, status)));
  });

  app.get('/requests/:id', async (c) => {
    const id = c.req.param('id');
    if (!HEX32.test(id)) throw notFound('request', id);
    const detail = await getRequestDetail(db, id);
    if (!detail) throw notFound('request', id);
    const records = await recordsOf(db, detail.request.id, -1, 1000);
    const bundleRows = await db.select().from(bundleTable).where(eq(bundleTable.requestId, detail.request.id));
    const facts = new Map<string, BundleFacts>();
    for (const b of bundleRows) {
      // only what a schema-valid bundle says reaches the page
      const shown = classify(b.content);
      if (shown.kind !== 'provenance-bundle') continue;
      const doc = shown.doc;
      facts.set(b.cid, {
        cid: b.cid,
        prover: b.prover,
        serverName: doc.serverName,
        tlsTime: doc.tlsTime,
        trust: doc.trust,
      });
    }
    const root = detail.request.merkleRoot;
    const proved = detail.request.status === 'fulfilled' && root !== null ? records.slice(0, 20) : [];
    let computed = 0;
    const verification = await Promise.all(
      proved.map(async (rec) => {
        const p = provedRecordOf(rec, root!);
        // bundles the aggregator did not cache: their facts are also in the (schema-parsed) records' sources
        for (const s of p.record.sources)
          if (!facts.has(s.bundleCid))
            facts.set(s.bundleCid, {
              cid: s.bundleCid,
              prover: s.prover,
              serverName: s.serverName,
              tlsTime: s.tlsTime,
            });
        const v = await verdicts.verify(p);
        if (!v.cached) computed++;
        return { recordId: rec.id, index: rec.index, result: v.result };
      }),
    );
    // how much verification this view cost: a cached page computes none
    c.header('X-Verification', `computed=${computed}; cached=${verification.length - computed}`);
    return c.html(layout(requestTitle(detail), requestPage({ detail, records, bundles: facts, verification })));
  });

  app.get('/bundles/:cid', async (c) => {
    const cid = c.req.param('cid');
    const bytes = await loadIpfsJson(deps, cid);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(bytes));
    } catch {
      json = undefined;
    }
    const shown =
      json === undefined
        ? { kind: 'invalid' as const, error: new VeritasError('BUNDLE_INVALID', 'the content is not JSON') }
        : classify(json);
    if (shown.kind === 'invalid') return c.html(layout('Invalid document', invalidDocumentPage(cid, shown.error)), 422);
    if (shown.kind === 'provenance-bundle') return c.html(layout('Bundle', bundlePage(cid, shown.doc)));
    return c.html(layout(shown.kind === 'request-spec' ? 'Spec' : 'Report', documentPage(cid, shown.kind, shown.doc)));
  });

  app.get('/operators', async (c) => c.html(layout('Operators', operatorsPage(await listOperators(db)))));

  app.get('/operators/:address', async (c) => {
    const address = c.req.param('address');
    if (!ADDRESS.test(address)) throw notFound('operator', address, 'address');
    const op = await getOperator(db, address);
    if (!op) throw notFound('operator', address, 'address');
    return c.html(
      layout(`Operator ${address.slice(0, 10)}`, operatorPage(op, await operatorResponses(db, op.address))),
    );
  });

  // Datasets: the DatasetRegistry's events as this node indexed them (core/dataset/indexer.ts), and the records' values.
  const registry = () => {
    if (deps.chain.datasetRegistry === undefined)
      throw new VeritasError('NOT_FOUND', 'this node has no DatasetRegistry configured', {
        field: 'VERITAS_DATASET_REGISTRY_ADDRESS',
      });
    return deps.chain.datasetRegistry;
  };
  const metadataOf = async (cid: string): Promise<DatasetMetadata | null> => {
    // metadata is the owner's document: shown only when it parses, and never waited on for long
    const parsed = DatasetMetadata.safeParse(await deps.ipfs.getJson(cid, { timeoutMs: 3_000 }).catch(() => null));
    return parsed.success ? parsed.data : null;
  };

  app.get('/datasets', async (c) => {
    const items = [];
    for (const dataset of (await listDatasets(db, registry())).slice(0, 200))
      items.push({ dataset, metadata: await metadataOf(dataset.metadataCid) });
    return c.html(layout('Datasets', datasetListPage(items)));
  });

  app.get('/datasets/:id', async (c) => {
    const id = c.req.param('id');
    if (!DATASET_ID.test(id)) throw notFound('dataset', id);
    const reg = registry();
    const dataset = await getDataset(db, reg, BigInt(id));
    if (!dataset) throw notFound('dataset', id);
    const [metadata, history] = await Promise.all([
      metadataOf(dataset.metadataCid),
      indexedHistory(db, reg, dataset.id),
    ]);
    const requestIds = new Set([
      ...history.rounds.map((r) => r.requestId),
      ...history.sources.flatMap((s) => (s.kind === 'request' ? [s.requestId] : [])),
    ]);
    const requestRows = new Map<string, RequestRow>();
    const recordRows = new Map<string, RecordRow[]>();
    for (const rid of requestIds) {
      const row = await getRequest(db, rid);
      if (!row) continue;
      requestRows.set(rid, row);
      if (row.status === 'fulfilled') recordRows.set(rid, await recordsOf(db, row.id, -1, 100));
    }
    const name = metadata?.name ?? `Dataset ${id}`;
    return c.html(
      layout(name, datasetPage({ dataset, metadata, history, requests: requestRows, records: recordRows })),
    );
  });

  app.get('/docs', (c) => c.html(layout('API', docsPage(openapi() as Parameters<typeof docsPage>[0]))));

  return app;
}
