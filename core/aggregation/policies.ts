// Aggregation policies over normalized, verified answers: lower median with k·MAD outlier rejection, mode, exact.
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
  if (policy.policy === 'mode') return mode(candidates, Math.max(policy.minAgreement, 1));
  return exact(candidates, input.needed);
}

/**
 * The LOWER median of a list: element ⌊(n−1)/2⌋ of the sorted values. Always one of the values (an attested
 * answer, never an average), and the rule the hub checks on-chain (docs/PROTOCOL.md, "Fulfilment"): with at most
 * ⌊(n−1)/2⌋ Byzantine values among n, it lies within the range of the honest ones, whatever the Byzantine send.
 */
export function lowerMedian(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('lowerMedian of an empty list');
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * Whether a set of median inliers may settle a request (docs/PROTOCOL.md): at least `needed` (the quorum), and
 * either at least 3 of them or 2 within `band`·|median| of each other. Otherwise the aggregator waits for the
 * over-sampled spare provers and, failing them, the request expires: two far-apart answers never settle.
 */
export function medianSettles(inliers: readonly number[], needed: number, band: number): string | undefined {
  if (inliers.length < needed) return `${inliers.length} inliers, ${needed} needed`;
  if (inliers.length >= 3) return undefined;
  // Quorum 1: the consumer asked for one source (no spare is ever drawn), so its one answer is the value, as the hub
  // accepts it (docs/PROTOCOL.md); robustness against a Byzantine source starts at quorum 2.
  if (needed === 1 && inliers.length === 1) return undefined;
  if (inliers.length === 2) {
    const [a, b] = inliers as [number, number];
    const m = lowerMedian(inliers);
    if (Math.abs(a - b) <= band * Math.abs(m) + 1e-12 * Math.max(Math.abs(m), 1)) return undefined;
    return `2 answers ${a} and ${b} differ by more than the band (${band}·|median|): waiting for a third`;
  }
  return `${inliers.length} answer${inliers.length === 1 ? '' : 's'}: a median needs 3, or 2 within the band`;
}

/**
 * Median with outliers: m = lower median, MAD = upper median of |x − m|; x is an outlier when
 * |x − m| > max(k·MAD, band·|m|). The band keeps honest jitter in: with three answers MAD can be far smaller than
 * the natural spread. MAD = 0 (most answers identical) would make every other value an outlier however close, so
 * then the tolerance is one unit of the declared precision (10^−p), or, without precision, a relative 1e−12.
 * The value is the LOWER median of the inliers (an attested value; the hub recomputes it from the included
 * responses' numericValues). Guarantee: when the honest answers agree within the tolerance, up to ⌊(n−1)/2⌋
 * Byzantine answers cannot move it outside the honest range (test/security/aggregation.test.ts).
 */
export function median(
  candidates: readonly { prover: `0x${string}`; value: number }[],
  madK: number,
  precision: number | undefined,
  needed: number,
  band = 0,
): PolicyOutcome {
  if (candidates.length === 0) return { ok: false, reason: 'no valid responses', included: [], excluded: [] };
  const m = lowerMedian(candidates.map((c) => c.value));
  // MAD is a scale, not an answer: the upper median of the deviations (with an even count the lower one is often
  // 0 and would cast out honest jitter). Byzantine answers can only widen it, which never costs an honest inlier.
  const deviations = candidates.map((c) => Math.abs(c.value - m)).sort((a, b) => a - b);
  const mad = deviations[Math.ceil((deviations.length - 1) / 2)]!;
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
  const raw = lowerMedian(inliers);
  const value = precision === undefined ? raw : roundHalfEven(raw, precision);
  const unsettled = medianSettles(inliers, needed, band);
  if (unsettled !== undefined) return { ok: false, reason: unsettled, included, excluded };
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
    if (xs.length === 0) break;
    value.push(precision === undefined ? lowerMedian(xs) : roundHalfEven(lowerMedian(xs), precision));
  }
  const included = pool.map((c) => c.prover);
  // Every element must settle as a single median would (3 sources, or 2 within the band in every element).
  for (let i = 0; i < length; i++) {
    const unsettled = medianSettles(
      pool.map((c) => c.value[i]!),
      needed,
      band,
    );
    if (unsettled !== undefined) return { ok: false, reason: `element ${i}: ${unsettled}`, included, excluded };
  }
  if (included.length < needed)
    return { ok: false, reason: `${included.length} agreeing, ${needed} needed`, included, excluded };
  return { ok: true, value, included, excluded };
}

/**
 * The most common value (by canonical JSON), per docs/PROTOCOL.md: at least max(minAgreement, 1) valid answers
 * carry it and no other value has as many (a tie is no agreement); `needed` more carriers may be demanded
 * (`exact` demands the quorum). Every other valid answer is listed as a dissenter.
 */
export function mode(candidates: readonly Candidate[], minAgreement: number, needed = 0): PolicyOutcome {
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
  const required = Math.max(minAgreement, 1);
  if (top.length < required)
    return {
      ok: false,
      reason: `${top.length} responses agree, minAgreement is ${required}`,
      included,
      excluded: dissent(top),
    };
  if (top.length < needed)
    return { ok: false, reason: `${top.length} responses agree, ${needed} needed`, included, excluded: dissent(top) };
  return { ok: true, value: top[0]!.value, included, excluded: dissent(top) };
}

/**
 * At least `needed` (the quorum) valid answers identical (canonical JSON); the others are listed as dissenters
 * and do not block the request. Never "all answers": one Byzantine dissenter must not stall an honest quorum.
 */
export function exact(candidates: readonly Candidate[], needed: number): PolicyOutcome {
  const r = mode(candidates, Math.max(needed, 1), needed);
  return r.ok ? r : { ...r, reason: `exact: ${r.reason}` };
}

const short = (v: unknown): string => {
  const s = canonicalJson(v);
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
};
