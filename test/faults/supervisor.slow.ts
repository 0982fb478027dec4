// The process devnet under a crash, with real MPC-TLS: the README's quorum-2 example (`veritas request … --wait`) runs
// as a CLI process; while the sessions run, one operator process is killed with SIGKILL. The others fulfil
// (over-sampling: quorum 2, three provers), the supervisor reports which component died and how, and the CLI
// showed `mpc-progress` from the provers with increasing fractions. Run: `flock /tmp/veritas-mpc.lock npm run faults`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { getOracleHub } from '../../core/chain/contracts.ts';
import { createVeritasPublicClient } from '../../core/chain/clients.ts';
import { startDevnet } from '../../cli/devnet.ts';
import type { ProcessDevnet } from '../../cli/devnet-processes.ts';
import { describeState, type ComponentState } from '../../cli/supervisor.ts';

const VERITAS = fileURLToPath(new URL('../../cli/veritas.ts', import.meta.url));
let dataDir: string;
let devnet: ProcessDevnet | undefined;
before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'veritas-supervisor-'));
  // four operators: three provers are drawn, and a victim whose death leaves two sessions whole always exists
  // unless the draw is a notary cycle among the provers (then the test says so rather than pass)
  devnet = await startDevnet({ mode: 'processes', dataDir, log: pino({ level: 'silent' }), operators: 4 });
});
after(async () => {
  await devnet?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

type Line = {
  event?: string;
  requestId?: `0x${string}`;
  stage?: string;
  source?: string;
  detail?: Record<string, number> | null;
};

test('SIGKILL of one operator mid-session: the others fulfil, the supervisor reports it, progress was shown', async () => {
  const d = devnet!;
  const exits: ComponentState[] = [];
  d.supervisor.events.on('state', (s) => {
    if (s.state === 'exited') exits.push(s);
  });
  const cli = spawn(
    process.execPath,
    [
      ...process.execArgv,
      VERITAS,
      '--json',
      'request',
      'https://api.veritas.test/v1/price',
      '--json-path',
      '$.price',
      '--policy',
      'median',
      '--precision',
      '2',
      '--quorum',
      '2',
      '--api',
      d.api.url,
      '--api-key',
      d.api.key,
      '--wait',
      // the README's quorum-2 example, with room for a loaded 2-core machine (six MPC parties at once)
      '--ttl',
      '1800',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } },
  );
  const exited = new Promise<number | null>((r) => cli.once('close', (code) => r(code)));
  const stdout: string[] = [];
  const progress: Line[] = [];
  let requestId: `0x${string}` | undefined;
  let victim: { name: string; address: string } | undefined;
  let killing: Promise<void> | undefined;
  const hub = getOracleHub(d.deployment.hub, { publicClient: createVeritasPublicClient(d.rpcUrl, d.chainId) });

  // the victim: an operator whose death leaves at least two (prover, notary) pairs without it
  const chooseVictim = async () => {
    const [provers, notaries] = await hub.read.assignment([requestId!]);
    const pairs = provers.map((p, i) => [p.toLowerCase(), notaries[i]!.toLowerCase()] as const);
    const involved = [...new Set(pairs.flat())];
    const name = (a: string) => d.operators.find((o) => o.address.toLowerCase() === a)!.name;
    const ok = involved.find((x) => pairs.filter(([p, n]) => p !== x && n !== x).length >= 2);
    assert.ok(ok, `no operator can die with two sessions left whole: draw ${JSON.stringify(pairs)}`);
    victim = { name: name(ok), address: ok };
    process.kill(d.supervisor.state(victim.name)!.pid!, 'SIGKILL');
  };

  let buf = '';
  const stderr: string[] = [];
  cli.stdout.on('data', (b: Buffer) => stdout.push(b.toString()));
  cli.stderr.on('data', (b: Buffer) => {
    stderr.push(b.toString());
    buf += b.toString();
    const lines = buf.split('\n');
    buf = lines.pop() ?? '';
    for (const raw of lines) {
      let l: Line;
      try {
        l = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      // with --json the request id comes on stderr (`created`), the records alone on stdout
      if (l.event === 'created') requestId = l.requestId;
      if (l.event === 'progress') progress.push(l);
      // mid-session: the first prover reports MPC progress, so every drawn pair is at work
      if (l.event === 'progress' && !killing) killing = chooseVictim();
    }
  });
  const code = await exited;
  await killing;
  assert.equal(code, 0, `the CLI failed; its output:\n${stdout.join('')}\n${stderr.join('')}`);
  const records = stdout
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { record?: { value?: unknown } });
  assert.ok(records.length >= 1 && typeof records[0]!.record?.value === 'number', 'a fulfilled record with a number');

  // the supervisor said which one died, and how; it restarted nothing
  assert.ok(victim, 'an operator was killed');
  const report = exits.find((s) => s.name === victim!.name);
  assert.equal(report?.signal, 'SIGKILL');
  assert.match(describeState(report!), new RegExp(`^${victim.name} exited \\(SIGKILL\\), not restarted`));
  assert.equal(d.supervisor.state(victim.name)?.state, 'exited');
  for (const o of d.operators.filter((o) => o.name !== victim!.name))
    assert.equal(d.supervisor.state(o.name)?.state, 'ready', `${o.name} still runs`);

  // progress from a surviving prover: fractions rise, in the exact shape the request page renders
  const bySource = new Map<string, number[]>();
  for (const p of progress) {
    assert.deepEqual(Object.keys(p.detail ?? {}).toSorted(), ['bytes', 'expectedBytes', 'fraction']);
    bySource.set(p.source!, [...(bySource.get(p.source!) ?? []), p.detail!.fraction!]);
  }
  const survivor = [...bySource.entries()].find(([src, f]) => src !== victim!.address && f.length >= 2);
  assert.ok(survivor, `progress from a surviving prover: ${JSON.stringify([...bySource])}`);
  const fractions = survivor[1];
  for (let i = 1; i < fractions.length; i++) assert.ok(fractions[i]! > fractions[i - 1]!, `rising: ${fractions}`);
  assert.ok(fractions.every((f) => f >= 0 && f <= 1));
  // recorded for the report: how long the session took, and the bytes a prover really exchanged
  process.stdout.write(`# progress ${JSON.stringify(Object.fromEntries(bySource))}\n`);
  const last = progress.filter((p) => p.source === survivor[0]).at(-1)!;
  process.stdout.write(`# final bytes ${last.detail!.bytes} expected ${last.detail!.expectedBytes}\n`);
});
