// Merkle commitments over dataset records: OpenZeppelin's StandardMerkleTree construction, verifiable on-chain with
// MerkleProof (oracle-contracts/MerkleVerifier.sol).
//
// Leaf = keccak256(keccak256(abi.encode(bytes32 requestId, uint256 index, bytes32 valueHash, bytes32 recordHash)))
// — the standard double-hashed 128-byte leaf of docs/PROTOCOL.md (v2), so a 64-byte inner node can never be passed
// off as a leaf. Pairs are hashed sorted. `encodeLeaf` below is the only place the encoding is written. `valueHash`
// is the value hash OracleHub accepted at `fulfill` (the same for every record of a request), so a leaf committing
// another one is on-chain evidence against the aggregator (OracleHub.challengeFulfillment).
//
// `buildRecordTree` is a direct implementation of the same construction over raw bytes: the leaves encoded into one
// WebAssembly memory, then hashed by core/canonical.ts's batch kernel a run of leaves or a range of inner nodes per
// call (no JS between two hashes, no hex until a root or proof is asked for), a radix sort of the leaf hashes, the
// whole tree in one flat array. StandardMerkleTree takes ~100× longer at a million records. Its root and proofs are
// identical to `StandardMerkleTree.of(...)` — test/core/merkle.test.ts checks that on many tree sizes.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import type { Hex } from 'viem';
import { keccakBatch, newBatchMemory, type KeccakBatch } from './canonical.ts';

export type RecordLeaf = {
  requestId: Hex;
  index: number;
  /** The value hash OracleHub accepted at `fulfill` for the record's request. */
  valueHash: Hex;
  recordHash: Hex;
};

/** The ABI types of a leaf, as StandardMerkleTree and the AggregateReport's `leafEncoding` name them. */
export const LEAF_ENCODING: readonly string[] = ['bytes32', 'uint256', 'bytes32', 'bytes32'];
const tuple = (l: RecordLeaf): (Hex | bigint)[] => [l.requestId, BigInt(l.index), l.valueHash, l.recordHash];
/** Bytes of an encoded leaf. */
const LEAF_BYTES = 128;

export type RecordTree = {
  root: Hex;
  /** The proof for the leaf at `index` (the record's index, not its sorted position). */
  proof(index: number): Hex[];
  leafHash(index: number): Hex;
};

/** Decodes a 0x-prefixed 32-byte hex string into `into` at `at` (a Buffer write: no intermediate array). */
function writeBytes32(hex: string, into: Buffer, at: number): void {
  // Buffer's hex decoder stops at the first non-hex pair, so a short write means a bad character.
  if (
    typeof hex !== 'string' ||
    hex.length !== 66 ||
    hex.charCodeAt(0) !== 48 || // '0'
    hex.charCodeAt(1) !== 120 || // 'x'
    into.write(hex.slice(2), at, 32, 'hex') !== 32
  )
    throw new RangeError(`not a bytes32: ${String(hex)}`);
}

// Every record of a tree shares its requestId, and usually its valueHash: each is decoded once, then its 8 words
// copied. Decoded words are only reused for the very string they were decoded from (which was checked then); the
// keys start as a value no input can equal, so a missing field is never taken for a cached one.
const NOTHING_DECODED = Symbol('nothing decoded');
const shared: { requestId: unknown; valueHash: unknown; words: Uint32Array } = {
  requestId: NOTHING_DECODED,
  valueHash: NOTHING_DECODED,
  words: new Uint32Array(16),
};

/**
 * THE leaf encoding: abi.encode(requestId, index, valueHash, recordHash), 128 bytes written at byte `at` of `k`'s
 * memory. Every other function here hashes what this writes.
 */
