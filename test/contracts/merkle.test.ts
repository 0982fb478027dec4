// MerkleVerifier.sol checks @openzeppelin/merkle-tree StandardMerkleTree proofs exactly like the TypeScript library.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StandardMerkleTree } from '@openzeppelin/merkle-tree';
import { type Address, type Hex, keccak256 } from 'viem';
import { deployAndWait, merkleVerifierAbi } from '../../core/chain/contracts.ts';
import { merkleVerifierBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { type Chain, startChain } from './fixture.ts';

describe('MerkleVerifier', () => {
  let chain: Chain;
  let verifier: Address;
  before(async () => {
    chain = await startChain(1);
    verifier = (
      await deployAndWait(
        { walletClient: chain.wallets[0]!, publicClient: chain.publicClient },
        { abi: merkleVerifierAbi, bytecode: merkleVerifierBytecode },
      )
    ).address;
  });
  after(() => chain.anvil.stop());

  const verify = (proof: Hex[], root: Hex, leaf: Hex) =>
    chain.publicClient.readContract({
      address: verifier,
      abi: merkleVerifierAbi,
      functionName: 'verify',
      args: [proof, root, leaf],
    });

  for (const size of [1, 2, 3, 7, 64]) {
    it(`accepts every proof of a ${size}-record tree and rejects tampered ones`, async () => {
      const values = Array.from({ length: size }, (_, i) => [`record-${i}`, BigInt(i * 1000)] as [string, bigint]);
      const tree = StandardMerkleTree.of(values, ['string', 'uint256']);
      const root = tree.root as Hex;
      for (const [i, value] of tree.entries()) {
        const proof = tree.getProof(i) as Hex[];
        const leaf = tree.leafHash(value) as Hex;
        assert.equal(await verify(proof, root, leaf), true, `record ${i}`);
        assert.equal(await verify(proof, root, keccak256(leaf)), false, 'a different leaf');
        if (proof.length > 0) {
          assert.equal(await verify([keccak256(proof[0]!), ...proof.slice(1)], root, leaf), false, 'a tampered proof');
        }
      }
    });
  }
});
