// The shared page frame of the provenance pages: one served stylesheet, navigation, nothing loaded from outside.
// Every value reaches the HTML through hono's `html` tag, which escapes each interpolation: no page builds markup from
// strings, so there is one escaping path (and a strict CSP behind it, see api/middleware.ts securityHeaders).
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Served as /assets/veritas.css: `default-src 'self'` forbids inline styles as well as scripts. */
export const CSS = `
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--ok:#1a7f37;--bad:#cf222e;--wait:#9a6700;--link:#0550ae}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#0d1117;color:#fff;padding:.6rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;letter-spacing:.02em}
main{max-width:1100px;margin:0 auto;padding:1.5rem}h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
a{color:var(--link)}code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}th{background:var(--soft);font-weight:600}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:1rem;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.ok,.done,.fulfilled,.valid,.verified{color:var(--ok)}.bad,.failed,.expired,.invalid{color:var(--bad)}.pending,.requested,.assigned,.aggregating,.responded{color:var(--wait)}
ol.timeline{list-style:none;padding:0;margin:0;border-left:3px solid var(--line)}ol.timeline li{padding:.3rem 0 .3rem 1rem;position:relative}
ol.timeline li::before{content:"";position:absolute;left:-.5rem;top:.75rem;width:.7rem;height:.7rem;border-radius:50%;background:currentColor}
.panel{border:1px solid var(--line);border-radius:6px;padding:1rem;background:var(--soft)}
ul.checks{list-style:none;padding:0;margin:0}ul.checks li{padding:.25rem 0}ul.checks .mark{display:inline-block;width:1.4rem;font-weight:700}
pre.transcript{background:#0d1117;color:#e6edf3;padding:1rem;border-radius:6px;white-space:pre-wrap;word-break:break-all;font:13px/1.45 ui-monospace,Menlo,Consolas,monospace}
pre.transcript .redacted{background:#6e2a2a;color:#ffb3b3;border-radius:2px}
.muted{color:var(--muted)}.legend{font-size:.85rem;color:var(--muted)}
nav.pager{margin-top:1rem}
.redacted-sample{background:#6e2a2a;color:#ffb3b3}
.spare,.badge.spare{color:var(--muted)}.cancelled,.paused{color:var(--muted)}.active{color:var(--ok)}
.error-code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;font-weight:600}
.mpc-progress{margin-top:.3rem;font-size:.8rem}.mpc-progress progress{width:8rem;vertical-align:middle;margin-right:.4rem}
details>summary{cursor:pointer}ul.records{list-style:none;padding:0;margin:.5rem 0}ul.records li{padding:.2rem 0}
details ul.checks{margin:.3rem 0 .3rem 1.5rem}p.summary{font-weight:600}
figure.chart{margin:.5rem 0}svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:6px}
svg.chart .axis{stroke:var(--muted);stroke-width:1}svg.chart .grid{stroke:var(--line);stroke-dasharray:3 3}
svg.chart .tick{fill:var(--muted);font-size:11px}svg.chart .aggregate{fill:none;stroke-width:2}
svg.chart .source{fill-opacity:.55}svg.chart .band{fill:#dafbe1}svg.chart .median{stroke:var(--fg);stroke-width:2}
svg.chart .outlier{fill:var(--bad);fill-opacity:1;stroke:#000}svg.band-chart .source{fill:var(--link)}
.series-0{--c:#0550ae}.series-1{--c:#bc4c00}.series-2{--c:#1a7f37}.series-3{--c:#8250df}.series-4{--c:#cf222e}.series-5{--c:#57606a}
svg.chart .series .aggregate{stroke:var(--c)}svg.chart .series .source{fill:var(--c)}svg.chart .series .aggregate-point{fill:var(--c)}
.key .swatch{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle;background:var(--c)}
`;

export const CSS_PATH = '/assets/veritas.css';

export function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${title} · Veritas</title>
    <link rel="stylesheet" href="${CSS_PATH}" />
  </head>
  <body>
    <header>
      <a class="brand" href="/">Veritas</a>
      <nav aria-label="main">
        <a href="/">Requests</a> · <a href="/datasets">Datasets</a> · <a href="/operators">Operators</a> · <a href="/docs">API</a>
      </nav>
    </header>
    <main>${body}</main>
  </body>
</html>`;
}

export const statusBadge = (status: string): Html => html`<span class="badge ${status}">${status}</span>`;

export const short = (hex: string | null | undefined, n = 10): string =>
  hex == null ? '—' : hex.length > 2 * n + 2 ? `${hex.slice(0, n + 2)}…${hex.slice(-n / 2)}` : hex;

export const time = (d: Date | string | null | undefined): Html =>
  d == null
    ? html`<span class="muted">—</span>`
    : html`<time datetime="${new Date(d).toISOString()}">${new Date(d)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC')}</time>`;
