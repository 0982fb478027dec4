import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { isVeritasError } from '../../core/errors.ts';
import {
  buildRecordTree,
  buildRecordTreeParallel,
  closeMerkleWorkers,
  recordHashesParallel,
  type RecordLeaf,
} from '../../core/merkle.ts';

const record = (index: number) => ({ index, value: { price: 3000 + index / 100, symbol: 'ETH' }, tags: ['a', index] });

test('record hashes on worker threads are hashJson of each record, in order', async (t) => {
  t.after(closeMerkleWorkers);
  for (const [n, threads] of [
    [1000, 2],
    [1001, 3],
    [255, 2], // below the threshold: the calling thread alone
  ] as const) {
    const records = Array.from({ length: n }, (_, i) => record(i));
    assert.deepEqual(
      await recordHashesParallel(records, threads),
      records.map((r) => hashJson(r)),
      `${n} on ${threads}`,
    );
  }
});

test('a record JSON cannot represent is refused with its code and path, and the pool stays usable', async (t) => {
  t.after(closeMerkleWorkers);
  const records: unknown[] = Array.from({ length: 1000 }, (_, i) => record(i));
  records[900] = { index: 900, value: { price: Number.NaN } }; // in the worker's share
  await assert.rejects(
    recordHashesParallel(records, 2),
    (e) => isVeritasError(e, 'INPUT_INVALID') && e.field === '$.value.price',
  );
  records[10] = { index: 10, value: { price: Number.POSITIVE_INFINITY } }; // in the caller's share
  await assert.rejects(recordHashesParallel(records, 2), (e) => isVeritasError(e, 'INPUT_INVALID'));
  // the next tasks get their own replies, not a late one of the failed task
  const ok = Array.from({ length: 1000 }, (_, i) => record(i));
  assert.deepEqual(
    await recordHashesParallel(ok, 2),
    ok.map((r) => hashJson(r)),
  );
  const requestId = `0x${'cd'.repeat(32)}` as Hex;
  const leaves: RecordLeaf[] = Array.from({ length: 70_000 }, (_, index) => ({
    requestId,
    index,
    valueHash: requestId,
    recordHash: hashJson(index),
  }));
  assert.equal((await buildRecordTreeParallel(leaves, 2)).root, buildRecordTree(leaves).root);
});
