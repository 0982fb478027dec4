// `veritas feed create|pause|resume|cancel|top-up|poke`: recurring requests in the DatasetRegistry, paid from an
// escrow; any account may poke a due round (the keeper is only a convenience).
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseEventLogs } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { requestParamsOf } from '../../core/chain/contracts.ts';
import { datasetRegistryAbi } from '../../core/dataset/chain.ts';
import { jsonCid } from '../../core/dataset/cid.ts';
import { pokeFeed, writeRegistry } from '../../core/dataset/feeds.ts';
import { VeritasError } from '../../core/errors.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { loadConfig } from '../../core/config.ts';
import { pinDocument } from './dataset.ts';
import { registryClients, whole } from './registry-clients.ts';

type CreateOpts = {
  spec: string;
  interval: string;
  first?: string;
  end?: string;
  fee: string;
  escrow: string;
  window: string;
  api?: string;
  apiKey?: string;
};

async function writer() {
  const c = await registryClients({ write: true });
  return { ...c, clients: { publicClient: c.publicClient, walletClient: c.walletClient! } };
}

export function register(program: Command): void {
  const feed = program
    .command('feed')
    .description('recurring requests: a spec template on a schedule, paid from an escrow');
  feed
    .command('create')
    .description('create a feed from a spec template (a RequestSpec without its deadline: each round sets its own)')
    .requiredOption('--spec <file>', 'the spec template JSON')
    .requiredOption('--interval <seconds>', 'seconds between rounds')
    .option('--first <unix>', 'when round 0 is due (default: now)')
    .option('--end <unix>', 'no round is due at or after this time')
    .option('--fee <wei>', 'fee of each round', '0')
    .option('--escrow <wei>', 'budget sent with the feed (top it up later)', '0')
    .option('--window <seconds>', 'each round’s deadline, seconds after it is opened', '600')
    .option('--api <url>', 'pin the template through this API node, where the operators read it')
    .option('--api-key <key>', 'API key (default: the first of VERITAS_API_KEYS)')
    .action(async (o: CreateOpts) => {
      const template = JSON.parse(await readFile(o.spec, 'utf8')) as Record<string, unknown>;
      if ('deadline' in template)
        throw new VeritasError('INPUT_INVALID', 'a feed template has no deadline: each round’s is set on-chain', {
          field: 'spec.deadline',
        });
      // validated as the request it becomes, with a placeholder deadline
      const spec = RequestSpec.safeParse({ ...template, deadline: 1 });
      if (!spec.success)
        throw new VeritasError('INPUT_INVALID', `spec: ${spec.error.issues[0]?.message}`, {
          field: `spec.${spec.error.issues[0]?.path.join('.')}`,
        });
      const { clients, registry } = await writer();
      const now = BigInt(Math.floor(Date.now() / 1000));
      // the hub's parameters exactly as the operators and the aggregator derive them from the spec: a feed whose
      // rounds carried others (a median without its band) would never be answered
      const { quorum, policy, minAgreement, bandBps } = requestParamsOf(spec.data);
      const terms = { quorum, policy, minAgreement, bandBps, window: whole(o.window, '--window') };
      const specCid = o.api
        ? await pinDocument(o.api, o.apiKey ?? loadConfig(process.env).api.apiKeys?.[0], 'feed-template', template)
        : await jsonCid(template);
      const receipt = await writeRegistry(
        clients,
        registry,
        'createFeed',
        [
          hashJson(template),
          specCid,
          terms,
          whole(o.fee, '--fee'),
          whole(o.interval, '--interval'),
          o.first ? whole(o.first, '--first') : now,
          o.end ? whole(o.end, '--end') : 0n,
        ],
        { value: whole(o.escrow, '--escrow') },
      );
      const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'FeedCreated' });
      if (!o.api)
        process.stderr.write(`spec template ${specCid}: operators read it from IPFS, so pin it where they can\n`);
      process.stdout.write(`${ev!.args.feedId}\n`);
    });
  const simple = (name: string, description: string, fn: string, args: (id: bigint) => unknown[]) =>
    feed
      .command(`${name} <feedId>`)
      .description(description)
      .action(async (id: string) => {
        const { clients, registry } = await writer();
        const receipt = await writeRegistry(clients, registry, fn, args(whole(id, 'feedId')));
        process.stdout.write(`${receipt.transactionHash}\n`);
      });
  simple('pause', 'stop the feed’s rounds (owner)', 'setPaused', (id) => [id, true]);
  simple('resume', 'let a paused feed run again (owner)', 'setPaused', (id) => [id, false]);
  simple('cancel', 'end the feed and refund its unspent escrow (owner)', 'cancel', (id) => [id]);
  feed
    .command('top-up <feedId>')
    .description('add to the feed’s escrow')
    .requiredOption('--amount <wei>', 'wei to add')
    .action(async (id: string, o: { amount: string }) => {
      const { clients, registry } = await writer();
      const receipt = await writeRegistry(clients, registry, 'topUp', [whole(id, 'feedId')], {
        value: whole(o.amount, '--amount'),
      });
      process.stdout.write(`${receipt.transactionHash}\n`);
    });
  feed
    .command('poke <feedId>')
    .description('open the feed’s due round (any account; earns the tip)')
    .action(async (id: string) => {
      const { clients, registry } = await writer();
      const p = await pokeFeed(clients, registry, whole(id, 'feedId'));
      process.stdout.write(`${JSON.stringify({ feedId: String(p.feedId), round: p.round, requestId: p.requestId })}\n`);
    });
}
