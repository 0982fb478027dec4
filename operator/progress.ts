// MPC progress: turns the prover party's heartbeat (bytes exchanged so far) into `mpc-progress` events against the
// session's expected total, throttled to one every 10 % or 2 s, so the long MPC setup is not a silent wait.
import type { MpcProgress } from '../core/operator-events.ts';
import type { Limits } from './tlsn/protocol.ts';

/**
 * Bytes a prover exchanges in one session (both directions, relay and proxy), as measured on the devnet with the
 * fixture's ≈1 KB responses; the MPC's preprocessing grows with the transcript limits, by the per-byte term.
 * An estimate: the fraction is capped below 1 until the session has ended.
 */
export const SESSION_BASE_BYTES = 40_000_000;
export const SESSION_BYTES_PER_LIMIT_BYTE = 2_000;

export const expectedSessionBytes = (limits: Limits): number =>
  SESSION_BASE_BYTES + SESSION_BYTES_PER_LIMIT_BYTE * (limits.maxSentBytes + limits.maxRecvBytes);

/** Calls `emit` with progress no more than every 10 % or 2 s; `done()` reports the final count as 100 %. */
export function progressReporter(
  limits: Limits,
  emit: (p: MpcProgress) => void,
  now: () => number = Date.now,
): { traffic(bytes: number): void; done(bytes?: number): void } {
  const expectedBytes = expectedSessionBytes(limits);
  let lastFraction = -1;
  let lastAt = 0;
  let lastBytes = 0;
  return {
    traffic(bytes) {
      lastBytes = bytes;
      const fraction = Math.min(0.99, bytes / expectedBytes);
      if (fraction - lastFraction < 0.1 && now() - lastAt < 2_000) return;
      if (fraction <= lastFraction) return;
      lastFraction = fraction;
      lastAt = now();
      emit({ fraction: Math.round(fraction * 1000) / 1000, bytes, expectedBytes });
    },
    done(bytes = lastBytes) {
      emit({ fraction: 1, bytes, expectedBytes });
    },
  };
}
