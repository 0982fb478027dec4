// The verify panel's data: each named check of a record's chain of evidence, computed here by core/verify.
import type { ProvedRecord } from '../schemas/record.ts';
import type { ApiDeps } from './deps.ts';

export type Check = { name: string; ok: boolean; detail: string };
export type RecordVerification = { ok: boolean; checks: Check[] };

/** Runs core/verify on a record against the chain and IPFS this API is connected to. */
export async function verifyForPanel(_deps: ApiDeps, _proved: ProvedRecord): Promise<RecordVerification> {
  return { ok: false, checks: [{ name: 'verifier', ok: false, detail: 'core/verify is not available yet' }] };
}
