// `veritas request <url> …`: builds a RequestSpec from flags, posts it to the API, and with --wait follows its stages
// live (SSE) and prints the final record with its Merkle proof.
import { type Command, Option } from 'commander';
import { loadConfig } from '../../core/config.ts';
import { VeritasError } from '../../core/errors.ts';
import type { RequestSpecInput } from '../../schemas/spec.ts';
import { apiClient } from './client.ts';

type Opts = {
  jsonPath?: string;
  regex?: string;
  group: string;
  flags?: string;
  quorum: string;
  policy: 'median' | 'mode' | 'exact';
  minAgreement?: string;
  valueType?: 'number' | 'string' | 'timestamp' | 'json';
  precision?: string;
  header: string[];
  secretHeader: string[];
  method: 'GET' | 'POST';
  body?: string;
  resultSchema?: string;
  records: 'single' | 'array';
  name?: string;
  ttl: string;
  fee: string;
  wait?: boolean;
  api: string;
  apiKey?: string;
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('request')
    .description('ask the oracle for a value from an HTTPS source, proved over MPC-TLS by independent operators')
    .argument('<url>', 'the https:// source')
    .option('--json-path <path>', 'extract with a JSONPath, e.g. $.data.price')
    .option('--regex <regex>', 'extract with a regular expression capture')
    .option('--group <group>', 'the regex capture group (number or name)', '1')
    .option('--flags <flags>', 'regex flags (i, m, s, u)')
    .option('--quorum <n>', 'independent provers', '3')
    .addOption(
      new Option('--policy <policy>', 'aggregation policy').choices(['median', 'mode', 'exact']).default('exact'),
    )
    .option('--min-agreement <n>', 'mode: responses that must agree (default: quorum)')
    .addOption(
      new Option('--value-type <type>', 'normalization of the value').choices([
        'number',
        'string',
        'timestamp',
        'json',
      ]),
    )
    .option('--precision <digits>', 'number: decimal places kept')
    .option('--header <header>', "a request header 'Name: value' (repeatable)", collect, [])
    .option(
      '--secret-header <header>',
      "a secret header 'Name=ref' resolved by each prover's secret store (repeatable)",
      collect,
      [],
    )
    .addOption(new Option('--method <method>', 'HTTP method').choices(['GET', 'POST']).default('GET'))
    .option('--body <body>', 'request body (POST)')
    .option('--result-schema <json>', 'JSON Schema the extracted value must satisfy')
    .addOption(
      new Option('--records <mode>', 'one record, or one per array element')
        .choices(['single', 'array'])
        .default('single'),
    )
    .option('--name <name>', 'a name for the dataset')
    .option('--ttl <seconds>', 'deadline, seconds from now', '600')
    .option('--fee <wei>', 'fee escrowed for the operators, in wei', '0')
    .option('--wait', 'follow the request until it is fulfilled and print the record')
    .option('--api <url>', 'the Veritas API', 'http://127.0.0.1:8080')
    .option('--api-key <key>', 'API key (default: the first of VERITAS_API_KEYS)')
    .action(async (url: string, opts: Opts) => {
      const config = loadConfig(process.env);
      const spec = specFromFlags(url, opts);
      const client = apiClient(opts.api, opts.apiKey ?? config.api.apiKeys?.[0]);
      const created = await client.json<{
        requestId: string | null;
        specCid: string;
        txHash: string | null;
        transaction: unknown;
        links: Record<string, string>;
      }>('/v1/requests', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ spec, fee: opts.fee }),
      });
      if (created.requestId === null) {
        process.stdout.write(
          `${JSON.stringify({ specCid: created.specCid, transaction: created.transaction }, null, 2)}\n`,
        );
        process.stderr.write('the API has no signing key: send this transaction yourself\n');
        return;
      }
      process.stderr.write(
        `request ${created.requestId}\n  tx ${created.txHash}\n  page ${client.base}${created.links.page}\n`,
      );
      if (!opts.wait) {
        process.stdout.write(`${created.requestId}\n`);
        return;
      }
      const progress = progressPrinter(process.stderr);
      const end = (await client.follow(created.requestId, progress)) as { status: string };
      if (end.status !== 'fulfilled') {
        process.exitCode = 1;
        process.stderr.write(`request ended ${end.status}\n`);
        return;
      }
      const detail = await client.json<{ records: { href: string }[] }>(`/v1/requests/${created.requestId}`);
      for (const r of detail.records) process.stdout.write(`${JSON.stringify(await client.json(r.href), null, 2)}\n`);
    });
}

