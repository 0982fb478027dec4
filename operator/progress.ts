// MPC progress: turns the prover party's heartbeat (bytes exchanged so far) into `mpc-progress` events against the
// session's expected total, throttled to one every 10 % or 2 s, so the long MPC setup is not a silent wait.
import type { MpcProgress } from '../core/operator-events.ts';
import type { Limits, PartyTuning } from './tlsn/protocol.ts';

type NetworkMode = NonNullable<PartyTuning['network']>;

/** Prover → verifier bytes of one session, least-squares fit per network mode over the cost matrix (R² 1.000). */
export const PROVER_TO_VERIFIER = {
  Bandwidth: { fixed: 35_414_060, perKbSent: 13_691_577, perKbRecv: 60_244 },
  Latency: { fixed: 20_855_925, perKbSent: 13_691_743, perKbRecv: 60_211 },
} as const;
/** Verifier → prover: flat in both modes (the fit's per-KB terms are below 0.003 MB). */
export const VERIFIER_TO_PROVER = 3_418_600;

/**
 * Bytes a prover party exchanges in one session (both directions over its WebSockets: the relay and the proxy),
 * from the model fitted on bench/results/tlsn-matrix.json (operator/tlsn/README.md, "Cost model"): the MPC's
 * preprocessing is sized by the transcript *limits*, ≈ 13.7 MB per KB of the sent limit and 0.06 MB per KB of the
 * received one, so the estimate is known before the session starts. The proxy's TLS bytes are at most the limits.
 * The fraction is still capped below 1 until the session has ended.
 */
export function expectedSessionBytes(limits: Limits, network: NetworkMode = 'Bandwidth'): number {
  const m = PROVER_TO_VERIFIER[network];
  const relay =
    m.fixed +
    (m.perKbSent * limits.maxSentBytes) / 1024 +
    (m.perKbRecv * limits.maxRecvBytes) / 1024 +
    VERIFIER_TO_PROVER;
  return Math.round(relay + limits.maxSentBytes + limits.maxRecvBytes);
}

/** Calls `emit` with progress no more than every 10 % or 2 s; `done()` reports the final count as 100 %. */
export function progressReporter(
  limits: Limits,
  emit: (p: MpcProgress) => void,
  now: () => number = Date.now,
  network: NetworkMode = 'Bandwidth',
): { traffic(bytes: number): void; done(bytes?: number): void } {
  const expectedBytes = expectedSessionBytes(limits, network);
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
