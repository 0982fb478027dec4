// The published JSON Schemas (draft 2020-12), generated from the zod schemas for non-TypeScript users.
import { z } from 'zod';
import { RequestSpec } from './spec.ts';
import { Attestation } from './attestation.ts';
import { ProvenanceBundle } from './bundle.ts';
import { AggregateReport, DatasetRecord, ProvedRecord } from './record.ts';

export const published = {
  'request-spec': RequestSpec,
  attestation: Attestation,
  'provenance-bundle': ProvenanceBundle,
  'dataset-record': DatasetRecord,
  'proved-record': ProvedRecord,
  'aggregate-report': AggregateReport,
} as const;
export type PublishedName = keyof typeof published;

/**
 * The JSON Schema of a published document, as input (what a producer must write: defaults are optional).
 * `unrepresentable: 'any'` lets refinements pass through: they are re-checked by zod where it matters.
 */
export function jsonSchemaOf(name: PublishedName): Record<string, unknown> {
  const schema = z.toJSONSchema(published[name], { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });
  return { $id: `https://veritas.dev/schemas/${name}.schema.json`, title: name, ...schema };
}
