// Normalization of extracted values before aggregation, per the spec's declared `value.type`.
//
// Rules (the contract with consumers; test/aggregator/normalize.test.ts checks each):
// - number: a JSON number or a decimal string ("1.5", "-2e3"). With `precision` p it is rounded to p decimal places,
//   ROUND HALF TO EVEN, applied to the value's shortest decimal text (what JSON shows, e.g. 2.675 → 2.68 at p = 2),
//   never to its binary double (which would make 2.675 → 2.67). -0 becomes 0.
// - timestamp: an ISO-8601 string WITH an offset or Z (a zone-less time is ambiguous and refused), or unix time as a
//   number / digit string: |n| < 1e11 is seconds, otherwise milliseconds (1e11 s is year 5138, 1e11 ms is 1973).
//   Output: UTC ISO-8601 with milliseconds, `YYYY-MM-DDTHH:mm:ss.sssZ`.
// - string: NFC-normalized, then trimmed (Unicode white space). Numbers and booleans become their JSON text.
// - json: the value re-parsed from its RFC 8785 canonical JSON (key order and number form fixed).
// A value that cannot be normalized is RESULT_SCHEMA_MISMATCH naming `value.type`: the response is unusable.
import { canonicalJson } from '../canonical.ts';
import { VeritasError } from '../errors.ts';
import type { ValueType } from '../../schemas/spec.ts';

const mismatch = (type: string, reason: string) =>
  new VeritasError('RESULT_SCHEMA_MISMATCH', `value.type ${type}: ${reason}`, { field: 'value.type' });

const DECIMAL = /^\s*([+-])?(\d+)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;

/** Rounds the decimal text of `value` to `precision` places, half to even, with exact integer arithmetic. */
export function roundHalfEven(value: number | string, precision: number): number {
  const text = typeof value === 'number' ? numberText(value) : value;
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === undefined && (m[3] === undefined || m[3] === '')))
    throw mismatch('number', `${JSON.stringify(text)} is not a decimal number`);
  const negative = m[1] === '-';
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  const exp = Number(m[4] ?? '0');
  // digits × 10^(exp − fracPart.length)
  let digits = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  let scale = fracPart.length - exp; // number of decimal places represented by `digits`
  if (scale > precision) {
    const drop = 10n ** BigInt(scale - precision);
    const q = digits / drop;
    const r = digits % drop;
    const twice = r * 2n;
    digits = twice > drop || (twice === drop && q % 2n === 1n) ? q + 1n : q;
    scale = precision;
  }
  const n = Number(scale >= 0 ? `${digits}e-${scale}` : `${digits}e${-scale}`);
  if (!Number.isFinite(n)) throw mismatch('number', `${JSON.stringify(text)} is out of range`);
  return negative && n !== 0 ? -n : n;
}

// JS's shortest round-trip text; exponent form is handled by the parser above.
const numberText = (n: number): string => {
  if (!Number.isFinite(n)) throw mismatch('number', `${n} is not finite`);
  return String(n);
};

export function normalizeNumber(value: unknown, precision: number | undefined): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && DECIMAL.test(value) && /\d/.test(value)) n = Number(value.trim());
  else throw mismatch('number', `expected a number or a decimal string, got ${describe(value)}`);
  if (!Number.isFinite(n)) throw mismatch('number', `${describe(value)} is not finite`);
  if (precision !== undefined) return roundHalfEven(typeof value === 'string' ? value : n, precision);
  return n === 0 ? 0 : n;
}

// ISO-8601 date-time with a mandatory zone (Z or ±hh:mm); fractions of any length.
const ISO = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export function normalizeTimestamp(value: unknown): string {
  let ms: number;
  if (typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    ms = Math.abs(n) < 1e11 ? n * 1000 : n;
  } else if (typeof value === 'string' && ISO.test(value.trim())) {
    ms = Date.parse(
      value
        .trim()
        .replace(' ', 'T')
        .replace(/([+-]\d{2})(\d{2})$/, '$1:$2'),
    );
  } else {
    throw mismatch('timestamp', `expected ISO-8601 with a zone or unix seconds/milliseconds, got ${describe(value)}`);
  }
  const date = new Date(Math.round(ms));
  if (!Number.isFinite(ms) || Number.isNaN(date.getTime()))
    throw mismatch('timestamp', `${describe(value)} is not a valid time`);
  return date.toISOString();
}

export function normalizeString(value: unknown): string {
  if (typeof value === 'string') return value.normalize('NFC').trim();
  if (typeof value === 'number' || typeof value === 'boolean') return canonicalJson(value);
  throw mismatch('string', `expected a string, got ${describe(value)}`);
}

export const normalizeJson = (value: unknown): unknown => JSON.parse(canonicalJson(value));

/** Normalizes one extracted value (or, for `records: 'array'`, one element) according to the spec's `value`. */
export function normalizeValue(value: unknown, type: ValueType): unknown {
  switch (type.type) {
    case 'number':
      return normalizeNumber(value, type.precision);
    case 'timestamp':
      return normalizeTimestamp(value);
    case 'string':
      return normalizeString(value);
    case 'json':
      return normalizeJson(value);
  }
}

/** Normalizes a source's whole answer: element by element when each element is its own record. */
export function normalizeAnswer(value: unknown, type: ValueType, records: 'single' | 'array'): unknown {
  if (records === 'single') return normalizeValue(value, type);
  if (!Array.isArray(value)) throw mismatch(type.type, `records "array" needs an array, got ${describe(value)}`);
  return value.map((v) => normalizeValue(v, type));
}

const describe = (v: unknown): string => {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
};
