// The API's wire shapes as zod schemas: validation at the edge and the source of the OpenAPI 3.1 document.
import { z } from '@hono/zod-openapi';
import { REQUEST_STATUSES } from '../core/db/schema.ts';
import { RequestSpec } from '../schemas/spec.ts';
import { validateSpec } from '../schemas/validate.ts';
import { jsonSchemaOf, type PublishedName } from '../schemas/json-schemas.ts';
import { VeritasError } from '../core/errors.ts';

export const ErrorBody = z
  .object({
    code: z.string().openapi({ example: 'INPUT_INVALID' }),
    message: z.string().openapi({ example: 'spec: url: must be an https:// URL (MPC-TLS proves TLS sessions)' }),
    field: z.string().optional().openapi({ example: 'spec.url' }),
  })
  .openapi('Error');

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address');

export const RequestIdParam = z.object({
  id: hex32.openapi({ param: { name: 'id', in: 'path' }, example: `0x${'ab'.repeat(32)}` }),
});
export const RecordIdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'id', in: 'path' }, description: 'record id (as listed by the request)' }),
});
export const CidParam = z.object({
  cid: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: 'cid', in: 'path' } }),
});
export const AddressParam = z.object({ address: address.openapi({ param: { name: 'address', in: 'path' } }) });

export const CreateRequestBody = z
  .object({
    spec: RequestSpec,
    /**
     * Wei, as a decimal string: escrowed by the hub and shared among included provers and notaries. Omitted: the
     * hub's minimum for the spec's quorum (minFeePerProver × the provers it will draw), read from the chain.
     */
    fee: z
      .string()
      .regex(/^\d{1,78}$/, 'must be a decimal amount of wei')
      .optional(),
  })
  .strict()
  // What zod cannot express (the result schema compiles under Ajv2020, the regex and JSONPath parse) is checked by
  // validateSpec, here at the edge, so its failures are 400s naming the field like any other.
  .superRefine((body, ctx) => {
    try {
      validateSpec(body.spec);
    } catch (e) {
      if (!(e instanceof VeritasError)) throw e;
      ctx.addIssue({ code: 'custom', path: ['spec', ...(e.field ?? '$').split('.')], message: e.message });
    }
  })
  .openapi('CreateRequest');

export const CreateRequestQuery = z.object({
  unsigned: z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((v) => v === 'true' || v === '1')
    .openapi({
      param: { name: 'unsigned', in: 'query' },
      description: 'return the unsigned transaction even when the node has a key',
    }),
});

const Links = z.record(z.string(), z.string()).openapi('Links');

export const UnsignedTransaction = z
  .object({ to: address, data: z.string(), value: z.string(), chainId: z.number().int() })
  .openapi('UnsignedTransaction');

export const CreateRequestResult = z
  .object({
    requestId: hex32.nullable().openapi({
      description: 'null when the transaction is returned unsigned (the id depends on the sender and nonce)',
    }),
    submissionId: z.string().nullable().openapi({
      description: "the API's record of what it sent (null for an unsigned transaction)",
    }),
    specHash: hex32,
    specCid: z.string(),
    txHash: hex32.nullable(),
    transaction: UnsignedTransaction.nullable(),
    links: Links,
  })
  .openapi('CreateRequestResult');

export const RequestSummary = z
  .object({
    id: hex32,
    status: z.enum(REQUEST_STATUSES),
    consumer: z.string(),
    url: z.string().nullable(),
    specHash: hex32,
    specCid: z.string(),
    quorum: z.number().int(),
    deadline: z.number().int(),
    fee: z.string(),
    txHash: z.string().nullable(),
    blockNumber: z.number().int().nullable(),
    merkleRoot: z.string().nullable(),
    reportCid: z.string().nullable(),
    createdAt: z.string(),
    fulfilledAt: z.string().nullable(),
    links: Links,
  })
  .openapi('RequestSummary');

