// Fast ECDSA signer recovery: the address behind an EIP-191 or EIP-712 signature, for verifying many bundles.
//
// Measured on our 2-core machine (bench/aggregator.ts prints it each run): tiny-secp256k1 (libsecp256k1 compiled to
// WASM) recovers a key ≈ 6.5× faster than @noble/curves (viem's recover*); node:crypto cannot recover at all, and
// verifying against a cached public key instead would accept a signature whose `v` ecrecover maps to another address.
// Recovering two signatures per bundle is most of the aggregator's verification time, so everything around it avoids
// viem's general-purpose encoders too: the EIP-712 digest is built from ATTESTATION_TYPES into one buffer and hashed
// with core/canonical.ts's WASM keccak. Results are identical to viem's (test/verify/recover.test.ts); the
// malleability rules are OracleHub's (65 bytes, v ∈ {0, 1, 27, 28}, low s) via assertCanonicalSignature.
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
const secp = (() => {
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
  return {
    ex,
    hash: ex.HASH_INPUT.value as number,
    signature: ex.SIGNATURE_INPUT.value as number,
    publicKey: ex.PUBLIC_KEY_INPUT.value as number,
  };
})();
let secpMemory = Buffer.from(secp.ex.memory.buffer);

/** The lowercase address whose key produced `signature` over the 32-byte `digest`; BAD_SIGNATURE when none. */
export function recoverDigestSigner(digest: Hex, signature: Hex): Address {
  assertCanonicalSignature(signature);
  if (secpMemory.byteLength === 0) secpMemory = Buffer.from(secp.ex.memory.buffer); // detached by a memory.grow
  const m = secpMemory;
  if (!isHexOf(digest, 32) || m.write(digest.slice(2), secp.hash, 32, 'hex') !== 32)
    throw new VeritasError('BAD_SIGNATURE', 'the signed digest is not 32 bytes of hex', { field: 'digest' });
  m.write(signature.slice(2), secp.signature, 64, 'hex'); // assertCanonicalSignature checked 65 bytes of hex
  const v = Number.parseInt(signature.slice(130, 132), 16);
  let recovered = false;
  try {
    recovered = secp.ex.recover(65, (v >= 27 ? v - 27 : v) & 1) === 1;
  } catch {
    // libsecp256k1 reports an unparsable signature (e.g. r = 0) through throwError
  }
  if (secpMemory.byteLength === 0) secpMemory = Buffer.from(secp.ex.memory.buffer);
  if (!recovered)
    throw new VeritasError('BAD_SIGNATURE', 'signature does not recover to any key', { field: 'signature' });
  const k = keccakKernel();
  secpMemory.copy(k.buffer, 0, secp.publicKey + 1, secp.publicKey + 65); // the 64-byte X ‖ Y, without the 0x04 prefix
  k.hash(64);
  return `0x${k.buffer.toString('hex', 12, 32)}` as Address;
}

const isHexOf = (hex: string, bytes: number): boolean =>
  typeof hex === 'string' && hex.length === 2 + 2 * bytes && hex.startsWith('0x');

/** keccak256("\x19Ethereum Signed Message:\n" + len ‖ raw): viem's hashMessage({ raw }). */
export function eip191Digest(raw: Hex): Hex {
  const bytes = Buffer.from(raw.slice(2), 'hex');
  if (!raw.startsWith('0x') || bytes.length * 2 !== raw.length - 2)
    throw new VeritasError('BAD_SIGNATURE', 'the signed message is not hex', { field: 'message' });
  return keccakBytes(Buffer.concat([Buffer.from(`\x19Ethereum Signed Message:\n${bytes.length}`), bytes]));
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
