// `veritas verify <request-id | record.json>`: re-checks record → Merkle proof → on-chain root → bundles →
// attestation signature → transcript → extraction against the RPC and IPFS only; exit 5 naming the failed check.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('verify')
    .description('verify a record (or every record of a request) against the chain and IPFS, without trusting the API')
    .argument('<target>', 'a request id (0x…) or a ProvedRecord JSON file')
    .option(
      '--ipfs-gateway <url>',
      'where to read CIDs from; every byte is re-hashed against its CID',
      '<VERITAS_API_URL>/v1/bundles',
    )
    .action(async (target: string, opts: { ipfsGateway: string }, self: Command) => {
      // loaded when the command runs: the verifier pulls in viem, IPFS hashing and every schema
      const { runVerify } = await import('./verify-run.ts');
      await runVerify(target, opts, self);
    });
}
