// Proof-of-sampling assignment, the TypeScript twin of OracleHub.computeAssignment: same inputs, same committee.
//
// See the Solidity comment for the algorithm: a partial Fisher–Yates shuffle driven by
// keccak256(abi.encode(seed, 0, i)) picks sampleSize(quorum, n) provers, then keccak256(abi.encode(seed, 1, i))
// picks, for prover i, one of the n - 1 other operators as its notary.
//
// Over-sampling: a request for `quorum` gets min(quorum + floor(quorum / 2), n) provers but is fulfilled with
// `quorum` included responses, so the aggregator can leave out invalid bundles and outliers and still reach quorum.
import { type Address, encodeAbiParameters, type Hex, hexToBigInt, isAddressEqual, keccak256 } from 'viem';
import { VeritasError } from '../errors.ts';

export type Assignment = { provers: Address[]; notaries: Address[] };

const draw = (seed: Hex, tag: 0n | 1n, i: number): bigint =>
  hexToBigInt(
    keccak256(
      encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }], [seed, tag, BigInt(i)]),
    ),
  );

const checkQuorum = (quorum: number): void => {
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > 255) {
    throw new VeritasError('INPUT_INVALID', `quorum must be an integer from 1 to 255, got ${quorum}`, {
      field: 'quorum',
    });
  }
};

/**
 * How many provers OracleHub.request assigns for `quorum` among `activeCount` active operators:
 * min(quorum + floor(quorum / 2), activeCount), the twin of OracleHub.sampleSize (quorum 1 → 1, 2 → 3, 3 → 4, 4 → 6).
 */
export function sampleSize(quorum: number, activeCount: number): number {
  checkQuorum(quorum);
  if (!Number.isInteger(activeCount) || activeCount < 0) {
    throw new VeritasError('INPUT_INVALID', `activeCount must be a non-negative integer, got ${activeCount}`, {
      field: 'activeCount',
    });
  }
  return Math.min(quorum + Math.floor(quorum / 2), activeCount);
}

/** The committee for (seed, operators, quorum): sampleSize(quorum, operators.length) provers, each with a notary. */
export function computeAssignment(seed: Hex, operators: readonly Address[], quorum: number): Assignment {
  const n = operators.length;
  checkQuorum(quorum);
  if (n < 2) {
    throw new VeritasError('INPUT_INVALID', `assignment needs at least 2 active operators, got ${n}`, {
      field: 'operators',
    });
  }
  if (quorum > n) {
    throw new VeritasError('INPUT_INVALID', `quorum ${quorum} exceeds the ${n} active operators`, { field: 'quorum' });
  }
  const size = sampleSize(quorum, n);
  const pool = [...operators];
  const provers: Address[] = [];
  for (let i = 0; i < size; i++) {
    const j = i + Number(draw(seed, 0n, i) % BigInt(n - i));
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    provers.push(pool[i]!);
  }
  const notaries = provers.map((_, i) => {
    const k = Number(draw(seed, 1n, i) % BigInt(n - 1));
    return pool[k < i ? k : k + 1]!;
  });
  return { provers, notaries };
}

/**
 * seed = keccak256(abi.encode(blockhash(randomnessBlock), requestId)), as OracleHub.assign draws it: the hash of a
 * block that did not exist when the request was committed.
 */
export const assignmentSeed = (randomnessBlockHash: Hex, requestId: Hex): Hex =>
  keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'bytes32' }], [randomnessBlockHash, requestId]));

/** requestId = keccak256(abi.encode(chainId, hub, nonce, consumer, specHash)), as OracleHub.request derives it. */
export const computeRequestId = (p: {
  chainId: number | bigint;
  hub: Address;
  nonce: bigint;
  consumer: Address;
  specHash: Hex;
}): Hex =>
  keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'address' }, { type: 'uint256' }, { type: 'address' }, { type: 'bytes32' }],
      [BigInt(p.chainId), p.hub, p.nonce, p.consumer, p.specHash],
    ),
  );

/** The notary assigned to `prover`, or undefined when it is not one of the committee's provers. */
export function notaryOf(assignment: Assignment, prover: Address): Address | undefined {
  const i = assignment.provers.findIndex((p) => isAddressEqual(p, prover));
  return i < 0 ? undefined : assignment.notaries[i];
}