function encodeLeaf(leaf: RecordLeaf, k: KeccakBatch, at: number): void {
  const w = k.buffer;
  const words = k.u32;
  const wi = at >>> 2;
  if (leaf.requestId !== shared.requestId) {
    writeBytes32(leaf.requestId, w, at);
    for (let j = 0; j < 8; j++) shared.words[j] = words[wi + j]!;
    shared.requestId = leaf.requestId;
  } else for (let j = 0; j < 8; j++) words[wi + j] = shared.words[j]!;
  const index = leaf.index;
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`bad record index ${index}`);
  for (let j = 8; j < 14; j++) words[wi + j] = 0;
  w.writeUInt32BE(Math.floor(index / 2 ** 32), at + 56);
  w.writeUInt32BE(index >>> 0, at + 60);
  if (leaf.valueHash !== shared.valueHash) {
    writeBytes32(leaf.valueHash, w, at + 64);
    for (let j = 0; j < 8; j++) shared.words[8 + j] = words[wi + 16 + j]!;
    shared.valueHash = leaf.valueHash;
  } else for (let j = 0; j < 8; j++) words[wi + 16 + j] = shared.words[8 + j]!;
  writeBytes32(leaf.recordHash, w, at + 96);
}

const hex32 = (b: Uint8Array, at = 0): Hex =>
  `0x${Buffer.from(b.buffer, b.byteOffset + at, 32).toString('hex')}` as Hex;

// The thread's kernel for single hashes (a leaf hash, a proof check): a small memory of its own, laid out as
// [reserved][leaf encoding 128][node 32][sibling 32].
const scratch = keccakBatch(newBatchMemory(256));
const ENC = scratch.reserved;
const NODE = ENC + LEAF_BYTES;
const SIBLING = NODE + 32;

/** The standard leaf hash of one record: keccak256(keccak256(abi.encode(requestId, index, valueHash, recordHash))). */
export function recordLeafHash(leaf: RecordLeaf): Uint8Array {
  encodeLeaf(leaf, scratch, ENC);
  scratch.leaf(ENC, NODE);
  return scratch.u8.slice(NODE, NODE + 32);
}

// Nodes are 32 bytes = 8 uint32 words in memory order. Byte order of a node is compared as OpenZeppelin does
// (lexicographically); on the little-endian words that means comparing byte-swapped words.
const bswap = (x: number): number => ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
function compareNodes(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let j = 0; j < 8; j++) {
    const x = a[ai + j]!;
    const y = b[bi + j]!;
    if (x !== y) return bswap(x) < bswap(y) ? -1 : 1;
  }
  return 0;
}

/** Leaf positions ordered by leaf hash (the order StandardMerkleTree sorts leaves in; stable for equal hashes).
 * `h` holds n hashes of 8 words each from word `at`. Exported for its test. */
export function sortLeafHashes(h: Uint32Array, n: number, at = 0): Uint32Array {
  // LSD radix sort on the first 4 bytes (two 16-bit passes), then insertion sort inside runs of equal prefixes
  // (about n² / 2³³ pairs: a few hundred in a million) — far cheaper than n log n comparisons of 32 bytes.
  const key = new Uint32Array(n);
  for (let i = 0; i < n; i++) key[i] = bswap(h[at + i * 8]!);
  let order = new Uint32Array(n);
  let next = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const count = new Uint32Array(65536);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(key[i]! >>> shift) & 0xffff]!++;
    for (let c = 0, sum = 0; c < 65536; c++) {
      const v = count[c]!;
      count[c] = sum;
      sum += v;
    }
    for (let i = 0; i < n; i++) {
      const leaf = order[i]!;
      next[count[(key[leaf]! >>> shift) & 0xffff]!++] = leaf;
    }
    [order, next] = [next, order];
  }
  for (let i = 1; i < n; i++) {
    if (key[order[i]!] !== key[order[i - 1]!]) continue;
    const leaf = order[i]!;
    let j = i - 1;
    while (j >= 0 && key[order[j]!] === key[leaf] && compareNodes(h, at + order[j]! * 8, h, at + leaf * 8) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = leaf;
  }
  return order;
}

/**
 * Where a tree of n leaves lives in its memory (byte offsets): the leaf hashes in input order, the encoded leaves
 * (`encLeaves` of them: all n for a parallel build, one chunk at a time on a single thread), and the flat tree of
 * 2n − 1 nodes — over the encoded leaves when they are all there (they are hashed before the tree is filled, and the
 * tree takes 64 bytes a leaf of their 128), after them otherwise.
 */
