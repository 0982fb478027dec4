// Proved records → flat training rows: the value (or each top-level key of an object value) as its own typed
// column, beside the provenance columns, with one column schema every export (JSONL, Parquet, Croissant) shares.
import { canonicalJson } from '../canonical.ts';
import type { ProvedRecord } from '../../schemas/record.ts';

/** The column types a training tool sees: Parquet physical types and Croissant `dataType`s follow from these. */
export type ColumnType = 'integer' | 'float' | 'boolean' | 'date' | 'text';
export type Cell = string | number | boolean | null;
export type FlatRow = Record<string, Cell>;
export type Column = {
  name: string;
  type: ColumnType;
  description: string;
  role: 'value' | 'provenance';
  /** For a column of an object value: the member it holds. */
  key?: string;
};

/** One record with the round it belongs to (the round number within its source: 0 for a one-shot request). */
export type RoundRecord = { round: number; proved: ProvedRecord };

export const PROVENANCE_COLUMNS: readonly Column[] = [
  { name: 'url', type: 'text', description: 'The HTTPS source fetched over MPC-TLS', role: 'provenance' },
  {
    name: 'source_host',
    type: 'text',
    description: 'Host name of the source (the TLS server name)',
    role: 'provenance',
  },
  {
    name: 'fetched_at',
    type: 'date',
    description: 'Earliest TLS session time among the record’s sources (UTC)',
    role: 'provenance',
  },
  { name: 'round', type: 'integer', description: 'Round of the source (0 for a one-shot request)', role: 'provenance' },
  {
    name: 'request_id',
    type: 'text',
    description: 'OracleHub request id that produced the record',
    role: 'provenance',
  },
  { name: 'record_index', type: 'integer', description: 'Index of the record in its request', role: 'provenance' },
  {
    name: 'record_hash',
    type: 'text',
    description: 'keccak256 of the record’s RFC 8785 canonical JSON (its Merkle leaf input)',
    role: 'provenance',
  },
  {
    name: 'bundle_cids',
    type: 'text',
    description: 'IPFS CIDs of the provenance bundles, comma-separated',
    role: 'provenance',
  },
];
const RESERVED = new Set(PROVENANCE_COLUMNS.map((c) => c.name));

// The aggregator's normalized timestamps (core/aggregation/normalize.ts) have exactly this form.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A value key as a column name: provenance names are reserved, so a colliding key gets a `value_` prefix. */
const valueColumnName = (key: string): string => (RESERVED.has(key) || key === '' ? `value_${key}` : key);

function typeOf(values: readonly unknown[]): ColumnType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'text';
  if (present.every((v) => typeof v === 'boolean')) return 'boolean';
  if (present.every((v) => typeof v === 'number'))
    return present.every((v) => Number.isSafeInteger(v)) ? 'integer' : 'float';
  if (present.every((v) => typeof v === 'string' && ISO_UTC.test(v))) return 'date';
  return 'text';
}

// A text column holds strings as they are and anything else (numbers in a mixed column, objects, arrays) as JSON.
function cellOf(value: unknown, type: ColumnType): Cell {
  if (value === null || value === undefined) return null;
  if (type !== 'text') return value as Cell;
  return typeof value === 'string' ? value : canonicalJson(value);
}

const recordValue = (r: RoundRecord): unknown => r.proved.record.value;

/** The column schema of a set of records: value columns first (in key order), then the provenance columns. */
export function columnsOf(records: readonly RoundRecord[]): Column[] {
  const values = records.map(recordValue);
  if (values.length > 0 && values.every(isObject)) {
    const keys = [...new Set(values.flatMap((v) => Object.keys(v)))].sort();
    return [
      ...keys.map((key) => ({
        name: valueColumnName(key),
        key,
        type: typeOf(values.map((v) => v[key])),
        description: `The verified value’s “${key}” member`,
        role: 'value' as const,
      })),
      ...PROVENANCE_COLUMNS,
    ];
  }
  return [
    { name: 'value', type: typeOf(values), description: 'The verified (aggregated) value', role: 'value' },
    ...PROVENANCE_COLUMNS,
  ];
}

export function flatRowOf(r: RoundRecord, columns: readonly Column[]): FlatRow {
  const { record, recordHash } = r.proved;
  const value = record.value;
  const row: FlatRow = {};
  for (const c of columns) {
    if (c.role !== 'value') continue;
    const raw = c.key === undefined ? value : isObject(value) ? value[c.key] : undefined;
    row[c.name] = cellOf(raw, c.type);
  }
  const tlsTime = Math.min(...record.sources.map((s) => s.tlsTime));
  row.url = record.url;
  row.source_host = record.sources[0]?.serverName ?? new URL(record.url).hostname;
  row.fetched_at = new Date(tlsTime * 1000).toISOString();
  row.round = r.round;
  row.request_id = record.requestId;
  row.record_index = record.index;
  row.record_hash = recordHash;
  row.bundle_cids = record.sources.map((s) => s.bundleCid).join(',');
  return row;
}

/** One JSON object per line, keys in column order, `\n` after every line (the bytes the FileObject hashes). */
export function jsonlOf(rows: readonly FlatRow[], columns: readonly Column[]): Uint8Array {
  const text = rows
    .map((row) => `${JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, row[c.name] ?? null])))}\n`)
    .join('');
  return new TextEncoder().encode(text);
}
