// /v1/submissions/:id: what the API sent for a POST /v1/requests, reconciled with the indexed request when needed.
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter } from '../router.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { errorResponses } from '../openapi.ts';
import { reconcileSubmission } from '../submit.ts';
import { requestLinks } from '../views.ts';

const Submission = z
  .object({
    id: z.string(),
    status: z.enum(['submitting', 'sent', 'failed']),
    specHash: z.string(),
    specCid: z.string(),
    fee: z.string(),
    requestId: z.string().nullable(),
    txHash: z.string().nullable(),
    errorCode: z.string().nullable(),
    createdAt: z.string(),
    links: z.record(z.string(), z.string()),
  })
  .openapi('Submission');

const route = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A submission: what this API sent for a POST /v1/requests, and the request it became',
  description:
    '`submitting` until the transaction is confirmed; if the API lost the receipt, the request the indexer saw for ' +
    'the same consumer and spec hash is linked on read.',
  request: {
    params: z.object({
      id: z
        .string()
        .uuid()
        .openapi({ param: { name: 'id', in: 'path' } }),
    }),
  },
  responses: {
    200: { description: 'the submission', content: { 'application/json': { schema: Submission } } },
    ...errorResponses,
  },
});

export function submissionsRouter(deps: ApiDeps) {
  const app = newRouter();
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const s = await reconcileSubmission(deps.db, id);
    if (!s) throw notFound('submission', id);
    return c.json(
      {
        id: s.id,
        status: s.status,
        specHash: s.specHash,
        specCid: s.specCid,
        fee: s.fee,
        requestId: s.requestId,
        txHash: s.txHash,
        errorCode: s.errorCode,
        createdAt: s.createdAt.toISOString(),
        links: s.requestId ? requestLinks(s.requestId) : {},
      },
      200,
    );
  });
  return app;
}
