// `npm run bench`: the whole system's figures side by side in one run — the bare MPC-TLS session of a fixture fetch,
// the end-to-end latency of the same fetch as a quorum-1 and a quorum-3 request on a devnet (POST /v1/requests →
// RequestFulfilled on-chain) with their ratios to the bare session, memory and CPU-seconds per party, then the
// component benchmarks (aggregator, API ratio, MPC-TLS at 16 KB, gas). Prints ONE table — each figure with its goal
// and met / not met, and the machine's load during the run — and writes every figure to
// bench/results/<timestamp>.json so runs can be compared. Compare figures as ratios within one run: the machine is
// shared and its load moves absolute figures by 2–3×.
//
//   npm run bench -- [--runs 2] [--skip|--only bare,q1,q3,e2e,gas,aggregator,api,tlsn] [--threads 2]
//                    [--network Latency|Bandwidth] [--warm 2] [--timeout 1500]
//   (e2e = bare + q1 + q3)
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
import { oracleHubAbi } from '../core/chain/contracts.ts';
import { initLogger } from '../core/log.ts';
import { buildHttpRequest } from '../operator/fetcher.ts';
import type { StageEvent } from '../operator/index.ts';
import { sessionLimits } from '../operator/limits.ts';
import { secretStoreFrom } from '../operator/secrets.ts';
import { closeWarmParties, warmParties, type PartyTuning } from '../operator/tlsn/session.ts';
import { RequestSpec, type RequestSpecInput } from '../schemas/spec.ts';
import { FIXTURE_HOST, fixtureSecrets, privateBalanceSpec, startDevnet, type Devnet } from '../cli/devnet.ts';
import { runSession, startTlsnHarness } from '../test/fixture/tlsn-harness.ts';
import { childrenCpuSeconds, machineCpu, sampleLoad, selfCpuSeconds, utilisation } from './cpu.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const PARTS = ['bare', 'q1', 'q3', 'gas', 'aggregator', 'api', 'tlsn', 'starvation'] as const;
type Part = (typeof PARTS)[number];
const GROUPS: Record<string, readonly Part[]> = { e2e: ['bare', 'q1', 'q3'] };

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '2' },
    skip: { type: 'string', default: '' },
    only: { type: 'string', default: '' },
    threads: { type: 'string', default: '2' },
    /** Party processes kept preloaded (0: every session starts its parties cold). */
    warm: { type: 'string', default: '2' },
    /** tlsn's network setting for every session here; Latency is what `npm start` runs (cli/commands/devnet.ts). */
    network: { type: 'string', default: 'Latency' },
    /** Whole-run bound in seconds: past it the bench stops what runs, writes what it has and exits non-zero. */
    timeout: { type: 'string', default: '1500' },
  },
});
const runs = Math.max(1, Number(values.runs));
/** A comma-separated list of parts and groups (e2e), as the set of parts it names. */
function partsOf(flag: string, list: string): Set<Part> {
  const out = new Set<Part>();
  for (const name of list
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const parts = GROUPS[name] ?? (PARTS.includes(name as Part) ? [name as Part] : undefined);
    if (!parts)
      throw new Error(`--${flag}: unknown part "${name}" (parts: ${[...PARTS, ...Object.keys(GROUPS)].join(', ')})`);
    for (const part of parts) out.add(part);
  }
  return out;
}
const only = partsOf('only', values.only);
const skip = partsOf('skip', values.skip);
if (only.size > 0) for (const p of PARTS) if (!only.has(p)) skip.add(p);
const wants = (p: Part) => !skip.has(p);
// warm: 2 keeps a prover and a verifier preloaded (operator/tlsn/session.ts warmParties), in the bare session and in
// the devnet's operators alike, so the ratio compares the same session
if (values.network !== 'Latency' && values.network !== 'Bandwidth')
  throw new Error(`--network: Latency or Bandwidth, not "${values.network}"`);
const tuning: PartyTuning = { threads: Number(values.threads), network: values.network, warm: Number(values.warm) };
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

