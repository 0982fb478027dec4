// One TLSNotary party (prover or verifier) in its own child process: receives a job over IPC, reports stages, exits.
//
// A process per session because wasm memory is never returned (finished workers' stacks leak, 4 GiB cap):
// exiting is the only reliable way to give it back.
import type {
  PartyMessage,
  PartyPreload,
  PartyStats,
  ProverJob,
  ProverOutput,
  Stage,
  VerifierJob,
} from './protocol.ts';
import { VeritasError } from '../../core/errors.ts';
import { PROXY_CLOSE_CODES } from './proxy-codes.ts';
import {
  peakWorkers,
  socketCloseListeners,
  socketCloses,
  socketTraffic,
  workerOptions,
  type SocketClose,
} from './shim.mjs';
import { planReveal, toVerifiedTranscript, type VerifiedTranscript, type WasmPartialTranscript } from './transcript.ts';
import { loadTlsn, wasmMemory, type TlsnModule } from './wasm.ts';

const stats: PartyStats = { marks: { start: Date.now() }, peakRssBytes: 0, wasmMemoryBytes: 0, peakWorkers: 0 };
const send = (m: PartyMessage): Promise<void> =>
  new Promise((resolve) => (process.send ? process.send(m, undefined, undefined, () => resolve()) : resolve()));
const stage = (s: Stage) => {
  stats.marks[s] = Date.now();
  return send({ type: 'stage', stage: s, at: stats.marks[s] });
};

function load(p: PartyPreload): Promise<TlsnModule> {
  // Wasm workers allocate almost no JS (the MPC state is in the shared wasm memory): a 1 MB young generation and a
  // 16 MB old-generation limit take each of ~36 threads from ~11 to ~9.4 MB (bench/worker-floor.ts); measured on a
  // 512 × 1K session: peak RSS 0.82 / 0.83 GiB instead of 0.88–0.93, same CPU-seconds.
  workerOptions.resourceLimits = p.tuning.workerResourceLimits ?? {
    maxYoungGenerationSizeMb: 1,
    maxOldGenerationSizeMb: 16,
  };
  return loadTlsn({ wasmPath: p.wasmPath, threads: p.tuning.threads ?? 2, logLevel: p.tuning.logLevel ?? 'Warn' });
}

// A warm party (session.ts) is started with what to preload in argv and loads it before any job arrives.
const preloadArg = process.argv.indexOf('--preload');
const preload: PartyPreload | undefined =
  preloadArg > 0 ? (JSON.parse(process.argv[preloadArg + 1]!) as PartyPreload) : undefined;
const preloaded = preload ? load(preload) : undefined;
preloaded?.then(
  () => send({ type: 'preloaded' }),
  () => undefined, // a failed preload is reported when the job that needed it arrives
);
const sameLoad = (a: PartyPreload, b: PartyPreload) =>
  a.wasmPath === b.wasmPath && JSON.stringify(a.tuning) === JSON.stringify(b.tuning);

async function init(job: ProverJob | VerifierJob): Promise<TlsnModule> {
  const want = { wasmPath: job.wasmPath, tuning: job.tuning };
  // session.ts only hands a job to a warm party preloaded the same way; a mismatch is a bug, never silently run.
  if (preload && !sameLoad(preload, want)) throw new VeritasError('TLSN_FAILED', 'warm party preloaded differently');
  const tlsn = await (preloaded ?? load(want));
  await stage('initialized');
  return tlsn;
}

const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')];

