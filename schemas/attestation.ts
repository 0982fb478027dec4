// Attestation v2: the EIP-712 struct a notary signs over what its own Verifier authenticated (docs/PROTOCOL.md).
import { z } from 'zod';
import { Address, Hex32, HexBytes } from './common.ts';

export const Attestation = z
  .object({
    requestId: Hex32,
    /** The request's on-chain specHash: what the notary checked the transcript against (never replayable). */
    specHash: Hex32,
    prover: Address,
    notary: Address,
    /** 0 = webpki (Mozilla roots), 1 = devnet (patched wasm): signed by the notary, not the prover's label. */
    trust: z.number().int().min(0).max(1),
    /** keccak256 of the UTF-8 server name the Verifier authenticated (SNI + certificate). */
    serverNameHash: Hex32,
    /** Unix seconds of the TLS session, as reported by the Verifier's connection info. */
    tlsTime: z
      .number()
      .int()
      .min(0)
      .max(2 ** 53 - 1),
    sentHash: Hex32,
    recvHash: Hex32,
    /** keccak256 of the RFC 8785 canonical JSON of the normalized answer (core/aggregation/normalize.ts). */
    resultHash: Hex32,
    /**
     * Single numbers: the normalized value × 10^precision as a decimal integer string (int256); "0" otherwise.
     * A string because JSON numbers lose precision beyond 2^53.
     */
    numericValue: z.string().regex(/^-?(0|[1-9][0-9]{0,76})$/, 'a decimal int256'),
  })
  .strict();
export type Attestation = z.infer<typeof Attestation>;

/** An attestation with the notary's 65-byte ECDSA signature over its EIP-712 digest. */
export const SignedAttestation = z.object({ attestation: Attestation, signature: HexBytes }).strict();
export type SignedAttestation = z.infer<typeof SignedAttestation>;

/** The EIP-712 type, shared by the notary (signs), the aggregator and `veritas verify` (recover) and OracleHub. */
export const ATTESTATION_TYPES = {
  Attestation: [
    { name: 'requestId', type: 'bytes32' },
    { name: 'specHash', type: 'bytes32' },
    { name: 'prover', type: 'address' },
    { name: 'notary', type: 'address' },
    { name: 'trust', type: 'uint8' },
    { name: 'serverNameHash', type: 'bytes32' },
    { name: 'tlsTime', type: 'uint64' },
    { name: 'sentHash', type: 'bytes32' },
    { name: 'recvHash', type: 'bytes32' },
    { name: 'resultHash', type: 'bytes32' },
    { name: 'numericValue', type: 'int256' },
  ],
} as const;

export const attestationDomain = (chainId: number, verifyingContract: `0x${string}`) =>
  ({ name: 'Veritas', version: '2', chainId, verifyingContract }) as const;

/** The signed `trust` byte of each trust mode (schemas/bundle.ts TrustMode). */
export const TRUST_CODES = { webpki: 0, devnet: 1 } as const;
