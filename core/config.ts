// Configuration: read once from the environment (plus defaults and CLI overrides), validated with zod at start.
//
// Nothing else in the code base reads `process.env`: the CLI calls `loadConfig(process.env)` and hands the typed
// result down. A bad value fails at start with the variable's name and the reason.
import path from 'node:path';
import { z } from 'zod';
import { VeritasError } from './errors.ts';
import { readDeploymentFile } from './chain/deployment-file.ts';

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');
const port = z.coerce.number().int().min(0).max(65535);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);
const bool = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no'])
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

/** Each entry: environment variable → its schema. The variable name is the error's `field`. */
const variables = {
  VERITAS_DATA_DIR: z.string().min(1).default('.veritas'),
  VERITAS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  VERITAS_RPC_URL: z.string().url().optional(),
  VERITAS_HUB_ADDRESS: address.optional(),
  VERITAS_REGISTRY_ADDRESS: address.optional(),
  VERITAS_DATASET_REGISTRY_ADDRESS: address.optional(),
  VERITAS_PRIVATE_KEY: hex32.optional(),
  /** An encrypted JSON keystore (v3) holding the key, instead of VERITAS_PRIVATE_KEY; decrypted when a command signs. */
  VERITAS_KEYSTORE: z.string().min(1).optional(),
  /** The keystore's password (else `--password-file`, else asked on a terminal). */
  VERITAS_KEYSTORE_PASSWORD: z.string().optional(),
  /** A deployment file written by `veritas deploy`: the contract addresses (and first block) instead of the variables. */
  VERITAS_DEPLOYMENT: z.string().min(1).optional(),
  VERITAS_TRUST: z.enum(['webpki', 'devnet']).default('webpki'),
  VERITAS_ACCEPT_DEVNET_PROOFS: bool.default(false),
  VERITAS_IPFS_NETWORK: z.enum(['none', 'loopback', 'public']).default('loopback'),
  VERITAS_IPFS_LISTEN: list.optional(),
  VERITAS_IPFS_PEERS: list.optional(),
  VERITAS_API_HOST: z.string().default('127.0.0.1'),
  VERITAS_API_PORT: port.default(8080),
  VERITAS_API_KEYS: list.optional(),
  /** The API's public base URL (behind a TLS proxy: its https:// address); exports name their files under it. */
  VERITAS_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), 'must be an http:// or https:// URL')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  VERITAS_CORS_ORIGINS: list.default([]),
  VERITAS_RATE_LIMIT_PER_MIN: z.coerce.number().int().positive().default(600),
  VERITAS_NOTARY_HOST: z.string().default('127.0.0.1'),
  VERITAS_NOTARY_PORT: port.default(0),
  VERITAS_TLSN_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * tlsn's network setting, chosen by the prover (the notary follows it): Bandwidth (the default for an operator:
   * fewer bytes on a real link) or Latency (fewer round trips; cheaper on loopback, the devnet's default).
   */
  VERITAS_TLSN_NETWORK: z.enum(['Bandwidth', 'Latency']).optional(),
  /** Party processes kept loaded ahead of the next sessions (~0.14 GiB each when idle; operator default 0). */
  VERITAS_TLSN_WARM: z.coerce.number().int().min(0).max(8).optional(),
  VERITAS_MAX_SESSIONS: z.coerce.number().int().min(1).max(64).default(2),
  /** Longest MPC-TLS stage without progress, ms (a loaded machine needs more than the default). */
  VERITAS_SESSION_TIMEOUT_MS: z.coerce.number().int().min(10_000).max(3_600_000).default(120_000),
  VERITAS_SECRETS_FILE: z.string().optional(),
  /** The tlsn wasm to run; only with VERITAS_TRUST=devnet (the devnet's patched copy). */
  VERITAS_TLSN_WASM: z.string().optional(),
  /** Explicit SSRF exceptions, `host=ip:port,…` (the devnet's fixture site); never a wildcard. */
  VERITAS_SSRF_ALLOW: list
    .pipe(z.array(z.string().regex(/^[a-z0-9.-]+=[0-9a-f.:[\]]+:\d+$/i, 'each entry must be host=ip:port')))
    .optional(),
  /** The API the CLI's client commands talk to (`--api` overrides it). */
  VERITAS_API_URL: z.string().url().default('http://127.0.0.1:8080'),
  /** The key the CLI sends on write calls (`--api-key` overrides it; else the first of VERITAS_API_KEYS). */
  VERITAS_API_KEY: z.string().min(1).optional(),
  /** https://no-color.org: any non-empty value turns colour off in the CLI's output. */
  NO_COLOR: z.string().optional(),
  /** The operator's and aggregator's health/metrics listener (`/healthz`, `/readyz`, `/metrics`); 0 = any free port. */
  VERITAS_HEALTH_HOST: z.string().default('127.0.0.1'),
  VERITAS_HEALTH_PORT: port.optional(),
} as const;

