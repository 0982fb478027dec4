import assert from 'node:assert/strict';
import { test } from 'node:test';
import { int, num, pollMs } from '../../cli/options.ts';
import { isVeritasError } from '../../core/errors.ts';

const refused = (flag: string, reason: RegExp) => (e: unknown) =>
  isVeritasError(e, 'INPUT_INVALID') && e.field === flag && reason.test(e.message);

test('whole numbers: digits only, within the range, the flag named', () => {
  assert.equal(int('42', '--n'), 42);
  for (const bad of ['', '4.2', '-1', '1e3', ' 7', '0x10', 'NaN'])
    assert.throws(() => int(bad, '--n'), refused('--n', /whole number/), bad);
  assert.throws(() => int('11', '--n', { max: 10 }), refused('--n', /between 0 and 10/));
  assert.equal(num('2.5', '--x'), 2.5);
  assert.throws(() => num('2.', '--x'), refused('--x', /number/));
});

test('a poll interval is 50 ms to a minute: never 0 (a busy loop) or NaN (no timer at all)', () => {
  assert.equal(pollMs('250'), 250);
  for (const bad of ['0', '49', '60001', 'fast'])
    assert.throws(() => pollMs(bad), refused('--poll', /--poll must be/), bad);
});
