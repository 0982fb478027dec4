// `veritas requests list|show|records`: read requests from the API, every page to the end (or to --limit, saying
// where it stopped and how to go on), one JSON line per request with --json.
import { type Command, Option } from 'commander';
import { required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { commandContext } from '../output.ts';
import { type ApiFlags, body, clientFromFlags, type Schemas, withApiOptions } from './client.ts';
import { printRecords, waitAndPrint } from './request.ts';

const hex32 = /^0x[0-9a-fA-F]{64}$/;

// checked against the generated API types at compile time, without loading the database schema at run time
const STATUSES = [
  'requested',
  'assigned',
  'aggregating',
  'fulfilled',
  'expired',
  'failed',
] as const satisfies readonly Schemas['RequestSummary']['status'][];
type Status = (typeof STATUSES)[number];
const isStatus = (s: string): s is Status => (STATUSES as readonly string[]).includes(s);

export function register(program: Command): void {
  const requests = program
    .command('requests')
    .description('read and follow requests through the API (list, show, wait, records)');

  const list = requests
    .command('list')
    .description('list requests, newest first, every page to the end (or to --limit)')
    .addOption(new Option('--status <status>', 'only requests in this status').choices(STATUSES))
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
      const { privateKeyToAccount } = await import('viem/accounts');
      const consumer = opts.mine
        ? privateKeyToAccount(required(config.chain.privateKey, 'VERITAS_PRIVATE_KEY', 'for --mine')).address
        : opts.consumer;
      const client = clientFromFlags(opts, config.cli);
      let cursor = opts.cursor;
      let n = 0;
      for (;;) {
        const query = {
          limit: Math.min(200, limit - n),
          ...(cursor ? { cursor } : {}),
          ...(opts.status !== undefined && isStatus(opts.status) ? { status: opts.status } : {}),
          ...(consumer ? { consumer } : {}),
        };
        const page = body(await client.api.GET('/v1/requests', { params: { query } }));
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
    const client = clientFromFlags(opts, config.cli);
    out.data(body(await client.api.GET('/v1/requests/{id}', { params: { path: { id: checkId(id) } } })));
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
