// Maps a party's failure (the wasm's error strings, the proxy's close reasons) to a VeritasError with a stable code.
import { VeritasError, type ErrorCode } from '../../core/errors.ts';
import { PROXY_CLOSE_CODES } from './proxy-codes.ts';
import type { SocketClose } from './shim.mjs';

type Rule = { test: RegExp; code: ErrorCode; hint: string };

// Ordered: the first match wins. The strings are the wasm's own (tlsn alpha.12, rustls, mpz).
const RULES: readonly Rule[] = [
  {
    test: /invalid peer certificate|invalid server certificate|UnknownIssuer|BadSignature|NotValidForName|CertExpired|certificate/i,
    code: 'CERTIFICATE_REJECTED',
    hint: 'the server certificate does not chain to a trusted root for this server name (devnet: both parties need the devnet wasm)',
  },
  // e.g. "record layer error: attempted to receive more data than was configured, increase `max_recv` …"
  {
    test: /receive more data than was configured|max_recv|recv.*(exceed|limit)|(exceed|limit).*recv/i,
    code: 'RESPONSE_TOO_LARGE',
    hint: 'raise limits.maxRecvBytes or fetch a smaller resource',
  },
  {
    test: /send more data than was configured|max_sent|sent.*(exceed|limit)|(exceed|limit).*sent/i,
    code: 'INPUT_INVALID',
    hint: 'the request is larger than limits.maxSentBytes',
  },
  {
    test: /dns error|connection refused|failed to lookup|unreachable/i,
    code: 'SERVER_UNREACHABLE',
    hint: 'check the source host and port',
  },
  // The verifier's view of a prover that gave up: "mpc error caused by: I/O error: unexpected end of file".
  {
    test: /connection (closed|reset)|websocket|unexpected (eof|end of file)|broken pipe|peer|closed/i,
    code: 'PEER_DISCONNECTED',
    hint: 'the other party or the relay went away',
  },
];

/** Classifies a party failure; proxy close reasons win, as they name the cause the wasm only sees as a drop. */
export function classifyFailure(
  role: 'prover' | 'verifier',
  message: string,
  closes: readonly SocketClose[] = [],
  code?: ErrorCode,
): VeritasError {
  if (code) return new VeritasError(code, message, { details: { role } });
  const proxied = closes.find((c) => PROXY_CLOSE_CODES[c.code] !== undefined);
  if (proxied) {
    const proxiedCode = PROXY_CLOSE_CODES[proxied.code] as ErrorCode;
    return new VeritasError(proxiedCode, proxied.reason || `proxy refused the connection (${proxied.code})`, {
      details: { role, wasmError: message },
    });
  }
  for (const rule of RULES) {
    if (rule.test.test(message)) {
      return new VeritasError(rule.code, `${role}: ${message.split('\n')[0]} (${rule.hint})`, {
        details: { role, wasmError: message },
      });
    }
  }
  return new VeritasError('TLSN_FAILED', `${role}: ${message.split('\n')[0]}`, {
    details: { role, wasmError: message },
  });
}

const VAGUE: ReadonlySet<ErrorCode> = new Set(['PEER_DISCONNECTED', 'TLSN_FAILED', 'TIMEOUT']);

/**
 * The most telling of both parties' errors. When one side detects a problem (a limit, a certificate) it
 * aborts and the other only sees the connection drop, and which side notices first is a race: a notary
 * should send its code to the prover, and whoever sees both outcomes should report this one.
 */
export function sessionCause(...errors: unknown[]): VeritasError | undefined {
  const typed = errors.filter((e): e is VeritasError => e instanceof VeritasError);
  return typed.find((e) => !VAGUE.has(e.code)) ?? typed[0];
}