type Layout = { n: number; tree: number; hashes: number; enc: number };
function layout(n: number, encLeaves: number): { layout: Layout; bytes: number } {
  const hashes = 0;
  const enc = hashes + n * 32;
  const tree = encLeaves === n ? enc : enc + encLeaves * LEAF_BYTES;
  return { layout: { n, tree, hashes, enc }, bytes: Math.max(tree + (2 * n - 1) * 32, enc + encLeaves * LEAF_BYTES) };
}
/** The same with `k`'s reserved bytes skipped. */
const placed = (l: Layout, k: KeccakBatch): Layout => ({
  n: l.n,
  tree: k.reserved + l.tree,
  hashes: k.reserved + l.hashes,
  enc: k.reserved + l.enc,
});

const LEAF_CHUNK = 8192;

export function buildRecordTree(leaves: readonly RecordLeaf[]): RecordTree {
  const n = leaves.length;
  if (n === 0) throw new RangeError('a record tree needs at least one record');
  const chunk = Math.min(n, LEAF_CHUNK);
  const l = layout(n, chunk);
  const k = keccakBatch(newBatchMemory(l.bytes));
  const at = placed(l.layout, k);
  for (let from = 0; from < n; from += chunk) {
    const to = Math.min(n, from + chunk);
    for (let i = from; i < to; i++) encodeLeaf(leaves[i]!, k, at.enc + (i - from) * LEAF_BYTES);
    k.leaves(at.enc, at.hashes + from * 32, to - from);
  }
  const positionOf = placeLeaves(k, at);
  k.nodes(at.tree, n - 2, 0);
  return treeView(copyTree(k, at), recordIndex(leaves, positionOf));
}

/**
 * Sorts the leaf hashes and stores them as StandardMerkleTree does: reversed at the end of a flat array in which node
 * i has children 2i+1 and 2i+2, inner nodes filled from the back — so proofs match theirs sibling for sibling.
 * Returns each leaf's tree position (by input position).
 */
function placeLeaves(k: KeccakBatch, at: Layout): Uint32Array {
  const { n } = at;
  const h = k.u32;
  const hw = at.hashes >>> 2;
  const tw = at.tree >>> 2;
  const order = sortLeafHashes(h, n, hw);
  const size = 2 * n - 1;
  const positionOf = new Uint32Array(n);
  for (let s = 0; s < n; s++) {
    const leaf = order[s]!;
    const p = size - 1 - s;
    h.copyWithin(tw + p * 8, hw + leaf * 8, hw + leaf * 8 + 8);
    positionOf[leaf] = p;
  }
  return positionOf;
}

/** The finished tree, copied out of the (shared, larger) build memory so that memory can be freed. */
const copyTree = (k: KeccakBatch, at: Layout): Uint8Array => k.u8.slice(at.tree, at.tree + (2 * at.n - 1) * 32);

// ------------------------------------------------------------------------------ the same, on worker threads
// Leaf hashing and the inner nodes below the top levels are independent work: one shared memory holds the encoded
// leaves, their hashes and the tree; the calling thread and the workers take chunks (leaf ranges, then whole
// subtrees) from an atomic counter until none is left. Encoding (hex decoding the leaves' JS strings) and the sort
// stay on the caller; the workers hash each chunk as soon as it is encoded (ctrl[2] counts encoded leaves), so the
// encoding overlaps the hashing instead of preceding it.

const SPLIT_LEVEL = 5; // 32 subtrees: enough to balance 2–8 threads whose subtrees differ in size

/**
 * Hashes encoded leaves [chunk·LEAF_CHUNK, …) taken from `ctrl[0]` until all n are done, each once `ctrl[2]` says it
 * is encoded (a worker blocks on it; the calling thread only takes chunks after it has encoded all of them).
 */
