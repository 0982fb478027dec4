// The one canonicalization and hashing path: RFC 8785 canonical JSON, keccak256 over it, and hex/byte helpers.
//
// Every hash that is signed, put on-chain or compared across parties (spec hash, result hash, record leaves,
// transcript hashes) goes through this module, so two honest parties can never disagree on encoding.
//
// Speed matters here (the aggregator hashes a million records per dataset): keccak256 runs in hash-wasm's hand-tuned
// WASM (≈7× @noble/hashes on short inputs), created once per thread through its public API,
// and the canonical JSON is written in one pass that also refuses what JSON cannot represent. Outputs are those of
// `canonicalize` (RFC 8785) and viem's keccak256, byte for byte: test/core/canonical.test.ts compares them.
import { createKeccak } from 'hash-wasm';
import { toBytes, toHex, type Hex } from 'viem';
import { VeritasError } from './errors.ts';
import { keccakBatchModule, RESERVED, type KeccakBatchExports } from './keccak-wasm.ts';

export type { Hex };

// ------------------------------------------------------------------------------------------------ keccak256

/**
 * A keccak256 instance: `window` is a 16 KiB input area; `hash(len)` hashes window[0, len) and
 * leaves the 32-byte digest in window[0, 32). `words` views the same bytes as little-endian uint32s (for copying
 * 32-byte nodes without allocating). Bulk hashing (core/merkle.ts) writes into the window directly.
 */
export type KeccakKernel = {
  window: Uint8Array;
  words: Uint32Array;
  /** `window` as a Buffer, for hex decoding straight into it. */
  buffer: Buffer;
  hash(len: number): void;
  /** keccak256 of `bytes` of any length; the digest is left in window[0, 32). */
  hashBytes(bytes: Uint8Array): void;
};

const utf8 = new TextEncoder();
const WINDOW = 16 * 1024;
const KECCAK_BITS = 256; // createKeccak is Keccak with Ethereum's padding (0x01), not SHA-3's (0x06)

/**
 * A fresh keccak256 instance (one per thread) on hash-wasm's supported API: `createKeccak(256)` gives an IHasher with
 * its own WASM instance. Async because hash-wasm compiles its WASM asynchronously; this module awaits it once at load
 * (top-level await), so every hashing function below stays synchronous. The window lives on the JS side: a hash is
 * init → update(one view of the window, made once per length) → digest, the 32 bytes copied back into the window.
 */
export async function newKeccakKernel(): Promise<KeccakKernel> {
  const hasher = await createKeccak(KECCAK_BITS);
  const memory = new ArrayBuffer(WINDOW);
  const window = new Uint8Array(memory);
  const views: Uint8Array[] = [];
  const hashBytes = (bytes: Uint8Array): void => {
    hasher.init();
    hasher.update(bytes);
    window.set(hasher.digest('binary'));
  };
  return {
    window,
    words: new Uint32Array(memory),
    buffer: Buffer.from(memory),
    hash(len) {
      let view = views[len];
      if (view === undefined) views[len] = view = window.subarray(0, len);
      hashBytes(view);
    },
    hashBytes,
  };
}

const kernel = await newKeccakKernel();
const digestHex = (): Hex => `0x${kernel.buffer.toString('hex', 0, 32)}`;

/** The thread's shared keccak256 instance (see KeccakKernel); synchronous callers only, never across an await. */
export const keccakKernel = (): KeccakKernel => kernel;

export function keccakBytes(bytes: Uint8Array): Hex {
  kernel.hashBytes(bytes);
  return digestHex();
}

/** keccak256 of `bytes` as 32 raw bytes (a fresh array). */
export function keccakRaw(bytes: Uint8Array): Uint8Array {
  kernel.hashBytes(bytes);
  return kernel.window.slice(0, 32);
}

export function keccakUtf8(text: string): Hex {
  // Encode straight into the window when it fits (UTF-8 is at most 3 bytes per UTF-16 unit).
  if (text.length * 3 <= WINDOW) {
    const { written } = utf8.encodeInto(text, kernel.window);
    kernel.hash(written);
    return digestHex();
  }
  return keccakBytes(utf8.encode(text));
}

/** keccak256 of hex-encoded bytes (e.g. viem's ABI encodings), as viem's keccak256(hex) computes it. */
export const keccakHex = (hex: Hex): Hex => keccakBytes(toBytes(hex));

if (keccakUtf8('') !== '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470')
  throw new Error('the WASM keccak256 does not give the known hash of the empty string');

// ---------------------------------------------------------------------------------- batched keccak256 (trees)

/**
 * core/keccak-wasm.ts's module on one memory: whole runs of leaves and ranges of inner nodes hashed in one call each
 * (core/merkle.ts). The memory is shared, so several threads can work on one tree; bytes [0, `reserved`) are the
 * module's own. `u8`, `u32` and `buffer` view the memory as it was when made (memories here never grow).
 */
export type KeccakBatch = KeccakBatchExports & {
  memory: WebAssembly.Memory;
  reserved: number;
  u8: Uint8Array;
  u32: Uint32Array;
  buffer: Buffer;
};

const MAX_PAGES = 65_536; // 4 GiB: the most a wasm32 memory can address
let batchModule: WebAssembly.Module | undefined;

/** A shared memory for `bytes` bytes of tree data after the module's reserved ones. */
export function newBatchMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.ceil((RESERVED + bytes) / 65_536);
  if (pages > MAX_PAGES) throw new RangeError(`a batch of ${bytes} bytes does not fit a 4 GiB memory`);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** The batch kernel on `memory` (one instance per thread and memory; the module is compiled once per thread). */
