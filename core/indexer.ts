// Chain → database indexer of OracleHub (and OperatorRegistry) events: requests, assignments, responses, fulfilment,
// expiry, slashing evidence and the requests' timeline, resumable from `chain_cursors`.
//
// Polls eth_getLogs over bounded block ranges (no filters: a node restart loses filters, ranges do not). Each range is
// written in one transaction together with the cursor, and every write is an upsert or deduplicated by the log's
// (txHash, logIndex), so replaying a range — after a crash, or on purpose — changes nothing. Written for chains
// without reorgs at the polled depth (the devnet); set `confirmations` on a live chain.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { parseEventLogs, type Address, type Hex, type Log } from 'viem';
import { getOracleHub, operatorRegistryAbi, oracleHubAbi } from './chain/contracts.ts';
import type { VeritasPublicClient } from './chain/clients.ts';
import type { Database } from './db/client.ts';
import { assignments, chainCursors, evidence, operators, requestEvents, requests, responses } from './db/schema.ts';
import type { Logger } from './log.ts';
import { decodeOperatorMetadata } from './operator-metadata.ts';

export type IndexerOptions = {
  db: Database;
  publicClient: VeritasPublicClient;
  hub: Address;
  /** First block to scan when no cursor exists (the hub's deployment block). */
  fromBlock: bigint;
  /** Cursor name in chain_cursors; one per independent consumer of the same chain. Default `indexer:<hub>`. */
  name?: string;
  /** Blocks per eth_getLogs call (default 2000). */
  batchBlocks?: number;
  /** Blocks to stay behind the head (default 0: the devnet does not reorg). */
  confirmations?: number;
  pollIntervalMs?: number;
  log: Logger;
};

export type Indexer = {
  /** Indexes up to the current head once; returns the last block indexed. */
  sync(): Promise<bigint>;
  /** Resolves once every block up to `block` is in the database (the loop must be running, or call sync()). */
  waitFor(block: bigint): Promise<void>;
  stop(): Promise<void>;
};

const abi = [...oracleHubAbi, ...operatorRegistryAbi.filter((i) => i.type === 'event')];
const lower = (a: string) => a.toLowerCase();

/** The notary URL an operator's registry metadata names; null for metadata not in our format (never guessed). */
function notaryUrlOf(metadataUri: string): string | null {
  try {
    return decodeOperatorMetadata(metadataUri).notaryUrl;
  } catch {
    return null;
  }
}

/** Indexes [from, to] in one transaction (idempotent). Exported for tests and for re-indexing a range on purpose.
 *  `skipEmpty`: a range without logs writes nothing, not even the cursor (see CURSOR_LAG_BLOCKS). */
