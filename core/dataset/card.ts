// The snapshot's README.md: a Hugging Face dataset card (YAML front matter with configs/data_files and the declared
// licence), a description, how to load it, and the provenance: sources, rounds, roots and how to verify them.
import { cardLicense, licenseText } from './license.ts';
import type { Column } from './rows.ts';

export type CardInput = {
  datasetId: string;
  name: string;
  description: string;
  version: number;
  versionRoot: string;
  license: string | undefined;
  live: boolean;
  chain: { chainId: number; registry?: string; hub?: string };
  columns: readonly Column[];
  recordCount: number;
  sources: { id: string; kind: string; url: string }[];
  rounds: {
    accumulatorIndex: number;
    sourceId: string;
    round: number;
    requestId: string;
    root: string;
    records: number;
    fulfilledAt: string;
  }[];
};

// JSON strings are valid YAML double-quoted scalars: user text can never break out of its value.
const y = (s: string): string => JSON.stringify(s);
// A table cell: no newline, no unescaped pipe.
const cell = (s: string | number): string => String(s).replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');

export function datasetCard(c: CardInput): string {
  const lic = cardLicense(c.license);
  const front = [
    '---',
    ...Object.entries(lic).map(([k, v]) => `${k}: ${y(v)}`),
    `pretty_name: ${y(c.name)}`,
    'tags:',
    ...['veritas', 'zktls', 'provenance', c.live ? 'live-dataset' : 'snapshot'].map((t) => `- ${y(t)}`),
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    '    path: "data/records.parquet"',
    '---',
  ];
  const body = [
    `# ${cell(c.name)}`,
    '',
    c.description,
    '',
    `Version **${c.version}** of dataset \`${c.datasetId}\`: ${c.recordCount} record(s) from ${c.rounds.length} ` +
      `fulfilled round(s) of ${c.sources.length} source(s).${c.live ? ' This is a live dataset: new rounds add versions.' : ''}`,
    '',
    `**Licence:** ${licenseText(c.license)}`,
    '',
    '## Files',
    '',
    '- `data/records.parquet`, `data/records.jsonl`: one row per record, the same rows in both.',
    '- `croissant.json`: Croissant 1.1 metadata (sha256 of each data file, typed fields, PROV-O provenance).',
    '- `proofs.jsonl`: for each record, its Merkle proof in its request and its request root’s path in the version root.',
    '',
    '## Columns',
    '',
    '| column | type | meaning |',
    '|---|---|---|',
    ...c.columns.map((col) => `| \`${cell(col.name)}\` | ${col.type} | ${cell(col.description)} |`),
    '',
    '## Load it',
    '',
    '```python',
    'import pandas as pd',
    'df = pd.read_json("data/records.jsonl", lines=True)',
    '```',
    '',
    '```sql',
    "SELECT * FROM 'data/records.parquet';  -- DuckDB",
    '```',
    '',
    '## Provenance',
    '',
    `Chain id ${c.chain.chainId}${c.chain.registry ? `, DatasetRegistry \`${c.chain.registry}\`` : ''}` +
      `${c.chain.hub ? `, OracleHub \`${c.chain.hub}\`` : ''}. Version root: \`${c.versionRoot}\`.`,
    '',
    '### Sources',
    '',
    '| source | kind | url |',
    '|---|---|---|',
    ...c.sources.map((s) => `| \`${cell(s.id)}\` | ${cell(s.kind)} | ${cell(s.url)} |`),
    '',
    '### Rounds',
    '',
    '| # | source | round | request | request root | records | fulfilled |',
    '|---|---|---|---|---|---|---|',
    ...c.rounds.map(
      (r) =>
        `| ${r.accumulatorIndex} | \`${cell(r.sourceId)}\` | ${r.round} | \`${r.requestId}\` | \`${r.root}\` | ${r.records} | ${r.fulfilledAt} |`,
    ),
    '',
    '### How to verify',
    '',
    'Each row’s `record_hash` is the keccak256 of its record’s RFC 8785 canonical JSON. `proofs.jsonl` gives the ' +
      'record’s Merkle proof against its request root (committed by `OracleHub.fulfill`), and the request root’s ' +
      'path in the version root (computed on-chain by `DatasetRegistry.appendRound`). Check every record against the ' +
      'chain, trusting only an RPC node and IPFS:',
    '',
    '```sh',
    `veritas verify --dataset ${c.datasetId} --version ${c.version}`,
    '```',
    '',
  ];
  return `${[...front, '', ...body].join('\n')}`;
}
