// Fast ECDSA signer recovery: the address behind an EIP-191 or EIP-712 signature, for verifying many bundles.
//
// Measured on our 2-core machine (bench/aggregator.ts prints it each run): libsecp256k1 through the `secp256k1`
// package's prebuilt native binding recovers a key ≈ 5× faster than the same library compiled to WASM
// (tiny-secp256k1), which is ≈ 6.5× faster than @noble/curves (viem's recover*). node:crypto cannot recover at all,
// and verifying against a cached public key instead would accept a signature whose `v` ecrecover maps to another
// address. Recovering two signatures per bundle is most of the aggregator's verification time, so everything around
// it avoids viem's general-purpose encoders too: the EIP-712 digest is built from ATTESTATION_TYPES into one buffer
// and hashed with core/canonical.ts's WASM keccak. Results are identical to viem's whichever backend runs
// (test/verify/recover.test.ts); the malleability rules are OracleHub's (65 bytes, v ∈ {0, 1, 27, 28}, low s) via
// assertCanonicalSignature, checked here before either backend sees the signature.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { domainSeparator, type Address, type Hex } from 'viem';
import { keccakBytes, keccakKernel, keccakUtf8 } from '../canonical.ts';
import {
  ATTESTATION_TYPES,
  assertCanonicalSignature,
  attestationDigest,
  type AnyAttestation,
  type AttestationDomain,
} from '../chain/attestation.ts';
import { VeritasError } from '../errors.ts';
import { componentLogger } from '../log.ts';

// ---------------------------------------------------------------------------------------- recovery backends
// Both are libsecp256k1's secp256k1_ecdsa_recover: natively through the `secp256k1` package's prebuilt N-API binding
// (≈ 5× the WASM), else (no prebuild for this platform) the same C compiled to WASM in tiny-secp256k1. The package's
// own index.js would fall back to pure-JS elliptic instead, whose rules we have not checked, so it is never loaded:
// the binding is opened with node-gyp-build directly. Each backend reads the 32-byte digest and the 64-byte r ‖ s
// from its own input buffers and leaves the uncompressed key's X ‖ Y in `key`; recid is 0 or 1 (see below).
type Backend = {
  name: 'native' | 'wasm';
  digest: Buffer;
  rs: Buffer;
  /** Whether a key was recovered; X ‖ Y is then in `key` at [keyAt, keyAt + 64). */
  recover(recid: 0 | 1): boolean;
  key(): Buffer;
  keyAt: number;
};

type NativeAddon = { Secp256k1: new () => NativeSecp256k1 };
type NativeSecp256k1 = {
  /** 0: recovered into `output` (65 bytes: uncompressed); 1: r or s ≥ n; 2: no key; 3: serialization failed. */
  ecdsaRecover(output: Uint8Array, rs: Uint8Array, recid: number, digest: Uint8Array): number;
};

function nativeBackend(): Backend {
  const require = createRequire(import.meta.url);
  const main = require.resolve('secp256k1'); // …/secp256k1/index.js
  // node-gyp-build from secp256k1's own dependencies: it picks prebuilds/<platform>-<arch>/ (glibc or musl)
  const load = createRequire(main)('node-gyp-build') as (dir: string) => NativeAddon;
  const ctx = new (load(path.dirname(main)).Secp256k1)();
  const digest = Buffer.alloc(32);
  const rs = Buffer.alloc(64);
  const output = Buffer.alloc(65);
  return {
    name: 'native',
    digest,
    rs,
    recover: (recid) => ctx.ecdsaRecover(output, rs, recid, digest) === 0,
    key: () => output,
    keyAt: 1, // after the 0x04 prefix
  };
}

