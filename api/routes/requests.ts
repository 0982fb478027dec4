// /v1/requests: create (validate, pin, send or return unsigned), list, detail with timeline, SSE events, exports.
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, preserialized } from '../router.ts';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { croissantOf, exportBody, exportCacheHeaders, requestRowsOf } from '../croissant.ts';
import type { ApiDeps } from '../deps.ts';
import { matches } from '../etag.ts';
import { ApiError, notFound } from '../errors.ts';
import { API_LIMITS, jsonBody } from '../input.ts';
import { requireApiKey } from '../middleware.ts';
import { minimumFee, submitRequest, unsignedRequest } from '../submit.ts';
import {
  CreateRequestBody,
  CreateRequestQuery,
  CreateRequestResult,
  CroissantDoc,
  errorResponses,
  ErrorBody,
  ListRequestsQuery,
  RequestDetail,
  RequestIdParam,
  RequestList,
  SseHello,
} from '../openapi.ts';
import { getRequest, getRequestDetail, listRequests, recordsOf } from '../queries.ts';
import { provedRecordOf, requestDetail, requestLinks, requestSummary } from '../views.ts';
import { streamRequestEvents } from '../sse.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

// Auth, the body limit and the JSON gate attach to this route alone: the read routes beside it stay open and unbuffered.
const createRequest = (deps: ApiDeps) => {
  const maxSize = deps.options?.bodyLimitBytes ?? API_LIMITS.bodyBytes;
  return createRoute({
    method: 'post',
    path: '/',
    summary: 'Create an oracle request',
    description:
      'Validates the spec (structure, result JSON Schema, extraction rule), pins its canonical JSON to IPFS and sends ' +
      '`OracleHub.request` with the node key, or returns the unsigned transaction when the node has no key or ' +
      '`?unsigned=true`. Send it with a gas margin (about 20 % over the estimate): its gas depends on the committee ' +
      `the next block draws. Limits: body ${maxSize} bytes, \`spec.url\` ${API_LIMITS.urlChars} characters, nesting ` +
      `${API_LIMITS.depth} levels; strings must be well-formed Unicode without NUL.`,
    security: [{ apiKey: [] }],
    middleware: [
      requireApiKey(deps.config.api.apiKeys),
      bodyLimit({
        maxSize,
        onError: () => {
          throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${maxSize} bytes`);
        },
      }),
      jsonBody(),
    ] as const,
    request: {
      query: CreateRequestQuery,
      body: { content: { 'application/json': { schema: CreateRequestBody } }, required: true },
    },
    responses: {
      201: json(CreateRequestResult, 'request sent; its id and links'),
      200: json(CreateRequestResult, 'the unsigned transaction to send'),
      ...errorResponses,
      401: json(ErrorBody, 'missing or invalid API key'),
      413: json(ErrorBody, 'body too large'),
      415: json(ErrorBody, 'the body is not sent as application/json'),
    },
  });
};

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'List requests (newest first, cursor-paginated)',
  request: { query: ListRequestsQuery },
  responses: { 200: json(RequestList, 'a page of requests'), ...errorResponses },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A request with its stage timeline',
  request: { params: RequestIdParam },
  responses: { 200: json(RequestDetail, 'the request'), ...errorResponses },
});

const eventsRoute = createRoute({
  method: 'get',
  path: '/{id}/events',
  summary: 'The request timeline as Server-Sent Events',
  description:
    'Each timeline event is sent with its id; reconnect with `Last-Event-ID` (or `?lastEventId=`) to resume. ' +
    'A final `end` event carries the request status once it is fulfilled, expired or failed.',
  request: {
    params: RequestIdParam,
    query: z.object({
      lastEventId: z.coerce
        .number()
        .int()
        .min(0)
        .optional()
        .openapi({ param: { name: 'lastEventId', in: 'query' } }),
    }),
  },
  responses: {
    200: {
      description:
        'event stream: `hello` (data: SseHello), then `stage` per timeline event (data: RequestEvent, with its `id`), ' +
        'then `end` once the request is final (data: RequestSummary)',
      content: { 'text/event-stream': { schema: z.string() } },
    },
    ...errorResponses,
  },
});

const jsonlRoute = createRoute({
  method: 'get',
  path: '/{id}/records.jsonl',
  summary: 'The request’s records with Merkle proofs, one ProvedRecord per line (streamed)',
  description: '404 until the request is fulfilled (never an empty 200 a dataset tool would cache).',
  request: { params: RequestIdParam },
  responses: {
    200: { description: 'JSON Lines', content: { 'application/jsonl': { schema: z.string() } } },
    ...errorResponses,
  },
});

const rowsRoute = createRoute({
  method: 'get',
  path: '/{id}/rows.jsonl',
  summary: 'The request’s records as flat training rows (value columns beside provenance columns), one per line',
  description: '404 until the request is fulfilled. Immutable once it is: `ETag`, long cache.',
  request: { params: RequestIdParam },
  responses: {
    200: { description: 'JSON Lines', content: { 'application/jsonl': { schema: z.string() } } },
    ...errorResponses,
  },
});

const croissantRoute = createRoute({
  method: 'get',
  path: '/{id}/croissant.json',
  summary: 'MLCommons Croissant 1.1 metadata of the request’s dataset, with provenance',
  description: '404 until the request is fulfilled. Its `contentUrl`s are under `VERITAS_PUBLIC_URL`.',
  request: { params: RequestIdParam },
  responses: {
    200: { description: 'Croissant JSON-LD', content: { 'application/ld+json': { schema: CroissantDoc } } },
    ...errorResponses,
  },
});

export function requestsRouter(deps: ApiDeps) {
  const { db } = deps;
  const app = newRouter();
  // the SSE events' data types, as components the generated client types its event stream with
  app.openAPIRegistry.register('SseHello', SseHello);
  const pageSize = 500;
  const submit = { ...deps, log: deps.log.child({ component: 'api:submit' }) };

  app.openapi(createRequest(deps), async (c) => {
    const { spec, fee } = c.req.valid('json');
    const { unsigned } = c.req.valid('query');
    if (deps.chain.walletClient === undefined || unsigned) {
      const u = await unsignedRequest(
        submit,
        spec,
        fee === undefined ? await minimumFee(submit, spec.quorum) : BigInt(fee),
      );
      const links = { spec: `/v1/bundles/${u.specCid}`, list: '/v1/requests' };
      return c.json({ requestId: null, submissionId: null, txHash: null, ...u, links }, 200);
    }
    const s = await submitRequest(
      submit,
      spec,
      fee === undefined ? await minimumFee(submit, spec.quorum) : BigInt(fee),
    );
    const links = {
      spec: `/v1/bundles/${s.specCid}`,
      submission: `/v1/submissions/${s.submissionId}`,
      ...requestLinks(s.requestId),
    };
    return c.json({ ...s, transaction: null, links }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listRequests(db, q);
    return c.json({ items: page.items.map(requestSummary), nextCursor: page.nextCursor }, 200);
  });

  app.openapi(detailRoute, async (c) => {
    const { id } = c.req.valid('param');
    const detail = await getRequestDetail(db, id);
    if (!detail) throw notFound('request', id);
    const rows = await recordsOf(db, detail.request.id, -1, 1000);
    return c.json(requestDetail(detail, rows), 200);
  });

  app.openapi(eventsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const request = await getRequest(db, id);
    if (!request) throw notFound('request', id);
    const header = c.req.header('last-event-id');
    const fromHeader = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
    const lastEventId = fromHeader ?? c.req.valid('query').lastEventId ?? 0;
    return streamRequestEvents(c, {
      db,
      requestId: request.id,
      lastEventId,
      pollMs: deps.options?.ssePollMs ?? 250,
      heartbeatMs: deps.options?.sseHeartbeatMs ?? 15_000,
    });
  });

  app.openapi(jsonlRoute, async (c) => {
    const { id } = c.req.valid('param');
    const request = await getRequest(db, id);
    if (!request) throw notFound('request', id);
    const root = request.merkleRoot;
    if (root === null) throw notFound('records of request', id);
    const etag = `"records-${root}"`;
    if (matches(c.req.header('if-none-match'), etag))
      return preserialized(c.body(null, 304, exportCacheHeaders(request.status, etag)));
    c.header('Content-Type', 'application/jsonl; charset=utf-8');
    c.header('Content-Disposition', `inline; filename="${request.id}.jsonl"`);
    for (const [k, v] of Object.entries(exportCacheHeaders(request.status, etag))) c.header(k, v);
    // Paged from the database as it is written out, so a large request never sits whole in memory.
    return preserialized(
      stream(c, async (out) => {
        let after = -1;
        for (;;) {
          const rows = await recordsOf(db, request.id, after, pageSize);
          if (rows.length === 0 || out.aborted) return;
          await out.write(rows.map((r) => `${JSON.stringify(provedRecordOf(r, root))}\n`).join(''));
          after = rows.at(-1)!.index;
        }
      }),
    );
  });

  app.openapi(croissantRoute, async (c) => {
    const { id } = c.req.valid('param');
    const request = await getRequest(db, id);
    const root = request?.merkleRoot;
    if (!request || root === null || root === undefined) throw notFound('fulfilled request', id);
    const rows = await recordsOf(db, request.id, -1, 100_000);
    const base = deps.config.api.publicUrl ?? new URL(c.req.url).origin;
    const body = JSON.stringify(croissantOf({ ...request, merkleRoot: root }, rows, base));
    return exportBody(c, body, 'application/ld+json; charset=utf-8', request.status);
  });

  app.openapi(rowsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const request = await getRequest(db, id);
    const root = request?.merkleRoot;
    if (!request || root === null || root === undefined) throw notFound('fulfilled request', id);
    const rows = await recordsOf(db, request.id, -1, 100_000);
    const { jsonl } = requestRowsOf({ ...request, merkleRoot: root }, rows);
    return exportBody(c, jsonl, 'application/jsonl; charset=utf-8', request.status);
  });

  return app;
}
