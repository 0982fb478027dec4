// `veritas request <url> …`: builds a RequestSpec from flags (or a spec file), posts it to the API, and with --wait
// follows its stages live (SSE) and prints every record with its Merkle proof (JSON Lines with --json).
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { VeritasError } from '../../core/errors.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';
import { zodToVeritasError } from '../../schemas/common.ts';
import { CliExit, EXIT } from '../exit.ts';
import { commandContext, type Output } from '../output.ts';
import { jsonLines } from '../records.ts';
import { type ApiFlags, body, clientFromFlags, type SseEventArgs, withApiOptions } from './client.ts';
import { int, num } from '../options.ts';

type Opts = ApiFlags & {
  spec?: string;
  jsonPath?: string;
  regex?: string;
  group: string;
  flags?: string;
  quorum: string;
  policy: 'median' | 'mode' | 'exact';
  minAgreement?: string;
  madK?: string;
  band?: string;
  valueType?: 'number' | 'string' | 'timestamp' | 'json';
  precision?: string;
  header: string[];
  secretHeader: string[];
  method: 'GET' | 'POST';
  body?: string;
  resultSchema?: string;
  records: 'single' | 'array';
  maxResponseBytes?: string;
  name?: string;
  description?: string;
  ttl: string;
  deadline?: string;
  fee?: string;
  wait?: boolean;
};

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  const cmd = program
    .command('request')
    .description('ask the oracle for a value from an HTTPS source, proved over MPC-TLS by independent operators')
    .argument('[url]', 'the https:// source (or give --spec)')
    .option('--spec <file>', 'a RequestSpec JSON file instead of the flags below (--ttl/--deadline still apply)')
    .option('--json-path <path>', 'extract with a JSONPath, e.g. $.data.price')
    .option('--regex <regex>', 'extract with a regular expression capture')
    .option('--group <group>', 'the regex capture group (number or name)', '1')
    .option('--flags <flags>', 'regex flags (i, m, s, u)')
    .option('--quorum <n>', 'independent provers', '3')
    .addOption(
      new Option('--policy <policy>', 'aggregation policy').choices(['median', 'mode', 'exact']).default('exact'),
    )
    .option('--min-agreement <n>', 'mode: responses that must agree (default: quorum)')
    .option('--mad-k <k>', 'median: responses farther than k·MAD from the median are outliers (default 3)')
    .option('--band <fraction>', 'median: within this fraction of the median is never an outlier (default 0.01)')
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
    .option('--max-response-bytes <n>', 'largest response the provers accept (64…16384, default 4096)')
    .option('--name <name>', 'a name for the dataset')
    .option('--description <text>', 'a description of the dataset')
    .option('--ttl <seconds>', 'deadline, seconds from now', '600')
    .option('--deadline <unix>', 'deadline as Unix seconds (instead of --ttl)')
    .option('--fee <wei>', 'fee escrowed for the operators, in wei (default: the hub’s minimum for the quorum)')
    .option(
      '--wait',
      'follow the request until it is fulfilled and print every record; a failed stage ends the wait (exit 4)',
    );
  withApiOptions(cmd).action(async (url: string | undefined, opts: Opts, self: Command) => {
    const { config, out } = commandContext(self);
    const input = opts.spec !== undefined ? await specFromFile(opts.spec, opts) : specFromFlags(url, opts);
    // checked here first: a bad flag is an input error (exit 3) naming the spec field, before any network call
    const parsed = RequestSpec.safeParse(input);
    if (!parsed.success) throw zodToVeritasError(parsed.error, 'spec', 'INPUT_INVALID');
    const spec = parsed.data;
    const client = clientFromFlags(opts, config.cli);
    const created = body(
      await client.api.POST('/v1/requests', { body: { spec, ...(opts.fee === undefined ? {} : { fee: opts.fee }) } }),
    );
    if (created.requestId === null) {
      out.data({ specCid: created.specCid, transaction: created.transaction });
      out.note('unsigned', {}, 'the API has no signing key: send this transaction yourself');
      return;
    }
    const requestId = created.requestId;
    const page = `${client.base}${created.links.page}`;
    out.note(
      'created',
      { requestId, txHash: created.txHash, specCid: created.specCid, page },
      `request ${requestId}\n  tx ${created.txHash}\n  page ${page}`,
    );
    if (!opts.wait) {
      out.data({ requestId, txHash: created.txHash, specCid: created.specCid, links: created.links }, requestId);
      return;
    }
    await waitAndPrint(client, requestId, out);
  });
}

