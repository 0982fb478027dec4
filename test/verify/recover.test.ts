import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashMessage, keccak256, recoverAddress, toHex, type Address, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { attestationDigest, attestationDomain, signAttestation } from '../../core/chain/attestation.ts';
import { isVeritasError } from '../../core/errors.ts';
import {
  attestationDigestFast,
  eip191Digest,
  recoverAttestationSignerFast,
  recoverDigestSigner,
  recoverRawMessageSigner,
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
  for (const raw of [h(1), '0x', '0x00', toHex('x'.repeat(100))] as Hex[]) {
    assert.equal(eip191Digest(raw), hashMessage({ raw }));
    const signature = await accounts[0]!.signMessage({ message: { raw } });
    assert.equal(recoverRawMessageSigner(raw, signature), lower(accounts[0]!.address));
  }
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