type BareRun = {
  totalMs: number;
  setupMs: number;
  requestMs: number;
  initMs: number;
  /** CPU-seconds of the prover and verifier processes together (their rusage, see bench/cpu.ts). */
  partyCpuS: number;
  peakRssProver: number;
  peakRssVerifier: number;
};
type RequestRun = {
  requestId: Hex;
  totalMs: number;
  provers: number;
  /** ms after the POST at which each stage was first reached by any assigned prover (and the last prover). */
  stages: Record<string, { first: number; last: number }>;
  /** CPU-seconds of every party process (provers and notaries) and of this process (the devnet's services). */
  partyCpuS: number;
  servicesCpuS: number;
  /** Busy fraction of all the machine's cores during the request (others' load included). */
  machineUtilisation: number;
  /** ms after the POST: its answer (request mined), committee seen on-chain, RequestFulfilled seen (25 ms polls). */
  chain: { postedMs: number; assignedMs: number; fulfilledMs: number };
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
  bare?: { runs: BareRun[]; medianMs: number; medianPartyCpuS: number };
  q1?: { runs: RequestRun[]; medianMs: number; ratio: number; goal: number };
  q3?: {
    runs: RequestRun[];
    medianMs: number;
    ratio: number;
    goal: number;
    /** 3 bare sessions' CPU-seconds ÷ the machine's cores: the fastest quorum 3 can be on this machine. */
    cpuBoundMs: number;
  };
  /** CPU-seconds the devnet's co-located services (this process) take with no request in flight, per second. */
  devnetIdle?: { cpuS: number; wallS: number };
  load?: ReturnType<ReturnType<typeof sampleLoad>>;
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
  config: {
    runs,
    skip: [...skip].sort(),
    tuning,
    fetch: `GET https://${FIXTURE_HOST}/v1/private (≈1 KB, secret header)`,
  },
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
  results.load = stopLoad();
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
  await warmParties({ wasmPath: h.trust.wasmPath, tuning });
  cleanups.push(() => closeWarmParties());
  for (let i = 0; i < runs; i++) {
    if (i > 0) await warmParties({ wasmPath: h.trust.wasmPath, tuning }); // refilled after the last session: wait for it
    const t0 = performance.now();
    const cpu0 = childrenCpuSeconds();
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
      partyCpuS: +(childrenCpuSeconds() - cpu0).toFixed(2),
      peakRssProver: run.proverStats?.peakRssBytes ?? 0,
      peakRssVerifier: run.verifierStats?.peakRssBytes ?? 0,
    });
    note(`  run ${i + 1}: ${secs(totalMs)}, ${out.at(-1)!.partyCpuS} CPU-s in its two parties`);
  }
  await closeWarmParties();
  cleanups.pop();
  await h.close();
  cleanups.pop();
  results.bare = {
    runs: out,
    medianMs: median(out.map((r) => r.totalMs)),
    medianPartyCpuS: median(out.map((r) => r.partyCpuS)),
  };
}

