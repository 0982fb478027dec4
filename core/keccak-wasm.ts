// The batched keccak256 of Merkle trees: a WebAssembly module, assembled here from its definition, that hashes whole
// runs of leaves and whole ranges of inner nodes in one call each (core/canonical.ts's per-hash kernel crosses into
// hash-wasm three times and copies the digest out for every hash: at a million leaves that overhead is most of the
// time). Only core/canonical.ts instantiates it; test/core/keccak-batch.test.ts compares it with viem's keccak256.
//
// The module imports its (shared) memory, so the threads building one tree all work on the same bytes. Exports:
//   leaves(enc, out, count)  for i < count: out[i] = keccak256(keccak256(enc[i]))   (128-byte leaves, 32-byte outputs)
//   nodes(tree, from, to)    for i = from down to to: node i = keccak256(sorted(node 2i+1, node 2i+2)) — the flat
//                            layout of StandardMerkleTree (32-byte nodes at tree + 32·i); descending, so a range
//                            covering whole levels may be passed at once
//   leaf(enc, out)           one leaf hash;   pair(a, b, out)  keccak256 of the two 32-byte nodes, sorted bytewise
// Inputs of these fixed sizes fit one 136-byte block, so each hash is one Keccak-f[1600] permutation over a state
// built in locals (padding 0x01 … 0x80 as constants), its unrolled rounds generated below from FIPS 202 §3.2.

const I32 = 0x7f;
const I64 = 0x7e;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  get: 0x20,
  set: 0x21,
  tee: 0x22,
  i64Load: 0x29,
  i32Load8u: 0x2d,
  i64Store: 0x37,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  i64And: 0x83,
  i64Xor: 0x85,
  i64Rotl: 0x89,
} as const;
const VOID = 0x40;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
function sleb(v: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}
const i64 = (v: bigint): number[] => [op.i64Const, ...sleb(BigInt.asIntN(64, v))];
const i32 = (v: number): number[] => [op.i32Const, ...sleb(BigInt(v | 0))];
const get = (l: number): number[] => [op.get, ...uleb(l)];
const set = (l: number): number[] => [op.set, ...uleb(l)];
const load64 = (offset: number): number[] => [op.i64Load, 3, ...uleb(offset)];
const store64 = (offset: number): number[] => [op.i64Store, 3, ...uleb(offset)];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s)].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

// FIPS 202: round constants, and the rotation offsets r[x][y] of lane (x, y) = x + 5y.
const RC = [
  0x0000000000000001n,
  0x0000000000008082n,
  0x800000000000808an,
  0x8000000080008000n,
  0x000000000000808bn,
  0x0000000080000001n,
  0x8000000080008081n,
  0x8000000000008009n,
  0x000000000000008an,
  0x0000000000000088n,
  0x0000000080008009n,
  0x000000008000000an,
  0x000000008000808bn,
  0x800000000000008bn,
  0x8000000000008089n,
  0x8000000000008003n,
  0x8000000000008002n,
  0x8000000000000080n,
  0x000000000000800an,
  0x800000008000000an,
  0x8000000080008081n,
  0x8000000000008080n,
  0x0000000080000001n,
  0x8000000080008008n,
];
const ROT = [
  [0, 36, 3, 41, 18],
  [1, 44, 10, 45, 2],
  [62, 6, 43, 15, 61],
  [28, 55, 25, 21, 56],
  [27, 20, 39, 8, 14],
];

/** Bytes [0, RESERVED) of the memory hold the round constants (a data segment written at instantiation). */
export const RESERVED = 256;

/** i64 locals from `base`: the state A[25], then C[5], D[5], B[25] of one permutation; `r` an i32 local (the round
 * constant's address). The rounds are a loop: unrolled, two permutations' code would not fit the instruction cache. */
