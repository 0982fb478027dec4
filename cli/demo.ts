// `npm run demo`: against a running devnet (`npm start` in another terminal), posts three requests — a deterministic
// dataset field aggregated with `exact`, a jittered price with `median` at 2 decimals, and an endpoint behind a secret
// Authorization header — follows each one live over SSE, and prints its records and the links to check them.
//
//   npm run demo -- [--api http://127.0.0.1:8080] [--api-key devnet] [--only dataset,price,private] [--sequential]
import { parseArgs } from 'node:util';
import { toVeritasError } from '../core/errors.ts';
import { RequestSpec, type RequestSpecInput } from '../schemas/spec.ts';
import { ProvedRecord } from '../schemas/record.ts';
import { apiClient, type ApiClient, body, type Schemas } from './commands/client.ts';
import { FIXTURE_HOST, privateBalanceSpec } from './devnet.ts';

const { values } = parseArgs({
  options: {
    api: { type: 'string', default: 'http://127.0.0.1:8080' },
    'api-key': { type: 'string', default: 'devnet' },
    only: { type: 'string' },
    sequential: { type: 'boolean', default: false },
    ttl: { type: 'string', default: '900' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'npm run demo -- [--api URL] [--api-key KEY] [--only dataset,price,private] [--sequential] [--ttl SECONDS]\n',
  );
  process.exit(0);
}

type Demo = { key: string; title: string; spec: RequestSpecInput };
const deadline = Math.floor(Date.now() / 1000) + Number(values.ttl);
const DEMOS: Demo[] = [
  {
    key: 'dataset',
    title: 'row count of a dataset (deterministic; every prover must agree exactly)',
    spec: {
      name: 'Fixture dataset: row count',
      url: `https://${FIXTURE_HOST}/v1/dataset/weather-2025`,
      extract: { jsonPath: '$.rows' },
      resultSchema: { type: 'integer', minimum: 0 },
      value: { type: 'json' },
      aggregation: { policy: 'exact' },
      quorum: 2,
      deadline,
    },
  },
  {
    key: 'price',
    title: 'VRT-USD price (jittered per fetch; median of the provers, 2 decimals)',
    spec: {
      name: 'Fixture price VRT-USD',
      url: `https://${FIXTURE_HOST}/v1/price`,
      extract: { jsonPath: '$.price' },
      resultSchema: { type: 'number' },
      value: { type: 'number', precision: 2 },
      aggregation: { policy: 'median' },
      quorum: 3,
      deadline,
    },
  },
  {
    key: 'private',
    title: 'account balance behind a secret Authorization header (never revealed to the notary)',
    spec: privateBalanceSpec(1, deadline),
  },
];

const tty = process.stdout.isTTY === true;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const [bold, dim, green, red, cyan] = [paint(1), paint(2), paint(32), paint(31), paint(36)];
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
const say = (tag: string, text: string) =>
  process.stdout.write(`${elapsed()} ${cyan(`[${tag}]`.padEnd(10))} ${text}\n`);

// the SSE payloads, as schemas/openapi.json declares them
type StageEvent = Schemas['RequestEvent'];
type Summary = Schemas['RequestSummary'];

async function runDemo(client: ApiClient, demo: Demo): Promise<boolean> {
  const created = body(
    await client.api.POST('/v1/requests', { body: { spec: RequestSpec.parse(demo.spec), fee: '10000000000000000' } }),
  );
  if (created.requestId === null)
    throw new Error('the API has no signing key: the demo needs a devnet API, which sends requests itself');
  const id = created.requestId;
  say(
    demo.key,
    `${bold(demo.title)}\n${' '.repeat(19)}request ${id} (quorum ${demo.spec.quorum})  ${dim(`${client.base}${created.links.page}`)}`,
  );
  const end = (await client.follow(id, (event, data) => {
    if (event !== 'stage') return;
    const e = data as StageEvent;
    const who = e.source.startsWith('0x') ? `${e.source.slice(0, 8)}…` : e.source;
    const extra = e.detail && typeof e.detail.code === 'string' ? ` ${red(String(e.detail.code))}` : '';
    say(
      demo.key,
      `${e.stage === 'failed' || e.stage === 'response_invalid' ? red('✗') : green('✓')} ${e.stage} ${dim(`(${who})`)}${extra}`,
    );
  })) as Summary;
  if (end.status !== 'fulfilled') {
    say(demo.key, red(`ended ${end.status}`));
    return false;
  }
  const detail = body(await client.api.GET('/v1/requests/{id}', { params: { path: { id } } }));
  const lines = [`${green('● fulfilled')}  merkle root ${end.merkleRoot}`];
  for (const r of detail.records) {
    const proved = ProvedRecord.parse(
      body(await client.api.GET('/v1/records/{id}', { params: { path: { id: r.id } } })),
    );
    lines.push(
      `  record #${proved.record.index}: ${bold(JSON.stringify(proved.record.value))}   (${proved.proof.length}-step Merkle proof)`,
    );
    for (const s of proved.record.sources)
      lines.push(
        `    from ${s.prover.slice(0, 10)}… notarised by ${s.notary.slice(0, 10)}…: ${JSON.stringify(s.value)}  ${dim(`${client.base}/bundles/${s.bundleCid}`)}`,
      );
    lines.push(`    record      ${client.base}${r.href}`);
  }
  const excluded = detail.operators.filter((o) => o.response?.invalidCode);
  for (const o of excluded) lines.push(`  ${red('excluded')} ${o.prover.slice(0, 10)}…: ${o.response!.invalidCode}`);
  lines.push(`  provenance  ${client.base}/requests/${id}`);
  lines.push(
    `  dataset     ${client.base}/v1/requests/${id}/records.jsonl   (Croissant: ${client.base}/v1/requests/${id}/croissant.json)`,
  );
  lines.push(
    `  verify it   npx veritas verify ${id} --ipfs-gateway ${client.base}/v1/bundles   (with VERITAS_RPC_URL, VERITAS_HUB_ADDRESS, VERITAS_ACCEPT_DEVNET_PROOFS=true)`,
  );
  say(demo.key, lines.join('\n'));
  return true;
}

const client = apiClient(values.api, values['api-key']);
const chosen = values.only ? DEMOS.filter((d) => values.only!.split(',').includes(d.key)) : DEMOS;
if (chosen.length === 0) {
  process.stderr.write(`--only: choose among ${DEMOS.map((d) => d.key).join(', ')}\n`);
  process.exit(2);
}
try {
  await client.api.GET('/v1/operators');
} catch (e) {
  process.stderr.write(
    `demo: no Veritas API at ${values.api} (${toVeritasError(e).message}).\nStart the devnet first: npm start   (then run npm run demo in another terminal)\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `${bold('Veritas demo')} against ${values.api}: ${chosen.length} request(s); MPC-TLS sessions take ~10–20 s each on 2 cores.\n\n`,
);
const outcomes: boolean[] = [];
const run = (d: Demo) =>
  runDemo(client, d).catch((e: unknown) => {
    say(d.key, red(`failed: ${toVeritasError(e).code}: ${toVeritasError(e).message}`));
    return false;
  });
if (values.sequential) for (const d of chosen) outcomes.push(await run(d));
else outcomes.push(...(await Promise.all(chosen.map(run))));
const ok = outcomes.filter(Boolean).length;
process.stdout.write(
  `\n${ok === outcomes.length ? green(`all ${ok} request(s) fulfilled`) : red(`${ok} of ${outcomes.length} fulfilled`)} in ${elapsed().trim()}\n`,
);
process.exitCode = ok === outcomes.length ? 0 : 1;
