// The EIP-712 Attestation: sign (notary), digest and recover (aggregator, verify, tests), exactly as OracleHub checks it.
import {
  type Address,
  hashTypedData,
  type Hex,
  hexToBigInt,
  isAddressEqual,
  keccak256,
  type LocalAccount,
  recoverTypedDataAddress,
  slice,
  stringToBytes,
} from 'viem';
import { ATTESTATION_TYPES, type Attestation, attestationDomain } from '../../schemas/attestation.ts';
import { VeritasError } from '../errors.ts';

export { ATTESTATION_TYPES, attestationDomain };
export type { Attestation };

/** `{name: "Veritas", version: "2", chainId, verifyingContract: OracleHub}` */
export type AttestationDomain = ReturnType<typeof attestationDomain>;

/** An attestation as the contract ABI takes it (hex-typed, uint64 as bigint). */
export type ContractAttestation = {
  requestId: Hex;
  specHash: Hex;
  prover: Address;
  notary: Address;
  trust: number;
  serverNameHash: Hex;
  tlsTime: bigint;
  sentHash: Hex;
  recvHash: Hex;
  resultHash: Hex;
  numericValue: bigint;
};
/** Either form: the zod-parsed `Attestation` of schemas/ (strings, tlsTime a number) or a ContractAttestation. */
export type AnyAttestation = {
  [K in keyof ContractAttestation]: K extends 'tlsTime' | 'numericValue'
    ? number | bigint | string
    : K extends 'trust'
      ? number
      : string;
};

/** secp256k1n / 2: OracleHub refuses signatures with a larger s (their malleable twin), so we do too. */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

export const toContractAttestation = (att: AnyAttestation): ContractAttestation => ({
  requestId: att.requestId as Hex,
  specHash: att.specHash as Hex,
  prover: att.prover as Address,
  notary: att.notary as Address,
  trust: att.trust,
  serverNameHash: att.serverNameHash as Hex,
  tlsTime: BigInt(att.tlsTime),
  sentHash: att.sentHash as Hex,
  recvHash: att.recvHash as Hex,
  resultHash: att.resultHash as Hex,
  numericValue: BigInt(att.numericValue),
});

/** The schema form (schemas/attestation.ts) of a ContractAttestation, e.g. one decoded from `respond` calldata. */
export const fromContractAttestation = (att: ContractAttestation): Attestation => ({
  requestId: att.requestId.toLowerCase() as Hex,
  specHash: att.specHash.toLowerCase() as Hex,
  prover: att.prover.toLowerCase() as Address,
  notary: att.notary.toLowerCase() as Address,
  trust: att.trust,
  serverNameHash: att.serverNameHash,
  tlsTime: Number(att.tlsTime),
  sentHash: att.sentHash,
  recvHash: att.recvHash,
  resultHash: att.resultHash,
  numericValue: att.numericValue.toString(),
});

const INT256_MAX = 2n ** 255n - 1n;

/**
 * The attestation's `numericValue` (docs/PROTOCOL.md): for a single number with a declared precision p, the
 * normalized value × 10^p as an exact integer, read from the number's shortest decimal text (never from its binary
 * double); 0 for anything else. The value must already be normalized (at most p decimals), as the hub compares it.
 */
export function numericValueOf(normalized: unknown, precision: number | undefined): bigint {
  if (typeof normalized !== 'number' || precision === undefined) return 0n;
  const m = /^(-)?(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(normalized));
  if (!m) throw new VeritasError('VALUE_MISMATCH', `not a finite number: ${normalized}`, { field: 'value' });
  const frac = m[3] ?? '';
  const shift = precision - frac.length + Number(m[4] ?? '0');
  let digits = BigInt(m[2]! + frac);
  if (shift >= 0) digits *= 10n ** BigInt(shift);
  else {
    const drop = 10n ** BigInt(-shift);
    if (digits % drop !== 0n)
      throw new VeritasError('VALUE_MISMATCH', `${normalized} has more than ${precision} decimals`, { field: 'value' });
    digits /= drop;
  }
  if (digits > INT256_MAX)
    throw new VeritasError('VALUE_MISMATCH', `${normalized} overflows int256`, { field: 'value' });
  return m[1] ? -digits : digits;
}

/** keccak256 of the UTF-8 server name the Verifier authenticated (schemas/attestation.ts defines the field). */
export const hashServerName = (serverName: string): Hex => keccak256(stringToBytes(serverName));

const typedData = (domain: AttestationDomain, att: AnyAttestation) =>
  ({
    domain,
    types: ATTESTATION_TYPES,
    primaryType: 'Attestation',
    message: toContractAttestation(att),
  }) as const;

/** The notary's signature: 65 bytes r ‖ s ‖ v over the EIP-712 digest (viem signers produce low-s). */
export function signAttestation(account: LocalAccount, domain: AttestationDomain, att: AnyAttestation): Promise<Hex> {
  return account.signTypedData(typedData(domain, att));
}

export function attestationDigest(domain: AttestationDomain, att: AnyAttestation): Hex {
  return hashTypedData(typedData(domain, att));
}

const SIGNATURE_HEX = /^0x[0-9a-fA-F]{130}$/;

/**
 * Throws BAD_SIGNATURE unless the signature is 65 bytes of 0x-prefixed hex, v ∈ {27, 28, 0, 1} and s is in the lower
 * half (as on-chain). Hex, not just a length: a hex write stops at the first non-hex character, so a fast recovery
 * would read what its buffer held before (the previous signature), and an odd length still counts as "65 bytes".
 */
export function assertCanonicalSignature(signature: Hex): void {
  if (typeof signature !== 'string' || !SIGNATURE_HEX.test(signature))
    throw new VeritasError(
      'BAD_SIGNATURE',
      `signature must be 65 bytes of 0x-prefixed hex (132 characters), got ${typeof signature === 'string' ? `${signature.length} characters` : typeof signature}`,
      { field: 'signature' },
    );
  const s = hexToBigInt(slice(signature, 32, 64));
  const v = Number(hexToBigInt(slice(signature, 64, 65)));
  if (s === 0n || s > HALF_N) {
    throw new VeritasError('BAD_SIGNATURE', 'signature s value is zero or in the upper half (malleable)', {
      field: 'signature',
    });
  }
  if (![0, 1, 27, 28].includes(v)) {
    throw new VeritasError('BAD_SIGNATURE', `signature v must be 27 or 28, got ${v}`, { field: 'signature' });
  }
}

/** The address that signed `att` under `domain`; BAD_SIGNATURE when the signature is malformed or malleable. */
export async function recoverAttestationSigner(
  domain: AttestationDomain,
  att: AnyAttestation,
  signature: Hex,
): Promise<Address> {
  assertCanonicalSignature(signature);
  try {
    return await recoverTypedDataAddress({ ...typedData(domain, att), signature });
  } catch (cause) {
    throw new VeritasError('BAD_SIGNATURE', `attestation signature does not recover: ${(cause as Error).message}`, {
      cause,
      field: 'signature',
    });
  }
}

/** True when `signature` is a canonical signature of `att` by `att.notary` — the check OracleHub.respond makes. */
export async function isSignedByNotary(
  domain: AttestationDomain,
  att: AnyAttestation,
  signature: Hex,
): Promise<boolean> {
  try {
    return isAddressEqual(await recoverAttestationSigner(domain, att, signature), att.notary as Address);
  } catch {
    return false;
  }
}
