import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashMessage, keccak256, recoverAddress, toHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import {
  assertCanonicalSignature,
  attestationDigest,
  attestationDomain,
  signAttestation,
} from '../../core/chain/attestation.ts';
import { isVeritasError } from '../../core/errors.ts';
import {
  attestationDigestFast,
  eip191Digest,
  recoverAttestationSignerFast,
  nativeRecoveryError,
  recoverDigestSigner,
  recoverDigestSignerWith,
  recoverRawMessageSigner,
  recoveryBackend,
} from '../../core/verify/recover.ts';

const keys = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const;
const accounts = keys.map((k) => privateKeyToAccount(k));
const h = (i: number): Hex => keccak256(toHex(`item ${i}`));
const lower = (a: Address) => a.toLowerCase() as Address;

test('recoverDigestSigner gives viem’s recoverAddress on many signatures (both v parities)', async () => {
  const parities = new Set<number>();
  for (let i = 0; i < 60; i++) {
    const account = accounts[i % 3]!;
    const signature = await account.sign({ hash: h(i) });
    parities.add(Number.parseInt(signature.slice(-2), 16));
    assert.equal(recoverDigestSigner(h(i), signature), lower(await recoverAddress({ hash: h(i), signature })));
    assert.equal(recoverDigestSigner(h(i), signature), lower(account.address));
  }
  assert.deepEqual([...parities].sort(), [27, 28]);
});

test('eip191Digest is viem’s hashMessage({ raw }) and recovers personal_sign signers', async () => {
  // 16 KiB + 1 is more than the hashing window holds
  for (const raw of [h(1), '0x', '0x00', toHex('x'.repeat(100)), toHex('y'.repeat(16 * 1024 + 1))] as Hex[]) {
    assert.equal(eip191Digest(raw), hashMessage({ raw }));
    const signature = await accounts[0]!.signMessage({ message: { raw } });
    assert.equal(recoverRawMessageSigner(raw, signature), lower(accounts[0]!.address));
  }
});

test('a signed message that is not hex is refused, whatever its length', () => {
  for (const bad of ['0x0', '0xzz', `${h(1)}zz`, `0x${'ab'.repeat(10)}g0`, h(1).slice(2), `0x${'ab'.repeat(9000)}zz`])
    assert.throws(
      () => eip191Digest(bad as Hex),
      (e) => isVeritasError(e, 'BAD_SIGNATURE'),
      bad.slice(0, 20),
    );
});

const att = (i: number, tlsTime: number | bigint = 1_700_000_000 + i) => ({
  requestId: h(i),
  specHash: h(i + 5000),
  prover: lower(accounts[0]!.address),
  notary: lower(accounts[1]!.address),
  trust: i % 2,
  serverNameHash: h(i + 1000),
  tlsTime,
  sentHash: h(i + 2000),
  recvHash: h(i + 3000),
  resultHash: h(i + 4000),
  numericValue: String(BigInt(i) * 10n ** 30n - 7n), // int256 beyond 64 bits, negative for i = 0
});

test('the fast EIP-712 attestation digest equals viem’s hashTypedData across domains and edge values', async () => {
  const hubs = ['0x5fbdb2315678afecb367f032d93f642f64180aa3', '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512'] as const;
  for (const chainId of [1, 31337, 2 ** 40]) {
    for (const hub of hubs) {
      const domain = attestationDomain(chainId, hub);
      for (const tlsTime of [0, 1, 1_700_000_000, Number.MAX_SAFE_INTEGER, 2n ** 64n - 1n])
        assert.equal(
          attestationDigestFast(domain, att(chainId, tlsTime)),
          attestationDigest(domain, att(chainId, tlsTime)),
        );
    }
  }
  // int256 at its edges, as the schema's decimal string and as the contract form's bigint
  const domain = attestationDomain(31337, hubs[0]);
  for (const n of [0n, -1n, 1n, -(2n ** 255n), 2n ** 255n - 1n, -(10n ** 76n), 10n ** 76n])
    for (const numericValue of [String(n), n])
      assert.equal(
        attestationDigestFast(domain, { ...att(3), numericValue } as ReturnType<typeof att>),
        attestationDigest(domain, { ...att(3), numericValue: String(n) }),
      );
  const a = att(5);
  const signature = await signAttestation(accounts[1]!, domain, a);
  assert.equal(recoverAttestationSignerFast(domain, a, signature), lower(accounts[1]!.address));
  // another domain or one changed field recovers someone else
  assert.notEqual(
    recoverAttestationSignerFast(attestationDomain(1, hubs[0]), a, signature),
    lower(accounts[1]!.address),
  );
  assert.notEqual(recoverAttestationSignerFast(domain, { ...a, tlsTime: 7 }, signature), lower(accounts[1]!.address));
});