function specFromFlags(url: string, o: Opts): RequestSpecInput {
  if ((o.jsonPath === undefined) === (o.regex === undefined))
    throw new VeritasError('INPUT_INVALID', 'give exactly one of --json-path or --regex', { field: '--json-path' });
  const int = (v: string, flag: string): number => {
    if (!/^\d+$/.test(v)) throw new VeritasError('INPUT_INVALID', `${flag} must be a whole number`, { field: flag });
    return Number(v);
  };
  const quorum = int(o.quorum, '--quorum');
  const headers = [
    ...o.header.map((h, i) => {
      const m = /^([^:]+):\s*(.*)$/.exec(h);
      if (!m)
        throw new VeritasError('INPUT_INVALID', `--header ${JSON.stringify(h)} must look like 'Name: value'`, {
          field: `--header[${i}]`,
        });
      return { name: m[1]!.trim(), value: m[2]! };
    }),
    ...o.secretHeader.map((h, i) => {
      const m = /^([^=]+)=(.+)$/.exec(h);
      if (!m)
        throw new VeritasError('INPUT_INVALID', `--secret-header ${JSON.stringify(h)} must look like 'Name=ref'`, {
          field: `--secret-header[${i}]`,
        });
      return { name: m[1]!.trim(), secret: true as const, ref: m[2]!.trim() };
    }),
  ];
  let resultSchema: Record<string, unknown> = {};
  if (o.resultSchema !== undefined) {
    try {
      resultSchema = JSON.parse(o.resultSchema) as Record<string, unknown>;
    } catch {
      throw new VeritasError('INPUT_INVALID', '--result-schema is not JSON', { field: '--result-schema' });
    }
  }
  const group = /^\d+$/.test(o.group) ? Number(o.group) : o.group;
  const policy =
    o.policy === 'median'
      ? { policy: 'median' as const }
      : o.policy === 'mode'
        ? { policy: 'mode' as const, minAgreement: o.minAgreement ? int(o.minAgreement, '--min-agreement') : quorum }
        : { policy: 'exact' as const };
  const valueType = o.valueType ?? (o.policy === 'median' ? 'number' : 'json');
  return {
    url,
    method: o.method,
    headers,
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.name !== undefined ? { name: o.name } : {}),
    extract:
      o.jsonPath !== undefined
        ? { jsonPath: o.jsonPath }
        : { regex: o.regex!, group, ...(o.flags ? { flags: o.flags } : {}) },
    resultSchema,
    value: { type: valueType, ...(o.precision !== undefined ? { precision: int(o.precision, '--precision') } : {}) },
    aggregation: policy,
    records: o.records,
    quorum,
    deadline: Math.floor(Date.now() / 1000) + int(o.ttl, '--ttl'),
  };
}

/** One line per stage as it happens; colour and marks on a terminal, plain timestamped lines otherwise. */
function progressPrinter(out: NodeJS.WriteStream): (event: string, data: unknown) => void {
  const tty = out.isTTY === true;
  const started = Date.now();
  const green = (s: string) => (tty ? `\x1b[32m${s}\x1b[0m` : s);
  return (event, data) => {
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
    if (event === 'stage') {
      const e = data as { stage: string; source: string; detail: Record<string, unknown> | null };
      const who = e.source.startsWith('0x') ? ` ${e.source.slice(0, 10)}…` : ` (${e.source})`;
      out.write(`${elapsed} ${tty ? green('✓') : '-'} ${e.stage}${who}\n`);
    } else if (event === 'end') {
      const s = data as { status: string; merkleRoot: string | null };
      out.write(
        `${elapsed} ${s.status === 'fulfilled' ? green('●') : '✗'} ${s.status}${s.merkleRoot ? ` root ${s.merkleRoot}` : ''}\n`,
      );
    }
  };
}
