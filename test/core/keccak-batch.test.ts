import { test } from 'node:test';
import assert from 'node:assert/strict';
import { concat, keccak256, toHex, type Hex } from 'viem';
import { keccakBatch, newBatchMemory } from '../../core/canonical.ts';

let seed = 7;
const bytes = (n: number): Uint8Array => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    out[i] = seed >>> 16;
  }
  return out;
};
const sortedPair = (a: Uint8Array, b: Uint8Array): Hex =>
  Buffer.compare(a, b) <= 0 ? keccak256(concat([a, b])) : keccak256(concat([b, a]));

test('leaf and leaves are keccak256(keccak256(128 bytes)), as viem computes it', () => {
  const k = keccakBatch(newBatchMemory(64 * 1024));
  const enc = k.reserved;
  const out = enc + 100 * 128;
  const inputs = Array.from({ length: 100 }, () => bytes(128));
  for (const [i, b] of inputs.entries()) k.u8.set(b, enc + i * 128);
  k.leaves(enc, out, 100);
  for (const [i, b] of inputs.entries())
    assert.equal(toHex(k.u8.slice(out + i * 32, out + i * 32 + 32)), keccak256(keccak256(b)), `leaf ${i}`);
  k.leaf(enc + 5 * 128, out);
  assert.equal(toHex(k.u8.slice(out, out + 32)), keccak256(keccak256(inputs[5]!)));
  k.leaves(enc, out, 0); // nothing to do: out is left as it was
  assert.equal(toHex(k.u8.slice(out, out + 32)), keccak256(keccak256(inputs[5]!)));
});

test('pair hashes the two nodes in bytewise order, also when they share a prefix or are equal', () => {
  const k = keccakBatch(newBatchMemory(1024));
  const [a, b, out] = [k.reserved, k.reserved + 32, k.reserved + 64];
  const cases: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < 50; i++) cases.push([bytes(32), bytes(32)]);
  for (const prefix of [1, 4, 8, 31]) {
    const x = bytes(32);
    const y = bytes(32);
    y.set(x.subarray(0, prefix));
    cases.push([x, y], [y, x]);
  }
  const same = bytes(32);
  cases.push([same, same.slice()]);
  cases.push([new Uint8Array(32).fill(0xff), new Uint8Array(32)]); // bytes compared unsigned
  for (const [x, y] of cases) {
    k.u8.set(x, a);
    k.u8.set(y, b);
    k.pair(a, b, out);
    assert.equal(toHex(k.u8.slice(out, out + 32)), sortedPair(x, y));
    k.pair(a, b, a); // the output may be one of the inputs (proof checks fold into the node)
    assert.equal(toHex(k.u8.slice(a, a + 32)), sortedPair(x, y));
  }
});

test('nodes fills a flat tree (children 2i+1, 2i+2) from the back, one range per call', () => {
  const n = 37; // leaves; 2n − 1 nodes
  const k = keccakBatch(newBatchMemory((2 * n - 1) * 32));
  const tree = k.reserved;
  const nodes: Uint8Array[] = [];
  for (let i = 0; i < 2 * n - 1; i++) nodes[i] = bytes(32);
  for (const [i, b] of nodes.entries()) k.u8.set(b, tree + i * 32);
  for (let i = n - 2; i >= 0; i--)
    nodes[i] = Buffer.from(sortedPair(nodes[2 * i + 1]!, nodes[2 * i + 2]!).slice(2), 'hex');
  k.nodes(tree, n - 2, 20);
  k.nodes(tree, 19, 20); // from below to: nothing
  k.nodes(tree, 19, 0);
  for (let i = 0; i < 2 * n - 1; i++)
    assert.equal(toHex(k.u8.slice(tree + i * 32, tree + i * 32 + 32)), toHex(nodes[i]!));
});

test('threads share one memory: a second instance on it sees and hashes the same bytes', () => {
  const memory = newBatchMemory(1024);
  const one = keccakBatch(memory);
  const two = keccakBatch(memory);
  const x = bytes(128);
  one.u8.set(x, one.reserved);
  two.leaf(two.reserved, two.reserved + 128);
  assert.equal(toHex(one.u8.slice(one.reserved + 128, one.reserved + 160)), keccak256(keccak256(x)));
});
