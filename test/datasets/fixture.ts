// The dataset tests' shared set-up: a chain with OracleHub and a DatasetRegistry, and proved records of fulfilled
// rounds built the way the aggregator builds them (canonical record hash, the StandardMerkleTree root and proofs):
// a numeric price feed and an object-valued source.
import { type Address, keccak256, parseEther, toHex, type Hex } from 'viem';
import { hashJson } from '../../core/canonical.ts';
import { deployAndWait } from '../../core/chain/contracts.ts';
import { buildRecordTree } from '../../core/merkle.ts';
import { datasetRegistryAbi, datasetRegistryBytecode } from '../../oracle-contracts/generated/artifacts.ts';
import { type Chain, deployFixture, startChain, type Veritas } from '../support/chain.ts';
import type { DatasetRecord, ProvedRecord } from '../../schemas/record.ts';
import type { SnapshotInput } from '../../core/dataset/snapshot.ts';

const HUB = '0x5fbdb2315678afecb367f032d93f642f64180aa3';
const word = (seed: string): Hex => keccak256(toHex(seed));
const address = (seed: string): Hex => word(seed).slice(0, 42) as Hex;
// A syntactically valid base32 CIDv1 (the snapshot never dereferences it).
const cid = (seed: string): string =>
  `bafkrei${Buffer.from(word(seed).slice(2), 'hex')
    .toString('base64')
    .toLowerCase()
    .replace(/[^a-z2-7]/g, 'a')
    .slice(0, 52)}`;

/** Deploys a DatasetRegistry over `v`'s hub, paying `tip` wei to whoever pokes a round. */
export async function deployRegistry(v: Veritas, tip = parseEther('0.001')): Promise<Address> {
  const { address } = await deployAndWait(
    { walletClient: v.deployer, publicClient: v.chain.publicClient },
    { abi: datasetRegistryAbi, bytecode: datasetRegistryBytecode, args: [v.hub, tip] },
  );
  return address;
}

/** A fresh anvil with the Veritas contracts, four registered operators and a DatasetRegistry. */
export async function datasetChain(
  accounts: number,
  tip?: bigint,
): Promise<{ chain: Chain; v: Veritas; registry: Address }> {
  const chain = await startChain(accounts);
  const v = await deployFixture(chain, { operatorCount: 4 });
  return { chain, v, registry: await deployRegistry(v, tip) };
}

export type FixtureRound = SnapshotInput['rounds'][number];

/** The value hash the hub accepted for a round (its leaves commit it): here, of the round's whole answer. */
export const roundValueHash = (values: readonly unknown[]) => hashJson(values);

/** One fulfilled round of `url` whose records carry `values` (one record each), fetched at `tlsTime`. */
export function round(
  sourceId: string,
  roundNo: number,
  url: string,
  values: unknown[],
  tlsTime: number,
): FixtureRound {
  const requestId = word(`${sourceId}/${roundNo}`);
  const provers = [address(`p1/${roundNo}`), address(`p2/${roundNo}`)];
  const records: DatasetRecord[] = values.map((value, index) => ({
    version: 1,
    chainId: 31337,
    hub: HUB,
    requestId,
    index,
    value: value as DatasetRecord['value'],
    url,
    specCid: cid(`spec/${sourceId}`),
    extract: { jsonPath: '$.price' },
    policy: { policy: 'exact' },
    trust: 'devnet',
    sources: provers.map((prover, i) => ({
      prover,
      notary: provers[1 - i]!,
      bundleCid: cid(`bundle/${requestId}/${index}/${i}`),
      serverName: new URL(url).hostname,
      tlsTime: tlsTime + i,
      resultHash: hashJson(value),
      value: value as DatasetRecord['value'],
    })),
  }));
  const valueHash = roundValueHash(values);
  const tree = buildRecordTree(records.map((r) => ({ requestId, index: r.index, valueHash, recordHash: hashJson(r) })));
  const proved: ProvedRecord[] = records.map((record) => ({
    record,
    recordHash: hashJson(record),
    merkleRoot: tree.root,
    proof: tree.proof(record.index),
  }));
  return {
    sourceId,
    round: roundNo,
    requestId,
    requestRoot: tree.root,
    fulfilledAt: new Date((tlsTime + 30) * 1000).toISOString(),
    records: proved,
  };
}

export const PRICE_URL = 'https://prices.fixture.test/v1/price';
export const T0 = 1_767_225_600; // 2026-01-01T00:00:00Z

/** A live price feed: `n` rounds of one numeric record each, ten minutes apart. */
export function priceFeed(n: number, license?: string): SnapshotInput {
  const prices = [100.25, 101.5, 99.75, 102, 100.125, 98.5];
  return {
    dataset: {
      id: 'btc-usd',
      name: 'BTC/USD fixture price',
      description: 'The fixture site’s price, every ten minutes.',
      ...(license ? { license } : {}),
      creator: { name: 'Data team', url: 'https://example.test/team' },
      version: n,
      live: true,
      chainId: 31337,
      registry: '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512',
      hub: HUB,
      publishedAt: new Date(T0 * 1000).toISOString(),
    },
    sources: [{ id: 'feed-1', kind: 'feed', url: PRICE_URL }],
    rounds: Array.from({ length: n }, (_, i) =>
      round('feed-1', i + 1, PRICE_URL, [prices[i % prices.length]], T0 + 600 * i),
    ),
  };
}

/** Two one-shot sources whose values are objects: each key becomes its own typed column. */
export function objectDataset(): SnapshotInput {
  const a = 'https://weather.fixture.test/v1/obs';
  const b = 'https://weather.fixture.test/v1/obs2';
  return {
    dataset: {
      id: 'weather',
      name: 'Weather observations',
      description: 'Station observations.',
      license: 'CC-BY-4.0',
      creator: { name: 'Met team', type: 'Person' },
      version: 2,
      live: false,
      chainId: 31337,
      publishedAt: new Date(T0 * 1000).toISOString(),
    },
    sources: [
      { id: 'req-a', kind: 'request', url: a },
      { id: 'req-b', kind: 'request', url: b },
    ],
    rounds: [
      round(
        'req-a',
        0,
        a,
        [
          { station: 'A', temp: 21.5, count: 3, ok: true, at: '2026-01-01T00:00:00.000Z', tags: ['x'] },
          { station: 'B', temp: 19, count: 4, ok: false, at: '2026-01-01T00:10:00.000Z', tags: [] },
        ],
        T0,
      ),
      round(
        'req-b',
        0,
        b,
        [{ station: 'C', temp: 18.25, count: 5, ok: true, at: '2026-01-01T00:20:00.000Z', url: 'x' }],
        T0 + 60,
      ),
    ],
  };
}