const STATE_LOCALS = 60;
function permutation(base: number, r: number): number[] {
  const A = (i: number) => base + i;
  const C = (x: number) => base + 25 + x;
  const D = (x: number) => base + 30 + x;
  const B = (i: number) => base + 35 + i;
  const code: number[] = [...i32(0), ...set(r), op.loop, VOID];
  for (let x = 0; x < 5; x++) {
    code.push(...get(A(x)));
    for (let y = 1; y < 5; y++) code.push(...get(A(x + 5 * y)), op.i64Xor);
    code.push(...set(C(x)));
  }
  for (let x = 0; x < 5; x++)
    code.push(...get(C((x + 4) % 5)), ...get(C((x + 1) % 5)), ...i64(1n), op.i64Rotl, op.i64Xor, ...set(D(x)));
  // theta's xor, rho and pi: B[y, 2x + 3y] = rotl(A[x, y] ^ D[x], r[x][y])
  for (let x = 0; x < 5; x++)
    for (let y = 0; y < 5; y++) {
      code.push(...get(A(x + 5 * y)), ...get(D(x)), op.i64Xor);
      const rot = ROT[x]![y]!;
      if (rot !== 0) code.push(...i64(BigInt(rot)), op.i64Rotl);
      code.push(...set(B(y + 5 * ((2 * x + 3 * y) % 5))));
    }
  // chi: A[x, y] = B[x, y] ^ (~B[x+1, y] & B[x+2, y]); iota on A[0, 0]
  for (let y = 0; y < 5; y++)
    for (let x = 0; x < 5; x++) {
      code.push(...get(B(x + 5 * y)), ...get(B(((x + 1) % 5) + 5 * y)), ...i64(-1n), op.i64Xor);
      code.push(...get(B(((x + 2) % 5) + 5 * y)), op.i64And, op.i64Xor);
      if (x === 0 && y === 0) code.push(...get(r), op.i64Load, 3, 0, op.i64Xor);
      code.push(...set(A(x + 5 * y)));
    }
  code.push(...get(r), ...i32(8), op.i32Add, op.tee, ...uleb(r), ...i32(8 * 24), op.i32LtU, op.brIf, 0, op.end);
  return code;
}

type Fn = { params: number; results: number; i32Locals: number; i64Locals: number; body: number[] };

/** The 32-byte digest (lanes 0–3) to `out` (local index of an i32 address). */
const storeDigest = (base: number, out: number): number[] =>
  [0, 1, 2, 3].flatMap((j) => [...get(out), ...get(base + j), ...store64(8 * j)]);

// leaf(enc, out): keccak256 of the 128-byte leaf (lanes 0–15, padding in lane 16), then of its 32-byte digest.
function leafFn(): Fn {
  const [r, base] = [2, 3];
  const code: number[] = [];
  for (let j = 0; j < 16; j++) code.push(...get(0), ...load64(8 * j), ...set(base + j));
  code.push(...i64(0x8000000000000001n), ...set(base + 16), ...permutation(base, r));
  code.push(...i64(1n), ...set(base + 4));
  for (let j = 5; j < 25; j++) code.push(...i64(j === 16 ? 0x8000000000000000n : 0n), ...set(base + j));
  code.push(...permutation(base, r), ...storeDigest(base, 1));
  return { params: 2, results: 0, i32Locals: 1, i64Locals: STATE_LOCALS, body: code };
}

// pair(a, b, out): the two nodes in bytewise order (a first when equal) as lanes 0–7, padding in lanes 8 and 16.
function pairFn(): Fn {
  const [a, b, out, j, x, y, r] = [0, 1, 2, 3, 4, 5, 6];
  const base = 7;
  const code: number[] = [];
  // j = the first byte where a and b differ (32 if none); swap when a's byte there is the greater
  code.push(op.block, VOID, op.loop, VOID);
  code.push(...get(a), ...get(j), op.i32Add, op.i32Load8u, 0, 0, op.tee, ...uleb(x));
  code.push(...get(b), ...get(j), op.i32Add, op.i32Load8u, 0, 0, op.tee, ...uleb(y), op.i32Ne, op.brIf, 1);
  code.push(...get(j), ...i32(1), op.i32Add, op.tee, ...uleb(j), ...i32(32), op.i32LtU, op.brIf, 0);
  code.push(op.end, op.end);
  code.push(...get(x), ...get(y), op.i32GtU, op.if, VOID);
  code.push(...get(a), ...set(j), ...get(b), ...set(a), ...get(j), ...set(b), op.end);
  for (let k = 0; k < 4; k++) code.push(...get(a), ...load64(8 * k), ...set(base + k));
  for (let k = 0; k < 4; k++) code.push(...get(b), ...load64(8 * k), ...set(base + 4 + k));
  code.push(...i64(1n), ...set(base + 8), ...i64(0x8000000000000000n), ...set(base + 16));
  code.push(...permutation(base, r), ...storeDigest(base, out));
  return { params: 3, results: 0, i32Locals: 4, i64Locals: STATE_LOCALS, body: code };
}

