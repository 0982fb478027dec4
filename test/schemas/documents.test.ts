import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { jsonSchemaOf, published, type PublishedName } from '../../schemas/json-schemas.ts';
import { validateDocument } from '../../schemas/validate.ts';
import { isVeritasError } from '../../core/errors.ts';

test('the committed JSON Schemas are generated from the current zod schemas (run npm run schemas:generate)', () => {
  for (const name of Object.keys(published) as PublishedName[]) {
    const committed = JSON.parse(
      readFileSync(new URL(`../../schemas/json/${name}.schema.json`, import.meta.url), 'utf8'),
    );
    assert.deepEqual(committed, jsonSchemaOf(name), `schemas/json/${name}.schema.json is stale`);
  }
});

const h = (c: string) => `0x${c.repeat(64)}`;
const attestation = {
  requestId: h('1'),
  specHash: h('6'),
  prover: `0x${'a'.repeat(40)}`,
  notary: `0x${'b'.repeat(40)}`,
  trust: 1,
  serverNameHash: h('2'),
  tlsTime: 1_764_000_000,
  sentHash: h('3'),
  recvHash: h('4'),
  resultHash: h('5'),
  numericValue: '0',
};

test('an untrusted attestation is validated naming the bad field', () => {
  assert.deepEqual(validateDocument('attestation', attestation), attestation);
  assert.throws(
    () => validateDocument('attestation', { ...attestation, recvHash: '0x12' }, 'BUNDLE_INVALID'),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'recvHash',
  );
  assert.throws(
    () => validateDocument('attestation', { ...attestation, tlsTime: undefined }, 'BUNDLE_INVALID'),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'tlsTime',
  );
  assert.throws(
    () => validateDocument('attestation', { ...attestation, smuggled: true }, 'BUNDLE_INVALID'),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'smuggled',
  );
});

test('a bundle with a malformed transcript range is rejected at the range', () => {
  const bundle = {
    version: 2,
    chainId: 31337,
    hub: `0x${'c'.repeat(40)}`,
    requestId: h('1'),
    specCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    specHash: h('6'),
    prover: attestation.prover,
    notary: attestation.notary,
    serverName: 'api.veritas.test',
    tlsTime: attestation.tlsTime,
    transcript: { sent: 'AAAA', recv: 'e30=', sentRanges: [{ start: 0, end: 3 }], recvRanges: [{ start: 0, end: 2 }] },
    value: { a: 1 },
    attestation,
    notarySignature: `0x${'00'.repeat(65)}`,
    trust: 'devnet',
    software: { veritas: '0.1.0', tlsn: '0.1.0-alpha.12' },
    timings: {},
    proverSignature: `0x${'00'.repeat(65)}`,
  };
  assert.equal(validateDocument('provenance-bundle', bundle).serverName, 'api.veritas.test');
  assert.throws(
    () =>
      validateDocument(
        'provenance-bundle',
        { ...bundle, transcript: { ...bundle.transcript, recvRanges: [{ start: 'x', end: 2 }] } },
        'BUNDLE_INVALID',
      ),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'transcript.recvRanges[0].start',
  );
  assert.throws(
    () => validateDocument('provenance-bundle', { ...bundle, trust: 'whatever' }, 'BUNDLE_INVALID'),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'trust',
  );
});

test('every published schema compiles on the RE2 engine, \\u escapes included (a bad document is a VeritasError)', async () => {
  const { re2Syntax } = await import('../../schemas/validate.ts');
  assert.equal(re2Syntax('^[^\\u0000\\r\\n]*$'), '^[^\\x{0000}\\r\\n]*$');
  assert.equal(re2Syntax('a\\\\u0041'), 'a\\\\u0041', 'an escaped backslash before u is a literal backslash');
  for (const kind of ['provenance-bundle', 'request-spec', 'aggregate-report'] as const)
    assert.throws(
      () => validateDocument(kind, { not: 'a document' }),
      (e: unknown) => isVeritasError(e),
      kind,
    );
});
