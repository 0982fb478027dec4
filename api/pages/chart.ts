// Server-rendered SVG charts for the pages (no script, no inline style: the CSP allows neither): a value over time
// with each source's points and the aggregated line, and a median's number line with its band and outliers.
// Every number is formatted here and every label goes through hono's `html` tag like the rest of the page.
import { html } from 'hono/html';
import type { Html } from './layout.ts';

export type ChartSeries = {
  label: string;
  /** One point per round: the aggregated value, and what each source (prover) answered. */
  points: { t: number; value: number; sources: { label: string; value: number }[] }[];
};

const W = 760;
const H = 280;
const M = { top: 16, right: 16, bottom: 36, left: 72 };
const fmt = (x: number): string => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(8))));
const px = (x: number): string => x.toFixed(1);
const utc = (t: number): string =>
  new Date(t * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, '');

/** A linear scale from [lo, hi] onto [a, b]; a flat domain maps to the middle. */
function scale(lo: number, hi: number, a: number, b: number) {
  return (x: number) => (hi === lo ? (a + b) / 2 : a + ((x - lo) / (hi - lo)) * (b - a));
}

function extent(xs: number[]): [number, number] {
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

/** Value over time: one line per series (its aggregated values), a dot per source answer. */
export function timeChart(series: ChartSeries[], title: string): Html {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return html``;
  const [t0, t1] = extent(all.map((p) => p.t));
  const [v0, v1] = extent(all.flatMap((p) => [p.value, ...p.sources.map((s) => s.value)]));
  const x = scale(t0, t1, M.left, W - M.right);
  const y = scale(v0, v1, H - M.bottom, M.top);
  const ticks = [v0, (v0 + v1) / 2, v1];
  return html`<figure class="chart">
    <svg class="chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-labelledby="chart-title">
      <title id="chart-title">${title}</title>
      <line class="axis" x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" />
      <line class="axis" x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" />
      ${ticks.map(
        (v) =>
          html`<text class="tick" x="${M.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${fmt(v)}</text>
            <line class="grid" x1="${M.left}" y1="${px(y(v))}" x2="${W - M.right}" y2="${px(y(v))}" />`,
      )}
      <text class="tick" x="${M.left}" y="${H - 12}">${utc(t0)}</text>
      <text class="tick" x="${W - M.right}" y="${H - 12}" text-anchor="end">${utc(t1)}</text>
      ${series.map((s, i) => {
        const pts = [...s.points].sort((a, b) => a.t - b.t);
        return html`<g class="series series-${i % 6}" data-series="${s.label}">
          <polyline class="aggregate" points="${pts.map((p) => `${px(x(p.t))},${px(y(p.value))}`).join(' ')}" />
          ${pts.map((p) =>
            p.sources.map(
              (src) =>
                html`<circle class="source" cx="${px(x(p.t))}" cy="${px(y(src.value))}" r="3.5"><title>${src.label}: ${fmt(src.value)} (${utc(p.t)})</title></circle>`,
            ),
          )}
          ${pts.map(
            (p) =>
              html`<rect class="aggregate-point" x="${px(x(p.t) - 3)}" y="${px(y(p.value) - 3)}" width="6" height="6"><title>${s.label}: ${fmt(p.value)} (${utc(p.t)})</title></rect>`,
          )}
        </g>`;
      })}
    </svg>
    <figcaption class="legend">${series.map(
      (s, i) => html`<span class="key series-${i % 6}"><span class="swatch"></span>${s.label}</span> `,
    )} — line and squares: the aggregated value of each round; dots: each source's own answer.</figcaption>
  </figure>`;
}

export type BandPoint = { label: string; value: number; outlier: boolean };

/** A median's number line: the band around it shaded, each source a dot, outliers marked. */
export function bandChart(median: number, low: number, high: number, points: BandPoint[]): Html {
  const [v0, v1] = extent([low, high, median, ...points.map((p) => p.value)]);
  const pad = (v1 - v0) * 0.08;
  const x = scale(v0 - pad, v1 + pad, M.left, W - M.right);
  const h = 90;
  return html`<svg class="chart band-chart" viewBox="0 0 ${W} ${h}" width="${W}" height="${h}" role="img" aria-labelledby="band-title">
    <title id="band-title">Each source against the median ${fmt(median)} and its band [${fmt(low)}, ${fmt(high)}]</title>
    <rect class="band" x="${px(x(low))}" y="18" width="${px(Math.max(x(high) - x(low), 1))}" height="36" />
    <line class="axis" x1="${M.left}" y1="54" x2="${W - M.right}" y2="54" />
    <line class="median" x1="${px(x(median))}" y1="10" x2="${px(x(median))}" y2="62" />
    <text class="tick" x="${px(x(median))}" y="78" text-anchor="middle">median ${fmt(median)}</text>
    ${points.map(
      (p) =>
        html`<circle class="${p.outlier ? 'source outlier' : 'source'}" cx="${px(x(p.value))}" cy="36" r="6"><title>${p.label}: ${fmt(p.value)}${p.outlier ? ' (outlier)' : ''}</title></circle>`,
    )}
  </svg>`;
}
