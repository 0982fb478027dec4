// /v1/datasets: datasets of the DatasetRegistry, their versions, and each version's snapshot files (card, Croissant,
// Parquet, JSONL, proofs, CAR), rebuilt from the indexed registry events (core/dataset/indexer.ts, started by
// startApi) and the node's records, and served immutable. A dataset or version the indexer has not seen yet is 404.
import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { zodToVeritasError } from '../../schemas/common.ts';
import { ApiError } from '../errors.ts';
import { jsonBody } from '../input.ts';
import { requireApiKey } from '../middleware.ts';
import { type AppendedRound, DatasetMetadata, snapshotInputOf } from '../../core/dataset/chain.ts';
import { getDataset, indexedFacts, indexedRounds, listDatasets } from '../../core/dataset/store.ts';
import { pinSnapshot, snapshotCar } from '../../core/dataset/pin.ts';
import { buildSnapshot, SNAPSHOT_PATHS, type Snapshot } from '../../core/dataset/snapshot.ts';
import { VeritasError } from '../../core/errors.ts';
import { exportBody } from '../croissant.ts';
import type { ApiDeps } from '../deps.ts';
import { notFound } from '../errors.ts';
import { errorResponses } from '../openapi.ts';
import { getRequest, recordsOf } from '../queries.ts';
import { newRouter, preserialized } from '../router.ts';
import { provedRecordOf } from '../views.ts';

const FILES = {
  'croissant.json': { path: SNAPSHOT_PATHS.croissant, type: 'application/ld+json; charset=utf-8' },
  'README.md': { path: SNAPSHOT_PATHS.card, type: 'text/markdown; charset=utf-8' },
  'records.parquet': { path: SNAPSHOT_PATHS.parquet, type: 'application/vnd.apache.parquet' },
  'records.jsonl': { path: SNAPSHOT_PATHS.jsonl, type: 'application/jsonl; charset=utf-8' },
  'proofs.jsonl': { path: SNAPSHOT_PATHS.proofs, type: 'application/jsonl; charset=utf-8' },
  // the Croissant document names its files relative to itself (data/…), as they lie in the IPFS directory
  'data/records.parquet': { path: SNAPSHOT_PATHS.parquet, type: 'application/vnd.apache.parquet' },
  'data/records.jsonl': { path: SNAPSHOT_PATHS.jsonl, type: 'application/jsonl; charset=utf-8' },
} as const;

const DatasetIdParam = z.object({
  id: z
    .string()
    .regex(/^[1-9][0-9]{0,18}$/, 'must be a dataset number')
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const VersionParams = DatasetIdParam.extend({
  v: z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a version number (1, 2, …)')
    .openapi({ param: { name: 'v', in: 'path' } }),
  file: z
    .enum(['croissant.json', 'README.md', 'records.parquet', 'records.jsonl', 'proofs.jsonl', 'snapshot.car'])
    .openapi({ param: { name: 'file', in: 'path' } }),
});

const DatasetSummary = z
  .object({
    id: z.string(),
    owner: z.string(),
    version: z.number(),
    root: z.string(),
    metadataCid: z.string(),
    links: z.record(z.string(), z.string()),
  })
  .openapi('DatasetSummary');
const DatasetDetail = DatasetSummary.extend({
  metadata: z.record(z.string(), z.unknown()).nullable(),
  versions: z.array(
    z.object({
      version: z.number(),
      requestId: z.string(),
      requestRoot: z.string(),
      appendedAt: z.string(),
      links: z.record(z.string(), z.string()),
    }),
  ),
}).openapi('DatasetDetail');

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Datasets of the DatasetRegistry',
  responses: { 200: json(z.object({ items: z.array(DatasetSummary) }), 'every dataset'), ...errorResponses },
});
const detailRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'A dataset, its metadata and its versions (one per appended round)',
  request: { params: DatasetIdParam },
  responses: { 200: json(DatasetDetail, 'the dataset'), ...errorResponses },
});
const fileRoute = createRoute({
  method: 'get',
  path: '/{id}/versions/{v}/{file}',
  summary: 'A file of a version’s snapshot (immutable: ETag, long cache; a version not yet on-chain is 404)',
  request: { params: VersionParams },
  responses: {
    200: { description: 'the file', content: { 'application/octet-stream': { schema: z.string() } } },
    ...errorResponses,
  },
});
// `data/records.parquet`: hono path parameters do not span a slash, so the two relative paths get their own route
const dataFileRoute = createRoute({
  method: 'get',
  path: '/{id}/versions/{v}/data/{file}',
  summary: 'The data files at the paths the snapshot’s Croissant document names them by',
  request: { params: VersionParams.extend({ file: z.enum(['records.parquet', 'records.jsonl']) }) },
  responses: {
    200: { description: 'the file', content: { 'application/octet-stream': { schema: z.string() } } },
    ...errorResponses,
  },
});

