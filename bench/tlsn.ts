// Benchmarks real MPC-TLS sessions (1 KB and 16 KB responses): stage times, bytes relayed each way, peak RSS per party.
//
//   npm run bench:tlsn -- [--sizes 1024,16384] [--runs 1] [--threads 2] [--network Bandwidth|Latency]
//                         [--young-mb N] [--exec-argv "--flag …"] [--json]
import { parseArgs } from 'node:util';
import { initLogger } from '../core/log.ts';
import type { PartyTuning } from '../operator/tlsn/session.ts';
import { runSession, startTlsnHarness } from '../test/fixture/tlsn-harness.ts';
import { childrenCpuSeconds } from './cpu.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1024,16384' },
    runs: { type: 'string', default: '1' },
    threads: { type: 'string', default: '2' },
    network: { type: 'string', default: 'Bandwidth' },
    'young-mb': { type: 'string' },
    'exec-argv': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
initLogger({ level: 'warn' });

const tuning: PartyTuning = {
  threads: Number(values.threads),
  network: values.network === 'Latency' ? 'Latency' : 'Bandwidth',
  ...(values['young-mb'] ? { workerResourceLimits: { maxYoungGenerationSizeMb: Number(values['young-mb']) } } : {}),
  ...(values['exec-argv'] ? { execArgv: values['exec-argv'].split(/\s+/).filter(Boolean) } : {}),
};
const sizes = values.sizes.split(',').map(Number);
const runs = Number(values.runs);
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;

const h = await startTlsnHarness();
const rows: Record<string, unknown>[] = [];
try {
  console.log(
    `tlsn-wasm MPC-TLS bench: threads=${tuning.threads} network=${tuning.network}` +
      `${tuning.workerResourceLimits ? ` young=${values['young-mb']}MB` : ''}${tuning.execArgv ? ` execArgv=${tuning.execArgv.join(' ')}` : ''} node=${process.version}`,
  );
  console.log(
    'size     | setup  | request | verify after reveal | total  | CPU-s P+V | relayed P→V / V→P   | peak RSS prover / verifier | wasm memory P / V | peak workers P / V',
  );
  for (const size of sizes) {
    for (let i = 0; i < runs; i++) {
      const t0 = Date.now();
      const cpu0 = childrenCpuSeconds(); // the prover and verifier are child processes: their rusage, once reaped
      const run = await runSession(h, {
        request: {
          method: 'GET',
          path: `/v1/bytes?size=${size}`,
          headers: [{ name: 'Accept', value: 'application/json' }],
        },
        limits: { maxSentBytes: 512, maxRecvBytes: size + 512 },
        proverWasm: h.trust.wasmPath,
        verifierWasm: h.trust.wasmPath,
        tuning,
        timeoutMs: 300_000,
      });
      const total = Date.now() - t0;
      if (!run.proof || !run.verified) {
        console.log(`${size} B: FAILED prover=${String(run.proverError)} verifier=${String(run.verifierError)}`);
        process.exitCode = 1;
        continue;
      }
      const row = {
        size,
        threads: tuning.threads,
        network: tuning.network,
        setupMs: run.proof.timings.setupMs,
        requestMs: run.proof.timings.requestMs,
        verifyAfterRevealMs: run.verifyDoneAt - run.revealStartAt,
        initMs: run.proof.timings.initMs,
        totalMs: total,
        partyCpuS: +(childrenCpuSeconds() - cpu0).toFixed(2),
        relayedProverToVerifier: run.room?.bytes.prover ?? 0,
        relayedVerifierToProver: run.room?.bytes.verifier ?? 0,
        peakRssProver: run.proverStats?.peakRssBytes ?? 0,
        peakRssVerifier: run.verifierStats?.peakRssBytes ?? 0,
        wasmMemoryProver: run.proverStats?.wasmMemoryBytes ?? 0,
        wasmMemoryVerifier: run.verifierStats?.wasmMemoryBytes ?? 0,
        peakWorkersProver: run.proverStats?.peakWorkers ?? 0,
        peakWorkersVerifier: run.verifierStats?.peakWorkers ?? 0,
      };
      rows.push(row);
      console.log(
        `${String(size).padEnd(8)} | ${s(row.setupMs).padEnd(6)} | ${s(row.requestMs).padEnd(7)} | ${s(row.verifyAfterRevealMs).padEnd(19)} | ${s(total).padEnd(6)} | ${String(row.partyCpuS).padEnd(9)} | ` +
          `${`${mb(row.relayedProverToVerifier)} / ${mb(row.relayedVerifierToProver)}`.padEnd(19)} | ${`${gib(row.peakRssProver)} / ${gib(row.peakRssVerifier)}`.padEnd(26)} | ` +
          `${`${gib(row.wasmMemoryProver)} / ${gib(row.wasmMemoryVerifier)}`.padEnd(17)} | ${row.peakWorkersProver} / ${row.peakWorkersVerifier}`,
      );
    }
  }
  if (values.json) console.log(JSON.stringify(rows));
} finally {
  await h.close();
}
