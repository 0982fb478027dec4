// The Veritas HTTP API: REST v1 with its OpenAPI 3.1 document, SSE status, dataset export and the provenance pages.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { newRouter } from './router.ts';
import type { ApiDeps } from './deps.ts';
import { startRegistryIndexer } from '../core/dataset/indexer.ts';
import { type FollowerOptions, startOperatorEventFollower } from '../core/operator-events.ts';
import { errorResponse } from './errors.ts';
import { mountHealth } from './health.ts';
import { JSON_VALUE_COMPONENT } from './openapi.ts';
import { accessLog, rateLimit, requestContext, securityHeaders, type ApiEnv } from './middleware.ts';
import { pagesRouter } from './pages/router.ts';
import { bundlesRouter } from './routes/bundles.ts';
import { datasetsRouter } from './routes/datasets.ts';
import { operatorsRouter } from './routes/operators.ts';
import { recordsRouter } from './routes/records.ts';
import { requestsRouter } from './routes/requests.ts';
import { submissionsRouter } from './routes/submissions.ts';

export type { ApiDeps } from './deps.ts';

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Veritas API',
    version: '1.0.0',
    description:
      'Verifiable data oracle for AI datasets: request values fetched over MPC-TLS by independent operators, follow them ' +
      'through attestation and aggregation, and download records with Merkle proofs against the on-chain root.',
  },
} as const;

/** Builds the hono app. Nothing listens until `startApi` (or a test calls `app.request`). */
export function createApi(deps: ApiDeps): OpenAPIHono<ApiEnv> {
  const app = newRouter();
  const { api } = deps.config;

  // One line per middleware or router, so a module (health, metrics) mounts with one more line.
  app.use('*', requestContext(deps.log.child({ component: 'api' })));
  app.use('*', accessLog());
  app.use('*', securityHeaders());
  mountHealth(app, deps);
  if (api.corsOrigins.length > 0)
    app.use(
      '/v1/*',
      cors({
        origin: api.corsOrigins.includes('*') ? '*' : api.corsOrigins,
        allowHeaders: ['Authorization', 'X-API-Key', 'Content-Type', 'Last-Event-ID', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Retry-After', 'ETag'],
        maxAge: 600,
      }),
    );
  // pages too: a request page costs more than a JSON read
  const limiter = rateLimit({
    perMinute: api.rateLimitPerMin,
    apiKeys: api.apiKeys,
    store: deps.options?.rateLimitStore,
  });
  app.use('/v1/*', limiter);
  app.use('/', limiter);
  app.use('/requests/*', limiter);
  app.use('/bundles/*', limiter);
  app.use('/operators', limiter);
  app.use('/operators/*', limiter);

  app.onError((e, c) => {
    const { status, body, headers } = errorResponse(e);
    if (status >= 500) c.var.log?.error({ err: e }, 'request failed');
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    return c.json(body, status);
  });
  app.notFound((c) => c.json({ code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` }, 404));

  app.route('/v1/requests', requestsRouter(deps));
  app.route('/v1/records', recordsRouter(deps));
  app.route('/v1/bundles', bundlesRouter(deps));
  app.route('/v1/operators', operatorsRouter(deps));
  app.route('/v1/datasets', datasetsRouter(deps));
  app.route('/v1/submissions', submissionsRouter(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key from VERITAS_API_KEYS, as `Authorization: Bearer <key>` (or the `X-API-Key` header)',
  });
  app.openAPIRegistry.registerComponent('schemas', 'JsonValue', JSON_VALUE_COMPONENT as never);
  app.doc31('/openapi.json', OPENAPI_INFO);
  app.route(
    '/',
    pagesRouter(deps, () => app.getOpenAPI31Document(OPENAPI_INFO)),
  );
  return app;
}

export type RunningApi = {
  url: string;
  port: number;
  /** Indexes the DatasetRegistry's events up to the chain's head now (when the node has a registry). */
  syncDatasets?: () => Promise<bigint>;
  close(): Promise<void>;
};

export type StartApiOptions = {
  /**
   * Follow every active operator's event feed into this database (operators on other machines, with databases of
   * their own). Off when the operators write into this database themselves (the in-process devnet, tests).
   */
  followOperators?: Omit<FollowerOptions, 'db' | 'publicClient' | 'hub' | 'log'>;
};

/** Serves the API on `config.api.host:port` (port 0: any free port); `close()` also ends open SSE streams. */
export async function startApi(deps: ApiDeps, o: StartApiOptions = {}): Promise<RunningApi> {
  const app = createApi(deps);
  const { host, port } = deps.config.api;
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(s));
    s.once('error', reject);
  });
  const bound = (server.address() as AddressInfo).port;
  // after the listener is up, so a failed start leaves no loop behind
  const follower = o.followOperators
    ? startOperatorEventFollower({
        ...o.followOperators,
        db: deps.db,
        publicClient: deps.chain.publicClient,
        hub: deps.chain.hubAddress,
        log: deps.log,
      })
    : undefined;
  // /v1/datasets and the dataset pages read the registry's events from the database: this node keeps them indexed
  const registryIndexer = deps.chain.datasetRegistry
    ? startRegistryIndexer({
        db: deps.db,
        publicClient: deps.chain.publicClient,
        registry: deps.chain.datasetRegistry,
        fromBlock: deps.chain.datasetRegistryFromBlock ?? 0n,
        log: deps.log,
      })
    : undefined;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
  deps.log.info({ url }, 'api listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    ...(registryIndexer ? { syncDatasets: registryIndexer.sync } : {}),
    close: () =>
      (closing ??= (async () => {
        await follower?.stop();
        await registryIndexer?.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // SSE streams are long-lived: end them rather than wait for the clients to hang up
          if ('closeAllConnections' in server) server.closeAllConnections();
        });
      })()),
  };
}
