// Operator event feeds: the page an operator serves its own request-stage events in (`GET /v1/events?after=<id>` on
// its notary port), and the follower the API runs to pull every active operator's feed into its own database.
//
// Operators on other machines keep their own databases, so the API learns their stages from these feeds, finding
// the operators only through OperatorRegistry metadata. A feed is external input: its size is bounded, every event is
// checked (known stage, bounded detail, a request that exists on-chain, `source` = the operator whose feed it is —
// an operator speaks only for itself) and a bad event or feed is refused and logged without holding up the others.
import { and, asc, eq, gt } from 'drizzle-orm';
import { type Address, type Hex, isAddressEqual } from 'viem';
import { z } from 'zod';
import { getOperatorRegistry, getOracleHub } from './chain/contracts.ts';
import type { VeritasPublicClient } from './chain/clients.ts';
import type { Database } from './db/client.ts';
import { chainCursors, requestEvents } from './db/schema.ts';
import { VeritasError } from './errors.ts';
import type { Logger } from './log.ts';
import { decodeOperatorMetadata } from './operator-metadata.ts';
import { checkTarget } from './ssrf.ts';
import { requestStatusOf } from './verify/chain.ts';

/** The stages a request goes through at an operator, in order (its timeline; operator/fetcher.ts reports them). */
export const FETCH_STAGES = [
  'queued',
  'notary-connected',
  'mpc-setup',
  'request-sent',
  'attested',
  'pinned',
  'responded',
] as const;

/** Every stage an operator may report: the fetch stages, its retry and failure, and MPC progress. */
export const FEED_STAGES = [...FETCH_STAGES, 'retrying', 'failed', 'mpc-progress'] as const;
export type FeedStage = (typeof FEED_STAGES)[number];

/** Events per page, bytes per page, bytes of one event's detail (serialized JSON). */
export const FEED_PAGE_EVENTS = 200;
export const FEED_MAX_BYTES = 256 * 1024;
export const FEED_MAX_DETAIL_BYTES = 2048;

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'must be a lower-case 0x-prefixed 32-byte hex id');
const addr = z.string().regex(/^0x[0-9a-f]{40}$/, 'must be a lower-case 0x-prefixed address');

/** What `mpc-progress` carries: bytes the prover's MPC peer sent so far against the session's expected total. */
export const MpcProgress = z
  .object({
    fraction: z.number().min(0).max(1),
    bytes: z.number().int().nonnegative(),
    expectedBytes: z.number().int().positive(),
  })
  .strict();
export type MpcProgress = z.infer<typeof MpcProgress>;

export const FeedEvent = z
  .object({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    requestId: hex32,
    source: addr,
    at: z.string().datetime(),
    stage: z.enum(FEED_STAGES),
    detail: z
      .record(z.string(), z.unknown())
      .nullable()
      .refine((d) => d === null || JSON.stringify(d).length <= FEED_MAX_DETAIL_BYTES, {
        message: `detail must be at most ${FEED_MAX_DETAIL_BYTES} bytes of JSON`,
      }),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (e.stage === 'mpc-progress' && !MpcProgress.safeParse(e.detail).success)
      ctx.addIssue({
        code: 'custom',
        path: ['detail'],
        message: 'mpc-progress needs {fraction, bytes, expectedBytes}',
      });
  });
export type FeedEvent = z.infer<typeof FeedEvent>;

/** One page of a feed; `events` are checked one by one so one bad event does not hide the rest. */
export const FeedPage = z
  .object({
    operator: addr,
    events: z.array(z.unknown()).max(FEED_PAGE_EVENTS),
    /** The cursor to ask with next (the last event's id, or `after` when there is none). */
    next: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  })
  .strict();
export type FeedPage = { operator: string; events: FeedEvent[]; next: number };

/** The feed's HTTP URL for a notary URL from registry metadata (`ws://h:p` → `http://h:p/v1/events`). */
export const feedUrl = (notaryUrl: string): string => `${notaryUrl.replace(/^ws/, 'http')}/v1/events`;

