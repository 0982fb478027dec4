// Prometheus metrics of every component (prom-client), defined once here so names, labels and buckets agree, plus
// the small health/metrics HTTP listener the operator and the aggregator serve (`/healthz`, `/readyz`, `/metrics`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** One registry per process: in the devnet's single process every component shares it, labelled by `component`. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'veritas_process_' });

// MPC-TLS sessions take seconds to minutes (TLSN.md: 11.5 s for 1 KB, 30 s for 16 KB on 2 cores)
const sessionBuckets = [1, 2.5, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300];

export const metrics = {
  /** Every stage an operator reports (queued, notary-connected, mpc-setup, …, responded, failed), per outcome. */
  sessionStages: new Counter({
    name: 'veritas_mpc_sessions_total',
    help: 'MPC-TLS session stages reached, by stage and outcome (ok, retrying, failed)',
    labelNames: ['stage', 'outcome'] as const,
    registers: [registry],
  }),
  /** Time from the previous stage of the same request to this one. */
  stageDuration: new Histogram({
    name: 'veritas_mpc_stage_duration_seconds',
    help: 'time spent reaching each stage since the previous one, per request and operator',
    labelNames: ['stage'] as const,
    buckets: sessionBuckets,
    registers: [registry],
  }),
  /** From the notary connection to the signed attestation (prover side), or to the failure. */
  sessionDuration: new Histogram({
    name: 'veritas_mpc_session_duration_seconds',
    help: 'MPC-TLS session duration, notary connected → attested (or failed)',
    labelNames: ['outcome'] as const,
    buckets: sessionBuckets,
    registers: [registry],
  }),
  bytesRelayed: new Counter({
    name: 'veritas_relay_bytes_total',
    help: 'bytes relayed between prover and verifier by the notary relay, by sender role',
    labelNames: ['from'] as const,
    registers: [registry],
  }),
  notaryRefusals: new Counter({
    name: 'veritas_notary_refusals_total',
    help: 'notary sessions refused or failed, by error code',
    labelNames: ['code'] as const,
    registers: [registry],
  }),
  openJobs: new Gauge({
    name: 'veritas_operator_open_jobs',
    help: 'requests an operator has queued and not yet answered or given up',
    registers: [registry],
  }),
  aggregatorBacklog: new Gauge({
    name: 'veritas_aggregator_backlog',
    help: 'open requests (assigned, not yet fulfilled or expired) at the last aggregator pass',
    registers: [registry],
  }),
  verificationFailures: new Counter({
    name: 'veritas_verification_failures_total',
    help: 'responses the aggregator excluded, by the failed check (error code)',
    labelNames: ['check'] as const,
    registers: [registry],
  }),
  apiLatency: new Histogram({
    name: 'veritas_api_request_duration_seconds',
    help: 'API request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
};

const TERMINAL = new Set(['responded', 'failed', 'skipped']);

/**
 * Records an operator's stage event: the stage counter, the time since that request's previous stage, and, at the
 * end of a session, its duration. `key` is per (operator, request): one process may run several operators.
 */
export function stageObserver(): (key: string, stage: string) => void {
  const last = new Map<string, { stage: string; at: number; connectedAt?: number }>();
  return (key, stage) => {
    const now = performance.now();
    const outcome = stage === 'failed' ? 'failed' : stage === 'retrying' ? 'retrying' : 'ok';
    metrics.sessionStages.inc({ stage, outcome });
    const prev = last.get(key);
    if (prev) metrics.stageDuration.observe({ stage }, (now - prev.at) / 1000);
    else if (stage === 'queued') metrics.openJobs.inc();
    const connectedAt = stage === 'notary-connected' ? now : prev?.connectedAt;
    if (connectedAt !== undefined && (stage === 'attested' || stage === 'failed' || stage === 'retrying'))
      metrics.sessionDuration.observe({ outcome: stage === 'attested' ? 'ok' : outcome }, (now - connectedAt) / 1000);
    if (TERMINAL.has(stage)) {
      if (prev) metrics.openJobs.dec();
      last.delete(key);
    } else
      last.set(key, {
        stage,
        at: now,
        ...(connectedAt !== undefined && stage !== 'retrying' ? { connectedAt } : {}),
      });
  };
}

/** Readiness of what every component depends on: its database answers `select 1`, its chain a block number. */
export async function dependencyChecks(o: {
  db: { execute(query: ReturnType<typeof sql>): Promise<unknown> };
  publicClient: { getBlockNumber(): Promise<bigint> };
}): Promise<Record<string, string>> {
  const [db, chain] = await Promise.allSettled([o.db.execute(sql`select 1`), o.publicClient.getBlockNumber()]);
  const why = (r: PromiseSettledResult<unknown>) =>
    r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message);
  return { database: why(db), chain: why(chain) };
}

export type Readiness = () => Promise<{ ready: boolean; checks: Record<string, string> }>;

/**
 * Answers `/healthz` (the process is alive), `/readyz` (200 only once `ready` says so, else 503 with the failing
 * checks) and `/metrics` (Prometheus text). Returns false for any other path so a caller can fall through.
 */
export function healthHandler(ready: Readiness): (req: http.IncomingMessage, res: http.ServerResponse) => boolean {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}\n');
      return true;
    }
    if (path === '/readyz') {
      void ready()
        .catch((e: unknown) => ({ ready: false, checks: { readiness: (e as Error).message } }))
        .then((r) =>
          res
            .writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' })
            .end(`${JSON.stringify({ status: r.ready ? 'ready' : 'not ready', checks: r.checks })}\n`),
        );
      return true;
    }
    if (path === '/metrics') {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
      return true;
    }
    return false;
  };
}

export type HealthServer = { url: string; close(): Promise<void> };

/** A listener of its own for a component without an HTTP server (the aggregator). */
export async function startHealthServer(o: { host: string; port: number; ready: Readiness }): Promise<HealthServer> {
  const handle = healthHandler(o.ready);
  const server = http.createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