export const TimelineStage = z
  .object({
    stage: z.string().openapi({ example: 'assigned' }),
    status: z.enum(['done', 'pending', 'failed']),
    at: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('TimelineStage');

export const RequestEvent = z
  .object({
    id: z.number().int(),
    at: z.string(),
    source: z.string(),
    stage: z.string(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .openapi('RequestEvent');

export const OperatorWork = z
  .object({
    position: z.number().int(),
    prover: z.string(),
    notary: z.string(),
    state: z.string(),
    response: z
      .object({
        resultHash: z.string(),
        bundleCid: z.string(),
        txHash: z.string().nullable(),
        verification: z.string(),
        invalidCode: z.string().nullable(),
        invalidMessage: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi('OperatorWork');

export const RequestDetail = RequestSummary.extend({
  spec: z.record(z.string(), z.unknown()).nullable(),
  timeline: z.array(TimelineStage),
  operators: z.array(OperatorWork),
  events: z.array(RequestEvent),
  report: z
    .object({
      reportCid: z.string(),
      merkleRoot: z.string(),
      recordCount: z.number().int(),
      fulfillTxHash: z.string().nullable(),
      policyOutcome: z.unknown(),
    })
    .nullable(),
  records: z.array(z.object({ id: z.string(), index: z.number().int(), href: z.string() })),
}).openapi('RequestDetail');

export const ListRequestsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(50)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  cursor: z
    .string()
    .max(500)
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' } }),
  status: z
    .enum(REQUEST_STATUSES)
    .optional()
    .openapi({ param: { name: 'status', in: 'query' } }),
  consumer: address.optional().openapi({ param: { name: 'consumer', in: 'query' } }),
});

export const RequestList = z
  .object({ items: z.array(RequestSummary), nextCursor: z.string().nullable() })
  .openapi('RequestList');

// The documents that hold z.json() values (ProvedRecord, ProvenanceBundle) are recursive, which the OpenAPI
// generator cannot walk; their exact published JSON Schemas (draft 2020-12, OpenAPI 3.1's own dialect) are put in
// instead, each JSON value pointing at one `JsonValue` component. The routes still build their bodies with the zod types.
const JSON_VALUE_REF = '#/components/schemas/JsonValue';
const toComponentRefs = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(toComponentRefs)
    : v !== null && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v).map(([k, x]) =>
            k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/')
              ? [k, JSON_VALUE_REF]
              : [k, toComponentRefs(x)],
          ),
        )
      : v;
function publishedComponent(name: PublishedName, description: string): Record<string, unknown> {
  const { $id: _id, $schema: _schema, title: _title, $defs: _defs, ...schema } = jsonSchemaOf(name);
  return { ...(toComponentRefs(schema) as Record<string, unknown>), description };
}

/** Any JSON value (what an extraction yields, normalized): the one component every z.json() field refers to. */
export const JSON_VALUE_COMPONENT = {
  description: 'any JSON value',
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    // items untyped: TypeScript cannot alias an array of itself through the generated `components[…]` lookup
    { type: 'array', items: {} },
    { type: 'object', additionalProperties: { $ref: JSON_VALUE_REF } },
  ],
} as const;

export const ProvedRecordBody = z
  .record(z.string(), z.unknown())
  .openapi(
    'ProvedRecord',
    publishedComponent(
      'proved-record',
      'A DatasetRecord with its Merkle proof (schemas/json/proved-record.schema.json)',
    ) as never,
  );

export const Operator = z
  .object({
    address: z.string(),
    status: z.string(),
    bond: z.string(),
    notaryUrl: z.string().nullable(),
    metadataUri: z.string().nullable(),
    answered: z.number().int(),
    agreed: z.number().int(),
    invalid: z.number().int(),
    slashed: z.number().int(),
    links: Links,
  })
  .openapi('Operator');

export const OperatorList = z.object({ items: z.array(Operator) }).openapi('OperatorList');

export const OperatorDetail = Operator.extend({
  responses: z.array(
    z.object({
      requestId: z.string(),
      role: z.enum(['prover', 'notary']),
      prover: z.string(),
      notary: z.string(),
      bundleCid: z.string(),
      verification: z.string(),
      invalidCode: z.string().nullable(),
    }),
  ),
}).openapi('OperatorDetail');

export const Bundle = z
  .record(z.string(), z.unknown())
  .openapi(
    'ProvenanceBundle',
    publishedComponent(
      'provenance-bundle',
      'The provenance bundle exactly as pinned (schemas/json/provenance-bundle.schema.json)',
    ) as never,
  );

const CroissantField = z
  .object({ '@type': z.string(), '@id': z.string().optional(), name: z.string().optional() })
  .catchall(z.unknown());
export const CroissantDoc = z
  .object({
    '@context': z.record(z.string(), z.unknown()),
    '@type': z.string().openapi({ example: 'sc:Dataset' }),
    name: z.string(),
    description: z.string().optional(),
    conformsTo: z.string().optional(),
    version: z.string().optional(),
    license: z.union([z.string(), z.array(z.string())]).optional(),
    url: z.string().optional(),
    isLiveDataset: z.boolean().optional(),
    distribution: z.array(CroissantField).optional(),
    recordSet: z.array(CroissantField).optional(),
  })
  .catchall(z.unknown())
  .openapi('Croissant', {
    description:
      'MLCommons Croissant 1.1 JSON-LD: the dataset, its files (`distribution`, each with sha256) and record sets; ' +
      'provenance as W3C PROV-O (`prov:wasDerivedFrom`, `prov:wasGeneratedBy`)',
  });

/** The `hello` event an SSE stream opens with: which request, and the event id it resumes after. */
export const SseHello = z.object({ requestId: hex32, after: z.number().int() }).openapi('SseHello', {
  description: 'SSE `hello`: the stream is open (`stage` events carry a RequestEvent, `end` a RequestSummary)',
});

export const errorResponses = {
  400: { description: 'malformed input; `field` names it', content: { 'application/json': { schema: ErrorBody } } },
  404: { description: 'unknown id', content: { 'application/json': { schema: ErrorBody } } },
  429: { description: 'rate limit exceeded', content: { 'application/json': { schema: ErrorBody } } },
  500: {
    description: 'internal error (a bug: `code` INTERNAL)',
    content: { 'application/json': { schema: ErrorBody } },
  },
  503: {
    description: 'a dependency (database, IPFS, chain) is briefly unavailable; retry',
    content: { 'application/json': { schema: ErrorBody } },
  },
} as const;