const configSchema = z.object(variables);
export type Env = z.infer<typeof configSchema>;

export type Config = {
  dataDir: string;
  logLevel: Env['VERITAS_LOG_LEVEL'];
  databaseUrl: string | undefined;
  chain: {
    rpcUrl: string | undefined;
    hubAddress: `0x${string}` | undefined;
    registryAddress: `0x${string}` | undefined;
    /** DatasetRegistry (feeds and datasets); optional: without it the dataset routes and commands are off. */
    datasetRegistryAddress?: `0x${string}` | undefined;
    privateKey: `0x${string}` | undefined;
    /** The keystore to take the key from when VERITAS_PRIVATE_KEY is unset (see cli/signer.ts). */
    keystore?: { file: string; password: string | undefined } | undefined;
    /** The deployment file the addresses came from: its chain (checked against the RPC) and first block. */
    deployment?: { file: string; chainId: number; fromBlock: number } | undefined;
  };
  /** `devnet` selects the locally generated trust anchor (patched wasm); never the default. */
  trust: 'webpki' | 'devnet';
  /** Whether verifiers accept bundles made under the devnet trust anchor. Production: false. */
  acceptDevnetProofs: boolean;
  ipfs: { network: 'none' | 'loopback' | 'public'; listen: string[] | undefined; peers: string[] | undefined };
  api: {
    host: string;
    port: number;
    apiKeys: string[] | undefined;
    corsOrigins: string[];
    rateLimitPerMin: number;
    /** Base of every URL an export names (Croissant contentUrl); unset: the origin the request came to. */
    publicUrl?: string;
  };
  notary: { host: string; port: number };
  tlsn: {
    threads: number;
    network: 'Bandwidth' | 'Latency' | undefined;
    warm: number | undefined;
    maxSessions: number;
    sessionTimeoutMs: number;
  };
  secretsFile: string | undefined;
  tlsnWasm: string | undefined;
  ssrfAllow: Record<string, string>;
  /** What the CLI's client commands use: the API's URL and key, and whether colour is allowed at all. */
  cli: { apiUrl: string; apiKey: string | undefined; color: boolean };
  /** The operator's and aggregator's health/metrics listener; port undefined = none unless a command asks. */
  health: { host: string; port: number | undefined };
};

