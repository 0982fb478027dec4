// The dataset pages: the list of datasets, and one dataset with its sources, its rounds as a timeline, its versions
// (roots and links to every export) and, for numeric feeds, a chart of the value over time.
import { html } from 'hono/html';
import type { DatasetHistory, DatasetMetadata, OnChainDataset } from '../../core/dataset/chain.ts';
import type { RecordRow, RequestRow } from '../../core/db/schema.ts';
import { type ChartSeries, timeChart } from './chart.ts';
import { type Html, short, statusBadge, time } from './layout.ts';
import { eth } from './views.ts';

export type DatasetPageData = {
  dataset: OnChainDataset;
  metadata: DatasetMetadata | null;
  history: DatasetHistory;
  /** The node's rows of the dataset's requests (absent: not indexed here yet). */
  requests: Map<string, RequestRow>;
  records: Map<string, RecordRow[]>;
};

const EXPORTS = ['README.md', 'croissant.json', 'records.parquet', 'records.jsonl', 'proofs.jsonl', 'snapshot.car'];
const when = (unix: number): Html => time(new Date(unix * 1000));
const nameOf = (d: { metadata: DatasetMetadata | null; dataset: OnChainDataset }): string =>
  d.metadata?.name ?? `Dataset ${d.dataset.id}`;

export function datasetListPage(items: { dataset: OnChainDataset; metadata: DatasetMetadata | null }[]): Html {
  return html`<h1>Datasets</h1>
    ${
      items.length === 0
        ? html`<p class="muted">No datasets yet. Create one with <code>veritas dataset create</code>.</p>`
        : html`<table>
          <thead><tr><th scope="col">#</th><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Root</th><th scope="col">Owner</th></tr></thead>
          <tbody>${items.map(
            (
              d,
            ) => html`<tr><td>${String(d.dataset.id)}</td><td><a href="/datasets/${String(d.dataset.id)}">${nameOf(d)}</a></td>
              <td>${d.dataset.version}</td><td class="mono">${short(d.dataset.root)}</td><td class="mono">${short(d.dataset.owner, 6)}</td></tr>`,
          )}</tbody>
        </table>`
    }`;
}

/** Numeric feeds as chart series: each round's aggregated value and each source's own answer, at the fetch time. */
export function feedSeries(d: DatasetPageData): ChartSeries[] {
  const series: ChartSeries[] = [];
  for (const s of d.history.sources) {
    if (s.kind !== 'feed') continue;
    const points: ChartSeries['points'] = [];
    for (const r of d.history.rounds.filter((x) => x.feedId === s.feed.id))
      for (const rec of d.records.get(r.requestId) ?? []) {
        const p = rec.provenance;
        if (typeof p.value !== 'number') continue;
        const sources = p.sources
          .filter((x) => typeof x.value === 'number')
          .map((x) => ({ label: short(x.prover, 6), value: x.value as number }));
        const t = Math.min(...p.sources.map((x) => x.tlsTime));
        points.push({ t: Number.isFinite(t) ? t : r.timestamp, value: p.value, sources });
      }
    if (points.length > 0) series.push({ label: `feed ${s.feed.id}`, points });
  }
  return series;
}

