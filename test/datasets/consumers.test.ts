// Real consumers read the snapshot's data files as they are: DuckDB (Parquet and JSONL: row count, column types,
// values) and Debian's python3-pandas (`read_json(lines=True)`), the tools an ML engineer loads data with.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildSnapshot } from '../../core/dataset/snapshot.ts';
import { pandasPython } from '../support/pandas.ts';
import { objectDataset, priceFeed } from './fixture.ts';

let dir: string;
let instance: DuckDBInstance;
let duck: DuckDBConnection;
const write = async (name: string, input: ReturnType<typeof priceFeed>) => {
  const root = join(dir, name);
  for (const f of buildSnapshot(input).files) {
    await mkdir(dirname(join(root, f.path)), { recursive: true });
    await writeFile(join(root, f.path), f.bytes);
  }
  return root;
};
let price: string;
let weather: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-consumers-'));
  price = await write('price', priceFeed(3));
  weather = await write('weather', objectDataset());
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
});
after(async () => {
  duck?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

const describeTypes = async (from: string) =>
  Object.fromEntries(
    (await duck.runAndReadAll(`DESCRIBE SELECT * FROM ${from}`))
      .getRowObjectsJson()
      .map((r) => [r.column_name as string, r.column_type as string]),
  );

describe('DuckDB', () => {
  it('queries records.parquet: row count, column types and values', async () => {
    const file = `'${join(price, 'data/records.parquet')}'`;
    const types = await describeTypes(file);
    assert.equal(types.value, 'DOUBLE');
    assert.equal(types.round, 'BIGINT');
    assert.equal(types.fetched_at, 'TIMESTAMP WITH TIME ZONE');
    assert.equal(types.url, 'VARCHAR');
    const rows = (await duck.runAndReadAll(`SELECT value, round, url FROM ${file} ORDER BY round`)).getRowObjectsJson();
    assert.deepEqual(rows, [
      { value: 100.25, round: '1', url: 'https://prices.fixture.test/v1/price' },
      { value: 101.5, round: '2', url: 'https://prices.fixture.test/v1/price' },
      { value: 99.75, round: '3', url: 'https://prices.fixture.test/v1/price' },
    ]);
    const [agg] = (
      await duck.runAndReadAll(`SELECT count(*) AS n, avg(value) AS mean FROM ${file}`)
    ).getRowObjectsJson();
    assert.deepEqual(agg, { n: '3', mean: (100.25 + 101.5 + 99.75) / 3 });
  });

  it('queries records.parquet of object values: one typed column per key', async () => {
    const file = `'${join(weather, 'data/records.parquet')}'`;
    const types = await describeTypes(file);
    assert.deepEqual(
      [types.temp, types.count, types.ok, types.at, types.station, types.tags],
      ['DOUBLE', 'BIGINT', 'BOOLEAN', 'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'VARCHAR'],
    );
    const rows = (
      await duck.runAndReadAll(`SELECT station, temp, count, ok FROM ${file} ORDER BY station`)
    ).getRowObjectsJson();
    assert.deepEqual(rows, [
      { station: 'A', temp: 21.5, count: '3', ok: true },
      { station: 'B', temp: 19, count: '4', ok: false },
      { station: 'C', temp: 18.25, count: '5', ok: true },
    ]);
  });

  it('queries records.jsonl with the same rows and types', async () => {
    const file = `read_json_auto('${join(weather, 'data/records.jsonl')}', format = 'newline_delimited')`;
    const types = await describeTypes(file);
    assert.deepEqual([types.temp, types.count, types.ok, types.station], ['DOUBLE', 'BIGINT', 'BOOLEAN', 'VARCHAR']);
    assert.match(types.at ?? '', /^TIMESTAMP/);
    const jsonl = (
      await duck.runAndReadAll(`SELECT * EXCLUDE ("at", fetched_at) FROM ${file} ORDER BY station`)
    ).getRowObjectsJson();
    const parquet = (
      await duck.runAndReadAll(
        `SELECT * EXCLUDE ("at", fetched_at) FROM '${join(weather, 'data/records.parquet')}' ORDER BY station`,
      )
    ).getRowObjectsJson();
    assert.equal(jsonl.length, 3);
    assert.deepEqual(jsonl, parquet);
  });
});

describe('pandas', () => {
  it('reads records.jsonl with read_json(lines=True): rows, dtypes, values', (t) => {
    const py = pandasPython(t);
    if (py === undefined) return;
    const script = [
      'import json, sys',
      'import pandas as pd',
      'df = pd.read_json(sys.argv[1], lines=True)',
      'print(json.dumps({"n": len(df), "dtypes": {c: str(t) for c, t in df.dtypes.items()},',
      '  "temp": df["temp"].tolist(), "count": df["count"].tolist(), "ok": df["ok"].tolist(),',
      '  "station": df["station"].tolist(), "round": df["round"].tolist()}))',
    ].join('\n');
    const out = JSON.parse(execFileSync(py, ['-c', script, join(weather, 'data/records.jsonl')], { encoding: 'utf8' }));
    assert.equal(out.n, 3);
    assert.deepEqual(out.temp, [21.5, 19, 18.25]);
    assert.deepEqual(out.count, [3, 4, 5]);
    assert.deepEqual(out.ok, [true, false, true]);
    assert.deepEqual(out.station, ['A', 'B', 'C']);
    assert.equal(out.dtypes.temp, 'float64');
    assert.equal(out.dtypes.count, 'int64');
    assert.equal(out.dtypes.ok, 'bool');
    assert.equal(out.dtypes.station, 'object');
    assert.equal(out.dtypes.round, 'int64');
  });
});
