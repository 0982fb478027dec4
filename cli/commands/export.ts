// `veritas export <request-id> --format jsonl|croissant`: a request's records (with Merkle proofs) or its Croissant metadata.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Command, Option } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { apiClient } from './client.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description("write a request's dataset: JSON Lines of proved records, or Croissant 1.0 metadata")
    .argument('<request-id>', 'the request id (0x…)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'croissant']).default('jsonl'))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--api <url>', 'the Veritas API', 'http://127.0.0.1:8080')
    .action(async (requestId: string, opts: { format: 'jsonl' | 'croissant'; out?: string; api: string }) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(requestId))
        throw new VeritasError('INPUT_INVALID', 'request-id must be 0x followed by 64 hex digits', {
          field: 'request-id',
        });
      loadConfig(process.env); // fails early on a bad environment, like every command
      const client = apiClient(opts.api, undefined);
      const path = `/v1/requests/${requestId}/${opts.format === 'jsonl' ? 'records.jsonl' : 'croissant.json'}`;
      const res = await client.raw(path);
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      // streamed straight through: a large dataset never sits whole in memory
      await pipeline(body, opts.out ? createWriteStream(opts.out) : process.stdout, { end: opts.out !== undefined });
      if (opts.out) process.stderr.write(`wrote ${opts.out}\n`);
    });
}
