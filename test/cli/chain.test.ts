// `veritas deploy`, `admin`, `operator register|bond|unbond|withdraw|status` and `withdraw` as a script runs them:
// the real process against a fresh anvil (a real chain), reading its deployment file, its JSON Lines and exit codes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Hex, hexToBytes, keccak256, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { type Anvil, startAnvil } from '../../core/chain/anvil.ts';
import {
  createVeritasPublicClient,
  createVeritasTestClient,
  createVeritasWalletClient,
} from '../../core/chain/clients.ts';
import { oracleHubAbi, requestData, sendContractCall } from '../../core/chain/contracts.ts';
import { DeploymentFile } from '../../core/chain/deployment-file.ts';
import { EXIT } from '../../cli/exit.ts';
import { jsonl, veritas } from './run.ts';

let anvil: Anvil;
let dir: string;
let file: string;
let owner: Hex;
let operatorKey: Hex;
let consumerKey: Hex;

before(async () => {
  anvil = await startAnvil({ accounts: 4 });
  [owner, operatorKey, consumerKey] = anvil.accounts as [Hex, Hex, Hex];
  dir = await mkdtemp(path.join(tmpdir(), 'veritas-cli-chain-'));
  file = path.join(dir, 'deployments', `${anvil.chainId}.json`);
});
after(async () => {
  await anvil?.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = (key: Hex, more: Record<string, string> = {}) => ({
  VERITAS_RPC_URL: anvil.rpcUrl,
  VERITAS_PRIVATE_KEY: key,
  ...more,
});
const withFile = (key: Hex) => env(key, { VERITAS_DEPLOYMENT: file });
const envLines = (stdout: string) =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((l) => l.split('=') as [string, string]),
  );
const PARAMS = ['--unbond-delay', '7200', '--max-deadline-window', '3600', '--aggregator-delay', '600'];

async function timeTravel(seconds: number) {
  const test = createVeritasTestClient(anvil.rpcUrl, anvil.chainId);
  await test.increaseTime({ seconds });
  await test.mine({ blocks: 1 });
}

test('deploy: asks before sending (no terminal, no --yes: exit 2, nothing written), then writes the file', async () => {
  const refused = await veritas(['deploy', ...PARAMS], env(owner), { cwd: dir });
  assert.equal(refused.code, EXIT.USAGE, refused.stderr);
  assert.match(refused.stderr, /deploy OracleHub\s+\d+ gas/, 'every step estimated before anything is sent');
  assert.match(refused.stderr, /--yes/);
  await assert.rejects(readFile(file), 'no file without a deployment');

  const run = await veritas(['deploy', ...PARAMS, '--yes'], env(owner), { cwd: dir });
  assert.equal(run.code, EXIT.OK, run.stderr);
  const deployment = DeploymentFile.parse(JSON.parse(await readFile(file, 'utf8')));
  assert.equal(deployment.chainId, anvil.chainId);
  assert.equal(deployment.parameters.unbondDelay, 7200);
  const lines = envLines(run.stdout);
  assert.equal(lines.VERITAS_RPC_URL, anvil.rpcUrl);
  assert.equal(lines.VERITAS_HUB_ADDRESS, deployment.contracts.OracleHub.address);
  assert.equal(lines.VERITAS_REGISTRY_ADDRESS, deployment.contracts.OperatorRegistry.address);
  assert.equal(lines.VERITAS_DATASET_REGISTRY_ADDRESS, deployment.contracts.DatasetRegistry?.address);
  assert.equal(lines.VERITAS_DEPLOYMENT, file);
  const pc = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId);
  for (const c of Object.values(deployment.contracts)) {
    const code = await pc.getCode({ address: c!.address });
    assert.equal(keccak256(code!), c!.codeHash);
  }
});