const PinBody = z
  .object({
    kind: z.enum(['feed-template', 'dataset-metadata']),
    document: z.record(z.string(), z.unknown()),
  })
  .openapi('PinDocument');
const PinResult = z.object({ cid: z.string(), hash: z.string() }).openapi('PinnedDocument');
const PIN_LIMIT = 64 * 1024;
// A feed's spec template and a dataset's metadata are named on-chain by CID: operators and readers fetch them from
// IPFS, so they must be pinned where they can. Validated first, so nothing that cannot become a round is pinned.
const pinRoute = createRoute({
  method: 'post',
  path: '/documents',
  summary: 'Pin a feed spec template or a dataset metadata document (its CID is what goes on-chain)',
  security: [{ apiKey: [] }],
  middleware: [] as const,
  request: { body: { content: { 'application/json': { schema: PinBody } }, required: true } },
  responses: { 201: json(PinResult, 'pinned: its CID and keccak256 hash'), ...errorResponses },
});

/** The first bad member, named under `document` (the body's field) rather than at the document's root. */
function invalid(error: z.ZodError): VeritasError {
  const e = zodToVeritasError(error, 'document', 'INPUT_INVALID');
  return new VeritasError('INPUT_INVALID', e.message, { field: `document.${e.field}`, details: e.details });
}

/** A feed template is a RequestSpec without its deadline (each round's is set on-chain). */
function checkDocument(kind: 'feed-template' | 'dataset-metadata', doc: Record<string, unknown>): void {
  if (kind === 'dataset-metadata') {
    const m = DatasetMetadata.safeParse(doc);
    if (!m.success) throw invalid(m.error);
    return;
  }
  if ('deadline' in doc)
    throw new VeritasError('INPUT_INVALID', 'a feed template has no deadline: each round’s is set on-chain', {
      field: 'document.deadline',
    });
  const spec = RequestSpec.safeParse({ ...doc, deadline: 1 });
  if (!spec.success) throw invalid(spec.error);
}

const links = (id: string): Record<string, string> => ({ self: `/v1/datasets/${id}` });
const versionLinks = (id: string, v: number): Record<string, string> =>
  Object.fromEntries(
    ['croissant.json', 'README.md', 'records.parquet', 'records.jsonl', 'proofs.jsonl', 'snapshot.car'].map((f) => [
      f,
      `/v1/datasets/${id}/versions/${v}/${f}`,
    ]),
  );

