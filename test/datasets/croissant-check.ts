// A Croissant 1.1 checker for tests: the spec's required dataset properties, and the reference loader's rules
// (mlcroissant reads a JSONL or Parquet FileObject into a table and looks each field up by `extract.column`;
// `jsonPath` there fails its `column in df` check), each field read through its column from the served bytes.
import { createHash } from 'node:crypto';

type Doc = Record<string, unknown>;
type FileObject = {
  '@type': string;
  '@id': string;
  name?: string;
  contentUrl?: string;
  encodingFormat?: string;
  sha256?: string;
};
type Field = {
  '@id'?: string;
  name?: string;
  dataType?: string;
  source?: { fileObject?: { '@id'?: string }; extract?: Record<string, unknown> };
};

/** Reads a file as the loader does: its rows as objects keyed by column. */
export type TableReader = (file: FileObject, bytes: Uint8Array) => Promise<Record<string, unknown>[]>;

export const jsonlRows = (bytes: Uint8Array): Record<string, unknown>[] =>
  new TextDecoder()
    .decode(bytes)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

const REQUIRED = [
  '@context',
  '@type',
  'conformsTo',
  'name',
  'description',
  'license',
  'url',
  'creator',
  'datePublished',
];
const DATA_TYPES = new Set(['sc:Text', 'sc:Integer', 'sc:Float', 'sc:Boolean', 'sc:Date', 'sc:DateTime', 'sc:URL']);

function matchesType(dataType: string, v: unknown): boolean {
  if (v === null || v === undefined) return true;
  switch (dataType) {
    case 'sc:Integer':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
    case 'sc:Float':
      return typeof v === 'number';
    case 'sc:Boolean':
      return typeof v === 'boolean';
    case 'sc:Date':
    case 'sc:DateTime':
      return (typeof v === 'string' && !Number.isNaN(Date.parse(v))) || v instanceof Date;
    default:
      return typeof v === 'string';
  }
}

/** Every problem found (empty when the document passes); `fetch` returns the bytes served at a contentUrl. */
export async function checkCroissant(
  doc: Doc,
  fetch: (contentUrl: string) => Promise<Uint8Array>,
  readTable: TableReader,
): Promise<string[]> {
  const problems: string[] = [];
  for (const p of REQUIRED) if (doc[p] === undefined || doc[p] === null || doc[p] === '') problems.push(`missing ${p}`);
  if (doc.conformsTo !== 'http://mlcommons.org/croissant/1.1') problems.push(`conformsTo is ${String(doc.conformsTo)}`);
  if (doc['@type'] !== 'sc:Dataset') problems.push(`@type is ${String(doc['@type'])}`);
  const ctx = doc['@context'] as Record<string, unknown> | undefined;
  if (ctx?.cr !== 'http://mlcommons.org/croissant/') problems.push('@context.cr is not the Croissant namespace');
  const creator = doc.creator as { name?: string } | undefined;
  if (!creator?.name) problems.push('creator has no name');
  if (typeof doc.version !== 'string' || !/^\d+\.\d+\.\d+$/.test(doc.version))
    problems.push('version is not MAJOR.MINOR.PATCH');
  if (Number.isNaN(Date.parse(String(doc.datePublished)))) problems.push('datePublished is not a date');
  const files = new Map<string, { file: FileObject; rows: Record<string, unknown>[] }>();
  for (const f of (doc.distribution as FileObject[] | undefined) ?? []) {
    if (f['@type'] !== 'cr:FileObject') continue;
    if (!f.contentUrl || !f.encodingFormat || !f.sha256 || !f.name) {
      problems.push(`FileObject ${f['@id']} lacks contentUrl, encodingFormat, sha256 or name`);
      continue;
    }
    const bytes = await fetch(f.contentUrl);
    const sha = createHash('sha256').update(bytes).digest('hex');
    if (sha !== f.sha256)
      problems.push(`FileObject ${f['@id']}: sha256 ${f.sha256} is not that of the served bytes (${sha})`);
    files.set(f['@id'], { file: f, rows: await readTable(f, bytes) });
  }
  const recordSets = (doc.recordSet as { '@id': string; field?: Field[] }[] | undefined) ?? [];
  if (recordSets.length === 0) problems.push('no recordSet');
  for (const rs of recordSets) {
    for (const field of rs.field ?? []) {
      const id = field['@id'] ?? field.name;
      if (!field.dataType || !DATA_TYPES.has(field.dataType)) problems.push(`${id}: dataType ${field.dataType}`);
      const source = field.source;
      const file = files.get(source?.fileObject?.['@id'] ?? '');
      if (!file) {
        problems.push(`${id}: source.fileObject names no FileObject`);
        continue;
      }
      const extract = source?.extract ?? {};
      if ('jsonPath' in extract && file.file.encodingFormat === 'application/jsonlines')
        problems.push(`${id}: jsonPath on a JSONL file (the loader reads JSONL as a table: use extract.column)`);
      const column = extract.column;
      if (typeof column !== 'string') {
        problems.push(`${id}: no extract.column`);
        continue;
      }
      if (file.rows.length > 0 && !file.rows.some((r) => column in r)) {
        problems.push(`${id}: column ${column} is not in ${file.file.name}`);
        continue;
      }
      const bad = file.rows.find((r) => !matchesType(field.dataType ?? '', r[column]));
      if (bad !== undefined) problems.push(`${id}: value ${JSON.stringify(bad[column])} is not ${field.dataType}`);
    }
  }
  return problems;
}
