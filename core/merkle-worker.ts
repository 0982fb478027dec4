// A worker thread of core/merkle.ts's parallel builds: takes leaf chunks and subtrees from shared memory, or hashes
// the records it is sent (hashJson: the one canonicalization and hashing path, as on the calling thread).
import { parentPort } from 'node:worker_threads';
import { hashJson, keccakBatch } from './canonical.ts';
import { hashLeafChunks, hashSubtreeChunks, replyOf, type MerkleJob, type MerkleReply } from './merkle.ts';

parentPort!.on('message', (job: MerkleJob) => {
  let reply: MerkleReply;
  try {
    if (job.kind === 'records') reply = { ok: true, hashes: job.values.map((v) => hashJson(v)) };
    else {
      // an instance per job (microseconds): the memory arrives as a new object with every message
      const k = keccakBatch(job.memory);
      const ctrl = new Int32Array(job.ctrl);
      if (job.kind === 'leaves') hashLeafChunks(k, job.at, ctrl);
      else hashSubtreeChunks(k, job.at, ctrl);
      reply = { ok: true };
    }
  } catch (e) {
    reply = replyOf(e);
  }
  parentPort!.postMessage(reply);
});