// tiny-secp256k1's own recover() first re-checks in JS that r is an x coordinate (a field square root, ~9 % of a
// recovery) and copies its output; libsecp256k1's recover refuses such an r anyway. So its WASM binary is instantiated
// here a second time and called directly (its exported input buffers are where recover reads and writes).
type Secp256k1Exports = {
  memory: WebAssembly.Memory;
  recover(outputLength: number, recoveryId: number): number;
  HASH_INPUT: WebAssembly.Global;
  SIGNATURE_INPUT: WebAssembly.Global;
  PUBLIC_KEY_INPUT: WebAssembly.Global;
};
function wasmBackend(): Backend {
  const dir = path.dirname(createRequire(import.meta.url).resolve('tiny-secp256k1')); // …/lib/cjs
  const file = path.join(dir, '..', 'secp256k1.wasm');
  const ex = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {
    './rand.js': { generateInt32: () => randomBytes(4).readInt32BE(0) },
    './validate_error.js': {
      throwError: (code: number) => {
        throw new RangeError(`libsecp256k1 refused its input (error ${code})`);
      },
    },
  }).exports as unknown as Secp256k1Exports;
  const hashAt = ex.HASH_INPUT.value as number;
  const signatureAt = ex.SIGNATURE_INPUT.value as number;
  let memory = Buffer.from(ex.memory.buffer);
  // a memory.grow detaches the old buffer: views are re-made then (the input offsets stay)
  const fresh = (): Buffer => {
    if (memory.byteLength === 0) memory = Buffer.from(ex.memory.buffer);
    return memory;
  };
  const backend: Backend = {
    name: 'wasm',
    digest: memory.subarray(hashAt, hashAt + 32),
    rs: memory.subarray(signatureAt, signatureAt + 64),
    recover(recid) {
      let ok = false;
      try {
        ok = ex.recover(65, recid) === 1;
      } catch {
        // libsecp256k1 reports an unparsable signature (e.g. r = 0) through throwError
      }
      if (memory.byteLength === 0) {
        fresh();
        backend.digest = memory.subarray(hashAt, hashAt + 32);
        backend.rs = memory.subarray(signatureAt, signatureAt + 64);
      }
      return ok;
    },
    key: fresh,
    keyAt: (ex.PUBLIC_KEY_INPUT.value as number) + 1,
  };
  return backend;
}

let wasm: Backend | undefined;
/** The WASM backend, instantiated on first use (tests compare it with the native one). */
const wasmRecovery = (): Backend => (wasm ??= wasmBackend());

/** Why the native binding did not load, when it did not (then every recovery goes through the WASM). */
export let nativeRecoveryError: Error | undefined;
const native = ((): Backend | undefined => {
  try {
    return nativeBackend();
  } catch (e) {
    nativeRecoveryError = e as Error;
    return undefined;
  }
})();
let announced = false;

/** Which libsecp256k1 build recovers signatures in this process. */
export const recoveryBackend = (): 'native' | 'wasm' => (native ?? wasmRecovery()).name;

/** The lowercase address whose key produced `signature` over the 32-byte `digest`; BAD_SIGNATURE when none. */
export function recoverDigestSigner(digest: Hex, signature: Hex): Address {
  if (!announced) announce();
  return recoverWith(native ?? wasmRecovery(), digest, signature);
}

function announce(): void {
  announced = true;
  const log = componentLogger('verify');
  if (native) log.debug({ backend: 'native' }, 'ECDSA recovery through the native libsecp256k1 binding');
  else
    log.debug(
      { backend: 'wasm', reason: nativeRecoveryError?.message },
      'the native libsecp256k1 binding did not load: ECDSA recovery through tiny-secp256k1 (WASM), same results',
    );
}

/** recoverDigestSigner through one named backend: for tests that check both give the same answers. */
export function recoverDigestSignerWith(backend: 'native' | 'wasm', digest: Hex, signature: Hex): Address {
  const b = backend === 'native' ? native : wasmRecovery();
  if (!b) throw new Error(`the native libsecp256k1 binding did not load: ${nativeRecoveryError?.message}`);
  return recoverWith(b, digest, signature);
}

