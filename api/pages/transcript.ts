// Renders a revealed transcript as text with every unrevealed (redacted) byte run visibly marked.
import { html } from 'hono/html';
import type { Range } from '../../schemas/common.ts';
import type { Html } from './layout.ts';

// Printable ASCII and line breaks as themselves; any other byte as \xNN so nothing is hidden or misread.
function printable(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes)
    out +=
      b === 0x0a || b === 0x0d || b === 0x09 || (b >= 0x20 && b < 0x7f)
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  return out.replace(/\r\n/g, '↵\n');
}

/** `data` with the bytes outside `ranges` shown as one marked run each: "[redacted: N bytes]". Ranges must come from a
 * schema-validated bundle (integers); they are coerced again here so nothing but a number can reach the markup. */
export function transcriptHtml(label: string, data: Uint8Array, ranges: readonly Range[]): Html {
  const parts: Html[] = [];
  let cursor = 0;
  const sorted = ranges
    .map((r) => ({ start: Math.trunc(Number(r.start)), end: Math.trunc(Number(r.end)) }))
    .filter((r) => Number.isFinite(r.start) && Number.isFinite(r.end) && r.end > r.start && r.start >= 0)
    .sort((a, b) => a.start - b.start);
  const hidden = (from: number, to: number) => {
    if (to > from)
      parts.push(
        html`<span class="redacted" title="unrevealed bytes ${from}–${to}">[redacted: ${to - from} bytes]</span>`,
      );
  };
  for (const r of sorted) {
    const start = Math.max(r.start, cursor);
    hidden(cursor, start);
    parts.push(html`${printable(data.subarray(start, Math.min(r.end, data.length)))}`);
    cursor = Math.max(cursor, r.end);
  }
  hidden(cursor, data.length);
  const revealed = sorted.reduce((n, r) => n + (r.end - r.start), 0);
  return html`<figure>
    <figcaption><strong>${label}</strong> <span class="muted">${data.length} bytes, ${revealed} revealed</span></figcaption>
    <pre class="transcript" aria-label="${label} transcript">${parts}</pre>
  </figure>`;
}
