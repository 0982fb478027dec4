// The request page: the spec by name, its timeline, each operator's state and own value (with MPC progress while a
// session runs), a median's sources against its band, the records, and a verify panel that summarises.
import { html } from 'hono/html';
import type { RecordRow } from '../../core/db/schema.ts';
import type { Check, RecordVerification } from '../../core/verify/proved-record.ts';
import type { MpcProgress, OperatorWork, RequestDetail, TimelineStage } from '../queries.ts';
import { bandChart } from './chart.ts';
import { type Html, short, statusBadge, time } from './layout.ts';

export type BundleFacts = { cid: string; prover: string; serverName?: string; tlsTime?: number; trust?: string };

export type RequestPageData = {
  detail: RequestDetail;
  records: RecordRow[];
  bundles: Map<string, BundleFacts>;
  verification: { recordId: string; index: number; result: RecordVerification }[];
};

type ShownSpec = {
  name?: string;
  description?: string;
  url?: string;
  method?: string;
  headers?: { name: string; value?: string; secret?: true; ref?: string }[];
  extract?: unknown;
  aggregation?: { policy?: string; band?: number; madK?: number };
} | null;

/** The page title: the spec's name when it has one, else the short request id. */
export const requestTitle = (d: RequestDetail): string => {
  const name = (d.request.spec as ShownSpec)?.name;
  return typeof name === 'string' && name.trim() !== '' ? name : `Request ${d.request.id.slice(0, 10)}`;
};

const json = (v: unknown): string => (v === undefined ? '—' : JSON.stringify(v));

/** The state cell: a spare prover is "not needed" (muted), a failure names its error code. */
function stateCell(w: OperatorWork): Html {
  if (w.state === 'not needed')
    return html`<span class="badge spare" data-state="not needed">not needed</span> <span class="muted">spare</span>`;
  const code = w.response?.invalidCode ?? w.errorCode;
  return html`${statusBadge(w.state)}${code ? html` <span class="bad error-code" data-error-code="${code}">${code}</span>` : ''}`;
}

function progressCell(p: MpcProgress | null): Html {
  if (!p) return html``;
  const percent = Math.round(p.fraction * 100);
  return html`<div class="mpc-progress" data-progress="${p.fraction}">
    <progress max="1" value="${p.fraction}" aria-label="MPC-TLS progress">${percent}%</progress>
    <span class="muted">${percent}% · ${kib(p.bytes)} of ${kib(p.expectedBytes)} KiB</span></div>`;
}
const kib = (n: number): string => (n / 1024).toFixed(n < 10_240 ? 1 : 0);

function timelineItem(s: TimelineStage): Html {
  const state = typeof s.detail.state === 'string' ? s.detail.state : undefined;
  const code = typeof s.detail.code === 'string' ? s.detail.code : undefined;
  const badge = state === 'not needed' ? html`<span class="badge spare">not needed</span>` : statusBadge(s.status);
  // say what the badge does not: the error code of a failure, or a state other than the stage's status
  const note = code ?? (state && state !== s.status && state !== 'not needed' ? state : undefined);
  return html`<li class="${state === 'not needed' ? 'spare' : s.status}"><strong>${s.stage}</strong> ${badge} ${s.at ? time(s.at) : ''}
    ${note ? html`<span class="muted">— <span class="${code ? 'bad error-code' : ''}">${note}</span></span>` : ''}</li>`;
}

/** A median's sources against the median and the band; outliers are those the report excluded as such. */
function medianSection(detail: RequestDetail): Html {
  const spec = detail.request.spec as ShownSpec;
  if (spec?.aggregation?.policy !== 'median') return html``;
  const answers = detail.work
    .filter((w) => typeof w.response?.value === 'number')
    .map((w) => ({ prover: w.prover, value: w.response!.value as number }));
  const outcome = detail.report?.policyOutcome;
  if (answers.length === 0 || typeof outcome?.value !== 'number')
    return html`<h2 id="median">Median</h2><p class="muted">No median yet: it is shown once the request is aggregated.</p>`;
  const median = outcome.value;
  const band = spec.aggregation.band ?? 0;
  const half = band * Math.abs(median);
  const outliers = new Set(outcome.excluded.filter((e) => e.code === 'OUTLIER').map((e) => e.prover.toLowerCase()));
  const points = answers.map((a) => ({ label: short(a.prover, 6), value: a.value, outlier: outliers.has(a.prover) }));
  return html`<h2 id="median">Median</h2>
    <p>Median <strong class="mono">${median}</strong>, band ±${band * 100}% = [<span class="mono">${median - half}</span>,
      <span class="mono">${median + half}</span>]. A source is an outlier when it lies beyond the larger of the band and
      ${spec.aggregation.madK ?? 3}·MAD from the median.</p>
    ${bandChart(median, median - half, median + half, points)}
    <table class="median-sources">
      <thead><tr><th scope="col">Prover</th><th scope="col">Value</th><th scope="col">From the median</th><th scope="col">Within band</th><th scope="col">Outcome</th></tr></thead>
      <tbody>${answers.map((a) => {
        const off = a.value - median;
        const outlier = outliers.has(a.prover);
        return html`<tr data-prover="${a.prover}" data-outlier="${outlier ? 'true' : 'false'}">
          <td><a class="mono" href="/operators/${a.prover}">${short(a.prover, 6)}</a></td>
          <td class="mono">${a.value}</td>
          <td class="mono">${off >= 0 ? '+' : ''}${Number(off.toPrecision(8))}${median !== 0 ? ` (${((off / Math.abs(median)) * 100).toFixed(3)}%)` : ''}</td>
          <td>${Math.abs(off) <= half ? html`<span class="ok">yes</span>` : html`<span class="bad">no</span>`}</td>
          <td>${outlier ? html`<span class="badge bad">outlier</span>` : html`<span class="badge ok">included</span>`}</td></tr>`;
      })}</tbody>
    </table>`;
}

