// The prover's signature over a provenance bundle: EIP-191 over keccak256 of the bundle's canonical JSON (minus the signature).
import { recoverMessageAddress, type LocalAccount, type Hex } from 'viem';
import type { ProvenanceBundle, UnsignedBundle } from '../schemas/bundle.ts';
import { hashJson } from './canonical.ts';

export const bundleDigest = (bundle: UnsignedBundle | ProvenanceBundle): Hex => {
  const { proverSignature: _omit, ...unsigned } = bundle as ProvenanceBundle;
  return hashJson(unsigned);
};

export async function signBundle(account: LocalAccount, unsigned: UnsignedBundle): Promise<ProvenanceBundle> {
  const proverSignature = await account.signMessage({ message: { raw: bundleDigest(unsigned) } });
  return { ...unsigned, proverSignature };
}

/** The address that signed the bundle (lowercase); compare it with `bundle.prover`. */
export async function recoverBundleSigner(bundle: ProvenanceBundle): Promise<`0x${string}`> {
  const signer = await recoverMessageAddress({
    message: { raw: bundleDigest(bundle) },
    signature: bundle.proverSignature as Hex,
  });
  return signer.toLowerCase() as `0x${string}`;
}
