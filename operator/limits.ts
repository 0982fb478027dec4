// MPC-TLS transcript limits of a request, computed identically by prover and notary from the spec alone.
//
// MPC cost grows with these limits, so they are as tight as the spec allows. The sent limit is the exact length of
// the spec's request template (core/http-message.ts): every byte is known from the spec, each secret value
// travels padded to its declared slot, and header order does not change the length. SENT_SLACK_BYTES is what the
// wasm needs on top, measured (not guessed) with a real session: see test/security/request-integrity.test.ts.
import type { RequestSpec } from '../schemas/spec.ts';
import { requestTemplate } from '../core/http-message.ts';

/** Bytes tlsn-wasm needs beyond the plaintext it sends: 0, measured (a limit one byte below the template fails). */
export const SENT_SLACK_BYTES = 0;

export type Limits = { maxSentBytes: number; maxRecvBytes: number };

export function sessionLimits(spec: RequestSpec): Limits {
  return { maxSentBytes: requestTemplate(spec).length + SENT_SLACK_BYTES, maxRecvBytes: spec.maxResponseBytes };
}
