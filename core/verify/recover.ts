// Fast ECDSA signer recovery (libsecp256k1 compiled to WASM): the address behind an EIP-191 or EIP-712 signature.
//
// Why not viem's recover*: it runs the pure-JS @noble/curves, ~6× slower, and recovering two signatures per bundle
// is most of the aggregator's verification time. Results are identical (checked in test/verify/recover.test.ts);
// the malleability rules are OracleHub's (65 bytes, v ∈ {0, 1, 27, 28}, low s) via assertCanonicalSignature.
import { recover } from 'tiny-secp256k1';
import { hashMessage, hexToBytes, keccak256, type Address, type Hex } from 'viem';
import {
  assertCanonicalSignature,
  attestationDigest,
  type AnyAttestation,
  type AttestationDomain,
} from '../chain/attestation.ts';
import { VeritasError } from '../errors.ts';

/** The lowercase address whose key produced `signature` over the 32-byte `digest`; BAD_SIGNATURE when none. */
export function recoverDigestSigner(digest: Hex, signature: Hex): Address {
  assertCanonicalSignature(signature);
  const sig = hexToBytes(signature);
  const v = sig[64]!;
  const publicKey = recover(hexToBytes(digest), sig.subarray(0, 64), ((v >= 27 ? v - 27 : v) & 1) as 0 | 1, false);
  if (publicKey === null)
    throw new VeritasError('BAD_SIGNATURE', 'signature does not recover to any key', { field: 'signature' });
  return `0x${keccak256(publicKey.subarray(1)).slice(-40)}` as Address;
}

/** EIP-191 `personal_sign` over raw 32 bytes (how provers sign bundles, core/bundle.ts). */
export const recoverRawMessageSigner = (raw: Hex, signature: Hex): Address =>
  recoverDigestSigner(hashMessage({ raw }), signature);

/** The notary behind an attestation signature (EIP-712, domain = chain id + OracleHub). */
export const recoverAttestationSignerFast = (domain: AttestationDomain, att: AnyAttestation, signature: Hex): Address =>
  recoverDigestSigner(attestationDigest(domain, att), signature);
