// The aggregator's /healthz, /readyz and /metrics on a listener of its own: ready after its first complete pass
// (indexed to the chain head and every open request looked at) and while its database and chain answer.
import type { VeritasPublicClient } from '../core/chain/clients.ts';
import type { Database } from '../core/db/client.ts';
import { dependencyChecks, type HealthServer, startHealthServer } from '../core/metrics.ts';

export type AggregatorHealth = { onPass(): void; server: HealthServer };

export async function startAggregatorHealth(o: {
  host: string;
  port: number;
  db: Database;
  publicClient: VeritasPublicClient;
}): Promise<AggregatorHealth> {
  let passed = false;
  const server = await startHealthServer({
    host: o.host,
    port: o.port,
    ready: async () => {
      const checks: Record<string, string> = { firstPass: passed ? 'ok' : 'pending' };
      if (!passed) return { ready: false, checks };
      Object.assign(checks, await dependencyChecks(o));
      return { ready: Object.values(checks).every((c) => c === 'ok'), checks };
    },
  });
  return {
    onPass: () => {
      passed = true;
    },
    server,
  };
}
