// Benchmarks real MPC-TLS sessions: stage times, CPU-seconds, bytes relayed each way, peak RSS per party — for given
// response sizes, or over the cost-model matrix (sent limit × received limit × network mode) with a least-squares
// fit of fixed + per-KB-sent + per-KB-received.
//
//   npm run bench:tlsn -- [--sizes 1024,16384] [--runs 1] [--threads 2] [--network Bandwidth|Latency]
//                         [--young-mb N] [--old-mb N] [--exec-argv "--flag …"] [--json]
//   npm run bench:tlsn -- --matrix [--sent 256,512,1024,2048] [--recv 1K,4K,16K,64K] [--network Bandwidth,Latency]
//                         [--out bench/results/tlsn-matrix.json]      (adds the cells it ran to that file)
//   npm run bench:tlsn -- --fit [--out …]                             (table + fitted model of the file, no MPC)
//
// The matrix file accumulates: run it in chunks (one or a few cells per `flock /tmp/veritas-mpc.lock`, the machine
// is shared), each cell stored with the load average before and after it. A cell's request is padded to its sent
// limit and its response to its received limit, so the limits are what the session really carries.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { initLogger } from '../core/log.ts';
import type { PartyTuning, ProveRequest } from '../operator/tlsn/session.ts';
import { FIXTURE_HOST, runSession, startTlsnHarness, type TlsnHarness } from '../test/fixture/tlsn-harness.ts';
import { childrenCpuSeconds } from './cpu.ts';
import { fitCostModel, type CostModel } from './fit.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1024,16384' },
    runs: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    network: { type: 'string' },
    'young-mb': { type: 'string' },
    'old-mb': { type: 'string' },
    'exec-argv': { type: 'string' },
    json: { type: 'boolean', default: false },
    matrix: { type: 'boolean', default: false },
    fit: { type: 'boolean', default: false },
    sent: { type: 'string', default: '256,512,1024,2048' },
    recv: { type: 'string', default: '1K,4K,16K,64K' },
    out: { type: 'string', default: 'bench/results/tlsn-matrix.json' },
  },
});
initLogger({ level: 'warn' });

const networks = (values.network ?? (values.matrix || values.fit ? 'Bandwidth,Latency' : 'Bandwidth'))
  .split(',')
  .map((n) => (n.trim() === 'Latency' ? 'Latency' : 'Bandwidth')) as ('Bandwidth' | 'Latency')[];
const tuningFor = (network: 'Bandwidth' | 'Latency'): PartyTuning => ({
  threads: Number(values.threads),
  network,
  ...(values['young-mb'] || values['old-mb']
    ? {
        workerResourceLimits: {
          ...(values['young-mb'] ? { maxYoungGenerationSizeMb: Number(values['young-mb']) } : {}),
          ...(values['old-mb'] ? { maxOldGenerationSizeMb: Number(values['old-mb']) } : {}),
        },
      }
    : {}),
  ...(values['exec-argv'] ? { execArgv: values['exec-argv'].split(/\s+/).filter(Boolean) } : {}),
});
const kb = (x: string) => Math.round(Number.parseFloat(x) * (/k$/i.test(x.trim()) ? 1024 : 1));
const runs = Number(values.runs);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

export type Cell = {
  key: string;
  maxSentBytes: number;
  maxRecvBytes: number;
  network: 'Bandwidth' | 'Latency';
  threads: number;
  ok: boolean;
  error?: string;
  sentBytes?: number;
  recvBytes?: number;
  setupMs?: number;
  requestMs?: number;
  verifyAfterRevealMs?: number;
  initMs?: number;
  totalMs?: number;
  partyCpuS?: number;
  relayedProverToVerifier?: number;
  relayedVerifierToProver?: number;
  peakRssProver?: number;
  peakRssVerifier?: number;
  wasmMemoryProver?: number;
  wasmMemoryVerifier?: number;
  peakWorkersProver?: number;
  peakWorkersVerifier?: number;
  loadBefore: number;
  loadAfter?: number;
  at: string;
};

/** HTTP response bytes around the body (status line and the fixture site's headers incl. Date), with some margin. */
const RESPONSE_OVERHEAD = 192;
/** Request bytes the wasm adds around ours (request line, Host, Connection, header separators), with some margin. */
function paddedRequest(path: string, maxSent: number): ProveRequest {
  const base = `GET https://${FIXTURE_HOST}${path} HTTP/1.1\r\nhost: ${FIXTURE_HOST}\r\nconnection: close\r\nx-pad: \r\n\r\n`;
  const pad = Math.max(0, maxSent - base.length - 16);
  return { method: 'GET', path, headers: [{ name: 'x-pad', value: 'p'.repeat(pad) }] };
}

