// Structured JSON logging (pino): one root logger, a child per component, the request id on every line of a request.
import { pino, type Logger } from 'pino';

export type { Logger };

let root: Logger | undefined;

/** The process-wide root logger; level from config (set once by `initLogger`), defaults to `info`. */
export function rootLogger(): Logger {
  root ??= pino({ level: 'info', base: { pid: process.pid } });
  return root;
}

export function initLogger(options: { level: string; destination?: number | string }): Logger {
  root = pino(
    { level: options.level, base: { pid: process.pid } },
    options.destination === undefined ? undefined : pino.destination(options.destination),
  );
  return root;
}

/** A component's logger: every line carries `component`. */
export const componentLogger = (component: string, bindings: Record<string, unknown> = {}): Logger =>
  rootLogger().child({ component, ...bindings });

/** A request's logger: every line carries `requestId`, so one grep shows a request's whole journey. */
export const requestLogger = (parent: Logger, requestId: string): Logger => parent.child({ requestId });