export function hashLeafChunks(k: KeccakBatch, at: Layout, ctrl: Int32Array): void {
  const { n } = at;
  for (;;) {
    const from = Atomics.add(ctrl, 0, 1) * LEAF_CHUNK;
    if (from >= n) return;
    const to = Math.min(n, from + LEAF_CHUNK);
    for (let encoded = Atomics.load(ctrl, 2); encoded < to; encoded = Atomics.load(ctrl, 2))
      Atomics.wait(ctrl, 2, encoded);
    k.leaves(at.enc + from * LEAF_BYTES, at.hashes + from * 32, to - from);
  }
}

/** Computes the subtrees rooted at level SPLIT_LEVEL, taking their roots from `ctrl[1]` until none is left. */
export function hashSubtreeChunks(k: KeccakBatch, at: Layout, ctrl: Int32Array): void {
  const { n } = at;
  const firstRoot = 2 ** SPLIT_LEVEL - 1;
  for (;;) {
    const r = firstRoot + Atomics.add(ctrl, 1, 1);
    if (r > 2 * firstRoot || r > n - 2) return;
    let depth = 0; // the deepest level below r that still has inner nodes
    while ((r + 1) * 2 ** (depth + 1) - 1 <= n - 2) depth++;
    for (let d = depth; d >= 0; d--) {
      const first = (r + 1) * 2 ** d - 1;
      k.nodes(at.tree, Math.min(first + 2 ** d - 1, n - 2), first);
    }
  }
}

/** What a worker is sent: the build's memory, where the tree lies in it, and the shared counters. */
export type MerkleJob = {
  kind: 'leaves' | 'subtrees';
  memory: WebAssembly.Memory;
  at: Layout;
  ctrl: SharedArrayBuffer;
};
let pool: Worker[] | undefined;
const workerUrl = new URL('./merkle-worker.ts', import.meta.url);

function workers(count: number): Worker[] {
  pool ??= [];
  while (pool.length < count) {
    const w = new Worker(workerUrl);
    w.unref(); // an idle pool never keeps the process alive
    pool.push(w);
  }
  return pool.slice(0, count);
}

/** Stops the worker pool (tests, shutdown); the next parallel build starts a new one. */
export async function closeMerkleWorkers(): Promise<void> {
  const p = pool ?? [];
  pool = undefined;
  await Promise.all(p.map((w) => w.terminate()));
}

function runOn(ws: Worker[], job: MerkleJob): Promise<void> {
  return Promise.all(
    ws.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: { ok: boolean; error?: string }) => {
            w.off('error', onError);
            if (m.ok) resolve();
            else reject(new Error(`merkle worker: ${m.error}`));
          };
          const onError = (e: Error) => {
            w.off('message', onMessage);
            reject(e);
          };
          w.once('message', onMessage);
          w.once('error', onError);
          w.postMessage(job);
        }),
    ),
  ).then(() => undefined);
}

/**
 * buildRecordTree on `threads` threads (the caller's and threads − 1 pooled workers): the same tree, faster for large
 * inputs on a multi-core machine. Small inputs (< 2¹⁶ records) are built on the calling thread.
 */
export function buildRecordTreeParallel(
  leaves: readonly RecordLeaf[],
  threads = Math.min(availableParallelism(), 8),
): Promise<RecordTree> {
  if (leaves.length < 65_536 || threads < 2) return Promise.resolve().then(() => buildRecordTree(leaves));
  // One build at a time owns the pool (its workers take one job each).
  const built = queue.then(() => buildOnThreads(leaves, threads));
  queue = built.then(
    () => undefined,
    () => undefined,
  );
  return built;
}
let queue: Promise<void> = Promise.resolve();

