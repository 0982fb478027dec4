// Attacks on "a secret goes only where its owner sent it": a requester writes a spec that names an operator's
// secret ref (seen in any public spec) for a target of its own choosing. The store binds each ref to a host (and
// optionally a path prefix and a header); `buildHttpRequest` — the first thing a fetch does, before the SSRF
// check, the notary's socket or the proxy — must refuse every other target, with one public error that says
// nothing about what the store holds.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isVeritasError } from '../../core/errors.ts';
import { buildHttpRequest } from '../../operator/fetcher.ts';
import { loadSecretStore, secretStoreFrom } from '../../operator/secrets.ts';
import { RequestSpec, type RequestSpecInput } from '../../schemas/spec.ts';

const VALUE = 'Bearer tok_s3cr3t_value_123';
const refusedReasons: string[] = [];
const store = secretStoreFrom(
  {
    'price-key': { value: VALUE, host: 'api.veritas.test', pathPrefix: '/v1/private', header: 'Authorization' },
    'any-path': { value: VALUE, host: 'data.veritas.test' },
    'xn-key': { value: VALUE, host: 'bücher.example' },
    'port-key': { value: VALUE, host: 'alt.veritas.test:8443' },
  },
  (_ref, reason) => refusedReasons.push(reason),
);

const spec = (url: string, header = 'Authorization', ref = 'price-key', over: Partial<RequestSpecInput> = {}) =>
  RequestSpec.parse({
    url,
    headers: [{ name: header, secret: true, ref }],
    extract: { jsonPath: '$.balance' },
    quorum: 1,
    deadline: 2_000_000_000,
    ...over,
  });

const secretOf = (url: string, header?: string, ref?: string) =>
  buildHttpRequest(spec(url, header, ref), store)
    .headers.find((h) => h.secret)
    ?.value.trimEnd();

/** The one public refusal: names the spec's field, never the store's value, host, prefix or header. */
function refused(url: string, header?: string, ref = 'price-key') {
  assert.throws(
    () => buildHttpRequest(spec(url, header, ref), store),
    (e: unknown) => {
      assert.ok(isVeritasError(e, 'INPUT_INVALID'), String(e));
      assert.equal(e.field, 'headers[0].ref');
      const shown = JSON.stringify({ message: e.message, details: e.details });
      for (const leak of [VALUE, 'tok_s3cr3t', '/v1/private', 'bound', 'data.veritas.test', 'alt.veritas'])
        assert.ok(!shown.includes(leak) || url.includes(leak), `${shown} leaks ${leak}`);
      assert.equal(
        e.message,
        `headers[0].ref: this operator holds no secret "${ref}" for header ${header ?? 'Authorization'} at this URL`,
      );
      return true;
    },
    url,
  );
}

test('the bound target gets the secret', () => {
  assert.equal(secretOf('https://api.veritas.test/v1/private'), VALUE);
  assert.equal(secretOf('https://api.veritas.test/v1/private/accounts/7?x=1'), VALUE);
  assert.equal(secretOf('https://data.veritas.test/anything', 'X-Api-Key', 'any-path'), VALUE);
});

test('attack: the ref named for an attacker’s host is refused before any connection', () => {
  refused('https://attacker.example/v1/private');
  refused('https://attacker.example/collect?ref=price-key', 'Authorization');
});

test('variant: redirects — the target is the spec URL only, whatever it names in its query or userinfo', () => {
  refused('https://attacker.example/redirect?to=https://api.veritas.test/v1/private');
  refused('https://attacker.example/v1/private#api.veritas.test');
  // A URL with credentials is refused by the spec schema itself; the store never sees it.
  assert.throws(() => spec('https://api.veritas.test@attacker.example/v1/private'));
});

test('variant: subdomains and look-alike hosts are refused', () => {
  refused('https://evil.api.veritas.test/v1/private');
  refused('https://api.veritas.test.attacker.example/v1/private');
  refused('https://veritas.test/v1/private');
  refused('https://api-veritas.test/v1/private');
});

test('variant: other ports are refused; a port-bound entry accepts only its port', () => {
  refused('https://api.veritas.test:8443/v1/private');
  assert.equal(secretOf('https://api.veritas.test:443/v1/private'), VALUE, ':443 is the default port');
  assert.equal(secretOf('https://alt.veritas.test:8443/x', 'Authorization', 'port-key'), VALUE);
  refused('https://alt.veritas.test/x', 'Authorization', 'port-key');
  refused('https://alt.veritas.test:9443/x', 'Authorization', 'port-key');
});

test('variant: IDN and punycode hosts compare in one form; a homograph is another host', () => {
  assert.equal(secretOf('https://bücher.example/a', 'Authorization', 'xn-key'), VALUE);
  assert.equal(secretOf('https://xn--bcher-kva.example/a', 'Authorization', 'xn-key'), VALUE);
  refused('https://bucher.example/a', 'Authorization', 'xn-key');
  // Cyrillic "а" in "аpi": a different name to DNS, so a different host here.
  refused('https://\u0430pi.veritas.test/v1/private');
});

test('variant: a path outside the bound prefix is refused, dot-segments and encodings included', () => {
  refused('https://api.veritas.test/v1/public');
  refused('https://api.veritas.test/v1/private-admin');
  refused('https://api.veritas.test/v1/private/../admin');
  refused('https://api.veritas.test/v1/private/%2e%2e/admin');
  refused('https://api.veritas.test/v1/private/..%2fadmin');
  refused('https://api.veritas.test/v1/private%2F..%2Fadmin');
  refused('https://api.veritas.test/V1/PRIVATE');
});