export function keccakBatch(memory: WebAssembly.Memory): KeccakBatch {
  batchModule ??= new WebAssembly.Module(keccakBatchModule(MAX_PAGES) as Uint8Array<ArrayBuffer>);
  const exports = new WebAssembly.Instance(batchModule, { env: { memory } }).exports as unknown as KeccakBatchExports;
  const sab = memory.buffer;
  return {
    leaf: exports.leaf,
    pair: exports.pair,
    leaves: exports.leaves,
    nodes: exports.nodes,
    memory,
    reserved: RESERVED,
    u8: new Uint8Array(sab),
    u32: new Uint32Array(sab),
    buffer: Buffer.from(sab),
  };
}

// Both keccak paths must agree: the batch kernel's leaf and pair against the per-hash kernel, once at load.
{
  const b = keccakBatch(newBatchMemory(512));
  const at = RESERVED;
  for (let i = 0; i < 128; i++) kernel.window[i] = b.u8[at + i] = (i * 151 + 7) & 0xff;
  b.leaf(at, at + 128);
  kernel.hash(128);
  kernel.hash(32);
  b.pair(at, at + 32, at + 160);
  const leafOk = Buffer.compare(b.buffer.subarray(at + 128, at + 160), kernel.buffer.subarray(0, 32)) === 0;
  // a pair is hashed in sorted order (OpenZeppelin's commutative hash)
  const x = b.buffer.subarray(at, at + 32);
  const y = b.buffer.subarray(at + 32, at + 64);
  const [lo, hi] = Buffer.compare(x, y) <= 0 ? [x, y] : [y, x];
  kernel.window.set(lo, 0);
  kernel.window.set(hi, 32);
  kernel.hash(64);
  if (!leafOk || Buffer.compare(b.buffer.subarray(at + 160, at + 192), kernel.buffer.subarray(0, 32)) !== 0)
    throw new Error('the batched keccak256 disagrees with the per-hash one');
}

// ----------------------------------------------------------------------------------------- canonical JSON

/** RFC 8785 (JCS) canonical JSON text. Refuses values JSON cannot represent (undefined, functions, NaN, Infinity). */
export function canonicalJson(value: unknown): string {
  return serialize(value, [], []);
}

export const canonicalBytes = (value: unknown): Uint8Array => utf8.encode(canonicalJson(value));

/** keccak256 of the canonical JSON of `value`: the `resultHash` of an extracted value, the `specHash` of a spec. */
export const hashJson = (value: unknown): Hex => keccakUtf8(canonicalJson(value));

export const bytesToHex = (bytes: Uint8Array): Hex => toHex(bytes);
export const hexToBytes = (hex: Hex): Uint8Array => toBytes(hex);

// One pass that both serializes (as `canonicalize` 5.x does: keys sorted by UTF-16 code units, ES number and string
// formatting) and refuses, with the path of the offending member, what canonicalize would silently drop or turn into
// null (`undefined` members, NaN): in a signed value that would make two different inputs hash alike. `trail` holds
// the keys and indexes down to the current member; the path string is only built for an error.
function serialize(value: unknown, trail: (string | number)[], ancestors: object[]): string {
  switch (typeof value) {
    case 'string':
      return quote(value, trail);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw invalid(trail, 'is not a finite number');
      return String(value); // ES Number::toString, as JSON.stringify and RFC 8785 format a finite number
    case 'object': {
      if (value === null) return 'null';
      // Deep nesting is legal JSON; a cycle is not. Looked for only past a depth no real document reaches.
      if (ancestors.length >= 64 && ancestors.includes(value)) throw invalid(trail, 'refers to itself (circular)');
      ancestors.push(value);
      let out: string;
      if (Array.isArray(value)) {
        out = '[';
        for (let i = 0; i < value.length; i++) {
          trail.push(i);
          out += (i ? ',' : '') + serialize(value[i], trail, ancestors);
          trail.pop();
        }
        out += ']';
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) throw invalid(trail, 'is not a plain JSON object');
        const obj = value as Record<string, unknown>;
        const keys = Object.keys(obj).sort();
        out = '{';
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          trail.push(k);
          let key = quotedKeys.get(k);
          if (key === undefined) {
            key = quote(k, trail);
            if (quotedKeys.size >= 4096) quotedKeys.clear(); // keys repeat across documents; bound the cache anyway
            quotedKeys.set(k, key);
          }
          out += `${i ? ',' : ''}${key}:${serialize(obj[k], trail, ancestors)}`;
          trail.pop();
        }
        out += '}';
      }
      ancestors.pop();
      return out;
    }
    default:
      throw invalid(trail, `has no JSON representation (${typeof value})`);
  }
}

const quotedKeys = new Map<string, string>(); // member name → its JSON string (checked well-formed once)

function quote(s: string, trail: (string | number)[]): string {
  // isWellFormed is ES2024 (Node ≥ 20); the project's TypeScript lib is ES2023.
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed())
    throw invalid(trail, 'contains a lone UTF-16 surrogate');
  return JSON.stringify(s);
}

function invalid(trail: readonly (string | number)[], reason: string): VeritasError {
  const path = trail.reduce<string>((p, k) => (typeof k === 'number' ? `${p}[${k}]` : `${p}.${k}`), '$');
  return new VeritasError('INPUT_INVALID', `${path} ${reason}`, { field: path });
}
