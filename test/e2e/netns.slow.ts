// Operators as separate hosts: each `veritas operator` runs in its own Linux network namespace with its own address
// (a veth pair into a bridge), so nothing can rely on a shared loopback; the chain, the fixture site, the API and
// the aggregator listen on the bridge's address. A quorum-2 request is fulfilled across them under real MPC-TLS.
// Needs root and iproute2 (CI runs as root); otherwise it is skipped, saying why. Run it under the shared MPC lock:
// flock /tmp/veritas-mpc.lock npm run e2e:netns
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import type { Hex } from 'viem';
import { createVeritasPublicClient } from '../../core/chain/clients.ts';
import { getOracleHub, operatorRegistryAbi } from '../../core/chain/contracts.ts';
import { decodeOperatorMetadata } from '../../core/operator-metadata.ts';
import { privateBalanceSpec } from '../../cli/devnet.ts';
import { startProcessDevnet, type ProcessDevnet } from '../../cli/devnet-processes.ts';
import { EXIT } from '../../cli/exit.ts';
import { jsonl, veritas } from '../cli/run.ts';

const OPERATORS = 2;
const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((p) => existsSync(p));
const ip = (...args: string[]): string =>
  execFileSync(IP!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quietly = (f: () => unknown): void => {
  try {
    f();
  } catch {
    // already gone
  }
};

// Every name carries this process's id (`vr-<pid36>-…`, ≤ 15 characters for an interface), so parallel runs never
// collide and a run that was SIGKILLed can be recognised and swept by the next one.
const TAG = `vr-${process.pid.toString(36)}`;
const OWN = /^vr-([0-9a-z]+)-/;

type Network = {
  /** The bridge's address: chain, fixture site, API and aggregator listen here. */
  hub: string;
  /** Operator i's namespace and address. */
  hosts: { ns: string; address: string }[];
  /** Kills what still runs in the namespaces and deletes namespaces, veths and the bridge. Idempotent. */
  remove(): void;
};

/** Why this machine cannot run the test, or undefined: probes exactly what the set-up needs, then undoes it. */
function unsupported(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux-only';
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces, a bridge and veth pairs';
  if (!IP) return 'needs `ip` (iproute2) at /usr/sbin/ip, /sbin/ip or /usr/bin/ip';
  const [ns, br, veth] = [`${TAG}-probe`, `${TAG}-pb`, `${TAG}-pv`];
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', br, 'type', 'bridge');
    ip('link', 'add', veth, 'type', 'veth', 'peer', 'name', `${veth}x`);
    ip('link', 'set', `${veth}x`, 'netns', ns);
    return undefined;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return `the kernel or container refuses network namespaces, bridges or veths: ${(err.stderr || err.message).trim()}`;
  } finally {
    quietly(() => ip('link', 'del', veth));
    quietly(() => ip('link', 'del', br));
    quietly(() => ip('netns', 'del', ns));
  }
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Namespaces and links a SIGKILLed earlier run of this test left behind (its process is gone). */
function sweepLeftovers(): void {
  const stale = (name: string) => {
    const m = OWN.exec(name);
    return m !== null && !alive(Number.parseInt(m[1]!, 36));
  };
  for (const ns of ip('netns', 'list')
    .split('\n')
    .map((l) => l.split(' ')[0]!))
    if (stale(ns)) removeNamespace(ns);
  for (const link of ip('-o', 'link', 'show')
    .split('\n')
    .map((l) => l.split(': ')[1]?.split('@')[0] ?? ''))
    if (stale(link)) quietly(() => ip('link', 'del', link));
}

function removeNamespace(ns: string): void {
  // deleting a namespace does not end its processes (it lives on while they run): end them first
  const pids = (() => {
    try {
      return ip('netns', 'pids', ns).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  })();
  for (const pid of pids) quietly(() => process.kill(pid, 'SIGKILL'));
  quietly(() => ip('netns', 'del', ns));
}

/** A /24 under 10.77.0.0/16 that no interface of this host uses, starting from one derived from the pid. */
function freeSubnet(): number {
  const used = new Set([...ip('-4', '-o', 'addr', 'show').matchAll(/inet 10\.77\.(\d+)\./g)].map((m) => Number(m[1])));
  for (let k = 0; k < 254; k++) {
    const n = 1 + ((process.pid + k) % 254);
    if (!used.has(n)) return n;
  }
  throw new Error('no free /24 under 10.77.0.0/16');
}

/** The bridge `<tag>-br` at 10.77.N.1/24 and, per operator, namespace `<tag>-n<i>` at 10.77.N.(11+i) over a veth. */
function createNetwork(operators: number): Network {
  const net = freeSubnet();
  const bridge = `${TAG}-br`;
  const hosts = Array.from({ length: operators }, (_, i) => ({
    ns: `${TAG}-n${i}`,
    address: `10.77.${net}.${11 + i}`,
  }));
  let removed = false;
  const network: Network = {
    hub: `10.77.${net}.1`,
    hosts,
    remove() {
      if (removed) return;
      removed = true;
      for (const [i, h] of hosts.entries()) {
        removeNamespace(h.ns);
        quietly(() => ip('link', 'del', `${TAG}-h${i}`));
      }
      quietly(() => ip('link', 'del', bridge));
    },
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${network.hub}/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const [i, h] of hosts.entries()) {
      const [outside, inside] = [`${TAG}-h${i}`, `${TAG}-p${i}`];
      ip('netns', 'add', h.ns);
      ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
      ip('link', 'set', inside, 'netns', h.ns);
      ip('link', 'set', outside, 'master', bridge, 'up');
      ip('-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', inside);
      ip('-n', h.ns, 'link', 'set', inside, 'up');
      // the operator's own loopback: its prover reaches its ws→TCP proxy there
      ip('-n', h.ns, 'link', 'set', 'lo', 'up');
    }
  } catch (e) {
    network.remove();
    throw e;
  }
  return network;
}

/** What of this run is still on the host (namespaces and links named with its tag): empty after clean-up. */
const leftovers = (): string[] =>
  [
    ...ip('netns', 'list').split('\n'),
    ...ip('-o', 'link', 'show')
      .split('\n')
      .map((l) => l.split(': ')[1] ?? ''),
  ]
    .map((l) => l.split(/[ @]/)[0]!)
    .filter((name) => name.startsWith(`${TAG}-`));

const reason = unsupported();

test('operators in their own network namespaces: a quorum-2 request is fulfilled across them', {
  skip: reason ? `cannot run here: ${reason}` : false,
}, async (t) => {
  sweepLeftovers();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-netns-'));
  const kept = `${dataDir}-logs`;
  const network = createNetwork(OPERATORS);
  // even if the runner exits without running the hook, the host keeps no namespace of ours
  process.once('exit', () => network.remove());
  let devnet: ProcessDevnet | undefined;
  let passed = false;
  t.after(async () => {
    await devnet?.stop();
    network.remove();
    // a failed run keeps its components' logs (the failure message names where); the rest goes
    if (!passed) await cp(path.join(dataDir, 'logs'), kept, { recursive: true }).catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
    assert.deepEqual(leftovers(), [], 'every namespace, veth and the bridge are gone');
  });

  devnet = await startProcessDevnet({
    dataDir,
    log: pino({ level: 'silent' }),
    operators: OPERATORS,
    hubHost: network.hub,
    operatorHosts: (i) => ({ host: network.hosts[i]!.address, prefix: [IP!, 'netns', 'exec', network.hosts[i]!.ns] }),
  });
  const d = devnet;
  const publicClient = createVeritasPublicClient(d.rpcUrl, d.chainId);

  // each operator process lives in its namespace, and the registry tells the others its own address there
  for (const [i, o] of d.operators.entries()) {
    const { ns, address } = network.hosts[i]!;
    assert.equal(ip('netns', 'identify', String(o.pid)).trim(), ns, `${o.name} runs in ${ns}`);
    assert.equal(new URL(o.notaryUrl).hostname, address, `${o.name}'s notary listens on ${address}`);
    const info = await publicClient.readContract({
      address: d.deployment.registry,
      abi: operatorRegistryAbi,
      functionName: 'operatorInfo',
      args: [o.address],
    });
    assert.equal(decodeOperatorMetadata(info.metadataURI).notaryUrl, o.notaryUrl, 'registry metadata');
  }
  assert.equal(new URL(d.api.url).hostname, network.hub, 'the API listens on the bridge, not on loopback');

  const chainNow = Number((await publicClient.getBlock()).timestamp);
  const specFile = path.join(dataDir, 'spec.json');
  await writeFile(specFile, JSON.stringify(privateBalanceSpec(2, chainNow + 3_600)));
  const run = await veritas(['request', '--spec', specFile, '--wait', '--json'], {
    VERITAS_API_URL: d.api.url,
    VERITAS_API_KEY: d.api.key,
    NO_COLOR: '1',
  });
  assert.equal(run.code, EXIT.OK, `${run.stderr}\nlogs kept in ${kept}`);
  const created = jsonl(run.stderr).find((e) => e.event === 'created')!;
  const [record] = jsonl(run.stdout);
  const { value, sources } = record!.record as { value: number; sources: { prover: string; notary: string }[] };
  assert.equal(typeof value, 'number');
  // both operators proved, each notarised by the other: every session crossed from one namespace to another
  const operators = d.operators.map((o) => o.address.toLowerCase());
  assert.equal(sources.length, 2);
  for (const s of sources) {
    assert.ok(operators.includes(s.prover.toLowerCase()) && operators.includes(s.notary.toLowerCase()));
    assert.notEqual(s.prover.toLowerCase(), s.notary.toLowerCase());
  }
  const onChain = await getOracleHub(d.deployment.hub, { publicClient }).read.getRequest([
    String(created.requestId) as Hex,
  ]);
  assert.equal(onChain.merkleRoot, record!.merkleRoot, 'the root the CLI printed is the hub’s');
  passed = true;
});