export function datasetPage(d: DatasetPageData): Html {
  const id = String(d.dataset.id);
  const versionOf = new Map(d.history.versions.map((v) => [v.requestId, v.version]));
  const urlOf = (requestId: string): string | undefined => d.requests.get(requestId)?.spec?.url;
  const feedUrl = (feedId: bigint): string | undefined => {
    const r = d.history.rounds.find((x) => x.feedId === feedId && urlOf(x.requestId));
    return r ? urlOf(r.requestId) : undefined;
  };
  const rounds = [
    ...d.history.rounds.map((r) => ({ ...r, source: `feed ${r.feedId}`, label: `round ${r.round}` })),
    ...d.history.sources.flatMap((s) =>
      s.kind === 'request'
        ? [
            {
              requestId: s.requestId,
              source: 'one-shot request',
              label: 'request',
              timestamp: Math.floor((d.requests.get(s.requestId)?.createdAt.getTime() ?? 0) / 1000),
              poker: undefined,
            },
          ]
        : [],
    ),
  ].sort((a, b) => a.timestamp - b.timestamp);
  const series = feedSeries(d);
  return html`<h1>${nameOf(d)} <span class="badge">version ${d.dataset.version}</span></h1>
    ${d.metadata?.description ? html`<p>${d.metadata.description}</p>` : ''}
    <dl class="kv">
      <dt>Dataset</dt><dd>${id}</dd>
      <dt>Owner</dt><dd class="mono">${d.dataset.owner}</dd>
      <dt>Creator</dt><dd>${d.metadata?.creator.name ?? '—'}</dd>
      <dt>Licence</dt><dd>${d.metadata?.license ? JSON.stringify(d.metadata.license) : html`<span class="muted">none declared</span>`}</dd>
      <dt>Current root</dt><dd class="mono">${d.dataset.root}</dd>
      <dt>Metadata</dt><dd><a class="mono" href="/v1/bundles/${d.dataset.metadataCid}">${d.dataset.metadataCid}</a></dd>
      <dt>Machine-readable</dt><dd><a href="/v1/datasets/${id}">JSON</a></dd>
    </dl>

    <h2>Sources</h2>
    <table class="sources">
      <thead><tr><th scope="col">Source</th><th scope="col">URL</th><th scope="col">Schedule</th><th scope="col">State</th><th scope="col">Escrow</th></tr></thead>
      <tbody>${d.history.sources.map((s) =>
        s.kind === 'feed'
          ? html`<tr data-source="feed-${String(s.feed.id)}"><td>feed ${String(s.feed.id)}</td><td class="mono">${feedUrl(s.feed.id) ?? html`<a href="/v1/bundles/${s.feed.specCid}">spec template</a>`}</td>
              <td>every ${s.feed.interval} s from ${when(s.feed.firstRound)}${s.feed.end ? html` until ${when(s.feed.end)}` : ''}; quorum ${s.feed.quorum}</td>
              <td>${s.feed.cancelled ? statusBadge('cancelled') : s.feed.paused ? statusBadge('paused') : statusBadge('active')} ${s.feed.rounds} rounds opened</td>
              <td class="mono">${eth(String(s.feed.escrow))}</td></tr>`
          : html`<tr data-source="request-${s.requestId}"><td><a class="mono" href="/requests/${s.requestId}">${short(s.requestId)}</a></td>
              <td class="mono">${urlOf(s.requestId) ?? '—'}</td><td>one-shot</td>
              <td>${d.requests.get(s.requestId) ? statusBadge(d.requests.get(s.requestId)!.status) : html`<span class="muted">not indexed here</span>`}</td><td>—</td></tr>`,
      )}</tbody>
    </table>

    ${series.length > 0 ? html`<h2>Value over time</h2>${timeChart(series, `${nameOf(d)}: value over time`)}` : ''}

    <h2>Rounds</h2>
    ${
      rounds.length === 0
        ? html`<p class="muted">No rounds yet.</p>`
        : html`<ol class="timeline rounds">${rounds.map((r) => {
            const row = d.requests.get(r.requestId);
            const v = versionOf.get(r.requestId);
            return html`<li class="${v ? 'done' : (row?.status ?? 'pending')}" data-request="${r.requestId}">
              <strong>${r.source} · ${r.label}</strong> ${when(r.timestamp)}
              <a class="mono" href="/requests/${r.requestId}">${short(r.requestId)}</a>
              ${row ? statusBadge(row.status) : html`<span class="muted">not indexed here</span>`}
              ${v ? html`<span class="badge ok">version ${v}</span>` : ''}
              ${r.poker ? html`<span class="muted">poked by <span class="mono">${short(r.poker, 6)}</span></span>` : ''}</li>`;
          })}</ol>`
    }

    <h2>Versions</h2>
    ${
      d.history.versions.length === 0
        ? html`<p class="muted">No version yet: a version appears when a fulfilled round is appended on-chain.</p>`
        : html`<table class="versions">
          <thead><tr><th scope="col">Version</th><th scope="col">Root</th><th scope="col">Appended round</th><th scope="col">At</th><th scope="col">Exports</th></tr></thead>
          <tbody>${[...d.history.versions].reverse().map(
            (v) => html`<tr data-version="${v.version}"><td>${v.version}</td><td class="mono">${v.root}</td>
              <td><a class="mono" href="/requests/${v.requestId}">${short(v.requestId)}</a></td><td>${when(v.timestamp)}</td>
              <td>${EXPORTS.map((f, i) => html`${i ? ' · ' : ''}<a href="/v1/datasets/${id}/versions/${v.version}/${f}">${f}</a>`)}</td></tr>`,
          )}</tbody>
        </table>
        <p class="legend">Check a version yourself: <code>veritas dataset export ${id} --version ${d.dataset.version} --out snapshot</code>, then
          <code>veritas dataset verify ${id} --version ${d.dataset.version} --dir snapshot</code>.</p>`
    }`;
}
