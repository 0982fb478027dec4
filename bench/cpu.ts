// CPU accounting for the benchmarks: CPU-seconds of this process and of its finished children (the MPC-TLS party
// processes), the machine's utilisation between two samples, and the load average sampled during a run.
//
// Party processes are children of the benchmark process (the harness and the devnet's operators spawn them), and
// the kernel adds a child's user + system time to its parent's `cutime`/`cstime` once the child has been waited for —
// which node does on exit. So the difference of those counters across a session is the CPU its parties used, with no
// change to the party code. Linux only (/proc); elsewhere the figures are NaN.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI node runs on

function procFields(file: string): string[] | undefined {
  try {
    return readFileSync(file, 'utf8').split('\n')[0]!.trim().split(/\s+/);
  } catch {
    return undefined;
  }
}

/** CPU-seconds (user + system) of the children this process has waited for, since it started. */
export function childrenCpuSeconds(): number {
  let text: string;
  try {
    text = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return Number.NaN;
  }
  // Fields after the command name (which may contain spaces, so count from the ')'); cutime, cstime are 16, 17.
  const after = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(after[16 - 3]) + Number(after[17 - 3])) / TICKS_PER_SECOND;
}

/** CPU-seconds (user + system) of this process, all its threads. */
export function selfCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export type CpuSample = { busy: number; total: number };
/** A sample of the machine's CPU counters; `utilisation(a, b)` is the busy fraction of all cores between them. */
export function machineCpu(): CpuSample {
  const f = procFields('/proc/stat');
  if (f?.[0] !== 'cpu') return { busy: Number.NaN, total: Number.NaN };
  const v = f.slice(1).map(Number);
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0); // user … steal (guest time is already in user)
  return { busy: total - idle, total };
}
export const utilisation = (a: CpuSample, b: CpuSample): number => (b.busy - a.busy) / (b.total - a.total);

/** Samples the 1-minute load average every `everyMs` until stopped; returns min / mean / max. */
export function sampleLoad(everyMs = 5000): () => { min: number; mean: number; max: number; samples: number } {
  const xs = [loadavg()[0]!];
  const timer = setInterval(() => xs.push(loadavg()[0]!), everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    xs.push(loadavg()[0]!);
    const r = (x: number) => +x.toFixed(2);
    return {
      min: r(Math.min(...xs)),
      mean: r(xs.reduce((a, b) => a + b, 0) / xs.length),
      max: r(Math.max(...xs)),
      samples: xs.length,
    };
  };
}
