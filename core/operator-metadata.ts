// An operator's registry metadata: where its notary service and its IPFS node can be reached.
//
// Stored on-chain in `OperatorRegistry.register(metadataURI)` as a `data:application/json;base64,` URI, so nothing
// off-chain is needed to find an operator; provers read the notary URL from it, aggregators dial its IPFS node.
import { z } from 'zod';
import { VeritasError } from './errors.ts';

export const OperatorMetadata = z
  .object({
    name: z.string().max(100).optional(),
    /** Base URL of the notary service: `ws(s)://host:port`; the session endpoint and relay live under it. */
    notaryUrl: z.string().regex(/^wss?:\/\/[^\s/?#]+$/, 'must be ws:// or wss:// host[:port] with no path'),
    /** libp2p multiaddrs of the operator's Helia node, where its bundles can be fetched. */
    ipfs: z.array(z.string().startsWith('/')).max(16).default([]),
  })
  .strict();
export type OperatorMetadata = z.infer<typeof OperatorMetadata>;

const PREFIX = 'data:application/json;base64,';

export const encodeOperatorMetadata = (m: z.input<typeof OperatorMetadata>): string =>
  PREFIX + Buffer.from(JSON.stringify(OperatorMetadata.parse(m))).toString('base64');

/** Parses registry metadata; INPUT_INVALID (field `metadataURI`) when it is not ours or not valid. */
export function decodeOperatorMetadata(uri: string): OperatorMetadata {
  if (!uri.startsWith(PREFIX))
    throw new VeritasError('INPUT_INVALID', 'metadataURI: not a data:application/json;base64 URI', {
      field: 'metadataURI',
    });
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(uri.slice(PREFIX.length), 'base64').toString('utf8'));
  } catch {
    throw new VeritasError('INPUT_INVALID', 'metadataURI: not JSON', { field: 'metadataURI' });
  }
  const r = OperatorMetadata.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new VeritasError('INPUT_INVALID', `metadataURI: ${issue.path.join('.')}: ${issue.message}`, {
      field: `metadataURI.${issue.path.join('.')}`,
    });
  }
  return r.data;
}
