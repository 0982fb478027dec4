// `veritas export <request-id> --format jsonl|croissant`: a request's records (with Merkle proofs) or its Croissant metadata.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type Command, Option } from 'commander';
import { VeritasError } from '../../core/errors.ts';
import { commandContext } from '../output.ts';
import { type ApiFlags, clientFromFlags, withApiOptions } from './client.ts';

export function register(program: Command): void {
  const cmd = program
    .command('export')
    .description("write a request's dataset: JSON Lines of proved records (already JSONL), or Croissant metadata")
    .argument('<request-id>', 'the request id (0x…)')
    .addOption(new Option('--format <format>', 'output format').choices(['jsonl', 'croissant']).default('jsonl'))
    .option('--out <file>', 'write to this file instead of stdout');
  withApiOptions(cmd).action(
    async (requestId: string, opts: ApiFlags & { format: 'jsonl' | 'croissant'; out?: string }, self: Command) => {
      if (!/^0x[0-9a-fA-F]{64}$/.test(requestId))
        throw new VeritasError('INPUT_INVALID', 'request-id must be 0x followed by 64 hex digits', {
          field: 'request-id',
        });
      const { config, out } = commandContext(self);
      const client = clientFromFlags(opts, config.cli);
      const path = `/v1/requests/${requestId}/${opts.format === 'jsonl' ? 'records.jsonl' : 'croissant.json'}`;
      const res = await client.raw(path);
      const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
      // streamed straight through: a large dataset never sits whole in memory
      await pipeline(body, opts.out ? createWriteStream(opts.out) : process.stdout, { end: opts.out !== undefined });
      if (opts.out) out.note('wrote', { file: opts.out }, `wrote ${opts.out}`);
    },
  );
}