export type FollowerOptions = {
  db: Database;
  publicClient: VeritasPublicClient;
  hub: Address;
  log: Logger;
  /** Between passes over every operator's feed (default 1000 ms). */
  pollIntervalMs?: number;
  /** Between re-reads of the registry's active operators (default 10 s). */
  discoverEveryMs?: number;
  /**
   * Whether feeds on private/loopback addresses may be followed: only on a devnet (whose operators live on one
   * machine or a private network); otherwise registry metadata could point the API at internal services.
   */
  allowPrivate?: boolean;
  /** Per fetch (default 5 s). */
  timeoutMs?: number;
};

export type Follower = {
  /** One pass: discovers operators if due, pulls each feed once. Resolves when done (errors are logged). */
  sync(): Promise<void>;
  stop(): Promise<void>;
};

type Followed = { address: Address; url: string };

export function startOperatorEventFollower(o: FollowerOptions): Follower {
  const log = o.log.child({ component: 'operator-events' });
  const hub = getOracleHub(o.hub, { publicClient: o.publicClient });
  const known = new Set<string>();
  let operators: Followed[] = [];
  let discoveredAt = 0;
  const lastWarned = new Map<string, number>();
  const warn = (operator: string, reason: string, extra: Record<string, unknown> = {}) => {
    // a broken feed is polled every second: say why once a minute, not every pass
    const key = `${operator}:${reason}`;
    if (Date.now() - (lastWarned.get(key) ?? 0) < 60_000) return;
    lastWarned.set(key, Date.now());
    log.warn({ operator, reason, ...extra }, 'operator event feed refused');
  };

  const discover = async () => {
    const registry = getOperatorRegistry(await hub.read.registry(), { publicClient: o.publicClient });
    const active = await registry.read.activeOperators();
    const found: Followed[] = [];
    for (const address of active) {
      try {
        const info = await registry.read.operatorInfo([address]);
        found.push({
          address: address.toLowerCase() as Address,
          url: feedUrl(decodeOperatorMetadata(info.metadataURI).notaryUrl),
        });
      } catch (e) {
        warn(address.toLowerCase(), 'metadata', { err: (e as Error).message });
      }
    }
    operators = found;
    discoveredAt = Date.now();
  };

  const exists = async (requestId: Hex): Promise<boolean> => {
    if (known.has(requestId)) return true;
    const status = requestStatusOf((await hub.read.getRequest([requestId])).status);
    if (status === 'none') return false;
    if (known.size > 10_000) known.clear();
    known.add(requestId);
    return true;
  };

  const pull = async (op: Followed) => {
    const cursorName = `events:${op.address}`;
    const [cursor] = await o.db.select().from(chainCursors).where(eq(chainCursors.name, cursorName));
    const after = cursor?.lastBlock ?? 0;
    let page: FeedPage;
    try {
      page = await fetchPage(op, after, o);
    } catch (e) {
      warn(op.address, (e as VeritasError).code ?? 'fetch', { err: (e as Error).message, url: op.url });
      return;
    }
    const accepted: FeedEvent[] = [];
    let next = after;
    for (const raw of page.events) {
      const r = FeedEvent.safeParse(raw);
      if (!r.success) {
        const issue = r.error.issues[0]!;
        warn(op.address, 'event', { path: issue.path.join('.'), issue: issue.message });
        // skipped, but the cursor still moves past it when it has a usable id
        const id = (raw as { id?: unknown } | null)?.id;
        if (typeof id === 'number' && Number.isSafeInteger(id) && id > next) next = id;
        continue;
      }
      const e = r.data;
      next = Math.max(next, e.id);
      if (e.id <= after) continue;
      if (!isAddressEqual(e.source as Address, op.address)) {
        warn(op.address, 'forged source', { claimed: e.source });
        continue;
      }
      if (!(await exists(e.requestId as Hex))) {
        warn(op.address, 'unknown request', { requestId: e.requestId });
        continue;
      }
      accepted.push(e);
    }
    if (page.events.length === 0 && page.next > after) next = page.next;
    if (next === after) return;
    const now = Date.now();
    await o.db.transaction(async (tx) => {
      for (const e of accepted) {
        // the operator's clock is its own: keep its time only when plausible, else the time we learnt of it
        const at = Date.parse(e.at);
        await tx.insert(requestEvents).values({
          requestId: e.requestId,
          source: op.address,
          stage: e.stage,
          detail: e.detail,
          at: new Date(at <= now && at >= now - 600_000 ? at : now),
        });
      }
      await tx
        .insert(chainCursors)
        .values({ name: cursorName, lastBlock: next })
        .onConflictDoUpdate({ target: chainCursors.name, set: { lastBlock: next } });
    });
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const sync = async () => {
    try {
      if (Date.now() - discoveredAt >= (o.discoverEveryMs ?? 10_000)) await discover();
      await Promise.all(operators.map((op) => pull(op).catch((e: unknown) => warn(op.address, 'pass', { err: e }))));
    } catch (e) {
      log.warn({ err: e }, 'operator event follower pass failed');
    }
  };
  const loop = () => {
    if (stopped) return;
    running = sync().finally(() => {
      if (!stopped) timer = setTimeout(loop, o.pollIntervalMs ?? 1_000);
    });
  };
  loop();
  return {
    sync: async () => {
      await running;
      await sync();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** GETs one page, at most FEED_MAX_BYTES, checked against FeedPage and against the operator it was asked of. */
async function fetchPage(op: Followed, after: number, o: FollowerOptions): Promise<FeedPage> {
  const url = new URL(`${op.url}?after=${after}`);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (!o.allowPrivate) {
    // throws SSRF_BLOCKED naming the reason (private, loopback, metadata address …)
    const target = await checkTarget(url.hostname, port, { allowedPorts: [port] });
    if (!target.allowListed && url.protocol === 'http:') url.hostname = target.connectHost;
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(o.timeoutMs ?? 5_000), redirect: 'error' });
  if (!res.ok) throw new VeritasError('SERVER_UNREACHABLE', `feed answered ${res.status}`, { field: 'feed' });
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > FEED_MAX_BYTES) {
    await res.body?.cancel();
    throw new VeritasError('INPUT_INVALID', `feed page over ${FEED_MAX_BYTES} bytes`, { field: 'feed' });
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  for (;;) {
    const { value, done } = reader ? await reader.read() : { value: undefined, done: true };
    if (done || !value) break;
    size += value.byteLength;
    if (size > FEED_MAX_BYTES) {
      await reader?.cancel();
      throw new VeritasError('INPUT_INVALID', `feed page over ${FEED_MAX_BYTES} bytes`, { field: 'feed' });
    }
    chunks.push(value);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new VeritasError('INPUT_INVALID', 'feed page is not JSON', { field: 'feed' });
  }
  const r = FeedPage.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new VeritasError('INPUT_INVALID', `feed page: ${issue.path.join('.')}: ${issue.message}`, {
      field: `feed.${issue.path.join('.')}`,
    });
  }
  // a notary URL that points at another operator's feed does not make its events this operator's
  if (!isAddressEqual(r.data.operator as Address, op.address))
    throw new VeritasError('INPUT_INVALID', `feed is operator ${r.data.operator}'s, not ${op.address}'s`, {
      field: 'feed.operator',
    });
  return r.data as FeedPage;
}

/** The operator side: its own events after `after`, as one FeedPage (operator/health.ts serves it). */
export async function ownEventsPage(db: Database, operator: Address, after: number): Promise<FeedPage> {
  const rows = await db
    .select()
    .from(requestEvents)
    .where(and(eq(requestEvents.source, operator), gt(requestEvents.id, after)))
    .orderBy(asc(requestEvents.id))
    .limit(FEED_PAGE_EVENTS);
  return {
    operator,
    events: rows.map((r) => ({
      id: r.id,
      requestId: r.requestId,
      source: r.source,
      at: r.at.toISOString(),
      stage: r.stage as FeedStage,
      detail: r.detail ?? null,
    })),
    next: rows.at(-1)?.id ?? after,
  };
}