function recoverWith(b: Backend, digest: Hex, signature: Hex): Address {
  // only exactly 65 bytes of hex reach the backend's buffer (a hex write stops at the first non-hex character)
  assertCanonicalSignature(signature);
  if (!isHexOf(digest, 32) || b.digest.write(digest.slice(2), 0, 32, 'hex') !== 32)
    throw new VeritasError('BAD_SIGNATURE', 'the signed digest is not 32 bytes of hex', { field: 'digest' });
  b.rs.write(signature.slice(2), 0, 64, 'hex');
  const v = Number.parseInt(signature.slice(130, 132), 16);
  // v ∈ {0, 1, 27, 28} (assertCanonicalSignature): ecrecover's recovery id is its parity, never 2 or 3 (r ≥ n − p)
  if (!b.recover(((v >= 27 ? v - 27 : v) & 1) as 0 | 1))
    throw new VeritasError('BAD_SIGNATURE', 'signature does not recover to any key', { field: 'signature' });
  const k = keccakKernel();
  b.key().copy(k.buffer, 0, b.keyAt, b.keyAt + 64); // the 64-byte X ‖ Y, without the 0x04 prefix
  k.hash(64);
  return `0x${k.buffer.toString('hex', 12, 32)}` as Address;
}

const isHexOf = (hex: string, bytes: number): boolean =>
  typeof hex === 'string' && hex.length === 2 + 2 * bytes && hex.startsWith('0x');

/** keccak256("\x19Ethereum Signed Message:\n" + len ‖ raw): viem's hashMessage({ raw }). */
export function eip191Digest(raw: Hex): Hex {
  const notHex = () => new VeritasError('BAD_SIGNATURE', 'the signed message is not hex', { field: 'message' });
  if (typeof raw !== 'string' || !raw.startsWith('0x') || raw.length % 2 !== 0) throw notHex();
  const length = (raw.length - 2) / 2;
  const prefix = `\x19Ethereum Signed Message:\n${length}`; // ASCII
  const k = keccakKernel();
  if (prefix.length + length > k.buffer.length) {
    const bytes = Buffer.from(raw.slice(2), 'hex');
    if (bytes.length !== length) throw notHex();
    return keccakBytes(Buffer.concat([Buffer.from(prefix, 'latin1'), bytes]));
  }
  // the usual case (a bundle digest is 32 bytes): prefix and message written straight into the hashing window
  k.buffer.write(prefix, 0, 'latin1');
  if (k.buffer.write(raw.slice(2), prefix.length, length, 'hex') !== length) throw notHex(); // a write stops at a non-hex pair
  k.hash(prefix.length + length);
  return `0x${k.buffer.toString('hex', 0, 32)}`;
}

/** EIP-191 `personal_sign` over raw bytes (how provers sign bundles, core/bundle.ts). */
export const recoverRawMessageSigner = (raw: Hex, signature: Hex): Address =>
  recoverDigestSigner(eip191Digest(raw), signature);

// ---------------------------------------------------------------------------------------- EIP-712 digest
// The struct is encoded field by field from ATTESTATION_TYPES, so a new attestation field changes nothing here; a
// field of a type this encoder does not know (string, bytes, arrays, nested structs) makes every digest go through
// viem's hashTypedData instead, as does any value the fast encoder refuses (viem then names the problem).

type FieldEncoder = (value: unknown, into: Buffer, at: number) => void;
const FIELDS = ATTESTATION_TYPES.Attestation;
const ENCODERS: FieldEncoder[] | undefined = (() => {
  const out: FieldEncoder[] = [];
  for (const { type } of FIELDS) {
    const encoder = encoderFor(type);
    if (!encoder) return undefined;
    out.push(encoder);
  }
  return out;
})();
// EIP-712 encodeType of a struct with atomic fields only (nested structs have no encoder, see above).
const TYPE_HASH = keccakUtf8(`Attestation(${FIELDS.map((f) => `${f.type} ${f.name}`).join(',')})`);
const separators = new Map<string, Buffer>(); // one per (chainId, OracleHub)

class Refused extends Error {}