async function runCell(
  h: TlsnHarness,
  maxSentBytes: number,
  maxRecvBytes: number,
  network: 'Bandwidth' | 'Latency',
): Promise<Cell> {
  const tuning = tuningFor(network);
  const size = Math.max(64, maxRecvBytes - RESPONSE_OVERHEAD);
  const cell: Cell = {
    key: `${maxSentBytes}x${maxRecvBytes}:${network}`,
    maxSentBytes,
    maxRecvBytes,
    network,
    threads: tuning.threads ?? 2,
    ok: false,
    loadBefore: loadavg()[0]!,
    at: new Date().toISOString(),
  };
  const t0 = Date.now();
  const cpu0 = childrenCpuSeconds(); // the prover and verifier are child processes: their rusage, once reaped
  const run = await runSession(h, {
    request: paddedRequest(`/v1/bytes?size=${size}`, maxSentBytes),
    limits: { maxSentBytes, maxRecvBytes },
    proverWasm: h.trust.wasmPath,
    verifierWasm: h.trust.wasmPath,
    tuning,
    timeoutMs: 600_000,
  });
  Object.assign(cell, {
    totalMs: Date.now() - t0,
    partyCpuS: +(childrenCpuSeconds() - cpu0).toFixed(2),
    relayedProverToVerifier: run.room?.bytes.prover ?? 0,
    relayedVerifierToProver: run.room?.bytes.verifier ?? 0,
    peakRssProver: run.proverStats?.peakRssBytes ?? 0,
    peakRssVerifier: run.verifierStats?.peakRssBytes ?? 0,
    wasmMemoryProver: run.proverStats?.wasmMemoryBytes ?? 0,
    wasmMemoryVerifier: run.verifierStats?.wasmMemoryBytes ?? 0,
    peakWorkersProver: run.proverStats?.peakWorkers ?? 0,
    peakWorkersVerifier: run.verifierStats?.peakWorkers ?? 0,
    loadAfter: loadavg()[0]!,
  });
  if (!run.proof || !run.verified) {
    cell.error = run.error?.message ?? `prover=${String(run.proverError)} verifier=${String(run.verifierError)}`;
    return cell;
  }
  Object.assign(cell, {
    ok: true,
    sentBytes: run.proof.sent.length,
    recvBytes: run.proof.recv.length,
    setupMs: run.proof.timings.setupMs,
    requestMs: run.proof.timings.requestMs,
    verifyAfterRevealMs: run.verifyDoneAt - run.revealStartAt,
    initMs: run.proof.timings.initMs,
  });
  return cell;
}

const HEADER =
  'sent × recv : mode      | setup  | request | total  | CPU-s P+V | relayed P→V / V→P   | peak RSS P / V      | wasm mem P / V      | load';
function line(c: Cell): string {
  const head = `${`${c.maxSentBytes} × ${c.maxRecvBytes >= 1024 ? `${c.maxRecvBytes / 1024}K` : c.maxRecvBytes}`.padEnd(11)} : ${c.network.padEnd(9)}`;
  if (!c.ok)
    return `${head} | FAILED after ${s(c.totalMs ?? 0)}: ${c.error} (peak RSS ${gib(c.peakRssProver ?? 0)} / ${gib(c.peakRssVerifier ?? 0)})`;
  return (
    `${head} | ${s(c.setupMs!).padEnd(6)} | ${s(c.requestMs!).padEnd(7)} | ${s(c.totalMs!).padEnd(6)} | ${String(c.partyCpuS).padEnd(9)} | ` +
    `${`${mb(c.relayedProverToVerifier!)} / ${mb(c.relayedVerifierToProver!)}`.padEnd(19)} | ` +
    `${`${gib(c.peakRssProver!)} / ${gib(c.peakRssVerifier!)}`.padEnd(19)} | ` +
    `${`${gib(c.wasmMemoryProver!)} / ${gib(c.wasmMemoryVerifier!)}`.padEnd(19)} | ${c.loadBefore.toFixed(2)}→${c.loadAfter?.toFixed(2)}`
  );
}

type MatrixFile = { about: string; cells: Cell[]; fit?: Record<string, Record<string, CostModel | undefined>> };
const outFile = path.resolve(ROOT, values.out);
function readMatrix(): MatrixFile {
  if (!existsSync(outFile))
    return {
      about:
        'MPC-TLS cost matrix (bench/tlsn.ts --matrix): one entry per run of a cell (sent limit × received limit × ' +
        'network mode, threads 2), with the 1-minute load average before/after; fit = least squares per mode.',
      cells: [],
    };
  return JSON.parse(readFileSync(outFile, 'utf8')) as MatrixFile;
}