test('values the fast encoder refuses go to viem, which refuses them too', () => {
  const domain = attestationDomain(31337, '0x5fbdb2315678afecb367f032d93f642f64180aa3');
  // uint64 overflow, a bad checksum, a short hash: viem's validation throws; the fast path must not accept them
  for (const bad of [
    att(1, 2n ** 64n),
    { ...att(1), prover: '0x70997970C51812dc3A010C7d01b50e0d17dc79C9' },
    { ...att(1), sentHash: '0x1234' },
    { ...att(1), numericValue: String(2n ** 255n) },
    { ...att(1), numericValue: String(-(2n ** 255n) - 1n) },
  ])
    assert.throws(() => attestationDigestFast(domain, bad as ReturnType<typeof att>));
  // a valid EIP-55 checksummed address is accepted and encodes as the lowercase one
  const mixed = { ...att(1), prover: accounts[0]!.address };
  assert.equal(attestationDigestFast(domain, mixed), attestationDigest(domain, att(1)));
});

test('malleable, short and unrecoverable signatures are BAD_SIGNATURE', async () => {
  const signature = await accounts[0]!.sign({ hash: h(9) });
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const high = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${signature.slice(130)}` as Hex;
  for (const bad of [high, signature.slice(0, 130) as Hex, `${signature.slice(0, 130)}1d` as Hex])
    assert.throws(
      () => recoverDigestSigner(h(9), bad),
      (e) => isVeritasError(e, 'BAD_SIGNATURE'),
    );
  // r = 0 does not recover to any key
  const zeroR = `0x${'00'.repeat(32)}${signature.slice(66)}` as Hex;
  assert.throws(
    () => recoverDigestSigner(h(9), zeroR),
    (e) => isVeritasError(e, 'BAD_SIGNATURE'),
  );
});

// ------------------------------------------------------------------------------------- adversarial signatures
// The reference is what OracleHub accepts: its canonical-signature rules, then ecrecover, modelled by viem's
// recoverAddress (noble), where any refusal is BAD_SIGNATURE.
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const P = 0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2fn;
const word = (n: bigint): string => (((n % 2n ** 256n) + 2n ** 256n) % 2n ** 256n).toString(16).padStart(64, '0');
const sig = (r: bigint, s: bigint, v: number): Hex => `0x${word(r)}${word(s)}${v.toString(16).padStart(2, '0')}`;
const digestOf = (n: bigint): Hex => `0x${word(n)}`;
// a deterministic stream of 256-bit numbers (no seed to record when a case fails: the index says which)
const rand = (i: number): bigint => BigInt(keccak256(toHex(`random ${i}`)));

type Outcome = Address | 'BAD_SIGNATURE';
async function reference(digest: Hex, signature: Hex): Promise<Outcome> {
  try {
    assertCanonicalSignature(signature);
    return lower(await recoverAddress({ hash: digest, signature }));
  } catch {
    return 'BAD_SIGNATURE';
  }
}
function outcome(recover: (digest: Hex, signature: Hex) => Address, digest: Hex, signature: Hex): Outcome {
  try {
    return recover(digest, signature);
  } catch (e) {
    if (isVeritasError(e, 'BAD_SIGNATURE')) return 'BAD_SIGNATURE';
    throw e; // any other failure is a bug: the verifier must name the signature as the reason
  }
}

/** Genuine signatures and every malformed or unrecoverable variant OracleHub has a rule (or ecrecover a case) for. */
async function adversarialCases(): Promise<{ what: string; digest: Hex; signature: Hex }[]> {
  const out: { what: string; digest: Hex; signature: Hex }[] = [];
  const genuine = await accounts[2]!.sign({ hash: h(42) });
  const r = BigInt(`0x${genuine.slice(2, 66)}`);
  const s = BigInt(`0x${genuine.slice(66, 130)}`);
  const v = Number.parseInt(genuine.slice(130), 16);
  const add = (what: string, signature: Hex, digest: Hex = h(42)) => out.push({ what, digest, signature });
  add('genuine', genuine);
  add('genuine, v as a parity (0/1)', sig(r, s, v - 27));
  add('the other parity', sig(r, s, v === 27 ? 28 : 27));
  add('uppercase hex', `0x${genuine.slice(2).toUpperCase()}`);
  add('high s (the malleable twin)', sig(r, N - s, v === 27 ? 28 : 27));
  add('s = 0', sig(r, 0n, v));
  add('s = n', sig(r, N, v));
  add('s = n/2 + 1 (first high s)', sig(r, (N >> 1n) + 1n, v));
  add('s = n/2 (last low s)', sig(r, N >> 1n, v));
  for (const [what, bad] of [
    ['r = 0', 0n],
    ['r = n', N],
    ['r = n + 1', N + 1n],
    ['r = p − 1', P - 1n],
    ['r = p', P],
    ['r = 2^256 − 1', 2n ** 256n - 1n],
    ['r = 1', 1n],
  ] as const)
    add(what, sig(bad, s, v));
  for (const bad of [0, 2, 26, 29, 30, 255]) add(`v = ${bad}`, sig(r, s, bad));
  add('64 bytes', genuine.slice(0, 130) as Hex);
  add('66 bytes', `${genuine}00`);
  add('empty', '0x');
  add('digest 0', genuine, digestOf(0n));
  add('digest n (≡ 0)', genuine, digestOf(N));
  add('digest 2^256 − 1', genuine, digestOf(2n ** 256n - 1n));
  // Q = r⁻¹(s·R − z·G) is the point at infinity when R = k·G and z = s·k: ecrecover returns no address
  const k = 0x1234567890abcdefn;
  const R = privateKeyToAccount(digestOf(k)).publicKey; // 0x04 ‖ X ‖ Y
  const Rx = BigInt(`0x${R.slice(4, 68)}`);
  const parity = Number(BigInt(`0x${R.slice(68)}`) & 1n);
  add('recovers to the point at infinity', sig(Rx, s, 27 + parity), digestOf((s * k) % N));
  // random r (half are no x coordinate: "point not on curve"), random low s, random digests, both parities
  for (let i = 0; i < 150; i++)
    add(
      `random ${i}`,
      sig(rand(3 * i) % P, (rand(3 * i + 1) % (N >> 1n)) + 1n, 27 + (i & 1)),
      digestOf(rand(3 * i + 2)),
    );
  // genuine signatures of random digests by random keys
  for (let i = 0; i < 30; i++) {
    const digest = digestOf(rand(1000 + i));
    add(
      `signed ${i}`,
      await privateKeyToAccount(digestOf((rand(2000 + i) % (N - 1n)) + 1n)).sign({ hash: digest }),
      digest,
    );
  }
  return out;
}

test('attack: malformed, malleable and unrecoverable signatures get exactly what OracleHub and ecrecover give', async () => {
  const cases = await adversarialCases();
  let refused = 0;
  for (const { what, digest, signature } of cases) {
    const expected = await reference(digest, signature);
    if (expected === 'BAD_SIGNATURE') refused++;
    assert.equal(outcome(recoverDigestSigner, digest, signature), expected, what);
  }
  // the cases exercise both answers, including random r that are no x coordinate
  assert.ok(refused > 40 && refused < cases.length - 40, `${refused} of ${cases.length} refused`);
});

test('attack: bytes that are not hex are refused, never recovered from the previous signature’s buffer', async () => {
  const signature = await accounts[0]!.sign({ hash: h(7) });
  assert.equal(recoverDigestSigner(h(7), signature), lower(accounts[0]!.address)); // fills the backend's buffers
  for (const bad of [
    `0x${'zz'.repeat(32)}${signature.slice(66)}`, // r: a hex write would stop at once, leaving the last r ‖ s
    `0x${signature.slice(2, 66)}${'g'.repeat(64)}${signature.slice(130)}`,
    `${signature.slice(0, 131)}`, // odd length: 64.5 bytes
    `${signature.slice(0, 129)}${signature.slice(130)}`, // a nibble dropped inside, still "65 bytes"
    `0x${signature.slice(2, 130)}zz`,
    `0X${signature.slice(2)}`,
  ] as Hex[])
    for (const backend of ['native', 'wasm'] as const)
      if (backend === 'wasm' || recoveryBackend() === 'native')
        assert.equal(
          outcome((d, s) => recoverDigestSignerWith(backend, d, s), h(7), bad),
          'BAD_SIGNATURE',
          `${backend}: ${bad}`,
        );
});

// The `secp256k1` package ships prebuilt bindings for these; elsewhere the WASM runs and the native checks are skipped.
const PREBUILT = ['linux-x64', 'darwin-arm64', 'win32-x64'].includes(`${process.platform}-${process.arch}`);

test('the native libsecp256k1 binding loads where the package has a prebuild, and is what verifies', () => {
  if (!PREBUILT) return;
  assert.equal(nativeRecoveryError, undefined);
  assert.equal(recoveryBackend(), 'native');
});

test('both backends (native and WASM) give viem’s answer on every adversarial and random case', async () => {
  const cases = await adversarialCases();
  const backends = recoveryBackend() === 'native' ? (['native', 'wasm'] as const) : (['wasm'] as const);
  for (const { what, digest, signature } of cases) {
    const expected = await reference(digest, signature);
    for (const backend of backends)
      assert.equal(
        outcome((d, s) => recoverDigestSignerWith(backend, d, s), digest, signature),
        expected,
        `${backend}: ${what}`,
      );
  }
});
