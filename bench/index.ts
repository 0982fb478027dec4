// `npm run bench`: the whole system's figures side by side in one run — the bare MPC-TLS session of a fixture fetch,
// the end-to-end latency of the same fetch as a quorum-1 and a quorum-3 request on a devnet (POST /v1/requests →
// RequestFulfilled on-chain) with their ratios to the bare session, then the component benchmarks. Prints a table
// and writes every figure to bench/results/<timestamp>.json so runs can be compared.
//
//   npm run bench -- [--runs 2] [--skip bare,q1,q3,gas,aggregator,api,tlsn] [--threads 2] [--timeout 1500]
//
// The bare session and the requests fetch the same thing the same way: `/v1/private` (≈1 KB JSON, a secret
// Authorization header kept unrevealed), the HTTP request built by the operator's own `buildHttpRequest`, the
// transcript limits by its `sessionLimits`, the same party tuning. So the ratio is the cost of everything around the
// session: job discovery, the notary handshake, pinning, `respond`, bundle retrieval and verification, aggregation,
// `fulfill`.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { getOracleHub } from '../core/chain/contracts.ts';
import { initLogger } from '../core/log.ts';
import { buildHttpRequest } from '../operator/fetcher.ts';
import type { StageEvent } from '../operator/index.ts';
import { sessionLimits } from '../operator/limits.ts';
import { secretStoreFrom } from '../operator/secrets.ts';
import type { PartyTuning } from '../operator/tlsn/session.ts';
import { RequestSpec, type RequestSpecInput } from '../schemas/spec.ts';
import { FIXTURE_HOST, fixtureSecrets, privateBalanceSpec, startDevnet, type Devnet } from '../cli/devnet.ts';
import { runSession, startTlsnHarness } from '../test/fixture/tlsn-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PARTS = ['bare', 'q1', 'q3', 'gas', 'aggregator', 'api', 'tlsn'] as const;
type Part = (typeof PARTS)[number];

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2' },
    skip: { type: 'string', default: '' },
    threads: { type: 'string', default: '2' },
    /** Whole-run bound in seconds: past it the bench stops what runs, writes what it has and exits non-zero. */
    timeout: { type: 'string', default: '1500' },
  },
});
const runs = Math.max(1, Number(values.runs));
const skip = new Set(
  values.skip
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const s of skip)
  if (!PARTS.includes(s as Part)) throw new Error(`--skip: unknown part "${s}" (parts: ${PARTS.join(', ')})`);
const wants = (p: Part) => !skip.has(p);
const tuning: PartyTuning = { threads: Number(values.threads), network: 'Bandwidth' };
initLogger({ level: 'warn' });
const log = pino({ level: 'silent' });

const secs = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const note = (s: string) => process.stderr.write(`[bench] ${s}\n`);

/** The fetch every measured figure makes. */
const specFor = (quorum: number): RequestSpecInput => ({
  ...privateBalanceSpec(quorum, Math.floor(Date.now() / 1000) + 1800),
  name: `bench quorum ${quorum}`,
});

type BareRun = { totalMs: number; setupMs: number; requestMs: number; initMs: number };
type RequestRun = {
  requestId: Hex;
  totalMs: number;
  provers: number;
  /** ms after the POST at which each stage was first reached by any assigned prover (and the last prover). */
  stages: Record<string, { first: number; last: number }>;
};
type Component = {
  ok: boolean;
  ms: number;
  exitCode: number | null;
  figures: Record<string, number | string>;
  output: string;
};

const results: {
  startedAt: string;
  machine: Record<string, unknown>;
  config: Record<string, unknown>;
  bare?: { runs: BareRun[]; medianMs: number };
  q1?: { runs: RequestRun[]; medianMs: number; ratio: number; goal: number };
  q3?: { runs: RequestRun[]; medianMs: number; ratio: number; goal: number };
  components: Partial<Record<Part, Component>>;
  errors: string[];
  finishedAt?: string;
} = {
  startedAt: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
  },
  config: { runs, skip: [...skip], tuning, fetch: `GET https://${FIXTURE_HOST}/v1/private (≈1 KB, secret header)` },
  components: {},
  errors: [],
};