/** Per network mode, the model of each figure (seconds, CPU-seconds, MB each way, peak RSS MiB per party). */
function fitAll(cells: Cell[]): MatrixFile['fit'] {
  const fit: NonNullable<MatrixFile['fit']> = {};
  const figures: Record<string, (c: Cell) => number> = {
    totalS: (c) => c.totalMs! / 1000,
    partyCpuS: (c) => c.partyCpuS!,
    relayedProverToVerifierMB: (c) => c.relayedProverToVerifier! / 1e6,
    relayedVerifierToProverMB: (c) => c.relayedVerifierToProver! / 1e6,
    peakRssProverMiB: (c) => c.peakRssProver! / 2 ** 20,
    peakRssVerifierMiB: (c) => c.peakRssVerifier! / 2 ** 20,
  };
  for (const network of ['Bandwidth', 'Latency'] as const) {
    const ok = cells.filter((c) => c.ok && c.network === network);
    fit[network] = Object.fromEntries(
      Object.entries(figures).map(([k, f]) => [
        k,
        fitCostModel(ok.map((c) => ({ sentKb: c.maxSentBytes / 1024, recvKb: c.maxRecvBytes / 1024, y: f(c) }))),
      ]),
    );
  }
  return fit;
}

function printFit(fit: MatrixFile['fit']): void {
  const r = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(3));
  console.log('\nfitted model: fixed + per KB sent limit + per KB received limit (least squares over the ok cells)');
  for (const [network, models] of Object.entries(fit ?? {}))
    for (const [figure, m] of Object.entries(models))
      if (m)
        console.log(
          `  ${network.padEnd(9)} ${figure.padEnd(26)} ${r(m.fixed).padStart(8)} + ${r(m.perKbSent).padStart(7)}/KB sent + ${r(m.perKbRecv).padStart(7)}/KB recv   (R² ${m.r2.toFixed(3)}, ${m.n} cells)`,
        );
}

if (values.fit || values.matrix) {
  const file = readMatrix();
  if (values.matrix) {
    const sent = values.sent.split(',').map(kb);
    const recv = values.recv.split(',').map(kb);
    const h = await startTlsnHarness();
    console.log(`tlsn-wasm MPC-TLS cost matrix: threads=${values.threads} node=${process.version}\n${HEADER}`);
    try {
      for (const network of networks)
        for (const r of recv)
          for (const sl of sent)
            for (let i = 0; i < runs; i++) {
              const cell = await runCell(h, sl, r, network);
              console.log(line(cell));
              file.cells.push(cell);
              file.fit = fitAll(file.cells);
              await mkdir(path.dirname(outFile), { recursive: true });
              await writeFile(outFile, `${JSON.stringify(file, null, 2)}\n`); // after every cell: a killed run keeps its cells
              if (!cell.ok) process.exitCode = 1;
            }
    } finally {
      await h.close();
    }
  } else {
    console.log(HEADER);
    for (const c of [...file.cells].sort(
      (a, b) =>
        a.network.localeCompare(b.network) || a.maxRecvBytes - b.maxRecvBytes || a.maxSentBytes - b.maxSentBytes,
    ))
      console.log(line(c));
  }
  file.fit = fitAll(file.cells);
  printFit(file.fit);
  if (values.fit) await writeFile(outFile, `${JSON.stringify(file, null, 2)}\n`);
} else {
  const sizes = values.sizes.split(',').map(kb);
  const h = await startTlsnHarness();
  const rows: Record<string, unknown>[] = [];
  try {
    const tuning = tuningFor(networks[0]!);
    console.log(
      `tlsn-wasm MPC-TLS bench: threads=${tuning.threads} network=${tuning.network}` +
        `${tuning.workerResourceLimits ? ` workers=${JSON.stringify(tuning.workerResourceLimits)}` : ''}${tuning.execArgv ? ` execArgv=${tuning.execArgv.join(' ')}` : ''} node=${process.version}\n${HEADER}`,
    );
    for (const size of sizes)
      for (let i = 0; i < runs; i++) {
        // the response sizes the older figures used: limits sent 512 / received size + 512
        const cell = await runCell(h, 512, size + 512, tuning.network ?? 'Bandwidth');
        console.log(line(cell));
        if (!cell.ok) {
          process.exitCode = 1;
          continue;
        }
        rows.push({ size, ...cell });
      }
    if (values.json) console.log(JSON.stringify(rows));
  } finally {
    await h.close();
  }
}
