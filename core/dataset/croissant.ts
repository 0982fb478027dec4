// MLCommons Croissant 1.1 JSON-LD for a set of flat data files: the dataset metadata (creator, licence, version,
// live flag, dates), W3C PROV-O and RAI provenance, one FileObject per data file with the sha256 of its served
// bytes, and RecordSets whose fields read FLAT columns (`source.extract.column`), as the reference loader does.
import { createHash } from 'node:crypto';
import type { Column, ColumnType } from './rows.ts';
import { croissantLicense } from './license.ts';

export const CROISSANT_CONFORMS_TO = 'http://mlcommons.org/croissant/1.1';

// The Croissant 1.1 context, plus PROV-O and a `veritas` namespace for terms Croissant has none for.
export const CROISSANT_CONTEXT = {
  '@language': 'en',
  '@vocab': 'https://schema.org/',
  citeAs: 'cr:citeAs',
  column: 'cr:column',
  conformsTo: 'dct:conformsTo',
  cr: 'http://mlcommons.org/croissant/',
  rai: 'http://mlcommons.org/croissant/RAI/',
  prov: 'http://www.w3.org/ns/prov#',
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

/** Croissant `dataType` of each column type (the `url` column is a URL). */
export const DATA_TYPES: Record<ColumnType, string> = {
  integer: 'sc:Integer',
  float: 'sc:Float',
  boolean: 'sc:Boolean',
  date: 'sc:Date',
  text: 'sc:Text',
};

/** A data file as served: its bytes are what `sha256` and `contentSize` describe. */
export type DataFile = {
  id: string;
  name: string;
  contentUrl: string;
  encodingFormat: 'application/jsonlines' | 'application/x-parquet';
  bytes: Uint8Array;
  /** The RecordSet reading this file (one per file, every column). */
  recordSet: string;
  description: string;
};

export type CroissantInput = {
  name: string;
  description: string;
  url: string;
  /** The dataset version (a positive integer); written as `version.0.0` (Croissant recommends semantic versions). */
  version: number;
  license: string | undefined;
  creator: { name: string; url?: string; type?: 'Person' | 'Organization' };
  live: boolean;
  datePublished: string;
  dateModified: string;
  citeAs: string;
  keywords?: string[];
  /** Every source URL the records were derived from. */
  sources: string[];
  /** The fetch activity: first and last TLS session, and the operators that ran them. */
  activity: { startedAt: string; endedAt: string; provers: string[] };
  columns: readonly Column[];
  files: DataFile[];
  /** Extra `veritas:` members (request id, roots, registry…), already prefixed. */
  extra?: Record<string, unknown>;
};

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function croissantDocument(c: CroissantInput): Record<string, unknown> {
  return {
    '@context': CROISSANT_CONTEXT,
    '@type': 'sc:Dataset',
    conformsTo: CROISSANT_CONFORMS_TO,
    name: safeName(c.name),
    description: c.description,
    url: c.url,
    version: `${c.version}.0.0`,
    license: croissantLicense(c.license),
    creator: {
      '@type': `sc:${c.creator.type ?? 'Organization'}`,
      name: c.creator.name,
      ...(c.creator.url ? { url: c.creator.url } : {}),
    },
    datePublished: c.datePublished,
    dateModified: c.dateModified,
    isLiveDataset: c.live,
    citeAs: c.citeAs,
    keywords: c.keywords ?? ['veritas', 'zkTLS', 'MPC-TLS', 'provenance', 'oracle'],
    'prov:wasDerivedFrom': c.sources.map((url) => ({ '@id': url })),
    'prov:wasGeneratedBy': {
      '@type': 'prov:Activity',
      'prov:label': 'MPC-TLS fetch by independent operators, attested by notaries, aggregated and committed on-chain',
      'prov:startedAtTime': c.activity.startedAt,
      'prov:endedAtTime': c.activity.endedAt,
      'prov:wasAssociatedWith': c.activity.provers.map((p) => ({ '@id': `urn:veritas:operator:${p}` })),
    },
    'rai:dataCollection':
      'Each value was fetched over MPC-TLS (TLSNotary) from the HTTPS source named in its row, by operators drawn at ' +
      'random from a bonded registry; a different operator notarised each session; the aggregator applied the ' +
      'request’s policy over at least a quorum of valid sessions and committed the records’ Merkle root on-chain.',
    'rai:dataCollectionType': ['Web API', 'Software Collection'],
    'rai:dataCollectionTimeframe': [c.activity.startedAt, c.activity.endedAt],
    ...c.extra,
    distribution: c.files.map((f) => ({
      '@type': 'cr:FileObject',
      '@id': f.id,
      name: f.name,
      description: f.description,
      contentUrl: f.contentUrl,
      encodingFormat: f.encodingFormat,
      contentSize: `${f.bytes.byteLength} B`,
      sha256: sha256Hex(f.bytes),
    })),
    recordSet: c.files.map((f) => ({
      '@type': 'cr:RecordSet',
      '@id': f.recordSet,
      name: f.recordSet,
      description: `Verified records with their provenance columns, read from ${f.name}`,
      key: [{ '@id': `${f.recordSet}/request_id` }, { '@id': `${f.recordSet}/record_index` }],
      field: c.columns.map((col) => ({
        '@type': 'cr:Field',
        '@id': `${f.recordSet}/${col.name}`,
        name: col.name,
        description: col.description,
        dataType: col.name === 'url' ? 'sc:URL' : DATA_TYPES[col.type],
        source: { fileObject: { '@id': f.id }, extract: { column: col.name } },
      })),
    })),
  };
}

// Croissant names are identifiers in practice (mlcroissant warns on spaces and punctuation).
export const safeName = (s: string): string =>
  s.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'veritas-dataset';
