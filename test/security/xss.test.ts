// Attack: stored XSS through the provenance pages (issue 11, "Safe pages"). Every field that reaches HTML from a spec,
// a bundle or the chain carries a payload; none may come out as markup, an invalid bundle renders as an error, and
// every page sends a strict CSP, nosniff and a Referrer-Policy. A real Chromium confirms no script runs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import type { Hex } from 'viem';
import { createApi, startApi } from '../../api/app.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import type { RequestSpec } from '../../schemas/spec.ts';
import {
  assignments,
  bundles,
  operatorJobs,
  operators,
  records,
  requestEvents,
  requests,
  responses,
} from '../../core/db/schema.ts';
import type { DatasetRecord } from '../../schemas/record.ts';
import { encodeTranscript } from '../../schemas/transcript.ts';
import { bundleDoc, type Env, hex, startEnv, validSpec } from '../api/harness.ts';
import { launchBrowser } from '../support/browser.ts';
import { seedFeedDataset } from '../datasets/seed.ts';

const XSS = '<img src=x onerror="window.__xss=1;alert(1)">';
const BREAKOUT = `"><img src=x onerror="window.__xss=2">`;
const SCRIPT = '<script>window.__xss=3</script>';

let env: Env;
let browser: Browser | undefined;
before(async () => {
  env = await startEnv();
});
after(async () => {
  await browser?.close();
  await env?.close();
});

