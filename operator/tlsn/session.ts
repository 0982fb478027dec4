// MPC-TLS sessions: prove() and verify() each run one party in a child process, with stage timeouts and teardown.
//
// Ordering rule hidden here: the verifier must be connected with verify() running before the prover's setup
// starts. verify() calls `onReady` at exactly that point; whoever hosts the verifier (the notary service) tells
// the prover to go only then. The prover's side has no way to check this itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VeritasError } from '../../core/errors.ts';
import { componentLogger, type Logger } from '../../core/log.ts';
import { classifyFailure } from './failure.ts';
import type {
  Limits,
  PartyMessage,
  PartyPreload,
  PartyStats,
  PartyTuning,
  ProveRequest,
  ProverJob,
  ProverOutput,
  ProverStage,
  Stage,
  VerifierJob,
  VerifierStage,
} from './protocol.ts';
import { createLimiter, type Limiter } from './limiter.ts';
import type { Range, VerifiedTranscript } from './transcript.ts';

export type {
  Limits,
  PartyPreload,
  PartyStats,
  PartyTuning,
  ProveRequest,
  ProverStage,
  VerifierStage,
  Stage,
} from './protocol.ts';

const PARTY = fileURLToPath(new URL('./party.ts', import.meta.url));

let defaultLimiter: Limiter = createLimiter(2);
/** Caps concurrent party processes in this process (each can take ~1 GiB and both cores). */
export function setMaxConcurrentSessions(max: number): void {
  defaultLimiter = createLimiter(max);
}

export type ProgressInfo = { at: number; elapsedMs: number };

type Common = {
  limits: Limits;
  relayUrl: string;
  /** The wasm to run; the package's (web PKI roots) unless the devnet trust anchor is configured. */
  wasmPath?: string | undefined;
  /**
   * Longest time without progress, ms: each stage (queue, init, setup, request, reveal/verify) must end, or the
   * party must receive MPC traffic, within it. A silent peer thus fails fast while a slow but live session
   * (the verifier waits through the prover's whole setup) is not cut off.
   */
  timeoutMs: number;
  /** Overrides of `timeoutMs` for the period after a given stage was reached (`start`: process start to init). */
  stageTimeoutsMs?: Partial<Record<Stage | 'start', number>>;
  tuning?: PartyTuning;
  limiter?: Limiter;
  log?: Logger;
  signal?: AbortSignal;
  onStats?: (stats: PartyStats) => void;
  /** Progress hook: the party's bytes exchanged so far, with each heartbeat (about once a second while it flows). */
  onTraffic?: (bytes: number) => void;
};

export type ProveOptions = Common & {
  serverName: string;
  request: ProveRequest;
  /** ws→TCP proxy URL for this server (see proxy.ts `proxyUrl`). */
  proxyUrl: string;
  onProgress?: (stage: ProverStage, info: ProgressInfo) => void;
};

export type ProveTimings = {
  initMs: number;
  setupMs: number;
  requestMs: number;
  revealMs: number;
  totalMs: number;
};

export type ProveResult = {
  status: number;
  sent: Uint8Array;
  recv: Uint8Array;
  sentRevealed: Range[];
  recvRevealed: Range[];
  timings: ProveTimings;
};

export type VerifyOptions = Common & {
  /** Called once the verifier is connected and verifying: the prover may start now. */
  onReady?: () => void;
  onProgress?: (stage: VerifierStage, info: ProgressInfo) => void;
};

type PartyRun<T> = { output: T; stats: PartyStats };

// ------------------------------------------------------------------------------------------- warm parties
// With `tuning.warm = n`, n party processes per load (wasm path and tuning; a prover and a verifier load the same
// way) are kept started, compiled and initialized while idle; a session takes one and the pool is topped up once
// that session has ended (not during it: starting a party takes ~0.7 CPU-s the MPC needs). A warm party is unref'd
// (it never keeps this process alive) and leaves by itself when this process goes (IPC disconnect).
const warm = new Map<string, ChildProcess[]>();
const preloadOf = (job: ProverJob | VerifierJob): PartyPreload => ({ wasmPath: job.wasmPath, tuning: job.tuning });
const spawnParty = (tuning: PartyTuning, preload?: PartyPreload): ChildProcess =>
  spawn(
    process.execPath,
    [...(tuning.execArgv ?? []), PARTY, ...(preload ? ['--preload', JSON.stringify(preload)] : [])],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' },
  );
