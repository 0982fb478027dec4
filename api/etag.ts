// Conditional GETs: one If-None-Match comparison for every immutable response (records, bundles, exports, snapshots).

/** RFC 9110 If-None-Match: `*`, or a list of (weak or strong) tags compared weakly. */
export function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
