// The spec's response limit is what an MPC-TLS party completes within its documented memory (operator/tlsn/README.md):
// a larger one is refused at submission, naming the field and the reason, before anything is paid or pinned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { sessionLimits } from '../../operator/limits.ts';
import { RequestSpec, SPEC_LIMITS } from '../../schemas/spec.ts';
import { validateSpec } from '../../schemas/validate.ts';

const spec = (maxResponseBytes: number) => ({
  url: 'https://api.veritas.test/v1/bytes',
  extract: { jsonPath: '$.size' },
  quorum: 1,
  deadline: 2_000_000_000,
  maxResponseBytes,
});

test('a 64 KiB response limit (the old maximum, which no session completed) is refused with the reason', () => {
  assert.throws(
    () => validateSpec(spec(65_536)),
    (e: unknown) =>
      isVeritasError(e, 'INPUT_INVALID') &&
      e.field === 'maxResponseBytes' &&
      /at most 16384 bytes/.test(e.message) &&
      /memory/.test(e.message),
  );
});

test('the measured maximum is accepted, and it is the received limit both parties derive', () => {
  assert.equal(SPEC_LIMITS.maxResponseBytes, 16_384);
  const s = validateSpec(spec(SPEC_LIMITS.maxResponseBytes));
  assert.equal(sessionLimits(RequestSpec.parse(s)).maxRecvBytes, 16_384);
});
