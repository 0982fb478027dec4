// Aggregation policies over normalized, verified answers: median with k·MAD outlier rejection, mode, exact.
//
// Input: one normalized value per valid response. Output: the agreed value, who is included (paid, counted in
// `fulfill`) and who is excluded and why (OUTLIER, DISSENT). `ok` only when at least `needed` responses agree.
import { canonicalJson } from '../canonical.ts';
import type { AggregationPolicy, ValueType } from '../../schemas/spec.ts';
import { roundHalfEven } from './normalize.ts';

export type Candidate = { prover: `0x${string}`; value: unknown };
export type PolicyExclusion = { prover: `0x${string}`; code: 'OUTLIER' | 'DISSENT'; reason: string };

export type PolicyOutcome =
  | { ok: true; value: unknown; included: `0x${string}`[]; excluded: PolicyExclusion[] }
  | { ok: false; reason: string; included: `0x${string}`[]; excluded: PolicyExclusion[] };

export type PolicyInput = {
  policy: AggregationPolicy;
  value: ValueType;
  records: 'single' | 'array';
  /** How many agreeing responses are required (the request's quorum). */
  needed: number;
};

/** Applies the spec's policy. Arrays (`records: 'array'`) are aggregated element-wise by median, whole by mode/exact. */
export function aggregate(candidates: readonly Candidate[], input: PolicyInput): PolicyOutcome {
  const { policy } = input;
  if (policy.policy === 'median')
    return input.records === 'array'
      ? medianOfArrays(candidates, policy.madK, input.value.precision, input.needed, policy.band)
      : median(
          candidates as readonly { prover: `0x${string}`; value: number }[],
          policy.madK,
          input.value.precision,
          input.needed,
          policy.band,
        );
  if (policy.policy === 'mode') return mode(candidates, Math.max(policy.minAgreement, 1), input.needed);
  return exact(candidates, input.needed);
}

const middle = (sorted: readonly number[]): number => {
  const n = sorted.length;
  return n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
};
const medianOf = (xs: readonly number[]): number => middle([...xs].sort((a, b) => a - b));

/**
 * Median with outliers: m = median, MAD = median(|x − m|); x is an outlier when |x − m| > max(k·MAD, band·|m|).
 * The band keeps honest jitter in: with three answers MAD can be far smaller than the natural spread.
 * MAD = 0 (most answers identical) would make every other value an outlier however close, so then the tolerance
 * is one unit of the declared precision (10^−p), or, without precision, a relative 1e−12 (float noise only).
 * The reported value is the median of the inliers, rounded to the precision (half to even).
 */
export function median(
  candidates: readonly { prover: `0x${string}`; value: number }[],
  madK: number,
  precision: number | undefined,
  needed: number,
  band = 0,
): PolicyOutcome {
  if (candidates.length === 0) return { ok: false, reason: 'no valid responses', included: [], excluded: [] };
  const m = medianOf(candidates.map((c) => c.value));
  const mad = medianOf(candidates.map((c) => Math.abs(c.value - m)));
  const tolerance = Math.max(
    mad > 0 ? madK * mad : precision !== undefined ? 10 ** -precision : 1e-12 * Math.max(Math.abs(m), 1),
    band * Math.abs(m),
  );
  const included: `0x${string}`[] = [];
  const excluded: PolicyExclusion[] = [];
  const inliers: number[] = [];
  for (const c of candidates) {
    const d = Math.abs(c.value - m);
    if (d > tolerance + 1e-12 * Math.max(Math.abs(m), 1)) {
      excluded.push({
        prover: c.prover,
        code: 'OUTLIER',
        reason: `${c.value} is ${d} from the median ${m}, beyond the tolerance ${tolerance} (max of ${madK}·MAD = ${madK * mad} and ${band}·|median|)`,
      });
    } else {
      included.push(c.prover);
      inliers.push(c.value);
    }
  }
  const raw = medianOf(inliers);
  const value = precision === undefined ? raw : roundHalfEven(raw, precision);
  if (included.length < needed)
    return { ok: false, reason: `${included.length} inliers, ${needed} needed`, included, excluded };
  return { ok: true, value, included, excluded };
}

