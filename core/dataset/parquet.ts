// Flat rows → Parquet bytes (apache-arrow builds the typed table, parquet-wasm writes it), deterministically: the
// same rows always give the same bytes, so a snapshot's CID is a function of its records.
import {
  Bool,
  type DataType,
  Float64,
  Int64,
  Table,
  TimestampMillisecond,
  Utf8,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import type { Column, ColumnType, FlatRow } from './rows.ts';

const arrowType = (t: ColumnType): DataType => {
  switch (t) {
    case 'integer':
      return new Int64();
    case 'float':
      return new Float64();
    case 'boolean':
      return new Bool();
    case 'date':
      return new TimestampMillisecond('UTC');
    case 'text':
      return new Utf8();
  }
};

const arrowValue = (t: ColumnType, v: FlatRow[string]): unknown => {
  if (v === null) return null;
  if (t === 'integer') return BigInt(v as number);
  if (t === 'date') return Date.parse(v as string);
  return v;
};

export function parquetOf(rows: readonly FlatRow[], columns: readonly Column[]): Uint8Array {
  const table = new Table(
    Object.fromEntries(
      columns.map((c) => [
        c.name,
        vectorFromArray(
          rows.map((r) => arrowValue(c.type, r[c.name] ?? null)),
          arrowType(c.type),
        ),
      ]),
    ),
  );
  // A fixed writer string (no library version inside) and Snappy: readable by every Parquet reader we know of.
  const props = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.SNAPPY)
    .setCreatedBy('veritas')
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}
