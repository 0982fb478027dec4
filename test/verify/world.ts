// Test world for verification and aggregation: a real anvil with the Veritas contracts, registered operators, an
// offline Helia node, and a factory of genuinely signed provenance bundles.
//
// Why no MPC-TLS session here: what these tests exercise is the bundle format, its signatures, its hashes and the
// chain bindings — exactly what a verifier re-checks. The bytes a real Verifier would authenticate are replaced by a
// fixed HTTP exchange; the notary's EIP-712 signature and the prover's EIP-191 signature are real, made with the
// operators' real keys against the real deployed OracleHub. The MPC path itself is covered by the operator's e2e test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEther, type Address, type Hex, type PrivateKeyAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { signBundle } from '../../core/bundle.ts';
import { hashJson, keccakUtf8 } from '../../core/canonical.ts';
import { startAnvil, type Anvil } from '../../core/chain/anvil.ts';
import {
  attestationDomain,
  numericValueOf,
  signAttestation,
  toContractAttestation,
} from '../../core/chain/attestation.ts';
import { normalizeAnswer } from '../../core/aggregation/normalize.ts';
import {
  createVeritasPublicClient,
  createVeritasTestClient,
  createVeritasWalletClient,
  type VeritasPublicClient,
  type VeritasTestClient,
  type VeritasWalletClient,
} from '../../core/chain/clients.ts';
import {
  assignRequest,
  deployVeritas,
  getOperatorRegistry,
  oracleHubAbi,
  requestData,
  requestParamsOf,
  type VeritasDeployment,
} from '../../core/chain/contracts.ts';
import { extractFromResponse } from '../../core/extract.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { TRUST_CODES, type Attestation } from '../../schemas/attestation.ts';
import type { ProvenanceBundle, TrustMode } from '../../schemas/bundle.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';
import { encodeTranscript, transcriptHash, type Range } from '../../schemas/transcript.ts';

export type Operator = { address: Address; account: PrivateKeyAccount; wallet: VeritasWalletClient };

export type World = {
  anvil: Anvil;
  publicClient: VeritasPublicClient;
  testClient: VeritasTestClient;
  /** account 0: deployer and the hub's aggregator */
  aggregatorKey: Hex;
  aggregatorWallet: VeritasWalletClient;
  consumer: VeritasWalletClient;
  deployment: VeritasDeployment;
  operators: Operator[];
  ipfs: IpfsNode;
  dir: string;
  operator(address: string): Operator;
  close(): Promise<void>;
};