const SOURCE_CHECK = /^source \d+: /;
const checkItem = (c: Check): Html =>
  html`<li class="check ${c.ok ? 'ok' : 'bad'}" data-check="${c.name}" data-ok="${c.ok ? 'true' : 'false'}">
    <span class="mark" aria-hidden="true">${c.ok ? '✓' : '✗'}</span><strong>${c.name}</strong>
    <span class="muted">${c.ok ? 'pass' : 'FAIL'} — ${c.detail}</span></li>`;

/**
 * One summary line per record; the source checks (the same bundles for every record of a request) once; details on
 * demand with <details>, which needs no script. A record whose source checks differ from the shared ones lists them.
 */
function verifyPanel(id: string, verification: RequestPageData['verification']): Html {
  if (verification.length === 0) return html`<p class="muted">Nothing to verify until the request is fulfilled.</p>`;
  const shared = verification[0]!.result.checks.filter((c) => SOURCE_CHECK.test(c.name));
  const sharedKey = new Map(shared.map((c) => [c.name, c.ok]));
  const verified = verification.filter((v) => v.result.ok).length;
  const sharedOk = shared.every((c) => c.ok);
  return html`<p class="summary" data-summary="records">${verified} of ${verification.length} record${verification.length === 1 ? '' : 's'} verified;
      source checks: ${shared.filter((c) => c.ok).length} of ${shared.length} pass.</p>
    <details class="source-checks" ${sharedOk ? '' : 'open'}>
      <summary>Source checks, shared by every record: ${sharedOk ? 'all pass' : 'some FAIL'}</summary>
      <ul class="checks" data-record="sources">${shared.map(checkItem)}</ul>
    </details>
    <ul class="records">${verification.map((v) => {
      const own = v.result.checks.filter((c) => !SOURCE_CHECK.test(c.name) || sharedKey.get(c.name) !== c.ok);
      const passed = own.filter((c) => c.ok).length;
      return html`<li class="record-summary"><details ${v.result.ok ? '' : 'open'}>
        <summary>Record ${v.index} ${v.result.ok ? html`<span class="badge ok" data-verified="true">verified</span>` : html`<span class="badge bad" data-verified="false">failed</span>`}
          <span class="muted">${passed} of ${own.length} record checks pass${v.result.failed ? html` — failed: <strong>${v.result.failed.name}</strong>` : ''}</span></summary>
        <ul class="checks" data-record="${v.recordId}">${own.map(checkItem)}</ul>
      </details></li>`;
    })}</ul>
    <p class="legend">Run <code>veritas verify ${id}</code> to check it yourself.</p>`;
}