/** Follows the request to its end; prints every record (streamed, to the last one) or ends with the failure class. */
export async function waitAndPrint(
  client: ReturnType<typeof clientFromFlags>,
  requestId: string,
  out: Output,
): Promise<void> {
  const progress = progressPrinter(out);
  let failure: { code: string; message: string; source: string } | undefined;
  // The hub over-samples (more provers than the quorum), so a prover that failed for good ends the wait only once
  // too few assigned provers are left to reach the quorum; without the timeline's quorum and committee, at once.
  let quorum: number | undefined;
  let provers: Set<string> | undefined;
  const failed = new Set<string>();
  const end = await client.follow(requestId, (...event) => {
    progress(...event);
    const [name, e] = event;
    if (name !== 'stage') return;
    if (e.stage === 'requested' && typeof e.detail?.quorum === 'number') quorum = e.detail.quorum;
    if (e.stage === 'assigned' && Array.isArray(e.detail?.provers))
      provers = new Set(e.detail.provers.map((p) => String(p).toLowerCase()));
    // A stage that failed for good (not a retry): that prover will not answer; do not wait for expiry in vain.
    if (e.stage === 'failed') {
      failed.add(e.source.toLowerCase());
      const left =
        quorum === undefined || provers === undefined ? 0 : [...provers].filter((p) => !failed.has(p)).length;
      if (quorum !== undefined && left >= quorum) return;
      const { code, message } = e.detail ?? {};
      failure = {
        code: typeof code === 'string' ? code : 'FAILED',
        message: typeof message === 'string' ? message : 'failed',
        source: e.source,
      };
      return 'stop';
    }
  });
  if (failure !== undefined)
    throw new CliExit(
      EXIT.REQUEST_FAILED,
      failure.code,
      `request ${requestId} failed at ${failure.source}: ${failure.message}`,
    );
  if (end.status !== 'fulfilled')
    throw new CliExit(EXIT.REQUEST_FAILED, `REQUEST_${String(end.status).toUpperCase()}`, `request ${end.status}`);
  await printRecords(client, requestId, out);
}

/**
 * Streams every record of a fulfilled request (no page size, no cap) and checks the count against the report: a
 * stream cut short (a 200 whose body ended early) is an error, never a silently shorter dataset.
 */
export async function printRecords(
  client: ReturnType<typeof clientFromFlags>,
  requestId: string,
  out: Output,
): Promise<void> {
  let n = 0;
  for await (const record of jsonLines(await client.raw(`/v1/requests/${requestId}/records.jsonl`))) {
    out.data(record);
    n++;
  }
  const detail = body(await client.api.GET('/v1/requests/{id}', { params: { path: { id: requestId } } }));
  const expected = detail.report?.recordCount;
  if (expected !== undefined && n !== expected)
    throw new VeritasError('SERVER_UNREACHABLE', `the API sent ${n} of the request's ${expected} records`, {
      field: 'records',
    });
  out.note('records', { requestId, count: n }, `${n} record(s)`);
}

async function specFromFile(file: string, o: Opts): Promise<RequestSpecInput> {
  let spec: Record<string, unknown>;
  try {
    spec = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new VeritasError('INPUT_INVALID', `--spec ${file}: ${(e as Error).message}`, { field: '--spec' });
  }
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
    throw new VeritasError('INPUT_INVALID', `--spec ${file} must hold a JSON object`, { field: '--spec' });
  // the API validates the rest; a file without a deadline gets one from --ttl/--deadline
  return { ...spec, deadline: deadlineOf(o, spec.deadline) } as RequestSpecInput;
}

