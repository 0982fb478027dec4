// The work of `veritas verify` (cli/commands/verify.ts registers it): every check, against the RPC and IPFS only.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Hex } from 'viem';
import { required } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import { CliExit, EXIT } from '../exit.ts';
import { commandContext, type Output } from '../output.ts';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';
import { createVeritasPublicClient, fetchChainId } from '../../core/chain/clients.ts';
import { readOnChainRequest } from '../../core/verify/chain.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import { hashJson } from '../../core/canonical.ts';
import { AggregateReport, ProvedRecord } from '../../schemas/record.ts';
import { verifyProvedRecord, type RecordVerification } from '../../core/verify/proved-record.ts';

export async function runVerify(target: string, opts: { ipfsGateway: string }, self: Command): Promise<void> {
  const { config, out } = commandContext(self);
  const gateway =
    opts.ipfsGateway === '<VERITAS_API_URL>/v1/bundles'
      ? `${config.cli.apiUrl.replace(/\/+$/, '')}/v1/bundles`
      : opts.ipfsGateway;
  const rpcUrl = required(config.chain.rpcUrl, 'VERITAS_RPC_URL', 'to read the on-chain root');
  const hub = required(config.chain.hubAddress, 'VERITAS_HUB_ADDRESS', 'to know which OracleHub to ask');
  const publicClient = createVeritasPublicClient(rpcUrl, await fetchChainId(rpcUrl));
  const getJson = gatewayReader(gateway);
  const src = { publicClient, hub, getJson, acceptDevnetProofs: config.acceptDevnetProofs };
  const records = isRequestId(target) ? await recordsOfRequest(target, src) : [await recordFile(target)];
  let failed: string | undefined;
  for (const proved of records) {
    const v = await verifyProvedRecord(proved, src);
    print(out, proved, v);
    failed ??= v.failed?.name;
  }
  if (failed !== undefined) throw new CliExit(EXIT.VERIFICATION_FAILED, 'VERIFICATION_FAILED', `check ${failed}`);
  out.note('verified', { count: records.length }, `verified ${records.length} record(s)`);
}

/** One result per record: a JSON line with --json, else the record and each check on its own line. */
function print(out: Output, p: ProvedRecord, v: RecordVerification): void {
  const lines = [
    `record ${p.record.requestId} #${p.record.index}: ${v.ok ? 'OK' : 'FAILED'}`,
    ...v.checks.map((c) => `  ${c.ok ? out.color.green('✓') : out.color.red('✗')} ${c.name}: ${c.detail}`),
  ];
  out.data(
    {
      requestId: p.record.requestId,
      index: p.record.index,
      ok: v.ok,
      failed: v.failed?.name ?? null,
      checks: v.checks,
    },
    lines.join('\n'),
  );
}

async function recordFile(path: string): Promise<ProvedRecord> {
  const parsed = ProvedRecord.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success)
    throw new VeritasError('INPUT_INVALID', `${path} is not a ProvedRecord: ${parsed.error.issues[0]?.message}`, {
      field: 'target',
    });
  return parsed.data;
}

/** From a request id alone: the report CID is on-chain, the report on IPFS; proofs are rebuilt from its records. */
async function recordsOfRequest(
  requestId: Hex,
  src: Parameters<typeof verifyProvedRecord>[1],
): Promise<ProvedRecord[]> {
  const chain = await readOnChainRequest(src.publicClient, src.hub, requestId);
  if (chain.status !== 'fulfilled')
    throw new VeritasError('INPUT_INVALID', `request ${requestId} is ${chain.status}, not fulfilled`, {
      field: 'target',
    });
  const report = AggregateReport.parse(await src.getJson(chain.reportCid));
  const tree = buildRecordTree(
    report.records.map((r) => ({ requestId, index: r.index, valueHash: chain.valueHash, recordHash: hashJson(r) })),
  );
  return report.records.map((record) => ({
    record,
    recordHash: hashJson(record),
    merkleRoot: tree.root,
    proof: tree.proof(record.index),
  }));
}

/** Reads a CID over HTTP and refuses bytes that do not hash to it (raw-leaf CIDv1, what core/ipfs pins for JSON). */
function gatewayReader(base: string): (cid: string) => Promise<unknown> {
  return async (cidText) => {
    const cid = CID.parse(cidText);
    const res = await fetch(`${base.replace(/\/+$/, '')}/${cidText}`);
    if (!res.ok) throw new VeritasError('IPFS_ERROR', `${cidText}: HTTP ${res.status} from ${base}`, { field: 'cid' });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = await sha256.digest(bytes);
    if (cid.code !== 0x55 || cid.multihash.code !== sha256.code || !equal(digest.digest, cid.multihash.digest))
      throw new VeritasError('IPFS_ERROR', `${cidText}: the bytes served do not hash to the CID`, { field: 'cid' });
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  };
}

const equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

const isRequestId = (s: string): s is Hex => /^0x[0-9a-fA-F]{64}$/.test(s);
