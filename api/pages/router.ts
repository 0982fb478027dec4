// The provenance pages' routes (server-rendered HTML, no scripts): requests, bundles, operators, API docs.
import { Hono } from 'hono';
import { html } from 'hono/html';
import { eq } from 'drizzle-orm';
import { bundles as bundleTable } from '../../core/db/schema.ts';
import { REQUEST_STATUSES, type RequestStatus } from '../../core/db/schema.ts';
import type { ApiDeps } from '../deps.ts';
import { errorResponse, notFound } from '../errors.ts';
import type { ApiEnv } from '../middleware.ts';
import {
  getOperator,
  getRequestDetail,
  listOperators,
  listRequests,
  operatorResponses,
  recordsOf,
} from '../queries.ts';
import { loadIpfsJson } from '../routes/bundles.ts';
import { verifyForPanel } from '../verification.ts';
import { provedRecordOf } from '../views.ts';
import { layout } from './layout.ts';
import {
  bundlePage,
  type BundleDoc,
  type BundleFacts,
  docsPage,
  operatorPage,
  operatorsPage,
  requestListPage,
  requestPage,
} from './views.ts';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function pagesRouter(deps: ApiDeps, openapi: () => unknown) {
  const app = new Hono<ApiEnv>();
  const { db } = deps;

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
      const doc = b.content;
      facts.set(b.cid, {
        cid: b.cid,
        prover: b.prover,
        serverName: doc.serverName,
        tlsTime: doc.tlsTime,
        trust: doc.trust,
      });
    }
    // bundles the aggregator did not cache: their facts are also in the records' sources
    for (const rec of records) {
      const sources = rec.provenance.sources ?? [];
      for (const s of sources)
        if (!facts.has(s.bundleCid))
          facts.set(s.bundleCid, { cid: s.bundleCid, prover: s.prover, serverName: s.serverName, tlsTime: s.tlsTime });
    }
    const root = detail.request.merkleRoot;
    const verification =
      detail.request.status === 'fulfilled' && root !== null
        ? await Promise.all(
            records.slice(0, 20).map(async (rec) => ({
              recordId: rec.id,
              index: rec.index,
              result: await verifyForPanel(deps, provedRecordOf(rec, root)),
            })),
          )
        : [];
    return c.html(layout(`Request ${id.slice(0, 10)}`, requestPage({ detail, records, bundles: facts, verification })));
  });

  app.get('/bundles/:cid', async (c) => {
    const cid = c.req.param('cid');
    const bytes = await loadIpfsJson(deps, cid);
    const doc = JSON.parse(new TextDecoder().decode(bytes)) as BundleDoc;
    return c.html(layout('Bundle', bundlePage(cid, doc)));
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

  app.get('/docs', (c) => c.html(layout('API', docsPage(openapi() as Parameters<typeof docsPage>[0]))));

  return app;
}