// ------------------------------------------------------------------------------------------ devnet requests
async function benchRequests(devnet: Devnet, quorum: number): Promise<RequestRun[]> {
  const getRequest = (requestId: Hex) =>
    devnet.deployer.publicClient.readContract({
      address: devnet.deployment.hub,
      abi: oracleHubAbi,
      functionName: 'getRequest',
      args: [requestId],
    });
  const out: RequestRun[] = [];
  for (let i = 0; i < runs; i++) {
    await warmParties({ wasmPath: devnet.trust.wasmPath, tuning }); // topped up after the last request's sessions
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
    const cpu0 = { children: childrenCpuSeconds(), self: selfCpuSeconds(), machine: machineCpu() };
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
      const postedMs = performance.now() - t0;
      let assignedMs = Number.NaN;
      for (const e of early.splice(0))
        if (e.requestId === requestId) seen.set(e.stage, [...(seen.get(e.stage) ?? []), e]);
      // RequestFulfilled on-chain: the status the hub reports, read every 25 ms (anvil answers in well under 1 ms).
      let totalMs = 0;
      for (;;) {
        const r = await getRequest(requestId);
        if (r.assigned && Number.isNaN(assignedMs)) assignedMs = performance.now() - t0;
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
      const servicesCpuS = +(selfCpuSeconds() - cpu0.self).toFixed(2);
      const machineUtilisation = +utilisation(cpu0.machine, machineCpu()).toFixed(2);
      // A notary's verifier process may exit just after fulfilment: give it a moment to be reaped so its CPU counts.
      await new Promise((r) => setTimeout(r, 500));
      out.push({
        requestId,
        totalMs,
        provers,
        stages,
        partyCpuS: +(childrenCpuSeconds() - cpu0.children).toFixed(2),
        servicesCpuS,
        machineUtilisation,
        chain: { postedMs: Math.round(postedMs), assignedMs: Math.round(assignedMs), fulfilledMs: Math.round(totalMs) },
      });
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
  // the operators run in this process and share its pool of warm parties
  await warmParties({ wasmPath: devnet.trust.wasmPath, tuning });
  cleanups.push(() => closeWarmParties());
  // What the services beside the parties (API, aggregator, keeper, 3 operators' job loops, IPFS, PGlite) cost while
  // nothing happens: during a request that CPU is taken from the MPC parties on the same cores.
  const idle0 = { cpu: selfCpuSeconds(), t: performance.now() };
  await new Promise((r) => setTimeout(r, 10_000));
  results.devnetIdle = {
    cpuS: +(selfCpuSeconds() - idle0.cpu).toFixed(2),
    wallS: +((performance.now() - idle0.t) / 1000).toFixed(1),
  };
  note(`devnet services at idle: ${results.devnetIdle.cpuS} CPU-s in ${results.devnetIdle.wallS} s`);
  const bareMs = results.bare?.medianMs ?? NaN;
  if (wants('q1')) {
    const r = await benchRequests(devnet, 1);
    const m = median(r.map((x) => x.totalMs));
    results.q1 = { runs: r, medianMs: m, ratio: m / bareMs, goal: 1.05 };
  }
  if (wants('q3')) {
    const r = await benchRequests(devnet, 3);
    const m = median(r.map((x) => x.totalMs));
    const bareCpuS = results.bare?.medianPartyCpuS ?? NaN;
    results.q3 = {
      runs: r,
      medianMs: m,
      ratio: m / bareMs,
      goal: 2.0,
      cpuBoundMs: ((3 * bareCpuS) / availableParallelism()) * 1000,
    };
  }
  await closeWarmParties();
  cleanups.pop();
  await devnet.stop();
  cleanups.pop();
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
    // bench/gas.ts ends with one JSON line of its table ({bench: 'gas', 'eoa.q1.exact.fulfill': …, challenge, …})
    figures: (out) => lastJsonLine(out, (o) => o.bench === 'gas') ?? {},
  },
  {
    part: 'aggregator',
    script: 'bench:aggregator',
    args: [],
    timeoutMs: 600_000,
    figures: (out) => lastJsonLine(out, (o) => o.bench === 'aggregator') ?? {},
  },
  {
    part: 'api',
    script: 'bench:api',
    args: [],
    timeoutMs: 180_000,
    // bench/api.ts reports the record endpoint against a bare hono handler as a JSON line (any object with a
    // ratio in it), else the older text lines
    figures: (out) =>
      lastJsonLine(out, (o) => Object.keys(o).some((k) => /ratio/i.test(k))) ??
      pick(out, {
        throughputRatio: /throughput ratio\s+([\d.]+)/,
        p99Ratio: /p99 ratio\s+([\d.]+)/,
        apiRequestsPerSec: /API record endpoint\s+(\d+) req\/s/,
        bareRequestsPerSec: /bare hono\s+(\d+) req\/s/,
        requestsPerSec: /requests\/s\s+(\d+)/,
        p99Ms: /latency p99 ([\d.]+) ms/,
        p50Ms: /p50 ([\d.]+) ms/,
        non2xx: /non-2xx\s+(\d+)/,
      }),
  },
  {
    part: 'starvation',
    script: 'bench:starvation',
    args: [],
    timeoutMs: 960_000,
    figures: (out) => lastJsonLine(out, (o) => o.bench === 'starvation') ?? {},
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
            peakRssVerifierGiB: +(row.peakRssVerifier! / 2 ** 30).toFixed(2),
            ...(row.partyCpuS === undefined ? {} : { partyCpuS: row.partyCpuS }),
          }
        : {};
    },
  },
];