async function prove(job: ProverJob): Promise<ProverOutput> {
  const tlsn = await init(job);
  const prover = new tlsn.Prover({
    server_name: job.serverName,
    max_sent_data: job.limits.maxSentBytes,
    max_recv_data: job.limits.maxRecvBytes,
    max_sent_records: undefined,
    max_recv_data_online: undefined,
    max_recv_records_online: undefined,
    defer_decryption_from_start: undefined,
    network: job.tuning.network ?? 'Bandwidth',
    client_auth: undefined,
  });
  await prover.setup(job.relayUrl);
  await stage('setup');
  // The request line is sent as given and the wasm adds no Host: set it, and ask the server to close so the
  // response ends with the connection.
  const headers = new Map<string, number[]>();
  const has = (n: string) => job.request.headers.some((h) => h.name.toLowerCase() === n);
  if (!has('host')) headers.set('Host', bytes(job.serverName));
  if (!has('connection')) headers.set('Connection', bytes('close'));
  for (const h of job.request.headers) headers.set(h.name, bytes(h.value));
  const response = await prover.send_request(job.proxyUrl, {
    uri: job.request.uri ?? `https://${job.serverName}${job.request.path}`,
    method: job.request.method,
    headers,
    body: job.request.body as never,
  });
  await stage('request-sent');
  const t = prover.transcript();
  const sent = Uint8Array.from(t.sent);
  const recv = Uint8Array.from(t.recv);
  const secrets = job.request.headers.filter((h) => h.secret);
  const plan = planReveal(sent, recv, {
    secretHeaders: secrets.map((h) => h.name),
    secretValues: secrets.map((h) => Buffer.from(h.value, 'utf8')).filter((v) => v.length >= 4),
    bodySecret: job.request.bodySecret ?? false,
  });
  await prover.reveal({ sent: plan.sent, recv: plan.recv, server_identity: true });
  await stage('revealed');
  return { status: response.status, sent, recv, sentRevealed: plan.sent, recvRevealed: plan.recv };
}

async function verify(job: VerifierJob): Promise<VerifiedTranscript> {
  const tlsn = await init(job);
  const verifier = new tlsn.Verifier({
    max_sent_data: job.limits.maxSentBytes,
    max_recv_data: job.limits.maxRecvBytes,
    max_sent_records: undefined,
    max_recv_records_online: undefined,
  });
  await verifier.connect(job.relayUrl);
  // verify() must be running before the prover's first frames arrive (else the session can hang): start it,
  // then announce readiness so the prover may begin its setup.
  const running = verifier.verify();
  await stage('connected');
  const output = await running;
  const transcript = toVerifiedTranscript({
    ...output,
    transcript: output.transcript as WasmPartialTranscript | undefined,
  });
  await stage('verified');
  return transcript;
}

const message = (e: unknown): string =>
  e instanceof Error
    ? e.message
    : typeof e === 'string'
      ? e
      : (() => {
          try {
            return JSON.stringify(e);
          } catch {
            return String(e);
          }
        })();

/**
 * Fails the job when a socket dies in a way the wasm does not notice (it then waits forever): the relay could
 * not be reached at all, or the proxy refused the target. A short grace lets the wasm report its own, usually
 * more specific, error first. A relay that drops mid-session is left to the wasm and the stage timeout.
 */
function deadSocket(job: ProverJob | VerifierJob): Promise<never> {
  return new Promise((_, reject) => {
    socketCloseListeners.add((c: SocketClose) => {
      const proxyCode = PROXY_CLOSE_CODES[c.code];
      if (proxyCode)
        setTimeout(() => reject(new VeritasError(proxyCode, c.reason || `proxy closed (${c.code})`)), 1000).unref();
      else if (c.url === job.relayUrl && !c.wasOpen) {
        setTimeout(
          () =>
            reject(new VeritasError('PEER_DISCONNECTED', `cannot connect to the relay at ${c.url} (close ${c.code})`)),
          1000,
        ).unref();
      }
    });
  });
}

const measure = () => {
  stats.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  stats.wasmMemoryBytes = wasmMemory?.buffer.byteLength ?? 0;
  stats.peakWorkers = peakWorkers();
};

// Heartbeat: while MPC traffic flows the session is alive, however long a stage takes on a loaded machine.
let lastReported = 0;
setInterval(() => {
  if (socketTraffic.received === lastReported) return;
  lastReported = socketTraffic.received;
  void send({ type: 'alive', received: lastReported, bytes: socketTraffic.bytes });
}, 1000).unref();

// A warm party whose session process went away has nobody to serve: leave (its parent no longer reaps it).
process.once('disconnect', () => process.exit(0));

process.once('message', (job: ProverJob | VerifierJob) => {
  // marks.start is when the job began: for a warm party, preloading happened before anyone waited on it
  stats.marks.start = Date.now();
  void (async () => {
    try {
      const output = await Promise.race([job.role === 'prover' ? prove(job) : verify(job), deadSocket(job)]);
      measure();
      await send({ type: 'result', output, stats });
    } catch (e) {
      measure();
      const code = (e as VeritasError | undefined)?.code;
      await send({ type: 'failure', message: message(e), ...(code ? { code } : {}), closes: socketCloses, stats });
    }
    // The wasm's worker threads keep the process alive: leaving is the teardown.
    process.exit(0);
  })();
});
