// The deployment file (`deployments/<chainId>.json`): where the Veritas contracts of one chain live, with what
// parameters, from which build. Written by `veritas deploy`; read by every component given `--deployment`.
import { readFileSync } from 'node:fs';
import { getAddress } from 'viem';
import { z } from 'zod';
import { VeritasError } from '../errors.ts';

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((a) => getAddress(a));
const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/, 'must be 0x followed by 64 lower-case hex digits');
const wei = z.string().regex(/^\d{1,78}$/, 'must be a decimal amount of wei');
const uint = z.number().int().min(0);

export const DeployedContract = z
  .object({
    address,
    /** block of the deployment transaction (deployVeritas reports the hub's; the registry's is the one before it) */
    blockNumber: uint.optional(),
    transactionHash: hex32.optional(),
    /** keccak256 of the canonical JSON of the ABI the components use to talk to it */
    abiHash: hex32,
    /** keccak256 of the creation bytecode it was deployed from */
    bytecodeHash: hex32,
    /** keccak256 of the runtime code found at the address right after deployment (what a re-run checks) */
    codeHash: hex32,
  })
  .strict();

/** The constructor and set-up parameters, as `deployVeritas` and DatasetRegistry take them (wei as strings). */
export const DeploymentParameters = z
  .object({
    minBond: wei,
    unbondDelay: uint,
    slashBps: uint.max(10_000),
    reporterRewardBps: uint.max(10_000),
    callbackGasLimit: uint,
    assignDelay: uint,
    maxDeadlineWindow: uint,
    challengeWindow: uint,
    aggregatorDelay: uint,
    minFeePerProver: wei,
    minAggregatorBond: wei,
    aggregator: address,
    aggregatorBond: wei,
    /** DatasetRegistry's tip per poke; absent when no DatasetRegistry was deployed */
    pokeTip: wei.optional(),
  })
  .strict();
export type DeploymentParameters = z.infer<typeof DeploymentParameters>;

export const DeploymentFile = z
  .object({
    version: z.literal(1),
    chainId: z.number().int().positive(),
    deployer: address,
    deployedAt: z.iso.datetime(),
    /** the OracleHub's deployment block: where components start scanning events */
    fromBlock: uint,
    solcVersion: z.string(),
    contracts: z
      .object({
        OperatorRegistry: DeployedContract,
        OracleHub: DeployedContract,
        DatasetRegistry: DeployedContract.optional(),
      })
      .strict(),
    parameters: DeploymentParameters,
  })
  .strict();
export type DeploymentFile = z.infer<typeof DeploymentFile>;
export type ContractName = keyof DeploymentFile['contracts'];

/** Parses a deployment file's text; INPUT_INVALID naming `field` (the flag or variable) and the bad entry. */
export function parseDeploymentFile(text: string, field: string): DeploymentFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new VeritasError('INPUT_INVALID', `${field}: the deployment file is not JSON`, { field });
  }
  const parsed = DeploymentFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VeritasError(
      'INPUT_INVALID',
      `${field}: not a Veritas deployment file: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
      { field, details: { path: issue.path.map(String) } },
    );
  }
  return parsed.data;
}

/** Reads and validates a deployment file; INPUT_INVALID when it is missing or malformed. */
export function readDeploymentFile(file: string, field: string): DeploymentFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VeritasError('INPUT_INVALID', `${field}: cannot read ${file}: ${(e as Error).message}`, {
      field,
      cause: e,
    });
  }
  return parseDeploymentFile(text, field);
}

/** The file's text as `veritas deploy` writes it. */
export const formatDeploymentFile = (d: DeploymentFile): string =>
  `${JSON.stringify(DeploymentFile.parse(d), null, 2)}\n`;

/** The environment the other components need, in the order the README lists them. */
export function deploymentEnv(d: DeploymentFile, o: { rpcUrl: string; file?: string }): Record<string, string> {
  return {
    VERITAS_RPC_URL: o.rpcUrl,
    VERITAS_HUB_ADDRESS: d.contracts.OracleHub.address,
    VERITAS_REGISTRY_ADDRESS: d.contracts.OperatorRegistry.address,
    ...(d.contracts.DatasetRegistry ? { VERITAS_DATASET_REGISTRY_ADDRESS: d.contracts.DatasetRegistry.address } : {}),
    ...(o.file ? { VERITAS_DEPLOYMENT: o.file } : {}),
  };
}