export async function indexRange(
  o: IndexerOptions & { registry: Address },
  from: bigint,
  to: bigint,
  { skipEmpty = false }: { skipEmpty?: boolean } = {},
): Promise<number> {
  const logs = await o.publicClient.getLogs({ address: [o.hub, o.registry], fromBlock: from, toBlock: to });
  if (skipEmpty && logs.length === 0) return 0;
  const events = parseEventLogs({ abi, logs: logs as Log[], strict: false });
  const name = o.name ?? `indexer:${lower(o.hub)}`;
  await o.db.transaction(async (tx) => {
    for (const e of events) {
      const at = {
        txHash: e.transactionHash,
        blockNumber: Number(e.blockNumber),
        log: `${e.transactionHash}:${e.logIndex}`,
      };
      const args = e.args as Record<string, unknown>;
      const timeline = async (requestId: string, stage: string, detail: Record<string, unknown>) => {
        const [seen] = await tx
          .select({ id: requestEvents.id })
          .from(requestEvents)
          .where(
            and(
              eq(requestEvents.requestId, requestId),
              eq(requestEvents.stage, stage),
              sql`${requestEvents.detail}->>'log' = ${at.log}`,
            ),
          )
          .limit(1);
        if (!seen)
          await tx.insert(requestEvents).values({
            requestId,
            source: 'chain',
            stage,
            detail: { ...detail, txHash: at.txHash, blockNumber: at.blockNumber, log: at.log },
          });
      };
      switch (e.eventName) {
        case 'DataRequested': {
          const id = lower(args.requestId as string);
          // hub v2: the request's parameters arrive as one RequestParams tuple
          const params = args.params as { quorum: number; deadline: bigint; policy: number };
          await tx
            .insert(requests)
            .values({
              id,
              consumer: lower(args.consumer as string),
              specHash: lower(args.specHash as string),
              specCid: args.specCid as string,
              quorum: Number(params.quorum),
              deadline: Number(params.deadline),
              fee: String(args.fee),
              txHash: at.txHash,
              blockNumber: at.blockNumber,
            })
            .onConflictDoUpdate({ target: requests.id, set: { txHash: at.txHash, blockNumber: at.blockNumber } });
          await timeline(id, 'requested', {
            quorum: Number(params.quorum),
            deadline: Number(params.deadline),
            policy: Number(params.policy),
            randomnessBlock: String(args.randomnessBlock),
            specCid: args.specCid,
          });
          break;
        }
        case 'Assigned': {
          const id = lower(args.requestId as string);
          const provers = (args.provers as string[]).map(lower);
          const notaries = (args.notaries as string[]).map(lower);
          for (const [position, prover] of provers.entries())
            await tx
              .insert(assignments)
              .values({ requestId: id, prover, notary: notaries[position]!, position })
              .onConflictDoNothing();
          await tx
            .update(requests)
            .set({ status: 'assigned' })
            .where(and(eq(requests.id, id), eq(requests.status, 'requested')));
          await timeline(id, 'assigned', { provers, notaries });
          break;
        }
        case 'ResponseSubmitted': {
          const id = lower(args.requestId as string);
          const prover = lower(args.prover as string);
          await tx
            .insert(responses)
            .values({
              requestId: id,
              prover,
              notary: lower(args.notary as string),
              resultHash: lower(args.resultHash as string),
              bundleCid: args.bundleCid as string,
              txHash: at.txHash,
              blockNumber: at.blockNumber,
            })
            .onConflictDoUpdate({
              target: [responses.requestId, responses.prover],
              set: { txHash: at.txHash, blockNumber: at.blockNumber },
            });
          await timeline(id, 'responded', { prover, bundleCid: args.bundleCid });
          break;
        }
        case 'RequestFulfilled': {
          const id = lower(args.requestId as string);
          await tx
            .update(requests)
            .set({
              status: 'fulfilled',
              merkleRoot: lower(args.merkleRoot as string),
              reportCid: args.reportCid as string,
              valueHash: lower(args.valueHash as string),
              challengeDeadline: Number(args.challengeDeadline),
              fulfilledAt: sql`coalesce(${requests.fulfilledAt}, now())`,
            })
            .where(eq(requests.id, id));
          await timeline(id, 'fulfilled', {
            merkleRoot: args.merkleRoot,
            reportCid: args.reportCid,
            valueHash: args.valueHash,
            numericValue: String(args.numericValue),
            challengeDeadline: Number(args.challengeDeadline),
            aggregator: lower(args.aggregator as string),
            included: (args.included as string[]).map(lower),
          });
          break;
        }
        case 'RequestExpired': {
          const id = lower(args.requestId as string);
          await tx.update(requests).set({ status: 'expired' }).where(eq(requests.id, id));
          await timeline(id, 'expired', { refund: String(args.refund) });
          break;
        }
        case 'EquivocationReported': {
          const id = lower(args.requestId as string);
          const notary = lower(args.notary as string);
          const inserted = await tx
            .insert(evidence)
            .values({
              requestId: id,
              notary,
              prover: lower(args.prover as string),
              kind: 'double_attestation',
              detail: { slashed: String(args.slashed), reporter: lower(args.reporter as string) },
              txHash: at.txHash,
            })
            .onConflictDoUpdate({
              target: [evidence.requestId, evidence.notary, evidence.prover, evidence.kind],
              set: { txHash: at.txHash },
            })
            .returning({ id: evidence.id });
          if (inserted.length > 0)
            await timeline(id, 'equivocation_reported', { notary, slashed: String(args.slashed) });
          break;
        }
        case 'OperatorRegistered': {
          const metadataUri = args.metadataURI as string;
          const notaryUrl = notaryUrlOf(metadataUri);
          await tx
            .insert(operators)
            .values({
              address: lower(args.operator as string),
              metadataUri,
              notaryUrl,
              bond: String(args.bond),
              registeredBlock: at.blockNumber,
            })
            .onConflictDoUpdate({ target: operators.address, set: { metadataUri, notaryUrl } });
          break;
        }
        case 'OperatorSlashed':
          await tx
            .update(operators)
            .set({ bond: String(args.remainingBond) })
            .where(eq(operators.address, lower(args.operator as string)));
          break;
        case 'OperatorDeactivated':
          await tx
            .update(operators)
            .set({ status: 'inactive' })
            .where(eq(operators.address, lower(args.operator as string)));
          break;
        default:
          break;
      }
    }
    // slashed = number of equivocations proven against the operator: recomputed, so it is replay-safe
    const slashedNotaries = [
      ...new Set(
        events
          .filter((e) => e.eventName === 'EquivocationReported')
          .map((e) => lower((e.args as { notary: string }).notary)),
      ),
    ];
    if (slashedNotaries.length > 0)
      await tx
        .update(operators)
        .set({
          slashed: sql`(select count(*) from ${evidence} where ${evidence.notary} = ${operators.address} and ${evidence.txHash} is not null)`,
        })
        .where(inArray(operators.address, slashedNotaries));
    await tx
      .insert(chainCursors)
      .values({ name, lastBlock: Number(to) })
      .onConflictDoUpdate({
        target: chainCursors.name,
        set: { lastBlock: sql`greatest(${chainCursors.lastBlock}, ${Number(to)})` },
      });
  });
  return events.length;
}

