// A source site for a test: the devnet's fixture site behind the leaf certificate of a fresh devnet trust anchor.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFixtureSite, type FixtureSite } from '../../cli/devnet-site.ts';
import { createDevTrust, type DevTrust } from '../../operator/tlsn/dev-trust.ts';

export type TestSite = {
  trust: DevTrust;
  site: FixtureSite;
  /** The bearer token `/v1/private` requires. */
  token: string;
  close(): Promise<void>;
};

export async function startTestSite(o: { token?: string; seed?: number } = {}): Promise<TestSite> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-site-'));
  try {
    const trust = await createDevTrust({ dataDir });
    const token = o.token ?? `tok_${randomBytes(12).toString('hex')}`;
    const site = await startFixtureSite({
      cert: trust.leafCertPem,
      key: trust.leafKeyPem,
      token,
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    });
    return {
      trust,
      site,
      token,
      async close() {
        await site.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
