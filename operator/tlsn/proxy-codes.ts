// WebSocket close codes the proxy uses to tell the prover why it gave up (a module of its own: the party imports it without ws/pino).
import type { ErrorCode } from '../../core/errors.ts';

/** Close code → error code; the close reason starts with the code name, e.g. "SSRF_REFUSED: …". */
export const PROXY_CLOSE_CODES: Readonly<Record<number, ErrorCode>> = {
  4403: 'SSRF_REFUSED',
  4502: 'SERVER_UNREACHABLE',
  4504: 'TIMEOUT',
};
