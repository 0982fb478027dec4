// The messages between a session (parent) and its party child process, and the shared session types.
import type { ErrorCode } from '../../core/errors.ts';
import type { SocketClose } from './shim.mjs';
import type { Range, VerifiedTranscript } from './transcript.ts';
import type { WasmLogLevel } from './wasm.ts';

export type ProverStage = 'initialized' | 'setup' | 'request-sent' | 'revealed';
export type VerifierStage = 'initialized' | 'connected' | 'verified';
export type Stage = ProverStage | VerifierStage;

export type Limits = { maxSentBytes: number; maxRecvBytes: number };
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type RequestHeader = { name: string; value: string; secret?: boolean };
export type ProveRequest = {
  method: HttpMethod;
  /** Path and query, e.g. "/v1/price?symbol=VRT". */
  path: string;
  /** The absolute-form target to send (default `https://<serverName><path>`): the spec's request template's. */
  uri?: string;
  headers: RequestHeader[];
  /** A JSON body (the wasm serializes it). */
  body?: unknown;
  /** Keep the body out of the revealed ranges. */
  bodySecret?: boolean;
};

/** Tuning of one party's wasm runtime. */
export type PartyTuning = {
  /** initialize()'s thread_count (default 2: more does not help on 2 cores and costs memory). */
  threads?: number;
  network?: 'Bandwidth' | 'Latency';
  logLevel?: WasmLogLevel;
  /** resourceLimits of every wasm worker thread (default: 1 MB young generation; their JS heaps are nearly empty). */
  workerResourceLimits?: { maxYoungGenerationSizeMb?: number; maxOldGenerationSizeMb?: number; stackSizeMb?: number };
  /** Extra Node/V8 flags for the party process. */
  execArgv?: string[];
  /**
   * Keep this many party processes loaded and initialized ahead of the next sessions (session.ts `warmParties`;
   * 2 = one prover and one verifier): a session then skips process start, the wasm compile and the thread pool
   * start (~0.35 s idle, ~2 s at load 13, per party; the verifier's start delays the prover's). Costs ~0.14 GiB
   * of RSS per idle warm party.
   */
  warm?: number;
};

/** What a warm party preloads (the part of a job that decides how tlsn-wasm is loaded). */
export type PartyPreload = { wasmPath: string | undefined; tuning: PartyTuning };

export type ProverJob = {
  role: 'prover';
  serverName: string;
  request: ProveRequest;
  limits: Limits;
  relayUrl: string;
  proxyUrl: string;
  wasmPath?: string | undefined;
  tuning: PartyTuning;
};

export type VerifierJob = {
  role: 'verifier';
  limits: Limits;
  relayUrl: string;
  wasmPath?: string | undefined;
  tuning: PartyTuning;
};

export type ProverOutput = {
  status: number;
  sent: Uint8Array;
  recv: Uint8Array;
  sentRevealed: Range[];
  recvRevealed: Range[];
};

export type PartyStats = {
  /** Epoch ms at which each stage was reached; `start` is when the child began. */
  marks: Partial<Record<Stage | 'start', number>>;
  peakRssBytes: number;
  /** Size of the wasm linear memory at the end (shared by all the party's threads). */
  wasmMemoryBytes: number;
  /** Most wasm worker threads alive at once (each costs ~9–11 MB of RSS outside the wasm memory). */
  peakWorkers: number;
};

export type PartyMessage =
  | { type: 'stage'; stage: Stage; at: number }
  /** A warm party finished preloading (sent once, possibly after a session already took it). */
  | { type: 'preloaded' }
  /** Bytes are still flowing to this party: it is making progress even while a stage lasts long. */
  | { type: 'alive'; received: number /** bytes sent and received so far (the progress hook) */; bytes?: number }
  | { type: 'result'; output: ProverOutput | VerifiedTranscript; stats: PartyStats }
  | { type: 'failure'; message: string; code?: ErrorCode; closes: SocketClose[]; stats: PartyStats };
