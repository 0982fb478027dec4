// /v1/requests: create (validate, pin, send or return unsigned), list, detail with timeline, SSE events, exports.
import { createRoute, z } from '@hono/zod-openapi';
import { newRouter, preserialized } from '../router.ts';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { encodeFunctionData } from 'viem';
import { oracleHubAbi, requestData, requestParamsOf, revertErrorName } from '../../core/chain/contracts.ts';
import { hashJson } from '../../core/canonical.ts';
import { requestEvents, requests } from '../../core/db/schema.ts';
import { VeritasError } from '../../core/errors.ts';
import { croissantOf } from '../croissant.ts';
import type { ApiDeps } from '../deps.ts';
import { ApiError, notFound } from '../errors.ts';
import { requireApiKey } from '../middleware.ts';
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
} from '../openapi.ts';
import { getRequest, getRequestDetail, listRequests, recordsOf } from '../queries.ts';
import { provedRecordOf, requestDetail, requestLinks, requestSummary } from '../views.ts';
import { streamRequestEvents } from '../sse.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const createRequest = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create an oracle request',
  description:
    'Validates the spec (structure, result JSON Schema, extraction rule), pins its canonical JSON to IPFS and sends ' +
    '`OracleHub.request` with the node key, or returns the unsigned transaction when the node has no key or `?unsigned=true`. ' +
    'Send it with a gas margin (about 20 % over the estimate): its gas depends on the committee the next block draws.',
  security: [{ apiKey: [] }],
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
  },
});

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
    200: { description: 'event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
  },
});

const jsonlRoute = createRoute({
  method: 'get',
  path: '/{id}/records.jsonl',
  summary: 'The request’s records with Merkle proofs, one ProvedRecord per line (streamed)',
  request: { params: RequestIdParam },
  responses: {
    200: { description: 'JSON Lines', content: { 'application/jsonl': { schema: z.string() } } },
    ...errorResponses,
  },
});

const croissantRoute = createRoute({
  method: 'get',
  path: '/{id}/croissant.json',
  summary: 'MLCommons Croissant 1.0 metadata of the request’s dataset, with provenance',
  request: { params: RequestIdParam },
  responses: { 200: json(CroissantDoc, 'Croissant JSON-LD'), ...errorResponses },
});

// Reverts the consumer can cause, named by the spec field that causes them.
const REVERT_FIELDS: Record<string, string> = {
  DeadlineInPast: 'spec.deadline',
  InvalidQuorum: 'spec.quorum',
  QuorumTooLarge: 'spec.quorum',
  DeadlineTooFar: 'spec.deadline',
  FeeTooLow: 'fee',
  InvalidPolicy: 'spec.aggregation',
};

export function requestsRouter(deps: ApiDeps) {
  const { db, ipfs, chain } = deps;
  const app = newRouter();
  const pageSize = 500;

  app.use('/', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    return requireApiKey(deps.config.api.apiKeys)(c, next);
  });
  app.use('/', async (c, next) => {
    if (c.req.method !== 'POST') return next();
    return bodyLimit({
      maxSize: deps.options?.bodyLimitBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError(
          413,
          'PAYLOAD_TOO_LARGE',
          `the body exceeds ${deps.options?.bodyLimitBytes ?? 64 * 1024} bytes`,
        );
      },
    })(c, next);
  });

  let sending: Promise<unknown> = Promise.resolve();
  app.openapi(createRequest, async (c) => {
    const { spec, fee } = c.req.valid('json');
    const { unsigned } = c.req.valid('query');
    const specHash = hashJson(spec);
    const specCid = await ipfs.addJson(spec);
    const params = requestParamsOf(spec);
    const args = [specHash, specCid, params] as const;
    const value = BigInt(fee);
    const links = { spec: `/v1/bundles/${specCid}` };
    if (chain.walletClient === undefined || unsigned) {
      const data = encodeFunctionData({ abi: oracleHubAbi, functionName: 'request', args });
      return c.json(
        {
          requestId: null,
          specHash,
          specCid,
          txHash: null,
          transaction: { to: chain.hubAddress, data, value: value.toString(), chainId: chain.chainId },
          links: { ...links, list: '/v1/requests' },
        },
        200,
      );
    }
    let sent: Awaited<ReturnType<typeof requestData>>;
    try {
      // requestData sends with a gas margin: the request's gas depends on the next block's randomness
      // One transaction of the node key at a time: concurrent POSTs would otherwise read the same pending nonce and
      // all but one fail with "nonce too low".
      const walletClient = chain.walletClient;
      const send = sending.then(() =>
        requestData({ walletClient, publicClient: chain.publicClient }, chain.hubAddress, {
          specHash,
          specCid,
          params,
          fee: value,
        }),
      );
      sending = send.catch(() => undefined);
      sent = await send;
    } catch (e) {
      const name = revertErrorName(e);
      const field = name === undefined ? undefined : REVERT_FIELDS[name];
      if (field) throw new VeritasError('INPUT_INVALID', `the hub refused the request: ${name}`, { field, cause: e });
      if (e instanceof VeritasError) throw e;
      throw new VeritasError('CHAIN_ERROR', `sending the request failed${name ? `: ${name}` : ''}`, {
        cause: e,
        transient: true,
      });
    }
    const id = sent.requestId.toLowerCase();
    const txHash = sent.transactionHash;
    // Recorded now, so the timeline shows the request before the indexer catches up; the indexer upserts the same row.
    await db
      .insert(requests)
      .values({
        id,
        consumer: chain.walletClient.account.address.toLowerCase(),
        specHash,
        specCid,
        spec,
        quorum: spec.quorum,
        deadline: spec.deadline,
        fee: value.toString(),
        txHash,
        blockNumber: Number(sent.blockNumber),
      })
      .onConflictDoNothing();
    await db
      .insert(requestEvents)
      .values({ requestId: id, source: 'api', stage: 'requested', detail: { txHash, specCid } });
    c.var.log.info({ requestId: id, txHash, specCid }, 'request sent');
    return c.json(
      { requestId: id, specHash, specCid, txHash, transaction: null, links: { ...links, ...requestLinks(id) } },
      201,
    );
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
    c.header('Content-Type', 'application/jsonl; charset=utf-8');
    c.header('Content-Disposition', `inline; filename="${request.id}.jsonl"`);
    // Paged from the database as it is written out, so a large request never sits whole in memory.
    return preserialized(
      stream(c, async (out) => {
        if (root === null) return;
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
    if (!request) throw notFound('request', id);
    const rows = request.merkleRoot === null ? [] : await recordsOf(db, request.id, -1, 100_000);
    const base = new URL(c.req.url).origin;
    c.header('Content-Type', 'application/ld+json; charset=utf-8');
    return c.json(croissantOf(request, rows, base), 200);
  });

  return app;
}
