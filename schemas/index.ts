// The data model of Veritas: zod schemas (source of truth for types and validation) for every document that crosses a boundary.
export * from './common.ts';
export * from './spec.ts';
export * from './attestation.ts';
export * from './transcript.ts';
export * from './bundle.ts';
export * from './record.ts';
