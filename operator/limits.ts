// MPC-TLS transcript limits of a request, computed identically by prover and notary from the spec alone.
//
// MPC cost grows with these limits, so they are as tight as the spec allows: the request line, the public
// headers and body are known exactly; each secret header gets a fixed allowance (its value never leaves the prover).
import type { RequestSpec } from '../schemas/spec.ts';
import { VeritasError } from '../core/errors.ts';

export const SECRET_HEADER_ALLOWANCE = 512;
/** Headers the prover always adds (Host, Connection, Accept-Encoding) and framing slack. */
const FIXED_OVERHEAD = 256;

export type Limits = { maxSentBytes: number; maxRecvBytes: number };

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

export function sessionLimits(spec: RequestSpec): Limits {
  const url = new URL(spec.url);
  // The request line is in absolute form (scheme and host repeated), then the Host header.
  let sent =
    `${spec.method} ${url.protocol}//${url.host}${url.pathname}${url.search} HTTP/1.1\r\n`.length +
    url.host.length +
    FIXED_OVERHEAD;
  for (const h of spec.headers)
    sent += h.name.length + 4 + ('secret' in h ? SECRET_HEADER_ALLOWANCE : Buffer.byteLength(h.value));
  sent += spec.body === undefined ? 0 : Buffer.byteLength(spec.body) + 32;
  return { maxSentBytes: roundUp(sent, 256), maxRecvBytes: spec.maxResponseBytes };
}

/** A secret value longer than its allowance would overflow the limit both sides agreed on: refuse it up front. */
export function assertSecretFits(ref: string, value: string): void {
  if (Buffer.byteLength(value) > SECRET_HEADER_ALLOWANCE - 8)
    throw new VeritasError('INPUT_INVALID', `secret ${ref} is longer than ${SECRET_HEADER_ALLOWANCE - 8} bytes`, {
      field: `secrets.${ref}`,
    });
}