/** The last line of `out` that is a JSON object satisfying `want`, flattened to one level (a.b keys). */
function lastJsonLine(
  out: string,
  want: (o: Record<string, unknown>) => boolean,
): Record<string, number | string> | undefined {
  for (const line of out.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as Record<string, unknown>;
      if (o && typeof o === 'object' && want(o)) return flatten(o);
    } catch {
      /* not JSON */
    }
  }
  return undefined;
}
function flatten(o: Record<string, unknown>, prefix = '', into: Record<string, number | string> = {}) {
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, `${prefix}${k}.`, into);
    else if (typeof v === 'number' || typeof v === 'string') into[`${prefix}${k}`] = v;
  }
  return into;
}

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
type Row = { figure: string; measured: string; goal: string; status: string; detail: string };
const gib = (b: number | undefined) => (b ? `${(b / 2 ** 30).toFixed(2)} GiB` : '—');
const num = (v: number | string | undefined): number => (typeof v === 'number' ? v : Number(v));
const count = (v: number | string | undefined) => (num(v) === 1e6 ? '1 M' : num(v).toLocaleString('en'));
/** The figure whose key matches `re` (first match), e.g. an API ratio whatever bench/api.ts calls it. */
const find = (f: Record<string, number | string> | undefined, re: RegExp): number | undefined => {
  const k = f && Object.keys(f).find((key) => re.test(key));
  return k === undefined ? undefined : num(f![k]);
};
function goalRow(figure: string, value: number | undefined, show: string, goal: string, ok: boolean, detail = ''): Row {
  const known = value !== undefined && Number.isFinite(value);
  return {
    figure,
    measured: known ? show : '—',
    goal,
    status: known ? (ok ? 'met' : 'NOT met') : 'not measured',
    detail,
  };
}

