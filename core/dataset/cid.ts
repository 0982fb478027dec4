// The CID a JSON document gets when core/ipfs pins it (raw CIDv1 of its canonical bytes, up to one 1 MiB chunk),
// computed without a node: the CLI names a spec template or metadata document on-chain before it is pinned.
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { canonicalBytes } from '../canonical.ts';
import { VeritasError } from '../errors.ts';

export async function jsonCid(value: unknown): Promise<string> {
  const bytes = canonicalBytes(value);
  if (bytes.byteLength > 1024 * 1024)
    throw new VeritasError('INPUT_INVALID', 'a document over 1 MiB is chunked: pin it to learn its CID', {
      field: 'document',
    });
  return CID.createV1(raw.code, await sha256.digest(bytes)).toString();
}
