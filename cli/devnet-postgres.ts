// The process devnet's shared database: the aggregator and the API are separate processes that share one
// PostgreSQL (as API replicas would), which an embedded PGlite (one session, one connection) cannot be. So: a fresh
// database on the server DATABASE_URL names, or a private PostgreSQL server under the data directory, run by the
// supervisor as one more component; undefined when neither is possible (the caller says so and falls back).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
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

/** Where this machine's PostgreSQL server binaries are (PATH, then Debian's /usr/lib/postgresql/<v>/bin). */
export function findPostgresBin(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(path.delimiter))
    if (d && existsSync(path.join(d, 'initdb')) && existsSync(path.join(d, 'postgres'))) return d;
  const debian = '/usr/lib/postgresql';
  if (!existsSync(debian)) return undefined;
  const versions = readdirSync(debian)
    .filter((v) => existsSync(path.join(debian, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(debian, versions[0], 'bin') : undefined;
}

/**
 * Initialises a private cluster in `dir` (trust auth, loopback only) and returns the component that runs it.
 * PostgreSQL refuses to run as root: as root it runs as the `postgres` user (Debian's package creates it).
 */
export async function localServer(
  bin: string,
  dir: string,
  port: number,
): Promise<{ spec: Omit<ComponentSpec, 'logFile'>; url: string }> {
  await mkdir(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const [initCmd, initArgs] = wrap(path.join(bin, 'initdb'), ['-D', dir, '-A', 'trust', '-U', 'postgres']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const [cmd, args] = wrap(path.join(bin, 'postgres'), [
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
  };
}

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