const LEAF = 0;
const PAIR = 1;

// leaves(enc, out, count)
function leavesFn(): Fn {
  const [enc, out, count, i] = [0, 1, 2, 3];
  const code = [
    ...[op.block, VOID, ...get(i), ...get(count), op.i32LtU, op.i32Eqz, op.brIf, 0, op.loop, VOID],
    ...[...get(enc), ...get(i), ...i32(7), op.i32Shl, op.i32Add],
    ...[...get(out), ...get(i), ...i32(5), op.i32Shl, op.i32Add, op.call, ...uleb(LEAF)],
    ...[...get(i), ...i32(1), op.i32Add, op.tee, ...uleb(i), ...get(count), op.i32LtU, op.brIf, 0, op.end, op.end],
  ];
  return { params: 3, results: 0, i32Locals: 1, i64Locals: 0, body: code };
}

// nodes(tree, from, to), indexes signed (to may be 0, from may be below it: nothing to do)
function nodesFn(): Fn {
  const [tree, from, to, i, child] = [0, 1, 2, 3, 4];
  const code = [
    ...get(from),
    ...set(i),
    ...[op.block, VOID, ...get(i), ...get(to), op.i32LtS, op.brIf, 0, op.loop, VOID],
    // child = tree + (2i + 1)·32 = tree + 64i + 32
    ...[...get(tree), ...get(i), ...i32(6), op.i32Shl, op.i32Add, ...i32(32), op.i32Add, op.tee, ...uleb(child)],
    ...[...get(child), ...i32(32), op.i32Add, ...get(tree), ...get(i), ...i32(5), op.i32Shl, op.i32Add],
    ...[op.call, ...uleb(PAIR)],
    ...[...get(i), ...i32(1), op.i32Sub, op.tee, ...uleb(i), ...get(to), op.i32LtS, op.i32Eqz, op.brIf, 0],
    ...[op.end, op.end],
  ];
  return { params: 3, results: 0, i32Locals: 2, i64Locals: 0, body: code };
}

/** The round constants as the data segment at address 0 (little-endian, as i64.load reads them). */
const rcBytes = new Uint8Array(new BigUint64Array(RC).buffer);

/** The module's bytes. Its memory is imported as env.memory: shared, at most `maxPages` 64 KiB pages. */
export function keccakBatchModule(maxPages: number): Uint8Array {
  const fns = [leafFn(), pairFn(), leavesFn(), nodesFn()]; // indexes LEAF, PAIR, then the loops
  const exportsAs = ['leaf', 'pair', 'leaves', 'nodes'];
  const type = (f: Fn) => [0x60, ...vec(Array.from({ length: f.params }, () => [I32])), ...vec([])];
  const code = (f: Fn) => {
    const locals = [
      ...(f.i32Locals ? [[...uleb(f.i32Locals), I32]] : []),
      ...(f.i64Locals ? [[...uleb(f.i64Locals), I64]] : []),
    ];
    const body = [...vec(locals), ...f.body, op.end];
    return [...uleb(body.length), ...body];
  };
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(fns.map(type))),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(1), ...uleb(maxPages)]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(exportsAs.map((e, i) => [...name(e), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map(code))),
    ...section(11, vec([[0x00, ...i32(0), op.end, ...vec([...rcBytes].map((b) => [b]))]])),
  ];
  return new Uint8Array(bytes);
}

export type KeccakBatchExports = {
  leaf(enc: number, out: number): void;
  pair(a: number, b: number, out: number): void;
  leaves(enc: number, out: number, count: number): void;
  nodes(tree: number, from: number, to: number): void;
};
