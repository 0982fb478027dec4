// A worker thread of core/merkle.ts's buildRecordTreeParallel: takes leaf chunks and subtrees from shared memory.
import { parentPort } from 'node:worker_threads';
import { newKeccakKernel } from './canonical.ts';
import { hashLeafChunks, hashSubtreeChunks } from './merkle.ts';

const k = await newKeccakKernel();
parentPort!.on('message', (job: { kind: 'leaves' | 'subtrees'; sab: SharedArrayBuffer[]; n: number }) => {
  try {
    const [enc, hashes, tree, ctrl] = job.sab as [
      SharedArrayBuffer,
      SharedArrayBuffer,
      SharedArrayBuffer,
      SharedArrayBuffer,
    ];
    if (job.kind === 'leaves')
      hashLeafChunks(new Uint32Array(enc), job.n, new Uint32Array(hashes), new Int32Array(ctrl), k);
    else hashSubtreeChunks(new Uint32Array(tree), job.n, new Int32Array(ctrl), k);
    parentPort!.postMessage({ ok: true });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
