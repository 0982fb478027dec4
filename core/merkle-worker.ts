// A worker thread of core/merkle.ts's buildRecordTreeParallel: takes leaf chunks and subtrees from shared memory.
import { parentPort } from 'node:worker_threads';
import { keccakBatch } from './canonical.ts';
import { hashLeafChunks, hashSubtreeChunks, type MerkleJob } from './merkle.ts';

parentPort!.on('message', (job: MerkleJob) => {
  try {
    // an instance per job (microseconds): the memory arrives as a new object with every message
    const k = keccakBatch(job.memory);
    const ctrl = new Int32Array(job.ctrl);
    if (job.kind === 'leaves') hashLeafChunks(k, job.at, ctrl);
    else hashSubtreeChunks(k, job.at, ctrl);
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
