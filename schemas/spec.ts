// RequestSpec: what a consumer asks the oracle to fetch, extract and aggregate. Pinned to IPFS; its hash goes on-chain.
import { z } from 'zod';
import { serdeJsonText } from './serde-json.ts';

/**
 * The prover hands the body to tlsn-wasm as a JSON value, which re-serializes it (serde_json): only a body that is
 * already in that form is sent byte for byte as the spec says (see core/http-message.ts `requestTemplate`).
 */
function bodyProblem(body: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return 'must be JSON text (the prover sends JSON bodies only)';
  }
  const text = serdeJsonText(value);
  if (text === undefined) return 'may hold only integers, ASCII object keys and well-formed strings';
  if (text !== body)
    return `must be compact JSON with sorted keys, exactly ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
  return undefined;
}

const headerName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be an HTTP header token');
// Values hold no control byte but HTAB (RFC 9110 §5.5; hyper refuses them too): no CR/LF can inject another header
// or a body, no NUL can reach a parser or a database.
const headerValue = z
  .string()
  .max(8192)
  .regex(/^[\t\x20-\x7e\u0080-\uffff]*$/, 'must not contain CR, LF, NUL or other control characters');

/** A header sent in the clear and revealed to the notary. */
export const PublicHeader = z.object({ name: headerName, value: headerValue }).strict();

/**
 * A header whose value is secret: it is looked up by `ref` in the prover's own secret store, never travels on-chain
 * or to IPFS, and stays in an unrevealed range of the MPC-TLS transcript (the notary never sees it).
 */
export const SecretHeader = z
  .object({
    name: headerName,
    secret: z.literal(true),
    ref: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9_.-]+$/, 'must be a secret name of letters, digits, _ . -'),
    /**
     * The longest value the prover may send, in bytes. The value travels padded to this, rounded up to a multiple
     * of 32, so the transcript reveals only that bound; both sides derive the MPC limits from it.
     */
    maxLength: z.number().int().min(1).max(1024).default(64),
  })
  .strict();

export const Header = z.union([PublicHeader, SecretHeader]);
export type Header = z.infer<typeof Header>;

export const JsonPathRule = z
  .object({ jsonPath: z.string().min(1).max(512).startsWith('$', 'must start with $') })
  .strict();
export const RegexRule = z
  .object({
    regex: z.string().min(1).max(512),
    group: z.union([z.number().int().min(0).max(32), z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)]).default(1),
    flags: z
      .string()
      .regex(/^[imsu]*$/, 'only i, m, s and u flags are allowed')
      .default(''),
  })
  .strict();
/** How the value is taken out of the response body: JSONPath over the JSON body, or a regex capture group. */
export const ExtractionRule = z.union([JsonPathRule, RegexRule]);
export type ExtractionRule = z.infer<typeof ExtractionRule>;

/** How the raw extracted value is normalized before comparison (see aggregator/normalize). */
export const ValueType = z
  .object({
    type: z.enum(['number', 'string', 'timestamp', 'json']).default('json'),
    /** number: decimal places kept (round half to even). */
    precision: z.number().int().min(0).max(18).optional(),
  })
  .strict();
export type ValueType = z.infer<typeof ValueType>;

export const AggregationPolicy = z.discriminatedUnion('policy', [
  z
    .object({
      policy: z.literal('median'),
      /** Responses farther than k·MAD from the median are outliers, excluded and listed. */
      madK: z.number().positive().max(100).default(3),
      /**
       * A value within this fraction of the median is never an outlier (default 1 %). With few responses MAD is
       * unstable (three honest, slightly jittered prices can have a tiny MAD), so k·MAD alone would reject honest data.
       */
      band: z.number().min(0).max(1).default(0.01),
    })
    .strict(),
  z
    .object({
      policy: z.literal('mode'),
      /** How many valid responses must carry the winning value. */
      minAgreement: z.number().int().min(1).max(64),
    })
    .strict(),
  z.object({ policy: z.literal('exact') }).strict(),
]);
export type AggregationPolicy = z.infer<typeof AggregationPolicy>;

/**
 * maxResponseBytes: the largest received-transcript limit an MPC-TLS session completes within a party's documented
 * memory (operator/tlsn/README.md, measured with bench:tlsn --matrix): 16 KiB ≈ 2 GiB of RSS per party. 64 KiB
 * does not complete: tlsn-wasm's 32-bit linear memory grows ~0.09 GiB per KiB received and the prover died in setup.
 */
export const SPEC_LIMITS = { maxResponseBytes: 16_384, maxQuorum: 16 } as const;

export const RequestSpec = z
  .object({
    version: z.literal(1).default(1),
    name: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    url: z
      .string()
      .url()
      .refine((u) => new URL(u).protocol === 'https:', 'must be an https:// URL (MPC-TLS proves TLS sessions)')
      .refine((u) => new URL(u).username === '' && new URL(u).password === '', 'must not carry credentials'),
    method: z.enum(['GET', 'POST']).default('GET'),
    headers: z.array(Header).max(32).default([]),
    body: z.string().max(8192).optional(),
    extract: ExtractionRule,
    /** JSON Schema (draft 2020-12) the extracted value must satisfy; compiled by Ajv2020 on validation. */
    resultSchema: z.record(z.string(), z.unknown()).default({}),
    value: ValueType.default({ type: 'json' }),
    aggregation: AggregationPolicy.default({ policy: 'exact' }),
    /** `array`: the extracted value is an array and each element becomes its own dataset record. */
    records: z.enum(['single', 'array']).default('single'),
    maxResponseBytes: z
      .number()
      .int()
      .min(64)
      .max(SPEC_LIMITS.maxResponseBytes, {
        message: `must be at most ${SPEC_LIMITS.maxResponseBytes} bytes: a larger response does not fit in an MPC-TLS party's memory`,
      })
      .default(4096),
    quorum: z.number().int().min(1).max(SPEC_LIMITS.maxQuorum),
    /** Unix seconds; responses after it are refused on-chain and the consumer can be refunded. */
    deadline: z.number().int().positive(),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.method === 'GET' && spec.body !== undefined)
      ctx.addIssue({ code: 'custom', path: ['body'], message: 'a GET request has no body' });
    if (spec.body !== undefined) {
      const reason = bodyProblem(spec.body);
      if (reason) ctx.addIssue({ code: 'custom', path: ['body'], message: reason });
    }
    const names = spec.headers.map((h) => h.name.toLowerCase());
    names.forEach((n, i) => {
      if (names.indexOf(n) !== i)
        ctx.addIssue({ code: 'custom', path: ['headers', i, 'name'], message: `duplicate header ${n}` });
      // The prover sets these itself; letting a spec set them would break the framing the transcript parser relies on.
      if (['host', 'content-length', 'transfer-encoding', 'connection'].includes(n))
        ctx.addIssue({ code: 'custom', path: ['headers', i, 'name'], message: `${n} is set by the prover` });
    });
    if (spec.aggregation.policy === 'median' && spec.value.type !== 'number')
      ctx.addIssue({ code: 'custom', path: ['aggregation', 'policy'], message: 'median needs value.type "number"' });
    if (spec.aggregation.policy === 'mode' && spec.aggregation.minAgreement > spec.quorum)
      ctx.addIssue({ code: 'custom', path: ['aggregation', 'minAgreement'], message: 'cannot exceed quorum' });
  });
export type RequestSpec = z.infer<typeof RequestSpec>;
/** A spec as a consumer may write it (defaults not yet applied). */
export type RequestSpecInput = z.input<typeof RequestSpec>;