const alive = (c: ChildProcess) => c.exitCode === null && c.signalCode === null && c.connected;
type Channel = { ref?: () => void; unref?: () => void } | undefined;

/**
 * Tops the pool of warm parties for `preload` up to `preload.tuning.warm` (call it at start so the first session is
 * warm too); resolves once the parties it started have preloaded (or exited).
 */
export function warmParties(preload: PartyPreload): Promise<void> {
  const key = JSON.stringify(preload);
  const pool = (warm.get(key) ?? []).filter(alive);
  const started: Promise<void>[] = [];
  while (pool.length < (preload.tuning.warm ?? 0)) {
    const c = spawnParty(preload.tuning, preload);
    c.stdout?.resume(); // drained while idle; the session that takes it forwards its lines
    c.stderr?.resume();
    started.push(
      new Promise<void>((resolve) => {
        // referenced while preloading (someone may await it), then never keeping this process alive
        const done = () => {
          c.off('message', onMessage);
          if (pool.includes(c)) {
            c.unref();
            (c.channel as Channel)?.unref?.();
          }
          resolve();
        };
        const onMessage = (m: PartyMessage) => m.type === 'preloaded' && done();
        c.on('message', onMessage);
        c.once('exit', done);
      }),
    );
    pool.push(c);
  }
  warm.set(key, pool);
  // the children's handles do not hold the event loop for an awaiting caller: this timer does, until preloaded
  const hold = setInterval(() => undefined, 60_000);
  return Promise.all(started).then(() => clearInterval(hold));
}

/** A warm party for this job's load, if one is ready; it leaves the pool. */
function takeWarm(job: ProverJob | VerifierJob): ChildProcess | undefined {
  if (!job.tuning.warm) return undefined;
  const pool = warm.get(JSON.stringify(preloadOf(job))) ?? [];
  for (let c = pool.shift(); c; c = pool.shift()) {
    if (!alive(c)) continue;
    c.stdout?.removeAllListeners('data');
    c.stderr?.removeAllListeners('data');
    c.ref();
    (c.channel as Channel)?.ref?.();
    return c;
  }
  return undefined;
}

