// Public errors say what to fix, never what is inside: an SSRF refusal does not print the internal address a name
// resolved to (a DNS oracle), a viem error does not carry the RPC URL (and its key) into a public stage event or a
// notary's answer. Secret-store refusals are covered in secrets.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BaseError, HttpRequestError } from 'viem';
import { VeritasError, toVeritasError } from '../../core/errors.ts';
import { publicError } from '../../core/public-error.ts';
import { checkTarget } from '../../core/ssrf.ts';

test('attack: a name resolving to an internal address is refused without printing the address', async () => {
  const resolve = async () => [{ address: '10.13.37.42', family: 4 as const }];
  await assert.rejects(checkTarget('internal.attacker.example', 443, { resolve }), (e: unknown) => {
    assert.ok(e instanceof VeritasError && e.code === 'SSRF_REFUSED');
    const published = JSON.stringify(publicError(e));
    assert.ok(!published.includes('10.13.37.42'), published);
    assert.match(e.message, /forbidden address \(private\)/);
    // The operator's own log keeps it.
    assert.equal(e.details?.address, '10.13.37.42');
    return true;
  });
});

test('attack: a viem RPC failure published as a stage event carries no RPC URL or key', () => {
  const rpc = 'https://eth-mainnet.example.com/v2/SUPERSECRETKEY123';
  const viemError = new HttpRequestError({ url: rpc, body: { method: 'eth_call' }, status: 401 });
  assert.ok(viemError instanceof BaseError && viemError.message.includes('SUPERSECRETKEY123'), 'viem prints the URL');
  for (const e of [
    toVeritasError(viemError, 'CHAIN_ERROR'),
    new VeritasError('CHAIN_ERROR', `respond failed: ${viemError.message}`, { cause: viemError }),
    new Error(`connect ECONNREFUSED ${rpc}`),
  ]) {
    const published = publicError(e);
    assert.ok(!JSON.stringify(published).includes('SUPERSECRETKEY123'), JSON.stringify(published));
    assert.ok(!JSON.stringify(published).includes('eth-mainnet.example.com'), JSON.stringify(published));
    assert.ok(published.message.length > 0);
  }
});

test('a plain error keeps its message and code', () => {
  assert.deepEqual(publicError(new VeritasError('TIMEOUT', 'the notary did not answer in time')), {
    code: 'TIMEOUT',
    message: 'the notary did not answer in time',
  });
});
