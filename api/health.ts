// The API's /healthz, /readyz (503 until its database and chain answer) and /metrics, and the latency histogram
// of every request, labelled by route pattern (never the raw path: ids would explode the label set).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { routePath } from 'hono/route';
import { dependencyChecks, metrics, registry } from '../core/metrics.ts';
import type { ApiDeps } from './deps.ts';
import type { ApiEnv } from './middleware.ts';

/** Mounts the three endpoints and the latency middleware; call it before the routes so it wraps them all. */
export function mountHealth(app: OpenAPIHono<ApiEnv>, deps: Pick<ApiDeps, 'db' | 'chain'>): void {
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const route = routePath(c, -1) || 'unmatched';
    metrics.apiLatency.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      (performance.now() - started) / 1000,
    );
  });
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = await dependencyChecks({ db: deps.db, publicClient: deps.chain.publicClient });
    const ready = checks.database === 'ok' && checks.chain === 'ok';
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });
  app.get('/metrics', async (c) => c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }));
}
