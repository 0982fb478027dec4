// The provenance pages' bodies: request list, request detail (timeline, operators, bundles, verify panel), bundle,
// operators, operator, and the API docs rendered from the OpenAPI document.
import { html } from 'hono/html';
import type { OperatorRow, RecordRow, RequestRow, ResponseRow } from '../../core/db/schema.ts';
import type { RequestDetail } from '../queries.ts';
import type { RecordVerification } from '../../core/verify/proved-record.ts';
import type { VeritasError } from '../../core/errors.ts';
import type { ProvenanceBundle } from '../../schemas/bundle.ts';
import { decodeTranscript } from '../../schemas/transcript.ts';
import { type Html, short, statusBadge, time } from './layout.ts';
import { transcriptHtml } from './transcript.ts';

const specUrl = (r: RequestRow): string => (r.spec as { url?: string } | null)?.url ?? '(spec not yet fetched)';

export function requestListPage(items: RequestRow[], nextCursor: string | null, status: string | undefined): Html {
  return html`<h1>Requests</h1>
    <form method="get" action="/" aria-label="filter">
      <label>Status
        <select name="status">
          <option value="">any</option>
          ${['requested', 'assigned', 'aggregating', 'fulfilled', 'expired', 'failed'].map(
            (s) => html`<option value="${s}" ${s === status ? 'selected' : ''}>${s}</option>`,
          )}
        </select></label>
      <button type="submit">Filter</button>
    </form>
    ${
      items.length === 0
        ? html`<p class="muted">No requests yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Request</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Quorum</th><th scope="col">Created</th></tr></thead>
          <tbody>
            ${items.map(
              (r) => html`<tr>
                <td><a class="mono" href="/requests/${r.id}">${short(r.id)}</a></td>
                <td class="mono">${specUrl(r)}</td>
                <td>${statusBadge(r.status)}</td>
                <td>${r.quorum}</td>
                <td>${time(r.createdAt)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
    }
    ${nextCursor ? html`<nav class="pager"><a href="/?cursor=${nextCursor}${status ? `&status=${status}` : ''}">Older requests →</a></nav>` : ''}`;
}

export type BundleFacts = { cid: string; prover: string; serverName?: string; tlsTime?: number; trust?: string };

export type RequestPageData = {
  detail: RequestDetail;
  records: RecordRow[];
  bundles: Map<string, BundleFacts>;
  verification: { recordId: string; index: number; result: RecordVerification }[];
};

export function requestPage({ detail, records, bundles, verification }: RequestPageData): Html {
  const r = detail.request;
  const spec = r.spec as {
    name?: string;
    description?: string;
    url?: string;
    method?: string;
    headers?: { name: string; value?: string; secret?: true; ref?: string }[];
    extract?: unknown;
    aggregation?: unknown;
  } | null;
  return html`<h1>Request <span class="mono">${short(r.id, 12)}</span> ${statusBadge(r.status)}</h1>
    <dl class="kv">
      <dt>Request id</dt><dd class="mono">${r.id}</dd>
      ${spec?.name ? html`<dt>Name</dt><dd>${spec.name}</dd>` : ''}
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
    <ol class="timeline">
      ${detail.timeline.map(
        (
          s,
        ) => html`<li class="${s.status}"><strong>${s.stage}</strong> ${statusBadge(s.status)} ${s.at ? time(s.at) : ''}
          ${typeof s.detail.state === 'string' ? html`<span class="muted">— ${s.detail.state}</span>` : ''}</li>`,
      )}
    </ol>

    <h2>Operators</h2>
    ${
      detail.work.length === 0
        ? html`<p class="muted">No assignment recorded yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">#</th><th scope="col">Prover</th><th scope="col">Notary</th><th scope="col">State</th><th scope="col">Server name</th><th scope="col">TLS time</th><th scope="col">Bundle</th><th scope="col">Response tx</th></tr></thead>
          <tbody>
            ${detail.work.map((w) => {
              const b = w.response ? bundles.get(w.response.bundleCid) : undefined;
              return html`<tr>
                <td>${w.position + 1}</td>
                <td><a class="mono" href="/operators/${w.prover}">${short(w.prover, 6)}</a></td>
                <td><a class="mono" href="/operators/${w.notary}">${short(w.notary, 6)}</a></td>
                <td>${statusBadge(w.state)}${w.response?.invalidCode ? html` <span class="bad">${w.response.invalidCode}</span>` : ''}</td>
                <td class="mono">${b?.serverName ?? '—'}</td>
                <td>${b?.tlsTime !== undefined ? time(new Date(b.tlsTime * 1000)) : '—'}</td>
                <td>${w.response ? html`<a class="mono bundle-link" href="/bundles/${w.response.bundleCid}">${short(w.response.bundleCid, 8)}</a>` : '—'}</td>
                <td class="mono">${short(w.response?.txHash ?? null, 6)}</td>
              </tr>`;
            })}
          </tbody>
        </table>`
    }

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
      <p class="legend">Computed by this server with the same checks as <code>veritas verify</code>, against the chain and IPFS only.
        Run <code>veritas verify ${r.id}</code> to check it yourself.</p>
      ${
        verification.length === 0
          ? html`<p class="muted">Nothing to verify until the request is fulfilled.</p>`
          : verification.map(
              (
                v,
              ) => html`<h3>Record ${v.index} ${v.result.ok ? html`<span class="badge ok" data-verified="true">verified</span>` : html`<span class="badge bad" data-verified="false">failed</span>`}</h3>
              <ul class="checks" data-record="${v.recordId}">
                ${v.result.checks.map(
                  (
                    c,
                  ) => html`<li class="check ${c.ok ? 'ok' : 'bad'}" data-check="${c.name}" data-ok="${c.ok ? 'true' : 'false'}">
                    <span class="mark" aria-hidden="true">${c.ok ? '✓' : '✗'}</span><strong>${c.name}</strong>
                    <span class="muted">${c.ok ? 'pass' : 'FAIL'} — ${c.detail}</span></li>`,
                )}
              </ul>`,
            )
      }
    </section>`;
}

/** A schema-validated provenance bundle (see pages/router.ts classify): nothing unvalidated is rendered. */
export function bundlePage(cid: string, b: ProvenanceBundle): Html {
  const t = decodeTranscript(b.transcript);
  return html`<h1>Provenance bundle</h1>
    <dl class="kv">
      <dt>CID</dt><dd class="mono">${cid} · <a href="/v1/bundles/${cid}">raw JSON</a></dd>
      <dt>Request</dt><dd><a class="mono" href="/requests/${b.requestId}">${b.requestId}</a></dd>
      <dt>Prover</dt><dd><a class="mono" href="/operators/${b.prover}">${b.prover}</a></dd>
      <dt>Notary</dt><dd><a class="mono" href="/operators/${b.notary}">${b.notary}</a></dd>
      <dt>Server name</dt><dd class="mono">${b.serverName}</dd>
      <dt>TLS time</dt><dd>${time(new Date(b.tlsTime * 1000))}</dd>
      <dt>Trust anchor</dt><dd>${b.trust}${b.trust === 'devnet' ? html` <span class="bad">(devnet only: not valid in production)</span>` : ''}</dd>
      <dt>Extracted value</dt><dd class="mono">${JSON.stringify(b.value)}</dd>
      <dt>Attestation</dt><dd class="mono">${JSON.stringify(b.attestation)}</dd>
      <dt>Notary signature</dt><dd class="mono">${b.notarySignature}</dd>
    </dl>
    <h2>Revealed transcript</h2>
    <p class="legend">Bytes the prover did not reveal (secret headers) were never seen by the notary; they are zeroed in the bundle and shown as
      <span class="mono redacted-sample">[redacted: N bytes]</span>.</p>
    ${transcriptHtml('Sent (request)', t.sent, t.sentRanges)}${transcriptHtml('Received (response)', t.recv, t.recvRanges)}`;
}

/** A pinned spec or report: its validated JSON, escaped. */
export function documentPage(cid: string, kind: 'request-spec' | 'aggregate-report', doc: unknown): Html {
  return html`<h1>${kind === 'request-spec' ? 'Request spec' : 'Aggregate report'}</h1>
    <p class="mono">${cid} · <a href="/v1/bundles/${cid}">raw JSON</a></p>
    <p class="legend">This document has no transcript: it is a ${kind === 'request-spec' ? 'spec' : 'report'}.</p>
    <pre class="mono">${JSON.stringify(doc, null, 2)}</pre>`;
}

/** A document that is neither a valid bundle, spec nor report: say why, show none of its fields. */
export function invalidDocumentPage(cid: string, error: VeritasError): Html {
  return html`<h1>Invalid document</h1>
    <p>The content under <span class="mono">${cid}</span> is not a valid provenance bundle, request spec or aggregate
      report, so none of its fields are shown.</p>
    <p class="bad" data-error-code="${error.code}">${error.field ?? '$'}: ${error.message}</p>
    <p><a href="/v1/bundles/${cid}">The raw JSON</a> is served as <code>application/json</code>.</p>`;
}

export function operatorsPage(ops: OperatorRow[]): Html {
  return html`<h1>Operators</h1>
    ${
      ops.length === 0
        ? html`<p class="muted">No operators registered yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Bond (wei)</th><th scope="col">Answered</th><th scope="col">Agreed</th><th scope="col">Invalid</th><th scope="col">Slashed</th></tr></thead>
          <tbody>${ops.map(
            (
              o,
            ) => html`<tr><td><a class="mono" href="/operators/${o.address}">${o.address}</a></td><td>${statusBadge(o.status)}</td>
              <td class="mono">${o.bond}</td><td>${o.answered}</td><td>${o.agreed}</td><td>${o.invalid}</td><td>${o.slashed}</td></tr>`,
          )}</tbody>
        </table>`
    }`;
}

export function operatorPage(o: OperatorRow, responses: ResponseRow[]): Html {
  return html`<h1>Operator <span class="mono">${short(o.address, 8)}</span> ${statusBadge(o.status)}</h1>
    <dl class="kv">
      <dt>Address</dt><dd class="mono">${o.address}</dd>
      <dt>Bond (wei)</dt><dd class="mono">${o.bond}</dd>
      <dt>Notary endpoint</dt><dd class="mono">${o.notaryUrl ?? '—'}</dd>
      <dt>Answered</dt><dd>${o.answered}</dd><dt>Agreed</dt><dd>${o.agreed}</dd>
      <dt>Invalid</dt><dd>${o.invalid}</dd><dt>Slashed</dt><dd>${o.slashed}</dd>
    </dl>
    <h2>Recent responses</h2>
    ${
      responses.length === 0
        ? html`<p class="muted">None yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Request</th><th scope="col">Role</th><th scope="col">Verification</th><th scope="col">Bundle</th></tr></thead>
          <tbody>${responses.map(
            (r) => html`<tr><td><a class="mono" href="/requests/${r.requestId}">${short(r.requestId)}</a></td>
              <td>${r.prover === o.address ? 'prover' : 'notary'}</td>
              <td>${statusBadge(r.verification)}${r.invalidCode ? html` <span class="bad">${r.invalidCode}</span>` : ''}</td>
              <td><a class="mono" href="/bundles/${r.bundleCid}">${short(r.bundleCid, 8)}</a></td></tr>`,
          )}</tbody>
        </table>`
    }`;
}

type OpenApiDoc = {
  info: { title: string; description?: string };
  paths?: Record<
    string,
    Record<
      string,
      { summary?: string; description?: string; parameters?: { name: string; in: string }[]; security?: unknown[] }
    >
  >;
};

export function docsPage(doc: OpenApiDoc): Html {
  const ops = Object.entries(doc.paths ?? {}).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  return html`<h1>${doc.info.title}</h1>
    <p>${doc.info.description ?? ''}</p>
    <p>The full OpenAPI 3.1 document: <a href="/openapi.json">/openapi.json</a>. Errors are <code>{code, message, field?}</code>;
      write endpoints take <code>Authorization: Bearer &lt;key&gt;</code>.</p>
    <table>
      <thead><tr><th scope="col">Operation</th><th scope="col">Summary</th><th scope="col">Parameters</th></tr></thead>
      <tbody>${ops.map(
        ({
          path,
          method,
          op,
        }) => html`<tr><td class="mono"><strong>${method}</strong> ${path}${op.security?.length ? html` <span class="badge pending">key</span>` : ''}</td>
          <td>${op.summary ?? ''}${op.description ? html`<br /><span class="muted">${op.description}</span>` : ''}</td>
          <td class="mono">${(op.parameters ?? []).map((p) => `${p.name} (${p.in})`).join(', ')}</td></tr>`,
      )}</tbody>
    </table>`;
}