export async function startWorld(options: { operators?: number } = {}): Promise<World> {
  const count = options.operators ?? 3;
  const anvil = await startAnvil({ accounts: count + 2 });
  const dir = await mkdtemp(join(tmpdir(), 'veritas-verify-'));
  const log = rootLogger().child({ test: 'world' });
  log.level = 'warn';
  let ipfs: IpfsNode | undefined;
  try {
    const publicClient = createVeritasPublicClient(anvil.rpcUrl, anvil.chainId, { pollingIntervalMs: 50 });
    const testClient = createVeritasTestClient(anvil.rpcUrl, anvil.chainId);
    const wallet = (key: Hex) => createVeritasWalletClient(anvil.rpcUrl, anvil.chainId, key, { pollingIntervalMs: 50 });
    const aggregatorWallet = wallet(anvil.accounts[0]!);
    const deployment = await deployVeritas(aggregatorWallet, publicClient);
    const registry = getOperatorRegistry(deployment.registry, { publicClient });
    const operators: Operator[] = [];
    for (let i = 0; i < count; i++) {
      const key = anvil.accounts[2 + i]!;
      const w = wallet(key);
      const hash = await w.writeContract({
        address: deployment.registry,
        abi: registry.abi,
        functionName: 'register',
        args: [`https://operator-${i}.test/metadata.json`],
        value: parseEther('1'),
      });
      await publicClient.waitForTransactionReceipt({ hash });
      operators.push({
        address: w.account.address.toLowerCase() as Address,
        account: privateKeyToAccount(key),
        wallet: w,
      });
    }
    ipfs = await createIpfs({ dir: join(dir, 'ipfs'), network: 'none', log });
    const node = ipfs;
    return {
      anvil,
      publicClient,
      testClient,
      aggregatorKey: anvil.accounts[0]!,
      aggregatorWallet,
      consumer: wallet(anvil.accounts[1]!),
      deployment,
      operators,
      ipfs: node,
      dir,
      operator: (a) => {
        const o = operators.find((x) => x.address === a.toLowerCase());
        if (!o) throw new Error(`no operator ${a}`);
        return o;
      },
      close: async () => {
        await node.stop().catch(() => undefined); // a test may have stopped it to hand its directory to a child
        await anvil.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await ipfs?.stop();
    await anvil.stop();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

export type PlacedRequest = {
  requestId: Hex;
  spec: RequestSpec;
  specCid: string;
  specHash: Hex;
  provers: Address[];
  notaries: Address[];
};

export const baseSpec = (over: Partial<RequestSpecInput> = {}): RequestSpecInput => ({
  url: 'https://fixture.test/v1/price',
  extract: { jsonPath: '$.price' },
  resultSchema: {},
  value: { type: 'number', precision: 2 },
  aggregation: { policy: 'median', madK: 3 },
  quorum: 2,
  deadline: Math.floor(Date.now() / 1000) + 3600,
  ...over,
});

/** Pins the spec and sends `request(...)` from the consumer; returns the committee the contract drew. */
export async function placeRequest(world: World, input: RequestSpecInput): Promise<PlacedRequest> {
  const spec = RequestSpec.parse(input);
  const specCid = await world.ipfs.addJson(spec);
  const specHash = hashJson(spec);
  const placed = await requestData(
    { walletClient: world.consumer, publicClient: world.publicClient },
    world.deployment.hub,
    { specHash, specCid, params: requestParamsOf(spec), fee: parseEther('0.01') },
  );
  // hub v2: the committee is drawn by a separate `assign` (here the consumer's; anyone may send it)
  const { committee } = await assignRequest(
    { walletClient: world.consumer, publicClient: world.publicClient },
    world.deployment.hub,
    placed.requestId,
  );
  if (!committee) throw new Error('the request was not assigned');
  const { requestId } = placed;
  const { provers, notaries } = committee;
  return {
    requestId,
    spec,
    specCid,
    specHash,
    provers: provers.map((a) => a.toLowerCase() as Address),
    notaries: notaries.map((a) => a.toLowerCase() as Address),
  };
}

export const SERVER_NAME = 'fixture.test';
const SECRET = 'Bearer s3cr3t-token';

export type BundleOptions = {
  /** JSON body the source "answered" */
  body: string;
  /** defaults to the request's own id */
  requestId?: Hex;
  trust?: TrustMode;
  tlsTime?: number;
  /** Edits applied to the signed pieces before the prover signs the bundle (a Byzantine prover). */
  tamper?: (b: Omit<ProvenanceBundle, 'proverSignature'>) => Omit<ProvenanceBundle, 'proverSignature'>;
  /** Sign the attestation with this account instead of the assigned notary (a forged notary signature). */
  attestationSigner?: PrivateKeyAccount;
};

/** The HTTP exchange of a fetch: the Authorization value stays unrevealed, everything else is revealed. */
export function exchange(body: string): {
  sent: Uint8Array;
  sentRanges: Range[];
  recv: Uint8Array;
  recvRanges: Range[];
} {
  const head = `GET /v1/price HTTP/1.1\r\nHost: ${SERVER_NAME}\r\nAuthorization: `;
  const tail = `\r\nAccept: application/json\r\nConnection: close\r\n\r\n`;
  const sent = new TextEncoder().encode(head + SECRET + tail);
  const recvText = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const recv = new TextEncoder().encode(recvText);
  return {
    sent,
    sentRanges: [
      { start: 0, end: head.length },
      { start: head.length + SECRET.length, end: sent.length },
    ],
    recv,
    recvRanges: [{ start: 0, end: recv.length }],
  };
}

/** A genuine bundle for `prover` of `req`, attested by its assigned notary (unless told otherwise). */
export async function makeBundle(
  world: World,
  req: PlacedRequest,
  prover: Address,
  o: BundleOptions,
): Promise<ProvenanceBundle> {
  const i = req.provers.indexOf(prover.toLowerCase() as Address);
  if (i < 0) throw new Error(`${prover} is not assigned to ${req.requestId}`);
  const notary = req.notaries[i]!;
  const requestId = o.requestId ?? req.requestId;
  const t = exchange(o.body);
  const value = extractFromResponse(req.spec.extract, t.recv).value;
  const tlsTime = o.tlsTime ?? 1_700_000_000;
  const normalized = normalizeAnswer(value, req.spec.value, req.spec.records);
  const attestation: Attestation = {
    requestId,
    specHash: req.specHash,
    prover: prover.toLowerCase() as Address,
    notary,
    trust: TRUST_CODES[o.trust ?? 'webpki'],
    serverNameHash: keccakUtf8(SERVER_NAME),
    tlsTime,
    sentHash: transcriptHash(t.sent, t.sentRanges),
    recvHash: transcriptHash(t.recv, t.recvRanges),
    resultHash: hashJson(normalized),
    numericValue: (req.spec.records === 'single'
      ? numericValueOf(normalized, req.spec.value.precision)
      : 0n
    ).toString(),
  };
  const domain = attestationDomain(world.anvil.chainId, world.deployment.hub);
  const notarySignature = await signAttestation(
    o.attestationSigner ?? world.operator(notary).account,
    domain,
    attestation,
  );
  let unsigned: Omit<ProvenanceBundle, 'proverSignature'> = {
    version: 2,
    chainId: world.anvil.chainId,
    hub: world.deployment.hub.toLowerCase() as Address,
    requestId,
    specCid: req.specCid,
    specHash: req.specHash,
    prover: prover.toLowerCase() as Address,
    notary,
    serverName: SERVER_NAME,
    tlsTime,
    transcript: encodeTranscript(t),
    value: value as ProvenanceBundle['value'],
    attestation,
    notarySignature,
    trust: o.trust ?? 'webpki',
    software: { veritas: '0.1.0', tlsn: '0.1.0-alpha.12' },
    timings: {},
  };
  if (o.tamper) unsigned = o.tamper(structuredClone(unsigned));
  return signBundle(world.operator(prover).account, unsigned);
}

/** Pins the bundle and sends `respond(...)` from its prover with the bundle's own attestation. */
export async function respond(world: World, bundle: ProvenanceBundle): Promise<string> {
  const cid = await world.ipfs.addJson(bundle);
  const op = world.operator(bundle.prover);
  const hash = await op.wallet.writeContract({
    address: world.deployment.hub,
    abi: oracleHubAbi,
    functionName: 'respond',
    args: [
      bundle.requestId as Hex,
      cid,
      toContractAttestation(bundle.attestation) as never,
      bundle.notarySignature as Hex,
    ],
  });
  const receipt = await world.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success') throw new Error(`respond reverted (${hash})`);
  return cid;
}

/** Flips one byte of a base64 transcript direction at `offset`. */
export function flipByte(base64: string, offset: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[offset] = bytes[offset]! ^ 0x01;
  return bytes.toString('base64');
}
