// THE transcript hash: keccak256 over schemas/transcript.ts's encoding, through the one hashing path.
import type { Hex } from 'viem';
import type { Range } from '../schemas/common.ts';
import { transcriptEncoding } from '../schemas/transcript.ts';
import { keccakBytes } from './canonical.ts';

/** keccak256(abi.encode(bytes redacted, uint64[2][] ranges)) — what sentHash/recvHash attest. */
export const transcriptHash = (data: Uint8Array, ranges: readonly Range[]): Hex =>
  keccakBytes(transcriptEncoding(data, ranges));