function encoderFor(type: string): FieldEncoder | undefined {
  if (type === 'address')
    return (value, into, at) => {
      // Mixed case carries an EIP-55 checksum that viem checks: leave such addresses to it.
      if (!isHexOf(value as string, 20) || /[A-F]/.test(value as string)) throw new Refused();
      into.fill(0, at, at + 12);
      if (into.write((value as string).slice(2), at + 12, 20, 'hex') !== 20) throw new Refused();
    };
  if (type === 'bytes32')
    return (value, into, at) => {
      if (!isHexOf(value as string, 32) || into.write((value as string).slice(2), at, 32, 'hex') !== 32)
        throw new Refused();
    };
  const uint = /^uint(\d+)$/.exec(type);
  if (uint) {
    const bits = Number(uint[1]);
    if (bits < 8 || bits > 256 || bits % 8) return undefined;
    return (value, into, at) => {
      if (typeof value !== 'number' && typeof value !== 'bigint') throw new Refused();
      if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new Refused();
      const n = BigInt(value);
      if (n < 0n || n >= 1n << BigInt(bits)) throw new Refused();
      into.write(n.toString(16).padStart(64, '0'), at, 32, 'hex');
    };
  }
  const int = /^int(\d+)$/.exec(type);
  if (int) {
    // numericValue: a decimal string in the schema form, a bigint in the contract form (toContractAttestation)
    const bits = Number(int[1]);
    if (bits < 8 || bits > 256 || bits % 8) return undefined;
    const half = 1n << BigInt(bits - 1);
    return (value, into, at) => {
      let n: bigint;
      if (typeof value === 'bigint') n = value;
      else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
      else if (typeof value === 'string' && /^-?(0|[1-9][0-9]{0,76})$/.test(value)) n = BigInt(value);
      else throw new Refused(); // anything else (hex, spaces, …) goes to viem, which decides as it always did
      if (n < -half || n >= half) throw new Refused();
      into.write((n < 0n ? (1n << 256n) + n : n).toString(16).padStart(64, '0'), at, 32, 'hex');
    };
  }
  if (type === 'bool')
    return (value, into, at) => {
      if (typeof value !== 'boolean') throw new Refused();
      into.fill(0, at, at + 32);
      into[at + 31] = value ? 1 : 0;
    };
  return undefined;
}

/** keccak256(0x1901 ‖ domainSeparator ‖ hashStruct(att)): exactly viem's hashTypedData of the attestation. */
export function attestationDigestFast(domain: AttestationDomain, att: AnyAttestation): Hex {
  if (!ENCODERS) return attestationDigest(domain, att);
  const key = `${domain.chainId}:${domain.verifyingContract.toLowerCase()}:${domain.name}:${domain.version}`;
  let separator = separators.get(key);
  if (!separator) {
    separator = Buffer.from(domainSeparator({ domain }).slice(2), 'hex');
    separators.set(key, separator);
  }
  const k = keccakKernel();
  const w = k.buffer;
  try {
    w.write(TYPE_HASH.slice(2), 0, 32, 'hex');
    for (let i = 0; i < FIELDS.length; i++)
      ENCODERS[i]!((att as Record<string, unknown>)[FIELDS[i]!.name], w, 32 * (i + 1));
  } catch (e) {
    if (e instanceof Refused) return attestationDigest(domain, att);
    throw e;
  }
  k.hash(32 * (FIELDS.length + 1)); // structHash now in window[0, 32)
  w.copyWithin(34, 0, 32);
  w[0] = 0x19;
  w[1] = 0x01;
  separator.copy(w, 2);
  k.hash(66);
  return `0x${w.toString('hex', 0, 32)}`;
}

/** The notary behind an attestation signature (EIP-712, domain = chain id + OracleHub). */
export const recoverAttestationSignerFast = (domain: AttestationDomain, att: AnyAttestation, signature: Hex): Address =>
  recoverDigestSigner(attestationDigestFast(domain, att), signature);