test('variant: another header name is refused; header names compare case-insensitively', () => {
  refused('https://api.veritas.test/v1/private', 'X-Forwarded-Authorization');
  refused('https://api.veritas.test/v1/private', 'Cookie');
  assert.equal(secretOf('https://api.veritas.test/v1/private', 'authorization'), VALUE);
  assert.equal(secretOf('https://API.VERITAS.TEST/v1/private', 'AUTHORIZATION'), VALUE);
});

test('an unknown ref gets exactly the same public error as a ref bound elsewhere', () => {
  refused('https://api.veritas.test/v1/private', 'Authorization', 'no-such-ref');
  const a = (() => {
    try {
      buildHttpRequest(spec('https://attacker.example/', 'Authorization', 'x'), store);
    } catch (e) {
      return (e as Error).message;
    }
  })();
  const b = (() => {
    try {
      buildHttpRequest(spec('https://attacker.example/', 'Authorization', 'x'), secretStoreFrom({}));
    } catch (e) {
      return (e as Error).message;
    }
  })();
  assert.equal(a, b);
  // The precise reason is kept for the operator's own log only.
  assert.ok(refusedReasons.includes('no such ref'));
  assert.ok(refusedReasons.some((r) => r.includes('not the bound host')));
});

test('the store file: the new form loads; the old flat form and bad entries are refused without echoing values', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'veritas-secrets-'));
  try {
    const file = path.join(dir, 'secrets.json');
    await writeFile(file, JSON.stringify({ k: { value: VALUE, host: 'api.veritas.test', header: 'Authorization' } }));
    const loaded = await loadSecretStore(file);
    assert.equal(loaded.resolve({ ref: 'k', url: 'https://api.veritas.test/x', header: 'authorization' }), VALUE);
    for (const content of [
      JSON.stringify({ k: VALUE }),
      JSON.stringify({ k: { value: `${VALUE}\r\nX: y`, host: 'api.veritas.test' } }),
      JSON.stringify({ k: { value: VALUE, host: 'a b' } }),
      `{"k": ${JSON.stringify(VALUE)}`,
    ]) {
      await writeFile(file, content);
      await assert.rejects(loadSecretStore(file), (e: unknown) => {
        assert.ok(isVeritasError(e, 'CONFIG_INVALID'));
        assert.ok(!e.message.includes('tok_s3cr3t'), e.message);
        return true;
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Smuggling inside a slot: the notary sees a secret slot only as hidden bytes of a fixed length, so what an honest
// prover puts there is bounded by its own code, at two points: the store refuses a value that is not one RFC 9110
// field-value (CR, LF, NUL, other controls, non-ASCII, leading or trailing white space) when it loads, and
// `buildHttpRequest` refuses the same from any SecretStore (a vault adapter, say) just before the bytes enter the
// slot. What a Byzantine prover can still do inside its own slot is in docs/PROTOCOL.md ("Secret slots").
const smuggled = [
  `${VALUE}\r\nCookie: session=victim`,
  `${VALUE}\nCookie: x`,
  `${VALUE}\r`,
  `${VALUE}\u0000`,
  `${VALUE}\u007f`,
  `${VALUE} é`,
  ` ${VALUE}`,
  `${VALUE} `,
  `${VALUE}\t`,
  '',
];

test('attack: a store value that smuggles a header (CR/LF, any non-field-value byte) is refused before connecting', () => {
  for (const value of smuggled) {
    // any SecretStore implementation: this one resolves every binding to the smuggling value
    const vault = { resolve: () => value };
    assert.throws(
      () => buildHttpRequest(spec('https://api.veritas.test/v1/private'), vault),
      (e: unknown) => {
        assert.ok(isVeritasError(e, 'INPUT_INVALID'), `${JSON.stringify(value)}: ${e}`);
        assert.equal(e.field, 'headers[0].ref');
        assert.match(e.message, /not a valid header value/);
        assert.ok(!e.message.includes('tok_s3cr3t'), e.message);
        return true;
      },
      JSON.stringify(value),
    );
  }
  // one field-value with inner white space is fine
  const vault = { resolve: () => 'Bearer a\tb c' };
  const h = buildHttpRequest(spec('https://api.veritas.test/v1/private'), vault).headers.find((x) => x.secret);
  assert.equal(h?.value.trimEnd(), 'Bearer a\tb c');
});

test('attack: the store file refuses values that are not one field-value, naming the entry, never the value', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'veritas-secrets-'));
  try {
    const file = path.join(dir, 'secrets.json');
    for (const value of smuggled) {
      await writeFile(file, JSON.stringify({ k: { value, host: 'api.veritas.test' } }));
      await assert.rejects(
        loadSecretStore(file),
        (e: unknown) => {
          assert.ok(isVeritasError(e, 'CONFIG_INVALID'), String(e));
          assert.match(e.message, /^VERITAS_SECRETS_FILE: k\.value: /);
          assert.ok(!e.message.includes('tok_s3cr3t'), e.message);
          return true;
        },
        JSON.stringify(value),
      );
      assert.throws(() => secretStoreFrom({ k: { value, host: 'api.veritas.test' } }), JSON.stringify(value));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
