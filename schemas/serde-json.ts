// serde_json's compact text of a JSON value: what tlsn-wasm sends as a request body (it re-serializes the JSON the
// prover passes). Lives in schemas/ because the spec's validation needs it (a body must already be in that form).
/**
 * serde_json's compact serialization of a JSON value, for the values it renders the way we can predict: object
 * keys sorted (serde_json's default map is a BTreeMap), integers only (its float format is not JavaScript's),
 * strings escaped as serde_json escapes them. Undefined when the value has a part outside that subset.
 */
export function serdeJsonText(value: unknown): string | undefined {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value === 0 ? 0 : value) : undefined;
  if (typeof value === 'string') {
    // A lone surrogate has no UTF-8 form: serde_json could not hold it.
    if (/\p{Cs}/u.test(value)) return undefined;
    let out = '"';
    for (const c of value) {
      const code = c.charCodeAt(0);
      out += SERDE_ESCAPES[c] ?? (code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : c);
    }
    return `${out}"`;
  }
  if (Array.isArray(value)) {
    const parts = value.map(serdeJsonText);
    return parts.includes(undefined) ? undefined : `[${parts.join(',')}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value as object);
    // Byte order of UTF-8 keys (BTreeMap<String>) equals UTF-16 order only for ASCII keys: refuse others.
    if (keys.some((k) => !/^[\x20-\x7e]*$/.test(k))) return undefined;
    const parts = keys
      .sort()
      .map((k) => [serdeJsonText(k), serdeJsonText((value as Record<string, unknown>)[k])] as const);
    return parts.some(([, v]) => v === undefined) ? undefined : `{${parts.map(([k, v]) => `${k}:${v}`).join(',')}}`;
  }
  return undefined;
}
const SERDE_ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};