/** Element-wise median of equally long arrays; answers of another length than the most common one dissent. */
function medianOfArrays(
  candidates: readonly Candidate[],
  madK: number,
  precision: number | undefined,
  needed: number,
  band = 0,
): PolicyOutcome {
  const arrays = candidates as readonly { prover: `0x${string}`; value: number[] }[];
  const lengths = mode(
    arrays.map((c) => ({ prover: c.prover, value: c.value.length })),
    1,
    0,
  );
  if (!lengths.ok) return { ok: false, reason: lengths.reason, included: [], excluded: [] };
  const length = lengths.value as number;
  const excluded: PolicyExclusion[] = arrays
    .filter((c) => c.value.length !== length)
    .map((c) => ({
      prover: c.prover,
      code: 'DISSENT',
      reason: `${c.value.length} elements, most answers have ${length}`,
    }));
  let pool = arrays.filter((c) => c.value.length === length);
  const value: number[] = [];
  // A source that is an outlier in any element is excluded as a whole: one source, one vote.
  for (let i = 0; i < length; i++) {
    const r = median(
      pool.map((c) => ({ prover: c.prover, value: c.value[i]! })),
      madK,
      precision,
      0,
      band,
    );
    for (const e of r.excluded) excluded.push({ ...e, reason: `element ${i}: ${e.reason}` });
    pool = pool.filter((c) => r.included.includes(c.prover));
  }
  for (let i = 0; i < length; i++) {
    const xs = pool.map((c) => c.value[i]!);
    value.push(precision === undefined ? medianOf(xs) : roundHalfEven(medianOf(xs), precision));
  }
  const included = pool.map((c) => c.prover);
  if (included.length < needed)
    return { ok: false, reason: `${included.length} agreeing, ${needed} needed`, included, excluded };
  return { ok: true, value, included, excluded };
}

/** The most common value (by canonical JSON). Needs ≥ minAgreement and ≥ needed carriers; a tie is no agreement. */
export function mode(candidates: readonly Candidate[], minAgreement: number, needed: number): PolicyOutcome {
  const groups = new Map<string, Candidate[]>();
  for (const c of candidates) {
    const key = canonicalJson(c.value);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const ranked = [...groups.values()].sort((a, b) => b.length - a.length);
  const top = ranked[0];
  if (!top) return { ok: false, reason: 'no valid responses', included: [], excluded: [] };
  const dissent = (winner: Candidate[] | undefined): PolicyExclusion[] =>
    candidates
      .filter((c) => !winner?.includes(c))
      .map((c) => ({
        prover: c.prover,
        code: 'DISSENT',
        reason: `answered ${short(c.value)}, not the most common value`,
      }));
  if (ranked[1] && ranked[1].length === top.length)
    return {
      ok: false,
      reason: `tie between values carried by ${top.length} responses each`,
      included: [],
      excluded: dissent(undefined),
    };
  const included = top.map((c) => c.prover);
  if (top.length < minAgreement)
    return {
      ok: false,
      reason: `${top.length} responses agree, minAgreement is ${minAgreement}`,
      included,
      excluded: dissent(top),
    };
  if (top.length < needed)
    return { ok: false, reason: `${top.length} responses agree, ${needed} needed`, included, excluded: dissent(top) };
  return { ok: true, value: top[0]!.value, included, excluded: dissent(top) };
}

/** All valid answers must be identical (canonical JSON), and there must be at least `needed` of them. */
export function exact(candidates: readonly Candidate[], needed: number): PolicyOutcome {
  const r = mode(candidates, candidates.length, needed);
  if (!r.ok && candidates.length > 0 && r.excluded.length > 0)
    return { ...r, reason: `exact: answers differ (${r.reason})` };
  return r;
}

const short = (v: unknown): string => {
  const s = canonicalJson(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
};
