// MLCommons Croissant 1.0 JSON-LD for a request's dataset: the JSONL of ProvedRecords as the distribution, a record
// set whose fields carry the value and its provenance (bundles, operators, notaries, server, TLS time, Merkle proof).
import { createHash } from 'node:crypto';
import type { RecordRow, RequestRow } from '../core/db/schema.ts';
import { provedRecordOf } from './views.ts';

// The standard Croissant 1.0 context, plus a `veritas` namespace for the fields that have no Croissant term.
const CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  data: { '@id': 'cr:data', '@type': '@json' },
  dataType: { '@id': 'cr:dataType', '@type': '@vocab' },
  dct: 'http://purl.org/dc/terms/',
  examples: { '@id': 'cr:examples', '@type': '@json' },
  extract: 'cr:extract',
  field: 'cr:field',
  fileProperty: 'cr:fileProperty',
  fileObject: 'cr:fileObject',
  fileSet: 'cr:fileSet',
  format: 'cr:format',
  includes: 'cr:includes',
  isLiveDataset: 'cr:isLiveDataset',
  jsonPath: 'cr:jsonPath',
  key: 'cr:key',
  md5: 'cr:md5',
  parentField: 'cr:parentField',
  path: 'cr:path',
  recordSet: 'cr:recordSet',
  references: 'cr:references',
  regex: 'cr:regex',
  repeated: 'cr:repeated',
  replace: 'cr:replace',
  sc: 'https://schema.org/',
  separator: 'cr:separator',
  source: 'cr:source',
  subField: 'cr:subField',
  transform: 'cr:transform',
  veritas: 'https://veritas.example/ns/provenance#',
} as const;

type FieldSpec = { name: string; description: string; dataType: string; jsonPath: string; repeated?: boolean };

const FIELDS: FieldSpec[] = [
  {
    name: 'index',
    description: 'Position of the record in the request’s Merkle tree',
    dataType: 'sc:Integer',
    jsonPath: '$.record.index',
  },
  { name: 'value', description: 'The aggregated, verified value', dataType: 'sc:Text', jsonPath: '$.record.value' },
  {
    name: 'url',
    description: 'The HTTPS source the value was fetched from over MPC-TLS',
    dataType: 'sc:URL',
    jsonPath: '$.record.url',
  },
  {
    name: 'recordHash',
    description: 'keccak256 of the record’s RFC 8785 canonical JSON',
    dataType: 'sc:Text',
    jsonPath: '$.recordHash',
  },
  {
    name: 'merkleRoot',
    description: 'Root committed on-chain by OracleHub.fulfill',
    dataType: 'sc:Text',
    jsonPath: '$.merkleRoot',
  },
  {
    name: 'merkleProof',
    description: 'Sibling hashes from the leaf to the root',
    dataType: 'sc:Text',
    jsonPath: '$.proof',
    repeated: true,
  },
  {
    name: 'bundleCid',
    description: 'IPFS CIDs of the provenance bundles',
    dataType: 'sc:Text',
    jsonPath: '$.record.sources[*].bundleCid',
    repeated: true,
  },
  {
    name: 'prover',
    description: 'Operators that fetched the value (TLSNotary provers)',
    dataType: 'sc:Text',
    jsonPath: '$.record.sources[*].prover',
    repeated: true,
  },
  {
    name: 'notary',
    description: 'Operators that attested each session (TLSNotary verifiers)',
    dataType: 'sc:Text',
    jsonPath: '$.record.sources[*].notary',
    repeated: true,
  },
  {
    name: 'serverName',
    description: 'TLS server name authenticated in each session',
    dataType: 'sc:Text',
    jsonPath: '$.record.sources[*].serverName',
    repeated: true,
  },
  {
    name: 'tlsTime',
    description: 'Unix time of each TLS session',
    dataType: 'sc:Integer',
    jsonPath: '$.record.sources[*].tlsTime',
    repeated: true,
  },
];

export function croissantOf(request: RequestRow, rows: RecordRow[], baseUrl: string): Record<string, unknown> {
  const jsonl =
    request.merkleRoot === null
      ? ''
      : rows.map((r) => `${JSON.stringify(provedRecordOf(r, request.merkleRoot!))}\n`).join('');
  const spec = request.spec;
  const apiUrl = `${baseUrl}/v1/requests/${request.id}`;
  const fileId = 'records-jsonl';
  const recordSetId = 'records';
  return {
    '@context': CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: 'http://mlcommons.org/croissant/1.0',
    name: safeName(spec?.name ?? `veritas-${request.id.slice(2, 14)}`),
    description:
      spec?.description ??
      `Values fetched from ${spec?.url ?? 'an HTTPS source'} over MPC-TLS by independent operators, attested by notaries and ` +
        'committed on-chain by a Merkle root. Every record carries the proof and the bundles needed to re-check it.',
    url: `${baseUrl}/requests/${request.id}`,
    isBasedOn: spec?.url,
    datePublished: (request.fulfilledAt ?? request.createdAt).toISOString(),
    version: '1.0.0',
    license: 'https://spdx.org/licenses/CC0-1.0.html',
    citeAs: `Veritas oracle request ${request.id}, Merkle root ${request.merkleRoot ?? '(pending)'}`,
    isLiveDataset: request.status !== 'fulfilled',
    'veritas:requestId': request.id,
    'veritas:status': request.status,
    'veritas:specCid': request.specCid,
    'veritas:specHash': request.specHash,
    'veritas:merkleRoot': request.merkleRoot,
    'veritas:reportCid': request.reportCid,
    'veritas:requestTx': request.txHash,
    'veritas:recordLeaf': 'StandardMerkleTree leaf (bytes32 requestId, uint256 index, bytes32 recordHash)',
    distribution: [
      {
        '@type': 'cr:FileObject',
        '@id': fileId,
        name: `${request.id}.jsonl`,
        description: 'One ProvedRecord (record, recordHash, merkleRoot, proof) per line',
        contentUrl: `${apiUrl}/records.jsonl`,
        encodingFormat: 'application/jsonlines',
        contentSize: `${Buffer.byteLength(jsonl)} B`,
        sha256: createHash('sha256').update(jsonl).digest('hex'),
      },
    ],
    recordSet: [
      {
        '@type': 'cr:RecordSet',
        '@id': recordSetId,
        name: recordSetId,
        description: 'Verified dataset records with their provenance',
        key: { '@id': `${recordSetId}/index` },
        field: FIELDS.map((f) => ({
          '@type': 'cr:Field',
          '@id': `${recordSetId}/${f.name}`,
          name: f.name,
          description: f.description,
          dataType: f.dataType,
          ...(f.repeated ? { repeated: true } : {}),
          source: { fileObject: { '@id': fileId }, extract: { jsonPath: f.jsonPath } },
        })),
      },
    ],
  };
}

// Croissant names are identifiers in practice (mlcroissant warns on spaces and punctuation).
const safeName = (s: string): string =>
  s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'veritas-dataset';