function deadlineOf(o: Opts, fromFile?: unknown): number {
  if (o.deadline !== undefined) return int(o.deadline, '--deadline');
  if (typeof fromFile === 'number') return fromFile;
  return Math.floor(Date.now() / 1000) + int(o.ttl, '--ttl');
}

function specFromFlags(url: string | undefined, o: Opts): RequestSpecInput {
  if (url === undefined)
    throw new VeritasError('INPUT_INVALID', 'give the source URL (or --spec <file>)', { field: 'url' });
  if ((o.jsonPath === undefined) === (o.regex === undefined))
    throw new VeritasError('INPUT_INVALID', 'give exactly one of --json-path or --regex', { field: '--json-path' });
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
      ? {
          policy: 'median' as const,
          ...(o.madK !== undefined ? { madK: num(o.madK, '--mad-k') } : {}),
          ...(o.band !== undefined ? { band: num(o.band, '--band') } : {}),
        }
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
    ...(o.description !== undefined ? { description: o.description } : {}),
    ...(o.maxResponseBytes !== undefined ? { maxResponseBytes: int(o.maxResponseBytes, '--max-response-bytes') } : {}),
    extract:
      o.jsonPath !== undefined
        ? { jsonPath: o.jsonPath }
        : { regex: o.regex!, group, ...(o.flags ? { flags: o.flags } : {}) },
    resultSchema,
    value: { type: valueType, ...(o.precision !== undefined ? { precision: int(o.precision, '--precision') } : {}) },
    aggregation: policy,
    records: o.records,
    quorum,
    deadline: deadlineOf(o),
  };
}

/** One line per stage as it happens (a JSON line each with --json); marks and colour on a terminal only. */
function progressPrinter(out: Output): (...event: SseEventArgs) => void {
  const started = Date.now();
  const { green, red, dim } = out.color;
  // MPC progress: one line per operator each time it passes another tenth (the operators send it every 10 % or 2 s)
  const tenths = new Map<string, number>();
  return (...[event, data]) => {
    const elapsed = `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(7);
    if (event === 'stage') {
      const e = data;
      const who = e.source.startsWith('0x') ? ` ${e.source.slice(0, 10)}…` : ` (${e.source})`;
      if (e.stage === 'mpc-progress') {
        const p = e.detail as { fraction?: number; bytes?: number; expectedBytes?: number } | null;
        const tenth = Math.floor((p?.fraction ?? 0) * 10);
        if (tenth <= (tenths.get(e.source) ?? -1)) return;
        tenths.set(e.source, tenth);
        const mb = (b: number | undefined) => ((b ?? 0) / 1e6).toFixed(1);
        out.note(
          'progress',
          { ...e },
          dim(
            `${elapsed} ⋯ mpc ${String(Math.round((p?.fraction ?? 0) * 100)).padStart(3)}%${who}` +
              ` (${mb(p?.bytes)} of ~${mb(p?.expectedBytes)} MB)`,
          ),
        );
        return;
      }
      const failed = e.stage === 'failed' || e.stage === 'retrying';
      const code = failed && typeof e.detail?.code === 'string' ? ` ${e.detail.code}: ${String(e.detail.message)}` : '';
      out.note('stage', { ...e }, `${elapsed} ${failed ? red('✗') : green('✓')} ${e.stage}${who}${code}`);
    } else if (event === 'end') {
      const s = data;
      const mark = s.status === 'fulfilled' ? green('●') : red('✗');
      out.note('end', { ...s }, `${elapsed} ${mark} ${s.status}${s.merkleRoot ? ` root ${s.merkleRoot}` : ''}`);
    }
  };
}
