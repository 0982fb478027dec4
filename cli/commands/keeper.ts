// `veritas keeper`: pokes every feed with a round due, every few seconds, until Ctrl-C. A convenience only: any
// account can poke, and a stopped keeper never stops a feed.
import type { Command } from 'commander';
import { keeperTick } from '../../core/dataset/feeds.ts';
import { createLifecycle } from '../lifecycle.ts';
import { registryClients, whole } from './registry-clients.ts';

export function register(program: Command): void {
  program
    .command('keeper')
    .description(
      'poke due feeds and append fulfilled rounds to their datasets (any account may; this one earns the tips)',
    )
    .option('--every <seconds>', 'seconds between passes', '5')
    .option('--once', 'one pass, then exit')
    .action(async (o: { every: string; once?: boolean }) => {
      const c = await registryClients({ write: true });
      const clients = { publicClient: c.publicClient, walletClient: c.walletClient! };
      const pass = async () => {
        const { poked, skipped, appended } = await keeperTick(clients, c.registry);
        for (const p of poked)
          process.stdout.write(`poked feed ${p.feedId} round ${p.round}: request ${p.requestId}\n`);
        for (const a of appended)
          process.stdout.write(`dataset ${a.datasetId} version ${a.version}: appended request ${a.requestId}\n`);
        for (const s of skipped) process.stderr.write(`feed ${s.feedId} skipped: ${s.reason}\n`);
      };
      if (o.once) return pass();
      const life = createLifecycle();
      const every = Number(whole(o.every, '--every')) * 1000;
      let timer: NodeJS.Timeout | undefined;
      const loop = async () => {
        await pass().catch((e: Error) => process.stderr.write(`keeper pass failed: ${e.message}\n`));
        timer = setTimeout(loop, every);
      };
      life.defer('keeper', () => clearTimeout(timer));
      await loop();
      await life.untilSignal();
    });
}