async function buildOnThreads(leaves: readonly RecordLeaf[], threads: number): Promise<RecordTree> {
  const n = leaves.length;
  const l = layout(n, n);
  const memory = newBatchMemory(l.bytes);
  const k = keccakBatch(memory);
  const at = placed(l.layout, k);
  const ctrlSab = new SharedArrayBuffer(12); // [leaf chunks taken, subtrees taken, leaves encoded]
  const ctrl = new Int32Array(ctrlSab);
  const ws = workers(threads - 1);
  const job = { memory, at, ctrl: ctrlSab };
  const leavesDone = runOn(ws, { ...job, kind: 'leaves' });
  try {
    for (let from = 0; from < n; from += LEAF_CHUNK) {
      const to = Math.min(n, from + LEAF_CHUNK);
      for (let i = from; i < to; i++) encodeLeaf(leaves[i]!, k, at.enc + i * LEAF_BYTES);
      Atomics.store(ctrl, 2, to);
      Atomics.notify(ctrl, 2);
    }
  } catch (e) {
    // a bad leaf: release the waiting workers (they hash what is there, which is discarded) so the pool stays usable
    Atomics.store(ctrl, 2, n);
    Atomics.notify(ctrl, 2);
    await leavesDone.catch(() => undefined);
    throw e;
  }
  hashLeafChunks(k, at, ctrl);
  await leavesDone;
  const positionOf = placeLeaves(k, at);
  const subtreesDone = runOn(ws, { ...job, kind: 'subtrees' });
  hashSubtreeChunks(k, at, ctrl);
  await subtreesDone;
  k.nodes(at.tree, Math.min(2 ** SPLIT_LEVEL - 2, n - 2), 0);
  return treeView(copyTree(k, at), recordIndex(leaves, positionOf));
}

/** record index → tree position: a dense array when indexes are 0…n-1 (the usual case), a Map otherwise. */
function recordIndex(leaves: readonly RecordLeaf[], positionOf: Uint32Array): (index: number) => number | undefined {
  const n = leaves.length;
  const dense = new Int32Array(n).fill(-1);
  let isDense = true;
  for (let i = 0; i < n && isDense; i++) {
    const index = leaves[i]!.index;
    if (index >= n || dense[index] !== -1) isDense = false;
    else dense[index] = positionOf[i]!;
  }
  if (isDense) return (index) => (dense[index] === -1 ? undefined : dense[index]);
  const map = new Map<number, number>();
  leaves.forEach((l, i) => {
    if (map.has(l.index)) throw new RangeError(`two records with index ${l.index}`);
    map.set(l.index, positionOf[i]!);
  });
  return (index) => map.get(index);
}

function treeView(bytes: Uint8Array, positionOf: (index: number) => number | undefined): RecordTree {
  const at = (index: number): number => {
    const p = Number.isSafeInteger(index) ? positionOf(index) : undefined;
    if (p === undefined) throw new RangeError(`no record with index ${index}`);
    return p;
  };
  return {
    root: hex32(bytes, 0),
    proof: (index) => {
      const proof: Hex[] = [];
      for (let i = at(index); i > 0; i = (i - 1) >> 1) proof.push(hex32(bytes, (i % 2 === 1 ? i + 1 : i - 1) * 32));
      return proof;
    },
    leafHash: (index) => hex32(bytes, at(index) * 32),
  };
}

/** OpenZeppelin's own StandardMerkleTree over the same leaves: the reference `buildRecordTree` is tested against. */
export function buildRecordTreeReference(leaves: readonly RecordLeaf[]): RecordTree {
  const tree = StandardMerkleTree.of(leaves.map(tuple), [...LEAF_ENCODING]);
  const position = new Map<number, number>(leaves.map((l, i) => [l.index, i]));
  const at = (index: number): number => {
    const p = position.get(index);
    if (p === undefined) throw new RangeError(`no record with index ${index}`);
    return p;
  };
  return {
    root: tree.root as Hex,
    proof: (index) => tree.getProof(at(index)) as Hex[],
    leafHash: (index) => tree.leafHash(tuple(leaves[at(index)]!)) as Hex,
  };
}

/** Sorted-pair keccak from the leaf up, as MerkleProof.verify does on-chain. */
export function verifyRecordProof(root: Hex, leaf: RecordLeaf, proof: readonly Hex[]): boolean {
  encodeLeaf(leaf, scratch, ENC);
  scratch.leaf(ENC, NODE);
  for (const hex of proof) {
    writeBytes32(hex, scratch.buffer, SIBLING);
    scratch.pair(NODE, SIBLING, NODE);
  }
  return hex32(scratch.u8, NODE) === root.toLowerCase();
}