/** Ends every warm party (operator shutdown, tests). */
export async function closeWarmParties(): Promise<void> {
  const all = [...warm.values()].flat();
  warm.clear();
  await Promise.all(
    all
      .filter((c) => c.exitCode === null && c.signalCode === null)
      .map(
        (c) =>
          new Promise<void>((resolve) => {
            c.ref(); // an idle warm party is unref'd: waiting for its exit must hold the event loop
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
  );
}

/** Runs one party to completion; the child is always gone when this settles. */
async function runParty<T>(
  job: ProverJob | VerifierJob,
  opts: Common,
  onStage: (stage: Stage, at: number) => void,
): Promise<PartyRun<T>> {
  const log = (opts.log ?? componentLogger('tlsn-session')).child({ role: job.role });
  const limiter = opts.limiter ?? defaultLimiter;
  // A signal aborted before the call never fires 'abort' again: refuse up front rather than run a whole session.
  if (opts.signal?.aborted)
    throw new VeritasError('TIMEOUT', `${job.role}: aborted before start`, { cause: opts.signal.reason });
  const release = await limiter.acquire({ timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
  let child: ChildProcess | undefined;
  try {
    child = takeWarm(job) ?? spawnParty(job.tuning);
    const c = child;
    return await new Promise<PartyRun<T>>((resolve, reject) => {
      let current: Stage | 'start' = 'start';
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const arm = () => {
        clearTimeout(timer);
        const budget = opts.stageTimeoutsMs?.[current] ?? opts.timeoutMs;
        timer = setTimeout(
          () =>
            settle(() =>
              reject(
                new VeritasError('TIMEOUT', `${job.role}: no progress after stage "${current}" for ${budget} ms`, {
                  details: { role: job.role, stage: current },
                }),
              ),
            ),
          budget,
        );
      };
      const onAbort = () =>
        settle(() => reject(new VeritasError('TIMEOUT', `${job.role}: aborted`, { cause: opts.signal?.reason })));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      arm();
      // The wasm's own log lines: detail for debugging; the failure itself comes back as a typed error.
      const forward = (stream: NodeJS.ReadableStream | null) =>
        stream?.on('data', (d: Buffer) => {
          for (const line of d.toString('utf8').split('\n')) {
            if (line.trim()) log[line.startsWith('[tlsn worker error]') ? 'warn' : 'debug'](line.trim());
          }
        });
      forward(c.stdout);
      forward(c.stderr);
      c.on('message', (m: PartyMessage) => {
        if (m.type === 'preloaded') {
          // a warm party taken before it had finished preloading: nothing to do
        } else if (m.type === 'alive') {
          arm();
          if (m.bytes !== undefined) opts.onTraffic?.(m.bytes);
        } else if (m.type === 'stage') {
          current = m.stage;
          arm();
          onStage(m.stage, m.at);
        } else if (m.type === 'result') {
          settle(() => resolve({ output: m.output as T, stats: m.stats }));
        } else {
          opts.onStats?.(m.stats);
          settle(() => reject(classifyFailure(job.role, m.message, m.closes, m.code)));
        }
      });
      c.on('error', (e) =>
        settle(() =>
          reject(
            new VeritasError('TLSN_FAILED', `${job.role}: cannot start party process: ${e.message}`, { cause: e }),
          ),
        ),
      );
      // 'close' (not 'exit'): by then every IPC message the child sent has been delivered.
      c.on('close', (code, signal) =>
        settle(() =>
          reject(
            new VeritasError(
              'TLSN_FAILED',
              `${job.role}: party process exited (${signal ?? code}) during stage after "${current}"`,
              { details: { role: job.role, code, signal } },
            ),
          ),
        ),
      );
      c.send(job);
    });
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      c.kill('SIGKILL');
      await exited;
    }
    release();
    if (job.tuning.warm) void warmParties(preloadOf(job)); // the next session's parties, now this one's CPU is free
  }
}

const span = (marks: PartyStats['marks'], from: Stage | 'start', to: Stage): number =>
  (marks[to] ?? 0) && (marks[from] ?? 0) ? (marks[to] as number) - (marks[from] as number) : 0;

/** Proves one HTTPS request under MPC-TLS and reveals all but the secrets. Start it only after the verifier is ready. */
export async function prove(options: ProveOptions): Promise<ProveResult> {
  const started = Date.now();
  const job: ProverJob = {
    role: 'prover',
    serverName: options.serverName,
    request: options.request,
    limits: options.limits,
    relayUrl: options.relayUrl,
    proxyUrl: options.proxyUrl,
    wasmPath: options.wasmPath,
    tuning: options.tuning ?? {},
  };
  const { output, stats } = await runParty<ProverOutput>(job, options, (stage, at) =>
    options.onProgress?.(stage as ProverStage, { at, elapsedMs: at - started }),
  );
  options.onStats?.(stats);
  const m = stats.marks;
  return {
    ...output,
    timings: {
      initMs: span(m, 'start', 'initialized'),
      setupMs: span(m, 'initialized', 'setup'),
      requestMs: span(m, 'setup', 'request-sent'),
      revealMs: span(m, 'request-sent', 'revealed'),
      totalMs: Date.now() - started,
    },
  };
}

/** Runs the verifier side and returns what it authenticated (unrevealed bytes zero). */
export async function verify(options: VerifyOptions): Promise<VerifiedTranscript> {
  const started = Date.now();
  const job: VerifierJob = {
    role: 'verifier',
    limits: options.limits,
    relayUrl: options.relayUrl,
    wasmPath: options.wasmPath,
    tuning: options.tuning ?? {},
  };
  const { output, stats } = await runParty<VerifiedTranscript>(job, options, (stage, at) => {
    options.onProgress?.(stage as VerifierStage, { at, elapsedMs: at - started });
    if (stage === 'connected') options.onReady?.();
  });
  options.onStats?.(stats);
  return output;
}
