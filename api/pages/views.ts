// The provenance pages' bodies: request list, bundle, operators, operator, and the API docs rendered from the OpenAPI
// document (the request page is pages/request.ts, the dataset pages pages/dataset.ts).
import { html } from 'hono/html';
import { formatEther } from 'viem';
import type { OperatorRow, RequestRow, ResponseRow } from '../../core/db/schema.ts';
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

/** A wei amount (numeric text from the database) in ETH; anything that is not a whole number is shown as is. */
export const eth = (wei: string): string => (/^\d+$/.test(wei) ? `${formatEther(BigInt(wei))} ETH` : wei);

export function operatorsPage(ops: OperatorRow[]): Html {
  return html`<h1>Operators</h1>
    ${
      ops.length === 0
        ? html`<p class="muted">No operators registered yet.</p>`
        : html`<table>
          <thead><tr><th scope="col">Address</th><th scope="col">Status</th><th scope="col">Notary endpoint</th><th scope="col">Bond</th><th scope="col">Answered</th><th scope="col">Agreed</th><th scope="col">Invalid</th><th scope="col">Slashed</th></tr></thead>
          <tbody>${ops.map(
            (
              o,
            ) => html`<tr><td><a class="mono" href="/operators/${o.address}">${o.address}</a></td><td>${statusBadge(o.status)}</td>
              <td class="mono">${o.notaryUrl ?? '—'}</td><td class="mono">${eth(o.bond)}</td><td>${o.answered}</td><td>${o.agreed}</td><td>${o.invalid}</td><td>${o.slashed}</td></tr>`,
          )}</tbody>
        </table>`
    }`;
}

export function operatorPage(o: OperatorRow, responses: ResponseRow[]): Html {
  return html`<h1>Operator <span class="mono">${short(o.address, 8)}</span> ${statusBadge(o.status)}</h1>
    <dl class="kv">
      <dt>Address</dt><dd class="mono">${o.address}</dd>
      <dt>Bond</dt><dd class="mono">${eth(o.bond)} <span class="muted">(${o.bond} wei)</span></dd>
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
