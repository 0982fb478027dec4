// A small counting semaphore: caps how many MPC-TLS party processes run at once.
import { VeritasError } from '../../core/errors.ts';

export type Limiter = {
  /** Waits for a slot; the returned function frees it (idempotent). */
  acquire(options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
};

export function createLimiter(max: number): Limiter {
  if (!Number.isInteger(max) || max < 1)
    throw new VeritasError('CONFIG_INVALID', `max concurrent sessions must be a positive integer, got ${max}`);
  let active = 0;
  const queue: Array<() => void> = [];
  const releaser = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = queue.shift();
      if (next) next();
      else active--;
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(options = {}) {
      if (active < max) {
        active++;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const grant = () => {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
          resolve(releaser());
        };
        const drop = (e: VeritasError) => {
          const i = queue.indexOf(grant);
          if (i !== -1) queue.splice(i, 1);
          clearTimeout(timer);
          reject(e);
        };
        const onAbort = () => drop(new VeritasError('TIMEOUT', 'aborted while waiting for a session slot'));
        if (options.timeoutMs !== undefined) {
          timer = setTimeout(
            () => drop(new VeritasError('TIMEOUT', `no session slot free within ${options.timeoutMs} ms`)),
            options.timeoutMs,
          );
        }
        options.signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(grant);
      });
    },
  };
}