const TAG = /<([a-z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)*)\s*\/?>/gi;
const ATTRIBUTE = /\s([^\s=>/]+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?/g;

/**
 * No payload survived as markup: the pages themselves have no img, script or event handler, so any is injected. The
 * only SVG they draw is a chart (class "chart"), whose parts are shapes and text: no link, foreign object or animation.
 */
function assertInert(page: string, where: string) {
  for (const [, name, attributes] of page.matchAll(TAG)) {
    const tag = name!.toLowerCase();
    assert.ok(
      !['img', 'script', 'iframe', 'object', 'embed', 'foreignobject', 'use', 'animate', 'set', 'image'].includes(tag),
      `${where}: <${name}>`,
    );
    if (tag === 'svg')
      assert.match(attributes!, /^\s+class="chart( band-chart)?"/, `${where}: an svg that is not a chart`);
    for (const [, attribute] of attributes!.matchAll(ATTRIBUTE))
      assert.ok(!/^on/i.test(attribute!), `${where}: an event handler attribute ${attribute} was injected`);
  }
}

const transcript = () =>
  encodeTranscript({
    sent: new TextEncoder().encode(`GET /${XSS} HTTP/1.1\r\nhost: api.example.test\r\n\r\n`),
    recv: new TextEncoder().encode(`HTTP/1.1 200 OK\r\n\r\n{"rows":"${SCRIPT}"}`),
    sentRanges: [{ start: 0, end: 10 }],
    recvRanges: [{ start: 0, end: 20 }],
  });

async function pin(doc: unknown, requestId: Hex): Promise<string> {
  const cid = await env.ipfs.addJson(doc);
  await env.db.db
    .insert(bundles)
    // hostile documents stored as no honest aggregator would: the pages must refuse or escape them all the same
    .values({ cid, requestId, prover: hex(20), content: doc as ProvenanceBundle })
    .onConflictDoNothing();
  return cid;
}

/** A request whose every displayed field, from the spec, the chain mirror and the timeline, is hostile. */
async function hostileRequest(): Promise<{ requestId: Hex; bundleCid: string; prover: Hex }> {
  const { db } = env.db;
  const requestId = hex(32);
  const prover = hex(20);
  const spec = validSpec(1_900_000_000, {
    name: XSS,
    description: BREAKOUT,
    url: `https://api.example.test/${XSS}`,
    headers: [{ name: 'x-note', value: SCRIPT }],
    extract: { jsonPath: `$.${XSS}` },
  });
  const bundleCid = await pin(
    bundleDoc({
      requestId,
      hub: env.v.hub.toLowerCase() as Hex,
      specCid: await env.ipfs.addJson({ x: 1 }),
      prover,
      notary: prover,
      tlsTime: 1_700_000_000,
      transcript: transcript(),
      serverName: XSS,
      value: BREAKOUT,
    }),
    requestId,
  );
  await db.insert(requests).values({
    id: requestId,
    consumer: XSS,
    specHash: BREAKOUT,
    specCid: BREAKOUT,
    spec: spec as unknown as RequestSpec, // hostile on purpose: not a spec the API would have accepted
    quorum: 1,
    deadline: 1_900_000_000,
    fee: '0',
    txHash: XSS,
    blockNumber: 1,
    status: 'assigned',
    merkleRoot: SCRIPT,
    reportCid: BREAKOUT,
  });
  await db.insert(assignments).values({ requestId, prover, notary: XSS, position: 0 });
  await db.insert(responses).values({
    requestId,
    prover,
    notary: XSS,
    resultHash: XSS,
    bundleCid,
    txHash: BREAKOUT,
    verification: 'invalid',
    invalidCode: XSS,
    invalidMessage: SCRIPT,
    value: BREAKOUT,
  });
  await db
    .insert(requestEvents)
    .values({ requestId, source: XSS, stage: BREAKOUT, detail: { state: XSS, message: SCRIPT } });
  // a second, failed operator whose job's error code carries markup, and progress events with hostile details
  const failing = hex(20);
  await db.insert(assignments).values({ requestId, prover: failing, notary: prover, position: 1 });
  await db.insert(operatorJobs).values({ requestId, operator: failing, state: XSS, lastErrorCode: BREAKOUT });
  await db.insert(requestEvents).values([
    { requestId, source: failing, stage: 'mpc-progress', detail: { fraction: XSS, bytes: 1, expectedBytes: 2 } },
    { requestId, source: failing, stage: 'mpc-progress', detail: { fraction: 0.5, bytes: SCRIPT, expectedBytes: 2 } },
    { requestId, source: failing, stage: 'failed', detail: { code: XSS, state: BREAKOUT } },
  ]);
  await db.insert(operators).values({
    address: prover,
    status: XSS,
    notaryUrl: `https://n.example/${BREAKOUT}`,
    metadataUri: SCRIPT,
    bond: '1',
  });
  return { requestId, bundleCid, prover };
}

/** Range bounds as strings: a string comparison made the second range look "after" the first, and the old page put
 * the raw bound into a title attribute. Pinned, so the page finds it. */
async function rangeAttackBundle(): Promise<string> {
  const requestId = hex(32);
  const good = bundleDoc({
    requestId,
    hub: env.v.hub.toLowerCase() as Hex,
    specCid: await env.ipfs.addJson({ y: 1 }),
    prover: hex(20),
    notary: hex(20),
    tlsTime: 1_700_000_000,
    transcript: transcript(),
    serverName: 'hostile.example',
  });
  const t = good.transcript as Record<string, unknown>;
  const sentRanges = [
    { start: 0, end: BREAKOUT },
    { start: 'z', end: 'zz' },
  ];
  return pin({ ...good, transcript: { ...t, sentRanges } }, requestId);
}

const specOf = async (requestId: string) =>
  (await env.db.db.select().from(requests).where(eq(requests.id, requestId)))[0]!.spec;

describe('hostile values are shown as text', () => {
  it('a bundle with string range bounds carrying markup renders as an invalid document, none of its fields', async () => {
    const cid = await rangeAttackBundle();
    const res = await createApi(env.deps()).request(`/bundles/${cid}`);
    const page = await res.text();
    assertInert(page, 'bundle with string ranges');
    assert.equal(res.status, 422, page.slice(page.indexOf('<main'), page.indexOf('<main') + 600));
    assert.match(page, /Invalid document/);
    assert.match(page, /transcript\.sentRanges\[0\]\.end/, 'names the invalid field');
    assert.ok(!page.includes('hostile.example'), 'no field of an invalid bundle is shown');
  });

  it('a schema-valid bundle whose serverName, value and transcript carry markup shows them escaped', async () => {
    const { bundleCid } = await hostileRequest();
    const res = await createApi(env.deps()).request(`/bundles/${bundleCid}`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assertInert(page, 'bundle page');
    assert.ok(page.includes('&lt;img src=x onerror='), 'the server name is shown, escaped');
  });

  it('spec name, description, url, headers and extraction, and every chain field on the request page', async () => {
    const { requestId } = await hostileRequest();
    const res = await createApi(env.deps()).request(`/requests/${requestId}`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assertInert(page, 'request page');
    for (const shown of ['Name', 'Description', 'Headers']) assert.ok(page.includes(`<dt>${shown}</dt>`), shown);
  });

  it('operator list and operator page (status, notary URL from the registry)', async () => {
    const { prover } = await hostileRequest();
    const app = createApi(env.deps());
    for (const path of ['/operators', `/operators/${prover}`, '/']) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      assertInert(await res.text(), path);
    }
  });

  it('a dataset page: metadata name, description and creator, source URLs and chart labels', async () => {
    const seeded = await seedFeedDataset(env, {
      metadata: { name: XSS, description: BREAKOUT, creator: { name: SCRIPT } },
      spec: { name: SCRIPT, url: `https://api.example.test/${encodeURIComponent(XSS)}` },
      rounds: [
        { value: 1, sources: [1, 2] },
        { value: 2, sources: [2, 3] },
      ],
    });
    for (const requestId of seeded.requestIds) {
      const [row] = await env.db.db.select().from(records).where(eq(records.requestId, requestId));
      const provenance: DatasetRecord = {
        ...row!.provenance,
        sources: row!.provenance.sources.map((x) => ({ ...x, prover: XSS as Hex })),
      };
      await env.db.db.update(records).set({ provenance }).where(eq(records.id, row!.id));
      await env.db.db
        .update(requests)
        .set({ spec: { ...(await specOf(requestId)), url: `https://api.example.test/${BREAKOUT}` } as RequestSpec })
        .where(eq(requests.id, requestId));
    }
    const deps = env.deps();
    const app = createApi({ ...deps, chain: { ...deps.chain, datasetRegistry: seeded.registry } });
    for (const path of ['/datasets', `/datasets/${seeded.datasetId}`]) {
      const res = await app.request(path);
      assert.equal(res.status, 200, path);
      const page = await res.text();
      assertInert(page, path);
      if (path !== '/datasets') assert.match(page, /<svg class="chart"/, 'the chart is drawn');
    }
  });

  it('an unknown path or id echoes no markup in the error page', async () => {
    const app = createApi(env.deps());
    for (const path of [`/requests/${encodeURIComponent(XSS)}`, `/bundles/${encodeURIComponent(BREAKOUT)}`]) {
      const res = await app.request(path);
      assert.ok(res.status >= 400, path);
      assertInert(await res.text(), path);
    }
  });
});

describe('security headers', () => {
  it('every page and JSON response sends a strict CSP, nosniff and a Referrer-Policy; the CSS is a served file', async () => {
    const { requestId, bundleCid, prover } = await hostileRequest();
    const app = createApi(env.deps());
    for (const path of [
      '/',
      `/requests/${requestId}`,
      `/bundles/${bundleCid}`,
      '/operators',
      `/operators/${prover}`,
      '/docs',
      `/requests/${hex(32)}`,
      '/v1/operators',
      '/assets/veritas.css',
    ]) {
      const res = await app.request(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/, path);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, path);
      assert.match(csp, /script-src 'self'/, path);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
      assert.ok(res.headers.get('referrer-policy'), path);
      if ((res.headers.get('content-type') ?? '').includes('text/html')) {
        const page = await res.text();
        assert.doesNotMatch(page, /<style|style="|<script/i, `${path}: nothing inline for the CSP to forbid`);
      }
    }
    const css = await app.request('/assets/veritas.css');
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
  });
});

describe('in a real browser', () => {
  it('no script runs and no dialog opens on a hostile bundle page or request page', async () => {
    const { requestId, bundleCid } = await hostileRequest();
    const rangeCid = await rangeAttackBundle();
    const api = await startApi(env.deps());
    try {
      browser = await launchBrowser();
      const page = await browser.newPage();
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      for (const path of [`/bundles/${rangeCid}`, `/bundles/${bundleCid}`, `/requests/${requestId}`]) {
        await page.goto(`${api.url}${path}`, { waitUntil: 'load' });
        assert.equal(await page.evaluate(() => (window as { __xss?: unknown }).__xss), undefined, path);
        assert.equal(await page.locator('img, script').count(), 0, path);
        // the stylesheet loaded under the CSP: the page is styled, not merely inert
        const bg = await page.evaluate(() => getComputedStyle(document.querySelector('header')!).backgroundColor);
        assert.equal(bg, 'rgb(13, 17, 23)', `${path}: the served stylesheet applies`);
      }
      assert.deepEqual(dialogs, []);
    } finally {
      await api.close();
    }
  });
});