export function datasetsRouter(deps: ApiDeps) {
  const app = newRouter();
  const { chain, db, ipfs } = deps;
  // A version's snapshot never changes (its root is on-chain): built once per process, kept for the next reader.
  const snapshots = new Map<string, Promise<{ snapshot: Snapshot; car?: Uint8Array }>>();

  const registry = () => {
    if (chain.datasetRegistry === undefined)
      throw new VeritasError('NOT_FOUND', 'this node has no DatasetRegistry configured', {
        field: 'VERITAS_DATASET_REGISTRY_ADDRESS',
      });
    return chain.datasetRegistry;
  };
  const dataset = async (id: string) => {
    const d = await getDataset(db, registry(), BigInt(id));
    if (!d) throw notFound('dataset', id);
    return d;
  };
  const metadataOf = async (cid: string): Promise<DatasetMetadata> => {
    const parsed = DatasetMetadata.safeParse(await ipfs.getJson(cid, { timeoutMs: 10_000 }));
    if (!parsed.success)
      throw new VeritasError('SCHEMA_INVALID', `dataset metadata ${cid} is not a DatasetMetadata document`, {
        field: 'metadataCid',
      });
    return parsed.data;
  };
  // The records of a request from the node's database, refused unless they are under the on-chain root.
  const records = async (requestId: Hex, requestRoot: Hex) => {
    const request = await getRequest(db, requestId);
    if (!request || request.merkleRoot?.toLowerCase() !== requestRoot)
      throw new VeritasError('NOT_FOUND', `this node has not indexed the records of request ${requestId} yet`, {
        field: 'requestId',
      });
    return (await recordsOf(db, request.id, -1, 1_000_000)).map((r) => provedRecordOf(r, requestRoot));
  };
  const snapshotOf = (id: string, v: number) => {
    const key = `${id}/${v}`;
    let hit = snapshots.get(key);
    if (hit === undefined) {
      hit = (async () => {
        const d = await dataset(id);
        if (v > d.version) throw notFound(`version ${v} of dataset`, id, 'v');
        const input = await snapshotInputOf({
          client: chain.publicClient,
          registry: registry(),
          hub: chain.hubAddress,
          chainId: chain.chainId,
          dataset: d,
          metadata: await metadataOf(d.metadataCid),
          version: v,
          records,
          indexed: indexedFacts(db, registry(), d.id),
          ...(deps.config.api.publicUrl ? { url: `${deps.config.api.publicUrl}/v1/datasets/${id}` } : {}),
        });
        return { snapshot: buildSnapshot(input) };
      })();
      snapshots.set(key, hit);
      hit.catch(() => snapshots.delete(key)); // a failure (not indexed yet) is retried by the next reader
    }
    return hit;
  };

  app.use('/documents', requireApiKey(deps.config.api.apiKeys));
  app.use(
    '/documents',
    bodyLimit({
      maxSize: PIN_LIMIT,
      onError: () => {
        throw new ApiError(413, 'PAYLOAD_TOO_LARGE', `the body exceeds ${PIN_LIMIT} bytes`);
      },
    }),
  );
  app.use('/documents', jsonBody());
  app.openapi(pinRoute, async (c) => {
    const { kind, document } = c.req.valid('json');
    checkDocument(kind, document);
    const cid = await ipfs.addJson(document);
    return c.json({ cid, hash: hashJson(document) }, 201);
  });

  app.openapi(listRoute, async (c) => {
    const items = (await listDatasets(db, registry())).map((d) => ({ ...summary(d), links: links(String(d.id)) }));
    return c.json({ items }, 200);
  });

  app.openapi(detailRoute, async (c) => {
    const { id } = c.req.valid('param');
    const d = await dataset(id);
    const metadata = await metadataOf(d.metadataCid).catch(() => null);
    const rounds: AppendedRound[] = await indexedRounds(db, registry(), d.id);
    return c.json(
      {
        ...summary(d),
        links: links(id),
        metadata,
        versions: rounds.map((r) => ({
          version: r.index + 1,
          requestId: r.requestId,
          requestRoot: r.requestRoot,
          appendedAt: new Date(r.timestamp * 1000).toISOString(),
          links: versionLinks(id, r.index + 1),
        })),
      },
      200,
    );
  });

  const serve = async (c: Parameters<typeof exportBody>[0], id: string, v: number, file: string) => {
    const entry = await snapshotOf(id, v);
    if (file === 'snapshot.car') {
      entry.car ??= await snapshotCar(ipfs, await pinSnapshot(ipfs, entry.snapshot));
      return exportBody(c, entry.car, 'application/vnd.ipld.car', 'fulfilled');
    }
    const f = FILES[file as keyof typeof FILES];
    const bytes = entry.snapshot.files.find((x) => x.path === f.path)!.bytes;
    return exportBody(c, bytes, f.type, 'fulfilled');
  };
  app.openapi(fileRoute, async (c) => {
    const { id, v, file } = c.req.valid('param');
    return preserialized(await serve(c, id, Number(v), file));
  });
  app.openapi(dataFileRoute, async (c) => {
    const { id, v, file } = c.req.valid('param');
    return preserialized(await serve(c, id, Number(v), `data/${file}`));
  });
  return app;
}

const summary = (d: { id: bigint; owner: string; version: number; root: string; metadataCid: string }) => ({
  id: String(d.id),
  owner: d.owner.toLowerCase(),
  version: d.version,
  root: d.root,
  metadataCid: d.metadataCid,
});
