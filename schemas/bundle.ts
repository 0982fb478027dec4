// ProvenanceBundle: everything needed to re-check one operator's answer, pinned to IPFS by the prover.
import { z } from 'zod';
import { Address, Cid, Hex32, HexBytes } from './common.ts';
import { Attestation } from './attestation.ts';
import { RevealedTranscript } from './transcript.ts';

/**
 * `webpki`: the server certificate chained to the Mozilla roots built into tlsn-wasm.
 * `devnet`: it chained to a locally generated root (patched wasm) — valid on a devnet only; production rejects it.
 */
export const TrustMode = z.enum(['webpki', 'devnet']);
export type TrustMode = z.infer<typeof TrustMode>;

export const ProvenanceBundle = z
  .object({
    /** 2: attestation v2 (docs/PROTOCOL.md). A version-1 bundle fails verification with UNSUPPORTED_VERSION. */
    version: z.literal(2),
    chainId: z.number().int().positive(),
    hub: Address,
    requestId: Hex32,
    specCid: Cid,
    specHash: Hex32,
    prover: Address,
    notary: Address,
    serverName: z.string().min(1).max(253),
    tlsTime: z.number().int().min(0),
    transcript: RevealedTranscript,
    /** The value extracted from the revealed response by the spec's rule (before normalization). */
    value: z.json(),
    attestation: Attestation,
    notarySignature: HexBytes,
    /** Must equal the attestation's signed `trust` (TRUST_CODES): the label alone proves nothing. */
    trust: TrustMode,
    software: z.object({ veritas: z.string(), tlsn: z.string() }).strict(),
    timings: z.record(z.string(), z.number().nonnegative()).default({}),
    /** EIP-191 signature by the prover over the keccak256 of the canonical JSON of this bundle without this field. */
    proverSignature: HexBytes,
  })
  .strict();
export type ProvenanceBundle = z.infer<typeof ProvenanceBundle>;
export type UnsignedBundle = Omit<ProvenanceBundle, 'proverSignature'>;