test('deploy again: shows what is deployed and sends nothing; other parameters or a reset chain need --force', async () => {
  const before = await readFile(file, 'utf8');
  const again = await veritas(['deploy', '--json'], env(owner), { cwd: dir });
  assert.equal(again.code, EXIT.OK, again.stderr);
  const [shown] = jsonl(again.stdout);
  assert.equal(shown!.event, 'existing');
  const checks = jsonl(again.stderr).find((e) => e.event === 'deployed')!.checks as { deployed: boolean }[];
  assert.equal(checks.length, 3);
  assert.ok(checks.every((c) => c.deployed));
  assert.equal(await readFile(file, 'utf8'), before, 'the file is untouched');

  const other = await veritas(['deploy', '--min-bond', '2', '--yes'], env(owner), { cwd: dir });
  assert.equal(other.code, EXIT.INPUT, other.stderr);
  assert.match(other.stderr, /minBond.*--force/);
  assert.equal(await readFile(file, 'utf8'), before);

  // a file naming contracts the chain does not hold (another chain's, or a reset anvil's)
  const elsewhere = JSON.parse(before) as { contracts: { OracleHub: { address: string } } };
  elsewhere.contracts.OracleHub.address = `0x${'12'.repeat(20)}`;
  const wrongDir = path.join(dir, 'wrong');
  await import('node:fs/promises').then((fs) => fs.mkdir(path.join(wrongDir, 'deployments'), { recursive: true }));
  await writeFile(path.join(wrongDir, 'deployments', `${anvil.chainId}.json`), JSON.stringify(elsewhere));
  const missing = await veritas(['deploy', '--json'], env(owner), { cwd: wrongDir });
  assert.equal(missing.code, EXIT.INPUT);
  assert.equal(jsonl(missing.stderr).at(-1)!.code, 'DEPLOYMENT_MISSING');
  const forced = await veritas(['deploy', '--force', '--yes', '--json'], env(owner), { cwd: wrongDir });
  assert.equal(forced.code, EXIT.OK, forced.stderr);
  const redeployed = DeploymentFile.parse(
    JSON.parse(await readFile(path.join(wrongDir, 'deployments', `${anvil.chainId}.json`), 'utf8')),
  );
  assert.notEqual(redeployed.contracts.OracleHub.address, elsewhere.contracts.OracleHub.address);
});

test('a deployment file is checked: malformed or for another chain is exit 3, naming it', async () => {
  const bad = path.join(dir, 'bad.json');
  await writeFile(bad, JSON.stringify({ version: 1, chainId: 'x' }));
  const malformed = await veritas(['admin', 'status', '--deployment', bad, '--json'], env(owner));
  assert.equal(malformed.code, EXIT.INPUT);
  assert.equal(jsonl(malformed.stderr).at(-1)!.field, 'VERITAS_DEPLOYMENT');
  const other = JSON.parse(await readFile(file, 'utf8')) as { chainId: number };
  other.chainId = 1;
  const otherFile = path.join(dir, 'other-chain.json');
  await writeFile(otherFile, JSON.stringify(other));
  const wrongChain = await veritas(['operator', 'status', '--deployment', otherFile], env(operatorKey));
  assert.equal(wrongChain.code, EXIT.INPUT);
  assert.match(wrongChain.stderr, /for chain 1, but the RPC endpoint is chain 31337/);
  const contradicting = await veritas(['admin', 'status', '--json'], {
    ...withFile(owner),
    VERITAS_HUB_ADDRESS: `0x${'34'.repeat(20)}`,
  });
  assert.equal(contradicting.code, EXIT.INPUT);
  assert.equal(jsonl(contradicting.stderr).at(-1)!.field, 'VERITAS_HUB_ADDRESS');
});

