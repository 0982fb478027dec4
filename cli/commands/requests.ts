// `veritas requests list|show|records`: read requests from the API, every page to the end (or to --limit, saying
// where it stopped and how to go on), one JSON line per request with --json.
import type { Command } from 'commander';
import { required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { commandContext } from '../output.ts';
import { type ApiFlags, clientFromFlags, withApiOptions } from './client.ts';
import { printRecords, waitAndPrint } from './request.ts';

const hex32 = /^0x[0-9a-fA-F]{64}$/;

type Summary = { id: string; status: string; url: string | null; quorum: number; createdAt: string };
type Page = { items: Summary[]; nextCursor: string | null };

export function register(program: Command): void {
  const requests = program
    .command('requests')
    .description('read and follow requests through the API (list, show, wait, records)');

  const list = requests
    .command('list')
    .description('list requests, newest first, every page to the end (or to --limit)')
    .option(
      '--status <status>',
      'only requests in this status (requested, assigned, aggregating, fulfilled, expired, failed)',
    )
    .option('--consumer <address>', 'only requests of this consumer')
    .option('--mine', 'only requests of VERITAS_PRIVATE_KEY’s address')
    .option('--limit <n>', 'stop after n requests (says where it stopped)')
    .option('--cursor <cursor>', 'start after this cursor (from a previous --limit run)');
  withApiOptions(list).action(
    async (
      opts: ApiFlags & { status?: string; consumer?: string; mine?: boolean; limit?: string; cursor?: string },
      self: Command,
    ) => {
      const { config, out } = commandContext(self);
      if (opts.limit !== undefined && !/^[1-9]\d*$/.test(opts.limit))
        throw new VeritasError('INPUT_INVALID', '--limit must be a positive whole number', { field: '--limit' });
      const limit = opts.limit === undefined ? Number.POSITIVE_INFINITY : Number(opts.limit);
      // the API validates --status against its list and names the field when it is wrong
      const { privateKeyToAccount } = await import('viem/accounts');
      const consumer = opts.mine
        ? privateKeyToAccount(required(config.chain.privateKey, 'VERITAS_PRIVATE_KEY', 'for --mine')).address
        : opts.consumer;
      const client = clientFromFlags(opts, config.cli);
      let cursor = opts.cursor;
      let n = 0;
      for (;;) {
        const q = new URLSearchParams({ limit: String(Math.min(200, limit - n)) });
        if (cursor) q.set('cursor', cursor);
        if (opts.status) q.set('status', opts.status);
        if (consumer) q.set('consumer', consumer);
        const page = await client.json<Page>(`/v1/requests?${q}`);
        for (const r of page.items) {
          out.data(r, `${r.id}  ${r.status.padEnd(9)}  q${r.quorum}  ${r.createdAt}  ${r.url ?? ''}`);
          n++;
        }
        cursor = page.nextCursor ?? undefined;
        if (cursor === undefined) {
          out.note('end', { count: n, complete: true }, `${n} request(s)`);
          return;
        }
        if (n >= limit) {
          // never a silent cap: the reader learns there is more and how to get it
          out.note(
            'truncated',
            { count: n, complete: false, nextCursor: cursor },
            `${n} request(s) shown; more remain: --cursor ${cursor}`,
          );
          return;
        }
      }
    },
  );

  const show = requests.command('show').description('a request with its timeline').argument('<id>', 'request id');
  withApiOptions(show).action(async (id: string, opts: ApiFlags, self: Command) => {
    const { config, out } = commandContext(self);
    const detail = await clientFromFlags(opts, config.cli).json<Record<string, unknown>>(`/v1/requests/${checkId(id)}`);
    out.data(detail);
  });

  const records = requests
    .command('records')
    .description('every record of a request with its Merkle proof, one per line, to the last one')
    .argument('<id>', 'request id');
  withApiOptions(records).action(async (id: string, opts: ApiFlags, self: Command) => {
    const { config, out } = commandContext(self);
    await printRecords(clientFromFlags(opts, config.cli), checkId(id), out);
  });

  const wait = requests
    .command('wait')
    .description('follow a request to its end and print its records (a failed stage or expiry: exit 4)')
    .argument('<id>', 'request id');
  withApiOptions(wait).action(async (id: string, opts: ApiFlags, self: Command) => {
    const { config, out } = commandContext(self);
    await waitAndPrint(clientFromFlags(opts, config.cli), checkId(id), out);
  });
}

function checkId(id: string): string {
  if (!hex32.test(id))
    throw new VeritasError('INPUT_INVALID', 'id must be 0x followed by 64 hex digits', { field: 'id' });
  return id.toLowerCase();
}
