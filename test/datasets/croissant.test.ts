// The snapshot's croissant.json against Croissant 1.1's required properties and the reference loader's rules: each
// RecordSet field read through its `source.extract.column` from the served file (JSONL as pandas reads it, Parquet
// as DuckDB reads it), its dataType matching the values, each sha256 that of the served bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildSnapshot, type Snapshot } from '../../core/dataset/snapshot.ts';
import { pandasPython } from '../support/pandas.ts';
import { checkCroissant, jsonlRows, type TableReader } from './croissant-check.ts';
import { objectDataset, priceFeed } from './fixture.ts';

let dir: string;
let instance: DuckDBInstance;
let duck: DuckDBConnection;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veritas-croissant-'));
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
});
after(async () => {
  duck?.closeSync();
  instance?.closeSync();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** JSONL as text rows; Parquet through DuckDB, values as the JSON a loader would hand on. */
export const readTable: TableReader = async (file, bytes) => {
  if (file.encodingFormat === 'application/jsonlines') return jsonlRows(bytes);
  const path = join(dir, `t${n++}.parquet`);
  await writeFile(path, bytes);
  const rows = (await duck.runAndReadAll(`SELECT * FROM '${path}'`)).getRowObjectsJson() as Record<string, unknown>[];
  const types = Object.fromEntries(
    (await duck.runAndReadAll(`DESCRIBE SELECT * FROM '${path}'`))
      .getRowObjectsJson()
      .map((r) => [r.column_name as string, r.column_type as string]),
  );
  // DuckDB's JSON form gives BIGINT as a decimal string: back to a number, as pandas gives int64
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, types[k] === 'BIGINT' && v !== null ? Number(v) : v])),
  );
};

const served = (s: Snapshot) => async (contentUrl: string) => {
  const f = s.files.find((x) => x.path === contentUrl);
  assert.ok(f, `contentUrl ${contentUrl} is a file of the snapshot`);
  return f.bytes;
};

describe('croissant.json of a snapshot', () => {
  for (const [name, input] of [
    ['a live numeric feed', priceFeed(3)],
    ['object values from two sources', objectDataset()],
  ] as const)
    it(`passes the Croissant 1.1 checks and the loader's column rules: ${name}`, async () => {
      const s = buildSnapshot(input);
      const doc = JSON.parse(new TextDecoder().decode(s.files.find((f) => f.path === 'croissant.json')!.bytes));
      assert.deepEqual(await checkCroissant(doc, served(s), readTable), []);
      assert.equal(doc.isLiveDataset, input.dataset.live);
      assert.equal(doc.version, `${input.dataset.version}.0.0`);
      assert.equal(doc.creator.name, input.dataset.creator.name);
      assert.ok(doc['prov:wasDerivedFrom'].length >= 1);
      for (const src of input.sources)
        assert.ok(
          doc['prov:wasDerivedFrom'].some((d: { '@id': string }) => d['@id'] === src.url),
          src.url,
        );
      const activity = doc['prov:wasGeneratedBy'];
      assert.equal(activity['@type'], 'prov:Activity');
      assert.ok(Date.parse(activity['prov:startedAtTime']) <= Date.parse(activity['prov:endedAtTime']));
      assert.equal(typeof doc['rai:dataCollection'], 'string');
      assert.ok(Array.isArray(doc['rai:dataCollectionType']));
      assert.ok(doc.dateModified >= doc.datePublished);
      assert.equal(doc.distribution.length, 2, 'one FileObject per data file');
    });

  it('every JSONL field column is a column of the DataFrame pandas reads (`column in df`)', (t) => {
    const py = pandasPython(t);
    if (py === undefined) return;
    const s = buildSnapshot(objectDataset());
    const doc = JSON.parse(new TextDecoder().decode(s.files.find((f) => f.path === 'croissant.json')!.bytes));
    const path = join(dir, 'records.jsonl');
    return writeFile(path, s.files.find((f) => f.path === 'data/records.jsonl')!.bytes).then(() => {
      const columns: string[] = JSON.parse(
        execFileSync(
          py,
          [
            '-c',
            'import json,sys,pandas as pd; print(json.dumps(list(pd.read_json(sys.argv[1], lines=True).columns)))',
            path,
          ],
          {
            encoding: 'utf8',
          },
        ),
      );
      const jsonlSet = doc.recordSet.find((r: { '@id': string }) => r['@id'] === 'records_jsonl');
      for (const f of jsonlSet.field) assert.ok(columns.includes(f.source.extract.column), f.source.extract.column);
    });
  });

  it('the checker catches what the old request export did: jsonPath on JSONL, no creator, a wrong sha256', async () => {
    const s = buildSnapshot(priceFeed(1));
    const doc = JSON.parse(new TextDecoder().decode(s.files.find((f) => f.path === 'croissant.json')!.bytes));
    const broken = structuredClone(doc);
    delete broken.creator;
    broken.recordSet[1].field[0].source.extract = { jsonPath: '$.record.value' };
    broken.distribution[0].sha256 = '00'.repeat(32);
    const problems = await checkCroissant(broken, served(s), readTable);
    assert.ok(problems.includes('missing creator'), problems.join('; '));
    assert.ok(
      problems.some((p) => p.includes('jsonPath on a JSONL file')),
      problems.join('; '),
    );
    assert.ok(
      problems.some((p) => p.includes('is not that of the served bytes')),
      problems.join('; '),
    );
  });
});