test('operator register, bond, status, unbond, withdraw: the life cycle on a real chain', async () => {
  const address = privateKeyToAccount(operatorKey).address;
  const register = await veritas(
    ['operator', 'register', '--bond', '1', '--notary-url', 'ws://127.0.0.1:7047', '--name', 'op-1', '--yes', '--json'],
    withFile(operatorKey),
  );
  assert.equal(register.code, EXIT.OK, register.stderr);
  const estimate = jsonl(register.stderr).find((e) => e.event === 'estimate')!;
  assert.ok(Number(estimate.gas) > 0 && BigInt(String(estimate.costWei)) > 0n, 'gas and cost shown before sending');
  assert.equal(jsonl(register.stdout)[0]!.functionName, 'register');
  assert.equal((await veritas(['operator', 'bond', '0.5', '--yes'], withFile(operatorKey))).code, EXIT.OK);

  const status = await veritas(['operator', 'status', '--json'], withFile(operatorKey));
  assert.equal(status.code, EXIT.OK, status.stderr);
  const s = jsonl(status.stdout)[0]!;
  assert.equal(s.address, address);
  assert.equal(s.status, 'active');
  assert.equal(s.bond, parseEther('1.5').toString());
  assert.equal(s.openAssignments, 0);
  assert.deepEqual(s.slashes, []);
  assert.equal((s.metadata as { name: string }).name, 'op-1');

  assert.equal((await veritas(['operator', 'unbond', '--yes'], withFile(operatorKey))).code, EXIT.OK);
  // the chain refuses before the delay: a decoded revert, exit 3, and nothing sent
  const early = await veritas(['operator', 'withdraw', '--yes', '--json'], withFile(operatorKey));
  assert.equal(early.code, EXIT.INPUT, early.stderr);
  assert.match(String(jsonl(early.stderr).at(-1)!.message), /UnbondDelayNotElapsed/);
  await timeTravel(7200);
  const withdrawn = await veritas(['operator', 'withdraw', '--yes'], withFile(operatorKey));
  assert.equal(withdrawn.code, EXIT.OK, withdrawn.stderr);
  const after = jsonl((await veritas(['operator', 'status', address, '--json'], withFile(owner))).stdout)[0]!;
  assert.equal(after.status, 'none');
  assert.equal(after.bond, '0');
});

test('admin: the fee floor (owner only) and an aggregator swap behind its delay', async () => {
  const notOwner = await veritas(['admin', 'set-min-fee', '1gwei', '--yes', '--json'], withFile(operatorKey));
  assert.equal(notOwner.code, EXIT.INPUT);
  assert.match(String(jsonl(notOwner.stderr).at(-1)!.message), /NotOwner/);
  assert.equal((await veritas(['admin', 'set-min-fee', '1gwei', '--yes'], withFile(owner))).code, EXIT.OK);

  const incoming = privateKeyToAccount(operatorKey).address;
  const outgoing = privateKeyToAccount(owner).address;
  const swap = await veritas(['admin', 'swap-aggregator', incoming, '--old', outgoing, '--yes'], withFile(owner));
  assert.equal(swap.code, EXIT.OK, swap.stderr);
  const early = await veritas(['admin', 'activate-aggregator', incoming, '--yes'], withFile(owner));
  assert.equal(early.code, EXIT.INPUT);
  assert.match(early.stderr, /AggregatorDelayNotElapsed/);
  await timeTravel(600);
  for (const a of [incoming, outgoing])
    assert.equal((await veritas(['admin', 'activate-aggregator', a, '--yes'], withFile(consumerKey))).code, EXIT.OK);
  assert.equal((await veritas(['admin', 'bond-aggregator', incoming, '1', '--yes'], withFile(consumerKey))).code, 0);
  const status = jsonl((await veritas(['admin', 'status', '--json'], withFile(owner))).stdout)[0]!;
  assert.equal(status.minFeePerProver, '1000000000');
  const byAddress = new Map((status.aggregators as { address: string; active: boolean }[]).map((a) => [a.address, a]));
  assert.equal(byAddress.get(incoming)?.active, true);
  assert.equal(byAddress.get(outgoing)?.active, false);
});

