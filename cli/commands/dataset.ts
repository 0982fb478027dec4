// `veritas dataset create|add-source|append|versions|export|verify`: datasets of the DatasetRegistry, their
// on-chain versions, snapshot export (directory or CAR) and verification trusting only the RPC and IPFS.
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { type Hex, isHex, parseEventLogs } from 'viem';
import { appendedRounds, DatasetMetadata, datasetRegistryAbi, readDataset } from '../../core/dataset/chain.ts';
import { jsonCid } from '../../core/dataset/cid.ts';
import { writeRegistry } from '../../core/dataset/feeds.ts';
import { SNAPSHOT_PATHS, type SnapshotFile } from '../../core/dataset/snapshot.ts';
import { verifySnapshot } from '../../core/dataset/verify.ts';
import { required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { zodToVeritasError } from '../../schemas/common.ts';
import { RequestSpec } from '../../schemas/spec.ts';
import { apiClient, body } from './client.ts';
import { registryClients, whole } from './registry-clients.ts';

/** sources.jsonl: one source a line, `{"feed": "3"}`, `{"request": "0x…"}`, or `{"spec": {…}, "fee": "wei"}`. */
async function readSources(path: string, api: string, apiKey: string | undefined) {
  const feeds: bigint[] = [];
  const requests: Hex[] = [];
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  for (const [i, line] of lines.entries()) {
    const field = `sources[${i}]`;
    let s: { feed?: string | number; request?: string; spec?: unknown; fee?: string };
    try {
      s = JSON.parse(line);
    } catch {
      throw new VeritasError('INPUT_INVALID', `line ${i + 1} of ${path} is not JSON`, { field });
    }
    if (s.feed !== undefined) feeds.push(whole(String(s.feed), `${field}.feed`));
    else if (typeof s.request === 'string' && /^0x[0-9a-fA-F]{64}$/.test(s.request)) requests.push(s.request as Hex);
    else if (s.spec !== undefined) {
      // a new one-shot request, sent by the API node (which pins the spec where the operators read it)
      // checked here first, so a bad line is an input error naming it before anything is sent or paid
      const spec = RequestSpec.safeParse(s.spec);
      if (!spec.success) throw zodToVeritasError(spec.error, `${field}.spec`, 'INPUT_INVALID');
      const created = body(
        await apiClient(api, apiKey).api.POST('/v1/requests', { body: { spec: spec.data, fee: s.fee ?? '0' } }),
      );
      if (created.requestId === null)
        throw new VeritasError('INPUT_INVALID', 'the API has no signing key: send the requests yourself', { field });
      if (!isHex(created.requestId)) throw new VeritasError('INTERNAL', `the API answered a bad requestId`, { field });
      requests.push(created.requestId);
      process.stderr.write(`source ${i + 1}: request ${created.requestId}\n`);
    } else throw new VeritasError('INPUT_INVALID', `line ${i + 1}: give feed, request or spec`, { field });
  }
  return { feeds, requests };
}

/**
 * Pins a feed template or dataset metadata through the API node (POST /v1/datasets/documents), where operators and
 * readers fetch it, and checks the node pinned it under the CID this command puts on-chain.
 */
export async function pinDocument(
  api: string,
  apiKey: string | undefined,
  kind: 'feed-template' | 'dataset-metadata',
  document: unknown,
): Promise<string> {
  const expected = await jsonCid(document);
  const res = await fetch(`${api.replace(/\/+$/, '')}/v1/datasets/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    body: JSON.stringify({ kind, document }),
  }).catch((e: Error) => {
    throw new VeritasError('SERVER_UNREACHABLE', `cannot reach ${api} to pin the ${kind}: ${e.message}`, {
      field: '--api',
    });
  });
  const answer = (await res.json().catch(() => ({}))) as { cid?: string; message?: string; field?: string };
  if (!res.ok)
    throw new VeritasError('INPUT_INVALID', `pinning the ${kind}: ${answer.message ?? `HTTP ${res.status}`}`, {
      field: answer.field ?? kind,
    });
  if (answer.cid !== expected)
    throw new VeritasError('IPFS_ERROR', `the API pinned ${answer.cid}, not ${expected}`, { field: '--api' });
  return expected;
}

const readDir = async (root: string): Promise<SnapshotFile[]> => {
  const files: SnapshotFile[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }))
      if (e.isDirectory()) await walk(join(d, e.name));
      else
        files.push({
          path: relative(root, join(d, e.name)).split('\\').join('/'),
          bytes: await readFile(join(d, e.name)),
        });
  };
  await walk(root);
  return files;
};

/** Reads a CID from an HTTP gateway and refuses bytes that do not hash to it. */
const gateway = (base: string) => async (cidText: string) => {
  const cid = CID.parse(cidText);
  const res = await fetch(`${base.replace(/\/+$/, '')}/${cidText}`);
  if (!res.ok) throw new VeritasError('IPFS_ERROR', `${cidText}: HTTP ${res.status} from ${base}`, { field: 'cid' });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const digest = await sha256.digest(bytes);
  if (Buffer.compare(Buffer.from(digest.bytes), Buffer.from(cid.multihash.bytes)) !== 0)
    throw new VeritasError('IPFS_ERROR', `${cidText}: the gateway's bytes do not hash to the CID`, { field: 'cid' });
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
};

export function register(program: Command): void {
  const ds = program.command('dataset').description('datasets: sources, on-chain versions, snapshots, verification');
  ds.command('create')
    .description('create a dataset from a metadata file and a sources file (one transaction for all sources)')
    .requiredOption('--metadata <file>', 'JSON: {name, description, license?, creator: {name}}')
    .requiredOption('--sources <file>', 'sources.jsonl')
    .option('--api <url>', 'the API that pins the metadata and sends spec sources', 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'API key (default: the first of VERITAS_API_KEYS)')
    .option('--no-pin', 'do not pin the metadata through the API (pin it yourself under the printed CID)')
    .action(async (o: { metadata: string; sources: string; api: string; apiKey?: string; pin: boolean }) => {
      const c = await registryClients({ write: true });
      const metadata = DatasetMetadata.parse(JSON.parse(await readFile(o.metadata, 'utf8')));
      const apiKey = o.apiKey ?? c.config.api.apiKeys?.[0];
      const metadataCid = o.pin
        ? await pinDocument(o.api, apiKey, 'dataset-metadata', metadata)
        : await jsonCid(metadata);
      const { feeds, requests } = await readSources(o.sources, o.api, apiKey);
      const receipt = await writeRegistry(
        { publicClient: c.publicClient, walletClient: c.walletClient! },
        c.registry,
        'createDataset',
        [metadataCid, feeds, requests],
      );
      const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetCreated' });
      if (!o.pin) process.stderr.write(`metadata ${metadataCid}: pin it where the API and verifiers read IPFS\n`);
      process.stdout.write(`${ev!.args.datasetId}\n`);
    });
  ds.command('add-source <datasetId>')
    .description('add feeds and requests (sources.jsonl) to a dataset you own')
    .requiredOption('--sources <file>', 'sources.jsonl')
    .option('--api <url>', 'the API that sends spec sources', 'http://127.0.0.1:8080')
    .action(async (id: string, o: { sources: string; api: string }) => {
      const c = await registryClients({ write: true });
      const { feeds, requests } = await readSources(o.sources, o.api, c.config.api.apiKeys?.[0]);
      const receipt = await writeRegistry(
        { publicClient: c.publicClient, walletClient: c.walletClient! },
        c.registry,
        'addSources',
        [whole(id, 'datasetId'), feeds, requests],
      );
      process.stdout.write(`${receipt.transactionHash}\n`);
    });
  ds.command('append <datasetId> <requestId>')
    .description('append a fulfilled source request’s root: a new version (any account)')
    .action(async (id: string, requestId: string) => {
      const c = await registryClients({ write: true });
      const receipt = await writeRegistry(
        { publicClient: c.publicClient, walletClient: c.walletClient! },
        c.registry,
        'appendRound',
        [whole(id, 'datasetId'), requestId],
      );
      const [ev] = parseEventLogs({ abi: datasetRegistryAbi, logs: receipt.logs, eventName: 'DatasetVersion' });
      process.stdout.write(`${JSON.stringify({ version: Number(ev!.args.version), root: ev!.args.root })}\n`);
    });
  ds.command('versions <datasetId>')
    .description('the dataset’s versions, read from the chain')
    .action(async (id: string) => {
      const c = await registryClients({ write: false });
      const d = await readDataset(c.publicClient, c.registry, whole(id, 'datasetId'));
      if (!d) throw new VeritasError('NOT_FOUND', `dataset ${id} not found`, { field: 'datasetId' });
      for (const r of await appendedRounds(c.publicClient, c.registry, d.id))
        process.stdout.write(
          `${JSON.stringify({ version: r.index + 1, requestId: r.requestId, requestRoot: r.requestRoot })}\n`,
        );
    });
  ds.command('export <datasetId>')
    .description('write a version’s snapshot as a directory (--out) or a CAR (--car), from the API')
    .requiredOption('--version <v>', 'the version')
    .option('--out <dir>', 'directory to write the snapshot files into')
    .option('--car <file>', 'CAR file to write')
    .option('--api <url>', 'the Veritas API', 'http://127.0.0.1:8080')
    .action(async (id: string, o: { version: string; out?: string; car?: string; api: string }) => {
      if ((o.out === undefined) === (o.car === undefined))
        throw new VeritasError('INPUT_INVALID', 'give exactly one of --out or --car', { field: '--out' });
      const client = apiClient(o.api, undefined);
      const base = `/v1/datasets/${whole(id, 'datasetId')}/versions/${whole(o.version, '--version')}`;
      if (o.car) {
        await writeFile(o.car, new Uint8Array(await (await client.raw(`${base}/snapshot.car`)).arrayBuffer()));
        return;
      }
      for (const path of Object.values(SNAPSHOT_PATHS)) {
        const bytes = new Uint8Array(await (await client.raw(`${base}/${path}`)).arrayBuffer());
        await mkdir(dirname(join(o.out!, path)), { recursive: true });
        await writeFile(join(o.out!, path), bytes);
      }
      process.stderr.write(`wrote ${Object.keys(SNAPSHOT_PATHS).length} files to ${o.out}\n`);
    });
  ds.command('verify <datasetId>')
    .description('verify a snapshot directory against the on-chain version root, trusting only the RPC and IPFS')
    .requiredOption('--version <v>', 'the version')
    .requiredOption('--dir <dir>', 'the snapshot directory (from `dataset export --out`)')
    .option('--ipfs-gateway <url>', 'where to read CIDs; every byte is re-hashed', 'http://127.0.0.1:8080/v1/bundles')
    .action(async (id: string, o: { version: string; dir: string; ipfsGateway: string }) => {
      const c = await registryClients({ write: false });
      const hub = required(c.config.chain.hubAddress, 'VERITAS_HUB_ADDRESS', 'to read the request roots');
      const v = await verifySnapshot({
        client: c.publicClient,
        registry: c.registry,
        hub,
        chainId: c.chainId,
        datasetId: whole(id, 'datasetId'),
        version: Number(whole(o.version, '--version')),
        getJson: gateway(o.ipfsGateway),
        files: await readDir(o.dir),
      });
      for (const ch of v.checks) process.stdout.write(`  ${ch.ok ? '✓' : '✗'} ${ch.name}: ${ch.detail}\n`);
      if (!v.ok) {
        process.stderr.write(`verification FAILED: ${v.failed?.name}\n`);
        process.exitCode = 1;
      } else process.stdout.write(`verified dataset ${id} version ${o.version}\n`);
    });
}