// Issue 16: an idle chain would cost a transaction per block for the cursor alone. A range without logs indexes
// nothing, so rescanning it after a restart is harmless; the cursor row is written with the next range that has logs,
// or once it would lag this many blocks behind (which bounds the rescan after a long idle spell).
export const CURSOR_LAG_BLOCKS = 1_000n;

export function startIndexer(o: IndexerOptions, { run = true }: { run?: boolean } = {}): Indexer {
  const name = o.name ?? `indexer:${lower(o.hub)}`;
  const batch = BigInt(o.batchBlocks ?? 2000);
  const log = o.log.child({ component: 'indexer' });
  let registry: Address | undefined;
  let indexed = -1n;
  let persisted = -1n; // the block the cursor row records
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<bigint> | undefined;
  const waiters: { block: bigint; resolve: () => void }[] = [];

  const syncOnce = async (): Promise<bigint> => {
    registry ??= lower(await getOracleHub(o.hub, { publicClient: o.publicClient }).read.registry()) as Address;
    if (indexed < 0n) {
      const [cursor] = await o.db.select().from(chainCursors).where(eq(chainCursors.name, name));
      indexed = persisted = cursor ? BigInt(cursor.lastBlock) : o.fromBlock - 1n;
    }
    const head = (await o.publicClient.getBlockNumber()) - BigInt(o.confirmations ?? 0);
    while (indexed < head && !stopped) {
      const to = indexed + batch < head ? indexed + batch : head;
      const skipEmpty = to - persisted < CURSOR_LAG_BLOCKS;
      const n = await indexRange({ ...o, registry }, indexed + 1n, to, { skipEmpty });
      if (n > 0 || !skipEmpty) persisted = to;
      if (n > 0) log.debug({ from: String(indexed + 1n), to: String(to), events: n }, 'indexed');
      indexed = to;
    }
    for (const w of waiters.splice(0))
      if (w.block <= indexed) w.resolve();
      else waiters.push(w);
    return indexed;
  };
  const sync = (): Promise<bigint> => (running ??= syncOnce().finally(() => (running = undefined)));

  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await sync();
    } catch (e) {
      log.warn({ err: e }, 'indexing failed; retrying');
    }
    if (!stopped) timer = setTimeout(() => void loop(), o.pollIntervalMs ?? 250);
  };
  if (run) void loop();

  return {
    sync,
    waitFor: (block) =>
      block <= indexed ? Promise.resolve() : new Promise((resolve) => waiters.push({ block, resolve })),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}

/** The hex id used everywhere in the database. */
export const dbId = (id: Hex | string): string => lower(id);
