// Attack (issue 13, "Bounded relay"): anyone can reach a notary. A relay room must exist only for a session the notary
// accepted, and a flood of hellos — bogus, and validly signed by fresh keys that are not assigned — must leave the
// notary's memory bounded: the used-nonce set is capped and forgets nonces once their hello is outside the window.
// Sizes are read from the service's stats(), never from RSS or timing; the notary's clock is injected.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { toHex, type Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { rootLogger } from '../../core/log.ts';
import type { OperatorContext } from '../../operator/context.ts';
import { HELLO_WINDOW_SECONDS, startNotaryService, type NotaryService } from '../../operator/notary.ts';
import { signHello } from '../../operator/protocol.ts';
import { createFileStore } from '../../operator/store.ts';
import { deployFixture, operatorChainContext, startChain, type Chain, type Veritas } from '../support/chain.ts';

const log = rootLogger().child({ test: 'notary-bounds' });
log.level = 'silent';
let chain: Chain;
let v: Veritas;
let notary: NotaryService;
let dir: string;
let clock = Date.now();
const MAX_NONCES = 40;

before(async () => {
  chain = await startChain(8);
  v = await deployFixture(chain, { operatorCount: 3 });
  dir = await mkdtemp(join(tmpdir(), 'veritas-notary-bounds-'));
  const wallet = v.operators[0]!;
  const ctx = {
    ...operatorChainContext(v, wallet),
    log,
    trust: 'webpki',
  } as unknown as OperatorContext; // no session is ever accepted here, so no MPC settings are read
  notary = await startNotaryService(ctx, {
    host: '127.0.0.1',
    port: 0,
    attestations: createFileStore(join(dir, 'attestations')),
    sessionTimeoutMs: 5_000,
    maxNonces: MAX_NONCES,
    now: () => clock,
  });
});
after(async () => {
  await notary?.close();
  await chain?.anvil.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Opens a control socket, sends `hello`, returns the notary's first answer. */
function exchange(hello: unknown): Promise<{ type: string; code?: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${notary.url}/session`);
    ws.onopen = () => ws.send(JSON.stringify(hello));
    ws.onmessage = (e) => {
      resolve(JSON.parse(String(e.data)));
      ws.close();
    };
    ws.onerror = () => reject(new Error('control socket failed'));
  });
}

const helloFrom = async (key = generatePrivateKey(), over: { issuedAt?: number } = {}) => {
  const account = privateKeyToAccount(key);
  return signHello(account, {
    chainId: chain.anvil.chainId,
    hub: v.hub.toLowerCase() as Hex,
    requestId: toHex(randomBytes(32)),
    prover: account.address.toLowerCase() as Hex,
    notary: v.operators[0]!.account.address.toLowerCase() as Hex,
    nonce: randomBytes(16).toString('hex'),
    issuedAt: over.issuedAt ?? Math.floor(clock / 1000),
  });
};

test('a relay room without an accepted session is refused', async () => {
  const room = randomBytes(16).toString('hex');
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(notary.port, '127.0.0.1', () =>
      socket.write(
        `GET /relay?room=${room}&role=prover HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(answer, /^HTTP\/1\.1 403 /);
  assert.equal(notary.stats().relay.rooms, 0);
});

test('a flood of bogus and validly signed hellos keeps the nonce set bounded; old nonces are forgotten', async () => {
  const codes = new Map<string, number>();
  const count = (a: { code?: string }) => codes.set(a.code ?? 'none', (codes.get(a.code ?? 'none') ?? 0) + 1);
  // bogus: signed by another key than the prover it names
  for (let i = 0; i < 30; i++) {
    const h = await helloFrom();
    const forged = await helloFrom();
    count(await exchange({ ...h, signature: forged.signature }));
  }
  assert.equal(codes.get('BAD_SIGNATURE'), 30);
  assert.equal(notary.stats().usedNonces, 0, 'a hello that fails its signature leaves nothing behind');
  // valid-looking: fresh keys, correctly signed, fresh nonce; nobody assigned them
  for (let i = 0; i < 100; i += 10) {
    const batch = await Promise.all(Array.from({ length: 10 }, () => helloFrom()));
    for (const a of await Promise.all(batch.map(exchange))) count(a);
  }
  assert.ok(notary.stats().usedNonces <= MAX_NONCES, `usedNonces ${notary.stats().usedNonces}`);
  assert.equal(codes.get('NOT_ASSIGNED'), MAX_NONCES, 'answered until the nonce set is full');
  assert.equal(codes.get('BUSY'), 100 - MAX_NONCES, 'then refused (retryable) instead of growing');
  assert.equal(notary.stats().relay.rooms, 0, 'no relay room for any of them');
  assert.equal(notary.stats().inFlight, 0);

  // a hello outside the window is refused; once the window has passed, every remembered nonce is forgotten
  const stale = await helloFrom(undefined, { issuedAt: Math.floor(clock / 1000) - HELLO_WINDOW_SECONDS - 5 });
  assert.equal((await exchange(stale)).code, 'INPUT_INVALID');
  clock += 2 * HELLO_WINDOW_SECONDS * 1000 + 1000;
  assert.equal((await exchange(await helloFrom())).code, 'NOT_ASSIGNED');
  assert.equal(notary.stats().usedNonces, 1, 'pruned by time: only the newest nonce is left');
});
