// The operator's /healthz, /readyz and /metrics, served on its notary port: ready once every part has started and
// while its database and chain answer.
import type http from 'node:http';
import type { VeritasPublicClient } from '../core/chain/clients.ts';
import type { Database } from '../core/db/client.ts';
import { dependencyChecks, healthHandler } from '../core/metrics.ts';

export type OperatorHealth = {
  /** Called once the notary, proxy and job loop are all up. */
  markReady(): void;
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
};

export function operatorHealth(o: { db: Database; publicClient: VeritasPublicClient }): OperatorHealth {
  let started = false;
  const handle = healthHandler(async () => {
    const checks: Record<string, string> = { started: started ? 'ok' : 'starting' };
    if (!started) return { ready: false, checks };
    Object.assign(checks, await dependencyChecks(o));
    return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
  });
  return {
    markReady: () => {
      started = true;
    },
    handle,
  };
}
