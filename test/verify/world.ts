// Test world for verification and aggregation: test/support/chain.ts's chain (a real anvil with the Veritas
// contracts and registered operators), an offline Helia node, and a factory of genuinely signed provenance bundles.
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
import type { Anvil } from '../../core/chain/anvil.ts';
import {
  attestationDomain,
  numericValueOf,
  signAttestation,
  toContractAttestation,
} from '../../core/chain/attestation.ts';
import { normalizeAnswer } from '../../core/aggregation/normalize.ts';
import type { VeritasPublicClient, VeritasTestClient, VeritasWalletClient } from '../../core/chain/clients.ts';
import {
  assignRequest,
  oracleHubAbi,
  requestData,
  requestParamsOf,
  type VeritasDeployment,
} from '../../core/chain/contracts.ts';
import { extractFromResponse } from '../../core/extract.ts';
import { requestTemplate } from '../../core/http-message.ts';
import { createIpfs, type IpfsNode } from '../../core/ipfs.ts';
import { rootLogger } from '../../core/log.ts';
import { TRUST_CODES, type Attestation } from '../../schemas/attestation.ts';
import type { ProvenanceBundle, TrustMode } from '../../schemas/bundle.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';
import { encodeTranscript, type Range } from '../../schemas/transcript.ts';
import { transcriptHash } from '../../core/transcript-hash.ts';
import { deployFixture, startChain } from '../support/chain.ts';

export type Operator = { address: Address; account: PrivateKeyAccount; wallet: VeritasWalletClient };

export type World = {
  anvil: Anvil;
  publicClient: VeritasPublicClient;
  testClient: VeritasTestClient;
  /** the hub's aggregator (test/support/chain.ts's account 1) */
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
  const chain = await startChain(count + 4);
  const { anvil, publicClient, testClient } = chain;
  const dir = await mkdtemp(join(tmpdir(), 'veritas-verify-'));
  const log = rootLogger().child({ test: 'world' });
  log.level = 'warn';
  let ipfs: IpfsNode | undefined;
  try {
    const v = await deployFixture(chain, { operatorCount: count });
    const deployment: VeritasDeployment = {
      registry: v.registry,
      hub: v.hub,
      deployBlock: v.deployBlock,
      chainId: v.chainId,
    };
    const keyOf = (w: VeritasWalletClient): Hex => chain.keyOf.get(w.account.address)!;
    const aggregatorWallet = v.aggregator;
    const operators: Operator[] = v.operators.map((w) => ({
      address: w.account.address.toLowerCase() as Address,
      account: privateKeyToAccount(keyOf(w)),
      wallet: w,
    }));
    ipfs = await createIpfs({ dir: join(dir, 'ipfs'), network: 'none', log });
    const node = ipfs;
    return {
      anvil,
      publicClient,
      testClient,
      aggregatorKey: keyOf(aggregatorWallet),
      aggregatorWallet,
      consumer: v.consumer,
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
  headers: [{ name: 'Authorization', secret: true, ref: 'fixture-token' }],
  extract: { jsonPath: '$.price' },
  resultSchema: {},
  value: { type: 'number', precision: 2 },
  aggregation: { policy: 'median', madK: 3 },
  quorum: 2,
  // half the test chain's maxDeadlineWindow (3600 s): the hub judges against the block's timestamp, and a simulation
  // against the pending block may see a timestamp seconds behind the wall clock (DeadlineTooFar at exactly + 3600)
  deadline: Math.floor(Date.now() / 1000) + 1800,
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

/**
 * The HTTP exchange of a fetch of `spec`: the request is exactly the spec's request template (core/http-message.ts)
 * with every secret slot unrevealed, the response is revealed whole.
 */
export function exchange(
  body: string,
  spec: RequestSpec = RequestSpec.parse(baseSpec()),
): {
  sent: Uint8Array;
  sentRanges: Range[];
  recv: Uint8Array;
  recvRanges: Range[];
} {
  const t = requestTemplate(spec);
  const parts: Buffer[] = [Buffer.from(t.requestLine)];
  const ranges: Range[] = [];
  let cursor = 0; // start of the current revealed run
  let at = parts[0]!.length;
  for (const h of t.headers) {
    const line = Buffer.from('secret' in h ? `${h.name}: ` : `${h.name}: ${h.value}\r\n`);
    parts.push(line);
    at += line.length;
    if ('secret' in h) {
      ranges.push({ start: cursor, end: at });
      parts.push(Buffer.alloc(h.secret.length), Buffer.from('\r\n'));
      cursor = at + h.secret.length;
      at = cursor + 2;
    }
  }
  const sent = new Uint8Array(Buffer.concat([...parts, Buffer.from('\r\n'), Buffer.from(t.body)]));
  ranges.push({ start: cursor, end: sent.length });
  const recvText = `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const recv = new TextEncoder().encode(recvText);
  return { sent, sentRanges: ranges, recv, recvRanges: [{ start: 0, end: recv.length }] };
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
  const t = exchange(o.body, req.spec);
  const value = extractFromResponse(req.spec.extract, t.recv).value;
  // inside the request's window (the spec's deadline is its on-chain deadline), as an honest session is
  const tlsTime = o.tlsTime ?? req.spec.deadline - 60;
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
