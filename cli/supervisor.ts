// Supervises the devnet's components as OS processes: starts each one, tracks its state (starting → ready → exited
// with its code or signal), reports a crash and restarts nothing, and stops them all (its whole process group, so
// an operator's MPC party processes go too) on stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { VeritasError } from '../core/errors.ts';

export type ComponentSpec = {
  name: string;
  command: string;
  args: string[];
  /** The whole environment of the child: nothing else leaks in from the supervisor's own. */
  env: Record<string, string>;
  /** stdout and stderr of the child, appended. */
  logFile: string;
  /**
   * When the component counts as ready: `up` = it printed its JSON `{"event":"up",…}` line and the `/readyz` that
   * `readyUrl(up)` names answers 200; `spawned` = as soon as it runs (a component without a health endpoint).
   */
  ready: { kind: 'up'; readyUrl: (up: Record<string, unknown>) => string | undefined } | { kind: 'spawned' };
  /** Longest wait for ready (default 120 s). */
  startTimeoutMs?: number;
};

export type ComponentState = {
  name: string;
  state: 'starting' | 'ready' | 'exited' | 'stopped';
  pid: number | undefined;
  /** Set once it has exited: its exit code, or the signal that ended it. */
  code?: number | null;
  signal?: NodeJS.Signals | null;
  /** What it printed in its `up` line (URLs, addresses, IPFS multiaddrs). */
  up?: Record<string, unknown>;
  logFile: string;
};

export type Supervisor = {
  /** Starts a component and resolves once it is ready; rejects (naming its log) when it exits or times out first. */
  start(spec: ComponentSpec): Promise<ComponentState>;
  states(): ComponentState[];
  state(name: string): ComponentState | undefined;
  /** Every state change; `exited` without stop() having been called is a crash. */
  events: EventEmitter<{ state: [ComponentState] }>;
  /** SIGTERM to every component (last started first), SIGKILL after `graceMs`; resolves when all have exited. */
  stop(graceMs?: number): Promise<void>;
};

/** One line for a state, e.g. `operator-2  exited (SIGKILL), not restarted`. */
export function describeState(s: ComponentState): string {
  if (s.state === 'exited')
    return `${s.name} exited (${s.signal ?? `code ${s.code}`}), not restarted; log ${s.logFile}`;
  return `${s.name} ${s.state}${s.pid ? ` (pid ${s.pid})` : ''}`;
}

export function createSupervisor(): Supervisor {
  const events = new EventEmitter<{ state: [ComponentState] }>();
  const children = new Map<string, { child: ChildProcess; state: ComponentState; exited: Promise<void> }>();
  let stopping = false;
  const set = (s: ComponentState, change: Partial<ComponentState>) => {
    Object.assign(s, change);
    events.emit('state', { ...s });
  };

  const start = async (spec: ComponentSpec): Promise<ComponentState> => {
    if (children.has(spec.name)) throw new VeritasError('INPUT_INVALID', `${spec.name} already started`);
    if (stopping) throw new VeritasError('INPUT_INVALID', 'the supervisor is stopping');
    const log: WriteStream = createWriteStream(spec.logFile, { flags: 'a' });
    // its own process group: a signal for the terminal's group (Ctrl-C) reaches the supervisor only, which then
    // stops each component in order; and stop() can end a component together with the processes it started
    const child = spawn(spec.command, spec.args, { env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const state: ComponentState = { name: spec.name, state: 'starting', pid: child.pid, logFile: spec.logFile };
    const exited = new Promise<void>((resolve) =>
      child.once('close', (code, signal) => {
        log.end();
        set(state, { state: stopping ? 'stopped' : 'exited', code, signal });
        resolve();
      }),
    );
    children.set(spec.name, { child, state, exited });
    events.emit('state', { ...state });

    let buffered = '';
    let onUp: ((up: Record<string, unknown>) => void) | undefined;
    const upSeen = new Promise<Record<string, unknown>>((resolve) => {
      onUp = resolve;
    });
    child.stdout?.on('data', (d: Buffer) => {
      log.write(d);
      buffered += d.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.includes('"event":"up"')) continue;
        try {
          const up = JSON.parse(line) as Record<string, unknown>;
          if (up.event === 'up') onUp?.(up);
        } catch {
          // a log line that merely mentions it
        }
      }
    });
    child.stderr?.on('data', (d: Buffer) => log.write(d));

    const timeoutMs = spec.startTimeoutMs ?? 120_000;
    const failed = exited.then(() => {
      throw new VeritasError(
        'CONFIG_INVALID',
        `${spec.name} exited before it was ready (${state.signal ?? `code ${state.code}`}); see ${spec.logFile}`,
        { details: { component: spec.name, code: state.code, signal: state.signal } },
      );
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new VeritasError('TIMEOUT', `${spec.name} not ready after ${timeoutMs} ms; see ${spec.logFile}`)),
        timeoutMs,
      );
    });
    let abandoned = false;
    const ready = (async () => {
      if (spec.ready.kind === 'spawned') return;
      const up = await upSeen;
      state.up = up;
      const url = spec.ready.readyUrl(up);
      if (url) await untilReady(url, () => abandoned || state.state !== 'starting');
    })();
    try {
      await Promise.race([ready, failed, timedOut]);
    } finally {
      abandoned = true;
      clearTimeout(timer);
    }
    set(state, { state: 'ready' });
    return { ...state };
  };

  return {
    start,
    states: () => [...children.values()].map((c) => ({ ...c.state })),
    state: (name) => {
      const c = children.get(name);
      return c ? { ...c.state } : undefined;
    },
    events,
    async stop(graceMs = 15_000) {
      stopping = true;
      for (const { child, state, exited } of [...children.values()].reverse()) {
        const group = (signal: NodeJS.Signals) => {
          try {
            // the whole group: the component and any process it started (MPC parties) that outlived it
            if (child.pid) process.kill(-child.pid, signal);
          } catch {
            // already gone
          }
        };
        if (state.state === 'exited') {
          group('SIGKILL');
          continue;
        }
        group('SIGTERM');
        const timer = setTimeout(() => group('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
        group('SIGKILL');
      }
    },
  };
}

/** Polls `/readyz` until it answers 200 (the component's own readiness: its database and chain answer). */
async function untilReady(url: string, gaveUp: () => boolean): Promise<void> {
  while (!gaveUp()) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