function rowsOf(): Row[] {
  const rows: Row[] = [];
  const bare = results.bare;
  if (bare) {
    const last = bare.runs.at(-1)!;
    rows.push({
      figure: 'bare MPC-TLS session (1 KB /v1/private)',
      measured: secs(bare.medianMs),
      goal: 'reference',
      status: '',
      detail: `runs ${bare.runs.map((r) => secs(r.totalMs)).join(', ')}; ${bare.medianPartyCpuS} CPU-s prover + verifier`,
    });
    const rss = Math.max(last.peakRssProver, last.peakRssVerifier);
    rows.push(
      goalRow(
        'memory per party at 1 KB (peak RSS)',
        rss || undefined,
        gib(rss),
        '≤ 0.60 GiB',
        rss <= 0.6 * 2 ** 30,
        `prover ${gib(last.peakRssProver)}, verifier ${gib(last.peakRssVerifier)}`,
      ),
    );
  }
  for (const [name, r] of [
    ['quorum 1: POST → RequestFulfilled', results.q1],
    ['quorum 3: POST → RequestFulfilled', results.q3],
  ] as const) {
    if (!r) continue;
    const last = r.runs.at(-1);
    rows.push(
      goalRow(
        name,
        r.ratio,
        `${secs(r.medianMs)} = ${r.ratio.toFixed(2)}× bare`,
        `≤ ${r.goal.toFixed(2)}× bare`,
        r.ratio <= r.goal,
        `runs ${r.runs.map((x) => secs(x.totalMs)).join(', ')}; ${last?.provers ?? 0} provers; ` +
          `${last?.partyCpuS ?? '—'} CPU-s in parties, ${last?.servicesCpuS ?? '—'} in services; machine ${Math.round((last?.machineUtilisation ?? Number.NaN) * 100)} % busy`,
      ),
    );
    const s = last?.stages;
    if (s) {
      const t = (k: string, w: 'first' | 'last' = 'first') => (s[k] ? secs(s[k][w]) : '—');
      rows.push({
        figure: '  stages of the last run (after POST)',
        measured: '',
        goal: '',
        status: '',
        detail: `queued ${t('queued')}, notary ${t('notary-connected')}, request-sent ${t('request-sent', 'last')}, attested ${t('attested', 'last')}, responded ${t('responded', 'last')}`,
      });
    }
    const c = last?.chain;
    if (s && c) {
      // Where the time beyond the bare session goes: each span of the last run, first prover to last.
      const at = (k: string, w: 'first' | 'last' = 'first') => s[k]?.[w] ?? Number.NaN;
      const spans: [string, number][] = [
        ['POST→request mined', c.postedMs],
        ['→committee on-chain', c.assignedMs - c.postedMs],
        ['→operator queued', at('queued') - c.assignedMs],
        ['→notary connected', at('notary-connected') - at('queued')],
        ['→attested (MPC session)', at('attested', 'last') - at('notary-connected')],
        ['→responded (sign, pin, tx)', at('responded', 'last') - at('attested', 'last')],
        ['→fulfilled (verify, fulfil tx)', c.fulfilledMs - at('responded', 'last')],
      ];
      rows.push({
        figure: '  where the time goes (last run)',
        measured: '',
        goal: '',
        status: '',
        detail: `${spans.map(([k, v]) => `${k} ${secs(v)}`).join(', ')}; bare session ${secs(results.bare?.medianMs)}`,
      });
    }
  }
  const idle = results.devnetIdle;
  if (idle)
    rows.push({
      figure: 'devnet services at idle (CPU)',
      measured: `${((100 * idle.cpuS) / idle.wallS).toFixed(0)} % of a core`,
      goal: 'reported',
      status: '',
      detail: `${idle.cpuS} CPU-s in ${idle.wallS} s with no request in flight (API, aggregator, keeper, 3 job loops, IPFS, PGlite)`,
    });
  const q3 = results.q3;
  if (q3)
    rows.push(
      goalRow(
        'quorum 3 vs its CPU bound',
        q3.medianMs / q3.cpuBoundMs,
        `${(q3.medianMs / q3.cpuBoundMs).toFixed(2)}× bound`,
        '≤ 1.10× bound',
        q3.medianMs <= 1.1 * q3.cpuBoundMs,
        `bound = 3 × ${results.bare?.medianPartyCpuS ?? '—'} CPU-s ÷ ${results.machine.cores} cores = ${secs(q3.cpuBoundMs)}`,
      ),
    );
  const agg = results.components.aggregator;
  if (agg) {
    const f = agg.figures;
    const perCpu = find(f, /^bundlesPerCpuSec$/);
    rows.push(
      goalRow(
        'aggregator: bundle verifications',
        perCpu,
        `${perCpu}/CPU-s`,
        '≥ 2000/s, one core',
        (perCpu ?? 0) >= 2000,
        `first ${f.bundles} in the process; steady state ${f.bundlesPerCpuSecSteady}/CPU-s, with the aggregator's per-bundle context ${f.bundlesWithContextPerCpuSec}; recovery ${f.recoverOursUs} µs ${f.recoveryBackend} (WASM ${f.recoverOursWasmUs}, tiny-secp256k1 ${f.recoverTinyUs}, noble ${f.recoverNobleUs})`,
      ),
    );
    const leaves = find(f, /^merkle1MLeavesS$/);
    rows.push(
      goalRow(
        `Merkle root of ${count(f.records)} leaves`,
        leaves,
        `${leaves} s`,
        '≤ 3 s',
        (leaves ?? Infinity) <= 3,
        `${f.merkle1MLeavesCpuS} CPU-s; one thread ${f.merkle1MLeavesOneThreadS} s; 1 M raw keccaks ${f.keccak1MS} s in this run (${f.merkle1MLeavesPerKeccak1M}× that; goal ≈ 2.0×)`,
      ),
    );
    const records = find(f, /^merkle1MRecordsS$/);
    rows.push({
      figure: `Merkle root of ${count(f.records)} full records`,
      measured: records === undefined ? '—' : `${records} s`,
      goal: 'reported',
      status: '',
      detail: `canonical JSON + keccak ${f.records1MHashS} s (~${f.recordBytes} B each), ${f.merkle1MRecordsCpuS} CPU-s in all`,
    });
    const proof = find(f, /^proofCheckUs$/);
    rows.push(
      goalRow(
        'one proof check',
        proof,
        `${proof} µs`,
        '≤ 50 µs',
        (proof ?? Infinity) <= 50,
        `${f.proofCheckCpuUs} µs CPU, depth ${f.proofDepth}`,
      ),
    );
  }
  const api = results.components.api;
  if (api) {
    const f = api.figures;
    const rps = find(f, /(throughput|rps|requests).*ratio|ratio.*(throughput|rps|requests)/i);
    const p99 = find(f, /p99.*ratio|ratio.*p99/i);
    rows.push(
      goalRow(
        'API record endpoint ÷ bare hono',
        rps,
        `${rps?.toFixed(2)}× throughput, ${p99?.toFixed(2)}× p99`,
        '≥ 0.5× throughput, ≤ 2× p99',
        (rps ?? 0) >= 0.5 && (p99 ?? Infinity) <= 2,
        Object.entries(f)
          .filter(([k]) => !/ratio/i.test(k))
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      ),
    );
  }
  const tlsn = results.components.tlsn;
  if (tlsn)
    rows.push({
      figure: 'MPC-TLS 16 KB (bench:tlsn)',
      measured: tlsn.figures.totalMs === undefined ? '—' : secs(num(tlsn.figures.totalMs)),
      goal: 'reported',
      status: '',
      detail: `peak RSS prover ${tlsn.figures.peakRssProverGiB} GiB, verifier ${tlsn.figures.peakRssVerifierGiB} GiB; ${tlsn.figures.partyCpuS ?? '—'} CPU-s`,
    });
  const gas = results.components.gas;
  if (gas) {
    // one row per call: its range over policies (exact, mode, median), by caller and quorum
    const range = (re: RegExp) => {
      const xs = Object.entries(gas.figures)
        .filter(([k]) => re.test(k))
        .map(([, v]) => num(v));
      if (xs.length === 0) return '—';
      const [lo, hi] = [Math.min(...xs), Math.max(...xs)].map((x) => `${Math.round(x / 1000)} k`);
      return lo === hi ? lo! : `${lo}–${hi}`;
    };
    const calls: [string, string][] = [
      ['request', `${range(/\.request$/)}`],
      ['assign', `quorum 1 ${range(/\.q1\.\w+\.assign$/)}, quorum 3 ${range(/\.q3\.\w+\.assign$/)}`],
      ['respond (per prover)', range(/respondPerProver$/)],
      ['fulfill + policy check', `EOA ${range(/^eoa\..*\.fulfill$/)}, consumer ${range(/^consumer\..*\.fulfill$/)}`],
      ['challengeFulfillment', range(/^challenge$/)],
      ['fee floor per sampled prover', range(/^feeFloorGasPerProver$/)],
    ];
    for (const [call, gasUsed] of calls)
      rows.push({ figure: `gas: ${call}`, measured: gasUsed, goal: 'reported', status: '', detail: '' });
  }
  const starvation = results.components.starvation;
  if (starvation) {
    const f = starvation.figures;
    const paid = num(f.paidFulfilled);
    rows.push(
      goalRow(
        'starvation: paid fulfilled behind junk',
        paid,
        `${paid}/${f.paidTotal}`,
        'all',
        paid === num(f.paidTotal),
        `post → fulfilled p50 ${secs(num(f.paidP50Ms))}; zero fee ${num(f.zeroFeeReverts) ? 'reverts' : 'ACCEPTED'}`,
      ),
      goalRow(
        'starvation: junk expired (refundable)',
        num(f.junkExpired),
        `${f.junkExpired}/${f.junkTotal}`,
        'all',
        num(f.junkExpired) === num(f.junkTotal),
        `aggregator attempts per junk request ≤ ${f.junkAttemptsMax}`,
      ),
      {
        figure: 'starvation: aggregator pass time',
        measured: `p50 ${secs(num(f.passP50Ms))}`,
        goal: 'bounded',
        status: '',
        detail: `max ${secs(num(f.passMaxMs))}`,
      },
    );
  }
  for (const [part, c] of Object.entries(results.components))
    if (!c.ok)
      rows.push({
        figure: `bench:${part}`,
        measured: `FAILED (${c.exitCode})`,
        goal: '',
        status: '',
        detail: 'output in the JSON file',
      });
  return rows;
}

