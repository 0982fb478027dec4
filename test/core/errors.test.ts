import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERROR_CODES, RETRYABLE, VeritasError, toVeritasError, type ErrorCode } from '../../core/errors.ts';
import { classifyFailure } from '../../operator/tlsn/failure.ts';

test('every error code has a retry decision, and nothing else does', () => {
  assert.deepEqual(Object.keys(RETRYABLE).sort(), [...ERROR_CODES].sort());
  for (const code of ERROR_CODES) assert.equal(typeof RETRYABLE[code], 'boolean', code);
});

test('a busy, slow or briefly unreachable peer or dependency is worth another attempt', () => {
  const retry: ErrorCode[] = [
    'BUSY',
    'TIMEOUT',
    'PEER_DISCONNECTED',
    'SERVER_UNREACHABLE',
    'CHAIN_ERROR',
    'IPFS_ERROR',
    'DB_ERROR',
    // a failure we cannot tell from a blip: retried, as often as the caller's attempt budget allows
    'TLSN_FAILED',
    'INTERNAL',
  ];
  for (const code of retry) assert.equal(new VeritasError(code, 'x').retryable, true, code);
});

test('wrong input, evidence or protocol state fails the same way again: final', () => {
  const final: ErrorCode[] = [
    'CONFIG_INVALID',
    'INPUT_INVALID',
    'SCHEMA_INVALID',
    'SPEC_HASH_MISMATCH',
    'NOT_FOUND',
    'SSRF_REFUSED',
    'CERTIFICATE_REJECTED',
    'RESPONSE_TOO_LARGE',
    'NOT_ASSIGNED',
    'DEADLINE_PASSED',
    'BAD_SIGNATURE',
    'RESULT_SCHEMA_MISMATCH',
    'BUNDLE_INVALID',
  ];
  for (const code of final) assert.equal(new VeritasError(code, 'x').retryable, false, code);
});

test('the decision follows the code wherever the error was made', () => {
  assert.equal(toVeritasError(new Error('socket hang up')).retryable, true, 'unknown throws are INTERNAL');
  // a code from another service's error body that is not ours (an HTTP-only code) is not retried
  assert.equal(new VeritasError('RATE_LIMITED' as ErrorCode, 'x').retryable, false);
  // the proxy's close codes: SSRF is final, an unreachable source is not
  assert.equal(
    classifyFailure('prover', 'x', [{ code: 4403, reason: 'SSRF_REFUSED', url: 'p', wasOpen: true }]).retryable,
    false,
  );
  assert.equal(classifyFailure('prover', 'x', [{ code: 4502, reason: '', url: 'p', wasOpen: true }]).retryable, true);
  assert.equal(classifyFailure('prover', 'invalid peer certificate: UnknownIssuer').retryable, false);
  assert.equal(classifyFailure('verifier', 'unexpected end of file').retryable, true);
});