const cleanups: (() => Promise<void>)[] = [];
let finished = false;
const deadlineTimer = setTimeout(() => {
  results.errors.push(`timed out after ${values.timeout} s`);
  note(`timed out after ${values.timeout} s: stopping`);
  void finish(1);
}, Number(values.timeout) * 1000);

async function finish(code: number): Promise<void> {
  if (finished) return;
  finished = true;
  clearTimeout(deadlineTimer);
  for (const c of cleanups.splice(0).reverse()) await c().catch((e: unknown) => note(`cleanup failed: ${String(e)}`));
  results.finishedAt = new Date().toISOString();
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${results.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  printTable();
  process.stdout.write(`\nfigures written to ${path.relative(process.cwd(), file)}\n`);
  process.exit(code || (results.errors.length ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------- bare session
async function benchBare(): Promise<void> {
  note(`bare MPC-TLS session × ${runs}`);
  const h = await startTlsnHarness();
  cleanups.push(() => h.close());
  const spec = RequestSpec.parse(specFor(1));
  const request = buildHttpRequest(spec, secretStoreFrom(fixtureSecrets(`Bearer ${h.token}`)));
  const out: BareRun[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const run = await runSession(h, {
      request,
      limits: sessionLimits(spec),
      proverWasm: h.trust.wasmPath,
      verifierWasm: h.trust.wasmPath,
      tuning,
      timeoutMs: 300_000,
    });
    const totalMs = performance.now() - t0;
    if (!run.proof || !run.verified)
      throw new Error(`bare session failed: ${run.error?.message ?? String(run.proverError ?? run.verifierError)}`);
    out.push({
      totalMs,
      setupMs: run.proof.timings.setupMs ?? 0,
      requestMs: run.proof.timings.requestMs ?? 0,
      initMs: run.proof.timings.initMs ?? 0,
    });
    note(`  run ${i + 1}: ${secs(totalMs)}`);
  }
  await h.close();
  cleanups.pop();
  results.bare = { runs: out, medianMs: median(out.map((r) => r.totalMs)) };
}

// ------------------------------------------------------------------------------------------ devnet requests
async function benchRequests(devnet: Devnet, quorum: number): Promise<RequestRun[]> {
  const hub = getOracleHub(devnet.deployment.hub, devnet.deployer);
  const out: RequestRun[] = [];
  for (let i = 0; i < runs; i++) {
    const seen = new Map<string, StageEvent[]>();
    let requestId: Hex | undefined;
    const early: StageEvent[] = [];
    const t0 = performance.now();
    const at = new Map<StageEvent, number>();
    const onStage = (e: StageEvent) => {
      at.set(e, performance.now() - t0);
      if (requestId === undefined) early.push(e);
      else if (e.requestId === requestId) seen.set(e.stage, [...(seen.get(e.stage) ?? []), e]);
    };
    for (const op of devnet.operators) op.events.on('stage', onStage);
    try {
      const res = await fetch(`${devnet.api.url}/v1/requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': devnet.api.key },
        body: JSON.stringify({ spec: specFor(quorum), fee: '1000000000000000' }),
      });
      const body = (await res.json()) as { requestId?: Hex; message?: string };
      if (res.status !== 201 || !body.requestId)
        throw new Error(`POST /v1/requests answered ${res.status}: ${body.message ?? JSON.stringify(body)}`);
      requestId = body.requestId;
      for (const e of early.splice(0))
        if (e.requestId === requestId) seen.set(e.stage, [...(seen.get(e.stage) ?? []), e]);
      // RequestFulfilled on-chain: the status the hub reports, read every 25 ms (anvil answers in well under 1 ms).
      let totalMs = 0;
      for (;;) {
        const r = await hub.read.getRequest([requestId]);
        if (r.status === 2) {
          totalMs = performance.now() - t0;
          break;
        }
        if (r.status === 3) throw new Error(`request ${requestId} expired`);
        if ([...(seen.get('failed') ?? [])].length > 0 && quorum === 1)
          throw new Error(
            `request ${requestId} failed at its prover: ${JSON.stringify(seen.get('failed')![0]!.detail)}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
      const provers = new Set([...seen.values()].flat().map((e) => e.operator)).size;
      const stages: RequestRun['stages'] = {};
      for (const [stage, events] of seen) {
        const ts = events.map((e) => at.get(e)!);
        stages[stage] = { first: Math.round(Math.min(...ts)), last: Math.round(Math.max(...ts)) };
      }
      out.push({ requestId, totalMs, provers, stages });
      note(`  quorum ${quorum} run ${i + 1}: ${secs(totalMs)} (${provers} provers)`);
    } finally {
      for (const op of devnet.operators) op.events.off('stage', onStage);
    }
  }
  return out;
}

async function benchDevnet(): Promise<void> {
  if (!wants('q1') && !wants('q3')) return;
  note('starting a devnet with 3 operators');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-bench-'));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
  const devnet = await startDevnet({
    dataDir: path.join(dataDir, 'devnet'),
    log,
    operators: 3,
    tuning,
    sessionTimeoutMs: 300_000,
  });
  cleanups.push(() => devnet.stop());
  const bareMs = results.bare?.medianMs ?? NaN;
  if (wants('q1')) {
    const r = await benchRequests(devnet, 1);
    const m = median(r.map((x) => x.totalMs));
    results.q1 = { runs: r, medianMs: m, ratio: m / bareMs, goal: 1.1 };
  }
  if (wants('q3')) {
    const r = await benchRequests(devnet, 3);
    const m = median(r.map((x) => x.totalMs));
    results.q3 = { runs: r, medianMs: m, ratio: m / bareMs, goal: 2.0 };
  }
  await devnet.stop();
  cleanups.splice(cleanups.length - 1, 1);
}

// ------------------------------------------------------------------------------------- component benchmarks
const COMPONENTS: {
  part: Part;
  script: string;
  args: string[];
  timeoutMs: number;
  figures: (out: string) => Record<string, number | string>;
}[] = [
  {
    part: 'gas',
    script: 'bench:gas',
    args: [],
    timeoutMs: 180_000,
    figures: (out) => {
      const f: Record<string, number> = {};
      // console.table rows: │ idx │ 'EOA' │ 1 │ 1 │ request │ respond │ fulfill │
      for (const line of out.split('\n')) {
        const m =
          /'(EOA|ExampleConsumer \(callback\))'\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)\s*│\s*(\d+)/.exec(line);
        if (!m) continue;
        const who = m[1] === 'EOA' ? 'eoa' : 'consumer';
        f[`${who}.q${m[2]}.request`] = Number(m[4]);
        f[`${who}.q${m[2]}.respondPerProver`] = Number(m[5]);
        f[`${who}.q${m[2]}.fulfill`] = Number(m[6]);
      }
      return f;
    },
  },
  {
    part: 'aggregator',
    script: 'bench:aggregator',
    args: [],
    timeoutMs: 300_000,
    figures: (out) =>
      pick(out, {
        bundlesPerSec: /bundle verification: (\d+) bundles\/s/,
        merkle1MRecordsS: /merkle root of [\d,]+ records: ([\d.]+) s/,
        proofCheckUs: /check one proof: ([\d.]+) µs/,
      }),
  },
  {
    part: 'api',
    script: 'bench:api',
    args: [],
    timeoutMs: 180_000,
    figures: (out) =>
      pick(out, {
        requestsPerSec: /requests\/s\s+(\d+)/,
        p99Ms: /latency p99 ([\d.]+) ms/,
        p50Ms: /p50 ([\d.]+) ms/,
        non2xx: /non-2xx\s+(\d+)/,
      }),
  },
  {
    part: 'tlsn',
    script: 'bench:tlsn',
    args: ['--sizes', '16384', '--runs', '1', '--json'],
    timeoutMs: 300_000,
    figures: (out): Record<string, number> => {
      const json = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('[{'));
      const row = json ? (JSON.parse(json) as Record<string, number>[])[0] : undefined;
      return row
        ? {
            size: row.size!,
            totalMs: row.totalMs!,
            setupMs: row.setupMs!,
            requestMs: row.requestMs!,
            peakRssProverGiB: +(row.peakRssProver! / 2 ** 30).toFixed(2),
          }
        : {};
    },
  },
];

function pick(out: string, patterns: Record<string, RegExp>): Record<string, number> {
  const f: Record<string, number> = {};
  for (const [k, re] of Object.entries(patterns)) {
    const m = re.exec(out);
    if (m) f[k] = Number(m[1]);
  }
  return f;
}

async function runComponent(c: (typeof COMPONENTS)[number]): Promise<Component> {
  note(`npm run -s ${c.script}${c.args.length ? ` -- ${c.args.join(' ')}` : ''}`);
  const t0 = performance.now();
  const child = spawn('npm', ['run', '-s', c.script, ...(c.args.length ? ['--', ...c.args] : [])], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const kill = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // its whole process group: npm, node and anything they started
    } catch {
      /* already gone */
    }
  };
  cleanups.push(async () => kill());
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    process.stderr.write(d);
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
    process.stderr.write(d);
  });
  const timer = setTimeout(kill, c.timeoutMs);
  const exitCode = await new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  clearTimeout(timer);
  cleanups.pop();
  const ms = performance.now() - t0;
  let figures: Record<string, number | string> = {};
  try {
    figures = c.figures(output);
  } catch (e) {
    figures = { parseError: String(e) };
  }
  return { ok: exitCode === 0, ms, exitCode, figures, output };
}