test('withdraw: a consumer takes the refund of an expired request; with nothing owed it says so (exit 0)', async () => {
  const deployment = DeploymentFile.parse(JSON.parse(await readFile(file, 'utf8')));
  const hub = deployment.contracts.OracleHub.address;
  const pc = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId);
  // two operators (a prover and its notary: the hub refuses requests nobody could serve), then a request nobody answers
  for (const key of [consumerKey, anvil.accounts[3]!]) {
    const reg = await veritas(
      ['operator', 'register', '--bond', '1', '--notary-url', 'ws://127.0.0.1:7047', '--yes'],
      withFile(key),
    );
    assert.equal(reg.code, EXIT.OK, reg.stderr);
  }
  const clients = { publicClient: pc, walletClient: createVeritasWalletClient(anvil.rpcUrl, anvil.chainId, owner) };
  const now = Number((await pc.getBlock()).timestamp);
  const { requestId } = await requestData(clients, hub, {
    specHash: keccak256('0x01'),
    specCid: 'bafy-test',
    fee: parseEther('0.01'),
    quorum: 1,
    deadline: BigInt(now + 60),
  });
  await timeTravel(120);
  await sendContractCall(clients, { address: hub, abi: oracleHubAbi, functionName: 'expire', args: [requestId] });
  const balance = () =>
    pc.readContract({
      address: hub,
      abi: oracleHubAbi,
      functionName: 'balanceOf',
      args: [privateKeyToAccount(owner).address],
    });
  assert.equal(await balance(), parseEther('0.01'));
  const run = await veritas(['withdraw', '--yes', '--json'], withFile(owner));
  assert.equal(run.code, EXIT.OK, run.stderr);
  assert.equal(jsonl(run.stdout)[0]!.functionName, 'withdraw');
  assert.equal(await balance(), 0n);
  const none = await veritas(['withdraw', '--json'], withFile(owner));
  assert.equal(none.code, EXIT.OK, none.stderr);
  assert.equal(jsonl(none.stdout)[0]!.event, 'nothing');
});

test('the key can come from an encrypted keystore; a wrong password is exit 3 and sends nothing', async () => {
  const password = 'correct horse';
  const keystore = path.join(dir, 'key.json');
  await writeFile(keystore, JSON.stringify(encryptForTest(consumerKey, password)));
  const pw = path.join(dir, 'pw.txt');
  await writeFile(pw, `${password}\n`);
  const base = { VERITAS_RPC_URL: anvil.rpcUrl, VERITAS_DEPLOYMENT: file };
  const ok = await veritas(['operator', 'bond', '0.1', '--keystore', keystore, '--password-file', pw, '--yes'], base);
  assert.equal(ok.code, EXIT.OK, ok.stderr);
  const wrong = await veritas(['operator', 'bond', '0.1', '--keystore', keystore, '--yes', '--json'], {
    ...base,
    VERITAS_KEYSTORE_PASSWORD: 'wrong',
  });
  assert.equal(wrong.code, EXIT.INPUT);
  assert.match(String(jsonl(wrong.stderr).at(-1)!.message), /wrong password/);
  // status needs no password: the keystore names its address
  const status = await veritas(['operator', 'status', '--keystore', keystore, '--json'], base);
  assert.equal(jsonl(status.stdout)[0]!.address, privateKeyToAccount(consumerKey).address);
});

test('an unreachable RPC endpoint is a network error (exit 6)', async () => {
  const run = await veritas(['operator', 'status', `0x${'11'.repeat(20)}`, '--json'], {
    VERITAS_RPC_URL: 'http://127.0.0.1:1',
    VERITAS_DEPLOYMENT: file,
  });
  assert.equal(run.code, EXIT.NETWORK, run.stderr);
});

/** A v3 keystore (pbkdf2, few rounds: a test needs no brute-force resistance) written per the Web3 Secret Storage spec. */
function encryptForTest(key: Hex, password: string) {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const derived = pbkdf2Sync(password, salt, 1024, 32, 'sha256');
  const cipher = createCipheriv('aes-128-ctr', derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(hexToBytes(key)), cipher.final()]);
  const mac = keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]));
  return {
    version: 3,
    address: privateKeyToAccount(key).address.slice(2).toLowerCase(),
    crypto: {
      cipher: 'aes-128-ctr',
      cipherparams: { iv: iv.toString('hex') },
      ciphertext: ciphertext.toString('hex'),
      kdf: 'pbkdf2',
      kdfparams: { c: 1024, dklen: 32, prf: 'hmac-sha256', salt: salt.toString('hex') },
      mac: mac.slice(2),
    },
  };
}