function printTable(): void {
  const rows = rowsOf();
  const cols = ['figure', 'measured', 'goal', 'status'] as const;
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => r[c].length))]));
  const load = results.load;
  process.stdout.write(
    `\nVeritas benchmark — ${results.machine.cpu}, ${results.machine.cores} cores, ${results.machine.memGiB} GiB, node ${results.machine.node}, tlsn threads ${tuning.threads}, ${tuning.network} mode\n` +
      `load average during the run: min ${load?.min ?? '—'}, mean ${load?.mean ?? '—'}, max ${load?.max ?? '—'} (${load?.samples ?? 0} samples; ${results.machine.cores} cores)\n`,
  );
  const line = (r: Record<(typeof cols)[number] | 'detail', string>) =>
    `${cols.map((c) => r[c].padEnd(width[c]!)).join(' | ')} | ${r.detail}\n`;
  process.stdout.write(
    line({ figure: 'figure', measured: 'measured', goal: 'goal', status: 'status', detail: 'detail' }),
  );
  process.stdout.write(`${cols.map((c) => '-'.repeat(width[c]!)).join('-+-')}-+-${'-'.repeat(40)}\n`);
  for (const r of rows) process.stdout.write(line(r));
  for (const e of results.errors) process.stdout.write(`error: ${e}\n`);
}

// ------------------------------------------------------------------------------------------------------ main
const stopLoad = sampleLoad();
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
