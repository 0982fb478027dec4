// /v1/records/:id: one record with its Merkle proof, served from an in-memory cache once its request is fulfilled.
import { createRoute } from '@hono/zod-openapi';
import { newRouter, preserialized } from '../router.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { errorResponses, ProvedRecordBody, RecordIdParam } from '../openapi.ts';
import { getRecord, getRequest } from '../queries.ts';
import { matches } from '../etag.ts';
import { provedRecordOf } from '../views.ts';

const route = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A dataset record with its Merkle proof against the on-chain root',
  request: { params: RecordIdParam },
  responses: {
    200: { description: 'the proved record', content: { 'application/json': { schema: ProvedRecordBody } } },
    ...errorResponses,
  },
});

type Cached = { body: string; etag: string; headers: Record<string, string> };
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Records of a fulfilled request never change (the root is on-chain), so their serialized form is cached and sent
 * as immutable; records of an unfinished request are read from the database every time.
 */
export function recordsRouter(deps: ApiDeps) {
  const app = newRouter();
  const cache = new Map<string, Cached>();
  const max = deps.options?.recordCacheSize ?? 10_000;

  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    let hit = cache.get(id);
    if (hit === undefined) {
      const row = await getRecord(deps.db, id);
      if (!row) throw notFound('record', id);
      const request = await getRequest(deps.db, row.requestId);
      if (!request || request.merkleRoot === null) throw notFound('record', id);
      const body = JSON.stringify(provedRecordOf(row, request.merkleRoot));
      const etag = `"${row.leafHash}"`;
      const entry = {
        body,
        etag,
        headers: { 'Content-Type': 'application/json', ETag: etag, 'Cache-Control': IMMUTABLE },
      };
      if (request.status !== 'fulfilled')
        return preserialized(c.body(body, 200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' }));
      if (cache.size >= max) cache.delete(cache.keys().next().value!);
      cache.set(id, entry);
      hit = entry;
    }
    if (matches(c.req.header('if-none-match'), hit.etag))
      return preserialized(c.body(null, 304, { ETag: hit.etag, 'Cache-Control': IMMUTABLE }));
    // A plain header object, not c.body's Headers: @hono/node-server writes it straight to the socket. Nothing on
    // this route sets a header before the handler (the request id and security headers go on the Node response, and
    // CORS sets its headers on c.res, which hono merges into this one), so nothing is lost by bypassing c.body.
    return preserialized(new Response(hit.body, { status: 200, headers: hit.headers }));
  });
  return app;
}
