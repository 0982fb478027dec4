// /v1/bundles/:cid: a provenance bundle (or a pinned spec or report) exactly as stored on IPFS.
import { createRoute } from '@hono/zod-openapi';
import { newRouter, preserialized } from '../router.ts';
import { isVeritasError } from '../../core/errors.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { Bundle, CidParam, errorResponses } from '../openapi.ts';
import { isKnownBundle } from '../queries.ts';
import { matches } from '../etag.ts';

const route = createRoute({
  method: 'get',
  path: '/{cid}',
  summary: 'A provenance bundle, spec or report from IPFS (bytes as pinned)',
  request: { params: CidParam },
  responses: {
    200: { description: 'the JSON document', content: { 'application/json': { schema: Bundle } } },
    ...errorResponses,
  },
});

/** Content on this node's disk, or named by a response the indexer saw (worth a bounded network fetch). */
export async function loadIpfsJson(deps: ApiDeps, cid: string): Promise<Uint8Array> {
  const local = await deps.ipfs.has(cid).catch((e: unknown) => {
    if (isVeritasError(e, 'INPUT_INVALID')) throw notFound('content', cid, 'cid');
    throw e;
  });
  if (!local && !(await isKnownBundle(deps.db, cid))) throw notFound('content', cid, 'cid');
  try {
    return await deps.ipfs.getBytes(cid, { timeoutMs: local ? 5_000 : 10_000, maxBytes: 8 * 1024 * 1024 });
  } catch (e) {
    if (isVeritasError(e, 'NOT_FOUND') || isVeritasError(e, 'INPUT_INVALID')) throw notFound('content', cid, 'cid');
    throw e;
  }
}

export function bundlesRouter(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(route, async (c) => {
    const { cid } = c.req.valid('param');
    // content-addressed: the bytes under a CID can never change, so the CID is the ETag and a match needs no read
    const etag = `"${cid}"`;
    const immutable = { ETag: etag, 'Cache-Control': 'public, max-age=31536000, immutable' };
    if (matches(c.req.header('if-none-match'), etag) && (await deps.ipfs.has(cid).catch(() => false)))
      return preserialized(c.body(null, 304, immutable));
    const bytes = await loadIpfsJson(deps, cid);
    return preserialized(
      c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'Content-Type': 'application/json', ...immutable }),
    );
  });
  return app;
}
