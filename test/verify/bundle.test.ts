// verifyBundle against a real anvil + OracleHub: a genuine bundle passes every check; each kind of forgery is
// rejected by its own check with its own code. (Why real signatures but no MPC session: see test/verify/world.ts.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { hashJson } from '../../core/canonical.ts';
import { bundleContext, readOnChainRequest } from '../../core/verify/chain.ts';
import { BUNDLE_CHECKS, verifyBundle, type BundleVerification } from '../../core/verify/bundle.ts';
import {
  baseSpec,
  flipByte,
  makeBundle,
  placeRequest,
  respond,
  startWorld,
  type PlacedRequest,
  type World,
} from './world.ts';

let world: World;
let a: PlacedRequest;
let b: PlacedRequest;
const body = JSON.stringify({ price: 101.25, currency: 'USD' });

before(async () => {
  world = await startWorld({ operators: 3 });
  a = await placeRequest(world, baseSpec({ quorum: 2 }));
  b = await placeRequest(world, baseSpec({ quorum: 2, name: 'another request' }));
});
after(async () => {
  await world?.close();
});

async function ctxFor(req: PlacedRequest, opts: { acceptDevnetProofs?: boolean; prover?: string } = {}) {
  const onchain = await readOnChainRequest(world.publicClient, world.deployment.hub, req.requestId);
  const response = onchain.responses.find((r) => r.prover === opts.prover);
  return bundleContext(onchain, req.spec, { acceptDevnetProofs: opts.acceptDevnetProofs ?? false, response });
}

const rejectedBy = (r: BundleVerification, name: string, code: string) => {
  assert.equal(r.ok, false);
  assert.equal(r.failed?.name, name, `expected ${name} to fail first, got ${JSON.stringify(r.failed)}`);
  assert.equal(r.failed?.code, code);
  assert.equal(r.checks.find((c) => c.name === name)?.status, 'fail');
};

test('a genuine bundle, submitted on-chain, passes every named check', async () => {
  const prover = a.provers[0]!;
  const bundle = await makeBundle(world, a, prover, { body });
  await respond(world, bundle);
  const r = await verifyBundle(bundle, await ctxFor(a, { prover }));
  assert.deepEqual(
    r.checks.map((c) => c.name),
    [...BUNDLE_CHECKS],
  );
  assert.deepEqual(
    r.checks.filter((c) => c.status !== 'pass'),
    [],
  );
  assert.equal(r.ok, true);
  assert.equal(r.bundle?.value, 101.25);
});

test('malformed JSON fails the schema check and skips the rest', async () => {
  const r = await verifyBundle({ version: 2, hub: 'nope' }, await ctxFor(a));
  rejectedBy(r, 'schema', 'BUNDLE_INVALID');
  assert.ok(r.checks.slice(1).every((c) => c.status === 'skip'));
});

test('hub v2: a version-1 bundle fails with UNSUPPORTED_VERSION', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body });
  rejectedBy(await verifyBundle({ ...bundle, version: 1 }, await ctxFor(a)), 'schema', 'UNSUPPORTED_VERSION');
});

test('hub v2: a bundle labelled webpki whose notary signed devnet is refused (trust is the signed byte)', async () => {
  // the prover relabels a devnet session as webpki; the notary-signed attestation still says devnet
  const bundle = await makeBundle(world, a, a.provers[0]!, {
    body,
    trust: 'devnet',
    tamper: (x) => ({ ...x, trust: 'webpki' }),
  });
  rejectedBy(await verifyBundle(bundle, await ctxFor(a)), 'trust', 'TRUST_MODE_REFUSED');
});

test('hub v2: an attestation signed for another spec is refused (specHash binding)', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, {
    body,
    tamper: (x) => ({ ...x, attestation: { ...x.attestation, specHash: `0x${'11'.repeat(32)}` } }),
  });
  const r = await verifyBundle(bundle, await ctxFor(a));
  assert.equal(r.ok, false);
});

test('attack: a session from before the request existed (replayed or pre-computed) is refused: TRANSCRIPT_MISMATCH', async () => {
  // A notary-signed session of 2023 replayed for this request: every byte and signature genuine, only its time wrong.
  const bundle = await makeBundle(world, a, a.provers[0]!, { body, tlsTime: 1_700_000_000 });
  const r = await verifyBundle(bundle, await ctxFor(a));
  rejectedBy(r, 'session', 'TRANSCRIPT_MISMATCH');
  assert.match(r.failed?.message ?? '', /before the request was created/);
});

test('attack: a session after the request’s deadline is refused: TRANSCRIPT_MISMATCH', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body, tlsTime: a.spec.deadline + 3600 });
  const r = await verifyBundle(bundle, await ctxFor(a));
  rejectedBy(r, 'session', 'TRANSCRIPT_MISMATCH');
  assert.match(r.failed?.message ?? '', /after the request's deadline/);
});