/**
 * Validates `env` (normally `process.env`) and returns the typed configuration.
 * Throws `VeritasError('CONFIG_INVALID')` naming the first bad variable and why; all problems are in `details`.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most twelve-factor tooling.
  const present = Object.fromEntries(
    Object.keys(variables).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({ variable: String(i.path[0]), reason: i.message }));
    const first = problems[0]!;
    throw new VeritasError('CONFIG_INVALID', `${first.variable}: ${first.reason}`, {
      field: first.variable,
      details: { problems },
    });
  }
  const e = parsed.data;
  const deployment = e.VERITAS_DEPLOYMENT
    ? readDeploymentFile(path.resolve(e.VERITAS_DEPLOYMENT), 'VERITAS_DEPLOYMENT')
    : undefined;
  // The file and the variables may both be given only if they agree: two sources of an address must not silently race.
  const fromFile = (variable: string, given: string | undefined, inFile: string | undefined) => {
    if (given !== undefined && inFile !== undefined && given.toLowerCase() !== inFile.toLowerCase())
      throw new VeritasError(
        'CONFIG_INVALID',
        `${variable}=${given} contradicts the deployment file ${e.VERITAS_DEPLOYMENT} (${inFile}); unset one of them`,
        { field: variable },
      );
    return (given ?? inFile) as `0x${string}` | undefined;
  };
  return {
    dataDir: path.resolve(e.VERITAS_DATA_DIR),
    logLevel: e.VERITAS_LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    chain: {
      rpcUrl: e.VERITAS_RPC_URL,
      hubAddress: fromFile('VERITAS_HUB_ADDRESS', e.VERITAS_HUB_ADDRESS, deployment?.contracts.OracleHub.address),
      registryAddress: fromFile(
        'VERITAS_REGISTRY_ADDRESS',
        e.VERITAS_REGISTRY_ADDRESS,
        deployment?.contracts.OperatorRegistry.address,
      ),
      datasetRegistryAddress: fromFile(
        'VERITAS_DATASET_REGISTRY_ADDRESS',
        e.VERITAS_DATASET_REGISTRY_ADDRESS,
        deployment?.contracts.DatasetRegistry?.address,
      ),
      privateKey: e.VERITAS_PRIVATE_KEY as `0x${string}` | undefined,
      keystore: e.VERITAS_KEYSTORE
        ? { file: path.resolve(e.VERITAS_KEYSTORE), password: e.VERITAS_KEYSTORE_PASSWORD }
        : undefined,
      deployment: deployment
        ? {
            file: path.resolve(e.VERITAS_DEPLOYMENT!),
            chainId: deployment.chainId,
            fromBlock: deployment.fromBlock,
          }
        : undefined,
    },
    trust: e.VERITAS_TRUST,
    acceptDevnetProofs: e.VERITAS_ACCEPT_DEVNET_PROOFS,
    ipfs: { network: e.VERITAS_IPFS_NETWORK, listen: e.VERITAS_IPFS_LISTEN, peers: e.VERITAS_IPFS_PEERS },
    api: {
      host: e.VERITAS_API_HOST,
      port: e.VERITAS_API_PORT,
      apiKeys: e.VERITAS_API_KEYS,
      corsOrigins: e.VERITAS_CORS_ORIGINS,
      rateLimitPerMin: e.VERITAS_RATE_LIMIT_PER_MIN,
      publicUrl: e.VERITAS_PUBLIC_URL,
    },
    notary: { host: e.VERITAS_NOTARY_HOST, port: e.VERITAS_NOTARY_PORT },
    tlsn: {
      threads: e.VERITAS_TLSN_THREADS,
      network: e.VERITAS_TLSN_NETWORK,
      warm: e.VERITAS_TLSN_WARM,
      maxSessions: e.VERITAS_MAX_SESSIONS,
      sessionTimeoutMs: e.VERITAS_SESSION_TIMEOUT_MS,
    },
    secretsFile: e.VERITAS_SECRETS_FILE,
    tlsnWasm: e.VERITAS_TLSN_WASM,
    ssrfAllow: Object.fromEntries((e.VERITAS_SSRF_ALLOW ?? []).map((entry) => entry.split('=') as [string, string])),
    cli: {
      apiUrl: e.VERITAS_API_URL,
      apiKey: e.VERITAS_API_KEY ?? e.VERITAS_API_KEYS?.[0],
      color: e.NO_COLOR === undefined,
    },
    health: { host: e.VERITAS_HEALTH_HOST, port: e.VERITAS_HEALTH_PORT },
  };
}

/** Requires a setting a command cannot run without, naming the variable that provides it. */
export function required<T>(value: T | undefined, variable: keyof typeof variables, why: string): T {
  if (value === undefined)
    throw new VeritasError('CONFIG_INVALID', `${variable} is required ${why}`, { field: variable });
  return value;
}

/** The documented variables, for `veritas config` and the README. */
export const configVariables = Object.keys(variables) as (keyof typeof variables)[];