// ----------------------------------------------------------------------------------------------------- table
function printTable(): void {
  const rows: [string, string, string][] = [];
  const bare = results.bare?.medianMs;
  if (results.bare)
    rows.push([
      'bare MPC-TLS session (1 KB fetch)',
      secs(bare),
      `runs ${results.bare.runs.map((r) => secs(r.totalMs)).join(', ')}`,
    ]);
  for (const [name, r] of [
    ['quorum 1', results.q1],
    ['quorum 3', results.q3],
  ] as const) {
    if (!r) continue;
    const ratio = Number.isFinite(r.ratio)
      ? `${r.ratio.toFixed(2)}× bare (goal ≤ ${r.goal.toFixed(2)}) ${r.ratio <= r.goal ? 'met' : 'NOT met'}`
      : 'no bare figure to compare';
    rows.push([
      `${name}: POST → RequestFulfilled`,
      secs(r.medianMs),
      `${ratio}; runs ${r.runs.map((x) => secs(x.totalMs)).join(', ')}; ${r.runs[0]?.provers ?? 0} provers`,
    ]);
    const s = r.runs.at(-1)?.stages;
    if (s) {
      const t = (k: string, w: 'first' | 'last' = 'first') => (s[k] ? secs(s[k][w]) : '—');
      rows.push([
        '  stages of the last run (after POST)',
        '',
        `queued ${t('queued')}, notary ${t('notary-connected')}, request-sent ${t('request-sent', 'last')}, attested ${t('attested', 'last')}, responded ${t('responded', 'last')}`,
      ]);
    }
  }
  for (const [part, c] of Object.entries(results.components)) {
    const figs = Object.entries(c.figures)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    rows.push([`bench:${part}`, c.ok ? secs(c.ms) : `FAILED (${c.exitCode})`, figs || '(see output in the JSON file)']);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length), 10);
  const w1 = Math.max(...rows.map((r) => r[1].length), 8);
  const line = `${'-'.repeat(w0)}-+-${'-'.repeat(w1)}-+-${'-'.repeat(60)}`;
  process.stdout.write(
    `\nVeritas benchmark — ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGiB} GiB, node ${results.machine.node}, tlsn threads ${tuning.threads}\n`,
  );
  process.stdout.write(`${'figure'.padEnd(w0)} | ${'median'.padEnd(w1)} | detail\n${line}\n`);
  for (const r of rows) process.stdout.write(`${r[0].padEnd(w0)} | ${r[1].padEnd(w1)} | ${r[2]}\n`);
  for (const e of results.errors) process.stdout.write(`error: ${e}\n`);
}

// ------------------------------------------------------------------------------------------------------ main
process.once('SIGINT', () => {
  results.errors.push('interrupted');
  void finish(130);
});
try {
  if (wants('bare')) await benchBare();
  await benchDevnet();
  for (const c of COMPONENTS) {
    if (!wants(c.part) || finished) continue;
    results.components[c.part] = await runComponent(c);
    if (!results.components[c.part]!.ok)
      results.errors.push(`bench:${c.part} exited ${results.components[c.part]!.exitCode}`);
  }
} catch (e) {
  results.errors.push(e instanceof Error ? e.message : String(e));
  note(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
}
await finish(0);