test('a tampered transcript byte is rejected: TRANSCRIPT_MISMATCH', async () => {
  // byte 9 of the response is in "200 OK": inside the revealed range, so only the hash can catch it
  const bundle = await makeBundle(world, a, a.provers[0]!, {
    body,
    tamper: (x) => ({ ...x, transcript: { ...x.transcript, recv: flipByte(x.transcript.recv, 20) } }),
  });
  rejectedBy(await verifyBundle(bundle, await ctxFor(a)), 'transcript-hashes', 'TRANSCRIPT_MISMATCH');
});

test('a hidden byte that is not zero is rejected: BUNDLE_INVALID (transcript-ranges)', async () => {
  // Inside the secret Authorization slot of the spec's request (see exchange in world.ts).
  const slotOf = (sent: string) =>
    Buffer.from(sent, 'base64').indexOf('authorization: ') + 'authorization: '.length + 2;
  const bundle = await makeBundle(world, a, a.provers[0]!, {
    body,
    tamper: (x) => ({
      ...x,
      transcript: { ...x.transcript, sent: flipByte(x.transcript.sent, slotOf(x.transcript.sent)) },
    }),
  });
  rejectedBy(await verifyBundle(bundle, await ctxFor(a)), 'transcript-ranges', 'BUNDLE_INVALID');
});

test('a forged notary signature is rejected: BAD_SIGNATURE', async () => {
  const forger = privateKeyToAccount(generatePrivateKey());
  const bundle = await makeBundle(world, a, a.provers[0]!, { body, attestationSigner: forger });
  const r = await verifyBundle(bundle, await ctxFor(a));
  rejectedBy(r, 'notary-signature', 'BAD_SIGNATURE');
  assert.match(r.failed!.message, new RegExp(forger.address.toLowerCase()));
});

test('a bundle replayed under another request id is rejected: REQUEST_MISMATCH', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body });
  const r = await verifyBundle(bundle, await ctxFor(b));
  rejectedBy(r, 'request', 'REQUEST_MISMATCH');
  assert.match(r.failed!.message, /another request/);
});

test('a devnet bundle is refused under production policy (TRUST_MODE_REFUSED) and accepted on a devnet', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body, trust: 'devnet' });
  rejectedBy(await verifyBundle(bundle, await ctxFor(a, { acceptDevnetProofs: false })), 'trust', 'TRUST_MODE_REFUSED');
  assert.equal((await verifyBundle(bundle, await ctxFor(a, { acceptDevnetProofs: true }))).ok, true);
});

test('a value that does not match its own transcript is rejected: VALUE_MISMATCH', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body, tamper: (x) => ({ ...x, value: 999 }) });
  const r = await verifyBundle(bundle, await ctxFor(a));
  rejectedBy(r, 'extraction', 'VALUE_MISMATCH');
  // and a notary that attested a value its transcript does not contain is caught the same way
  const lying = await makeBundle(world, a, a.provers[0]!, {
    body,
    tamper: (x) => ({ ...x, value: 5, attestation: { ...x.attestation, resultHash: hashJson(5) } }),
  });
  const r2 = await verifyBundle(lying, await ctxFor(a));
  assert.equal(r2.ok, false);
  assert.ok(r2.checks.some((c) => c.name === 'extraction' && c.code === 'VALUE_MISMATCH'));
});

test('a forged prover signature and a wrong chain are each named', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body });
  rejectedBy(
    await verifyBundle({ ...bundle, timings: { total: 1 } }, await ctxFor(a)),
    'prover-signature',
    'BAD_SIGNATURE',
  );
  const ctx = await ctxFor(a);
  rejectedBy(await verifyBundle(bundle, { ...ctx, chainId: ctx.chainId + 1 }), 'chain', 'REQUEST_MISMATCH');
});

test('a prover that is not the one the contract assigned is rejected: NOT_ASSIGNED', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body });
  const ctx = await ctxFor(a);
  const swapped = {
    ...ctx,
    assignment: { provers: ctx.assignment.provers, notaries: [...ctx.assignment.notaries].reverse() },
  };
  if (swapped.assignment.notaries[0] === ctx.assignment.notaries[0])
    swapped.assignment.notaries[0] = world.operators.find(
      (o) => o.address !== ctx.assignment.notaries[0] && o.address !== bundle.prover,
    )!.address;
  rejectedBy(await verifyBundle(bundle, swapped), 'assignment', 'NOT_ASSIGNED');
  rejectedBy(
    await verifyBundle(bundle, { ...ctx, isRegistered: (x) => x !== bundle.notary }),
    'assignment',
    'NOT_ASSIGNED',
  );
});

test('a value outside the spec’s result schema is rejected: RESULT_SCHEMA_MISMATCH', async () => {
  const bundle = await makeBundle(world, a, a.provers[0]!, { body });
  const ctx = await ctxFor(a);
  const strict = {
    ...ctx,
    spec: { ...ctx.spec, resultSchema: { type: 'number', maximum: 100 } },
    resultValidator: undefined,
  };
  rejectedBy(await verifyBundle(bundle, strict), 'result-schema', 'RESULT_SCHEMA_MISMATCH');
});