export function requestPage({ detail, records, bundles, verification }: RequestPageData): Html {
  const r = detail.request;
  const spec = r.spec as ShownSpec;
  const named = typeof spec?.name === 'string' && spec.name.trim() !== '';
  return html`<h1>${named ? spec!.name : html`Request <span class="mono">${short(r.id, 12)}</span>`} ${statusBadge(r.status)}</h1>
    ${named ? html`<p class="mono muted">${r.id}</p>` : ''}
    <dl class="kv">
      <dt>Request id</dt><dd class="mono">${r.id}</dd>
      ${named ? html`<dt>Name</dt><dd>${spec!.name}</dd>` : ''}
      ${spec?.description ? html`<dt>Description</dt><dd>${spec.description}</dd>` : ''}
      <dt>Source</dt><dd class="mono">${spec?.method ?? 'GET'} ${spec?.url ?? '(spec not yet fetched)'}</dd>
      <dt>Headers</dt><dd class="mono">${
        spec?.headers?.length
          ? spec.headers.map(
              (h) => html`<div>${h.name}: ${h.secret ? html`<span class="muted">[secret]</span>` : h.value}</div>`,
            )
          : '—'
      }</dd>
      <dt>Extraction</dt><dd class="mono">${spec?.extract ? JSON.stringify(spec.extract) : '—'}</dd>
      <dt>Policy</dt><dd class="mono">${spec?.aggregation ? JSON.stringify(spec.aggregation) : '—'}</dd>
      <dt>Quorum</dt><dd>${r.quorum}</dd>
      <dt>Consumer</dt><dd class="mono">${r.consumer}</dd>
      <dt>Spec</dt><dd><a class="mono" href="/v1/bundles/${r.specCid}">${r.specCid}</a> <span class="muted">hash</span> <span class="mono">${short(r.specHash)}</span></dd>
      <dt>Request transaction</dt><dd class="mono">${r.txHash ?? '—'}${r.blockNumber != null ? html` <span class="muted">block ${r.blockNumber}</span>` : ''}</dd>
      <dt>Deadline</dt><dd>${time(new Date(r.deadline * 1000))}</dd>
      <dt>Merkle root</dt><dd class="mono">${r.merkleRoot ?? '—'}</dd>
      <dt>Report</dt><dd>${r.reportCid ? html`<a class="mono" href="/v1/bundles/${r.reportCid}">${r.reportCid}</a>` : '—'}</dd>
      <dt>Fulfilment transaction</dt><dd class="mono">${detail.report?.fulfillTxHash ?? '—'}</dd>
      <dt>Machine-readable</dt><dd><a href="/v1/requests/${r.id}">JSON</a> · <a href="/v1/requests/${r.id}/records.jsonl">records.jsonl</a> · <a href="/v1/requests/${r.id}/croissant.json">Croissant</a></dd>
    </dl>

    <h2>Timeline</h2>
    <ol class="timeline">${detail.timeline.map(timelineItem)}</ol>

    <h2>Operators</h2>
    ${
      detail.work.length === 0
        ? html`<p class="muted">No assignment recorded yet.</p>`
        : html`<table class="operators">
          <thead><tr><th scope="col">#</th><th scope="col">Prover</th><th scope="col">Notary</th><th scope="col">State</th><th scope="col">Value</th><th scope="col">Server name</th><th scope="col">TLS time</th><th scope="col">Bundle</th><th scope="col">Response tx</th></tr></thead>
          <tbody>
            ${detail.work.map((w) => {
              const b = w.response ? bundles.get(w.response.bundleCid) : undefined;
              return html`<tr data-prover="${w.prover}">
                <td>${w.position + 1}</td>
                <td><a class="mono" href="/operators/${w.prover}">${short(w.prover, 6)}</a></td>
                <td><a class="mono" href="/operators/${w.notary}">${short(w.notary, 6)}</a></td>
                <td>${stateCell(w)}${progressCell(w.progress)}</td>
                <td class="mono source-value">${w.response && w.response.value !== null ? json(w.response.value) : '—'}</td>
                <td class="mono">${b?.serverName ?? '—'}</td>
                <td>${b?.tlsTime !== undefined ? time(new Date(b.tlsTime * 1000)) : '—'}</td>
                <td>${w.response ? html`<a class="mono bundle-link" href="/bundles/${w.response.bundleCid}">${short(w.response.bundleCid, 8)}</a>` : '—'}</td>
                <td class="mono">${short(w.response?.txHash ?? null, 6)}</td>
              </tr>`;
            })}
          </tbody>
        </table>`
    }
    ${medianSection(detail)}

    <h2>Records</h2>
    ${
      records.length === 0
        ? html`<p class="muted">No records yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Index</th><th scope="col">Value</th><th scope="col">Leaf</th><th scope="col">Proof</th></tr></thead>
          <tbody>${records.map(
            (
              rec,
            ) => html`<tr><td>${rec.index}</td><td class="mono">${JSON.stringify(rec.value)}</td><td class="mono">${short(rec.leafHash)}</td>
              <td><a href="/v1/records/${encodeURIComponent(rec.id)}">ProvedRecord</a></td></tr>`,
          )}</tbody>
        </table>`
    }

    <h2 id="verify">Verify</h2>
    <section class="panel" aria-labelledby="verify">
      <p class="legend">Computed by this server with the same checks as <code>veritas verify</code>, against the chain and IPFS only.</p>
      ${verifyPanel(r.id, verification)}
    </section>`;
}
