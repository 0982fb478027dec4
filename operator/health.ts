// The operator's /healthz, /readyz, /metrics and its event feed (`GET /v1/events?after=<id>`), served on its notary
// port: ready once every part has started and while its database and chain answer; the feed is how an API on
// another machine learns this operator's stages (core/operator-events.ts follows it).
import type http from 'node:http';
import type { Address } from 'viem';
import type { VeritasPublicClient } from '../core/chain/clients.ts';
import type { Database } from '../core/db/client.ts';
import { dependencyChecks, healthHandler } from '../core/metrics.ts';
import { ownEventsPage } from '../core/operator-events.ts';

export type OperatorHealth = {
  /** Called once the notary, proxy and job loop are all up. */
  markReady(): void;
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
};

export function operatorHealth(o: {
  db: Database;
  publicClient: VeritasPublicClient;
  address: Address;
}): OperatorHealth {
  let started = false;
  const health = healthHandler(async () => {
    const checks: Record<string, string> = { started: started ? 'ok' : 'starting' };
    if (!started) return { ready: false, checks };
    Object.assign(checks, await dependencyChecks(o));
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method !== 'GET' || url.pathname !== '/v1/events') return health(req, res);
    const after = url.searchParams.get('after') ?? '0';
    if (!/^\d{1,15}$/.test(after)) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"code":"INPUT_INVALID","field":"after","message":"after must be an event id"}\n');
      return true;
    }
    void ownEventsPage(o.db, o.address, Number(after)).then(
      (page) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page)),
      () => res.writeHead(503, { 'content-type': 'application/json' }).end('{"code":"DB_ERROR"}\n'),
    );
    return true;
  };
  return {
    markReady: () => {
      started = true;
    },
    handle,
  };
}
