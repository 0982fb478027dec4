import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadConfig, required } from '../../core/config.ts';
import { isVeritasError } from '../../core/errors.ts';

test('defaults are safe: loopback API, webpki trust, devnet proofs refused', () => {
  const c = loadConfig({});
  assert.equal(c.api.host, '127.0.0.1');
  assert.equal(c.trust, 'webpki');
  assert.equal(c.acceptDevnetProofs, false);
  assert.equal(c.ipfs.network, 'loopback');
  assert.equal(c.dataDir, path.resolve('.veritas'));
  assert.equal(c.databaseUrl, undefined);
});

test('values are coerced and lists split', () => {
  const c = loadConfig({ VERITAS_API_PORT: '9090', VERITAS_API_KEYS: 'a, b,,c', VERITAS_ACCEPT_DEVNET_PROOFS: 'true' });
  assert.equal(c.api.port, 9090);
  assert.deepEqual(c.api.apiKeys, ['a', 'b', 'c']);
  assert.equal(c.acceptDevnetProofs, true);
});

test('tlsn network and warm parties: unset unless given (each component picks its own default)', () => {
  assert.deepEqual([loadConfig({}).tlsn.network, loadConfig({}).tlsn.warm], [undefined, undefined]);
  const c = loadConfig({ VERITAS_TLSN_NETWORK: 'Latency', VERITAS_TLSN_WARM: '2' });
  assert.deepEqual([c.tlsn.network, c.tlsn.warm], ['Latency', 2]);
});

test('empty strings count as unset', () => {
  assert.equal(loadConfig({ DATABASE_URL: '' }).databaseUrl, undefined);
});

for (const [variable, value, reason] of [
  ['VERITAS_API_PORT', '70000', /VERITAS_API_PORT/],
  ['VERITAS_TRUST', 'yolo', /VERITAS_TRUST/],
  ['DATABASE_URL', 'mysql://x', /postgres/],
  ['VERITAS_PRIVATE_KEY', '0x1234', /64 hex digits/],
  ['VERITAS_HUB_ADDRESS', 'nope', /20-byte address/],
  ['VERITAS_LOG_LEVEL', 'loud', /VERITAS_LOG_LEVEL/],
  ['VERITAS_TLSN_NETWORK', 'Fast', /VERITAS_TLSN_NETWORK/],
  ['VERITAS_TLSN_WARM', '9', /VERITAS_TLSN_WARM/],
] as const) {
  test(`a bad ${variable} fails naming the variable and the reason`, () => {
    assert.throws(
      () => loadConfig({ [variable]: value }),
      (e) => isVeritasError(e, 'CONFIG_INVALID') && e.field === variable && reason.test(e.message),
    );
  });
}

test('every problem is reported, not just the first', () => {
  try {
    loadConfig({ VERITAS_API_PORT: 'x', VERITAS_TRUST: 'y' });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(isVeritasError(e, 'CONFIG_INVALID'));
    const problems = e.details?.problems as { variable: string }[];
    assert.deepEqual(problems.map((p) => p.variable).sort(), ['VERITAS_API_PORT', 'VERITAS_TRUST']);
  }
});

test('required() names the variable a command needs', () => {
  assert.throws(
    () => required(undefined, 'VERITAS_RPC_URL', 'to join an existing chain'),
    (e) => isVeritasError(e, 'CONFIG_INVALID') && e.field === 'VERITAS_RPC_URL',
  );
  assert.equal(required(5, 'VERITAS_API_PORT', ''), 5);
});
