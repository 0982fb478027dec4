// The CLI's client of the Veritas API: typed calls (openapi-fetch over the types generated from
// schemas/openapi.json), the API's error body as a VeritasError, raw streams, and an SSE reader.
import type { Command } from 'commander';
import { createParser } from 'eventsource-parser';
import createClient, { type Client } from 'openapi-fetch';
import { isErrorCode, VeritasError } from '../../core/errors.ts';
import { CliExit, EXIT } from '../exit.ts';
import type { components, paths } from '../generated/api-types.ts';

export type Schemas = components['schemas'];

/** An SSE event of `/v1/requests/:id/events` with its data, as schemas/openapi.json documents them. */
export type SseEventArgs =
  | ['hello', Schemas['SseHello']]
  | ['stage', Schemas['RequestEvent']]
  | ['end', Schemas['RequestSummary']];

export type ApiClient = {
  base: string;
  /** Typed calls: paths, parameters, bodies and answers as schemas/openapi.json declares them. */
  api: Client<paths>;
  raw(path: string, init?: RequestInit): Promise<Response>;
  /**
   * Follows `/v1/requests/:id/events`, reconnecting with Last-Event-ID when the connection drops, until `end` (or
   * until `onEvent` returns `'stop'`, which ends the stream at once). Resolves with the request's summary: the `end`
   * event's, or (stopped early) the request as it stands.
   */
  follow(requestId: string, onEvent: (...event: SseEventArgs) => unknown): Promise<Schemas['RequestSummary']>;
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The API's error body (the `Error` component), when that is what an answer carries. */
function errorBodyOf(v: unknown): Partial<Schemas['Error']> {
  if (!isObject(v)) return {};
  return {
    ...(typeof v.code === 'string' ? { code: v.code } : {}),
    ...(typeof v.message === 'string' ? { message: v.message } : {}),
    ...(typeof v.field === 'string' ? { field: v.field } : {}),
  };
}

/**
 * Turns a non-2xx answer into the error its body names (code, message, field): a VeritasError for our codes, a
 * CliExit of the input class for the API's own (UNAUTHORIZED, PAYLOAD_TOO_LARGE, RATE_LIMITED…).
 */
export async function apiError(res: Response): Promise<VeritasError | CliExit> {
  const body = errorBodyOf(await res.json().catch(() => undefined));
  // a gateway in front of the API answers 502–504 without our body: the API is briefly out of reach, worth a retry
  const gateway = res.status === 502 || res.status === 503 || res.status === 504;
  const code = body.code ?? (gateway ? 'SERVER_UNREACHABLE' : 'INTERNAL');
  const message = `${res.status}: ${body.message ?? res.statusText}`;
  if (!isErrorCode(code))
    return new CliExit(EXIT.INPUT, code, `${message}${body.field ? ` (field: ${body.field})` : ''}`);
  return new VeritasError(code, message, { ...(body.field ? { field: body.field } : {}) });
}

/** One SSE frame as the typed event it is documented as; undefined for events this client does not know. */
function sseEventOf(event: string, data: unknown): SseEventArgs | undefined {
  if (!isObject(data)) return undefined;
  if (event === 'hello' && typeof data.requestId === 'string' && typeof data.after === 'number')
    return ['hello', { requestId: data.requestId, after: data.after }];
  if (event === 'stage' && isRequestEvent(data)) return ['stage', data];
  if (event === 'end' && isRequestSummary(data)) return ['end', data];
  return undefined;
}
const isRequestEvent = (d: Record<string, unknown>): d is Schemas['RequestEvent'] =>
  typeof d.id === 'number' &&
  typeof d.stage === 'string' &&
  typeof d.source === 'string' &&
  typeof d.at === 'string' &&
  (d.detail === null || isObject(d.detail));
const isRequestSummary = (d: Record<string, unknown>): d is Schemas['RequestSummary'] =>
  typeof d.id === 'string' &&
  typeof d.status === 'string' &&
  (d.merkleRoot === null || typeof d.merkleRoot === 'string');

export const unreachable = (root: string, e: unknown): VeritasError =>
  new VeritasError('SERVER_UNREACHABLE', `cannot reach the API at ${root}: ${(e as Error).message}`, {
    field: '--api',
    cause: e,
  });

export function apiClient(base: string, apiKey: string | undefined): ApiClient {
  const root = base.replace(/\/+$/, '');
  const headers = (init?: RequestInit): Headers => {
    const h = new Headers(init?.headers);
    if (apiKey) h.set('authorization', `Bearer ${apiKey}`);
    return h;
  };
  const raw = async (path: string, init?: RequestInit): Promise<Response> => {
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, { ...init, headers: headers(init) });
    } catch (e) {
      throw unreachable(root, e);
    }
    if (!res.ok) throw await apiError(res);
    return res;
  };
  // network failures become SERVER_UNREACHABLE and non-2xx answers the error their body names, for typed calls too
  const api = createClient<paths>({
    baseUrl: root,
    ...(apiKey ? { headers: { authorization: `Bearer ${apiKey}` } } : {}),
    fetch: async (request: Request) => {
      let res: Response;
      try {
        res = await fetch(request);
      } catch (e) {
        throw unreachable(root, e);
      }
      if (!res.ok) throw await apiError(res);
      return res;
    },
  });
  return {
    base: root,
    api,
    raw,
    follow: (requestId, onEvent) => followEvents(raw, requestId, onEvent),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// An API restart (a deploy, a crash) takes seconds to tens of seconds on a loaded host: reconnect for about a minute
// (the server's `retry:` hint, growing, capped) before giving up with a network error.
const MAX_RECONNECTS = 15;
const MAX_BACKOFF_MS = 5_000;

/** The SSE loop: eventsource-parser does the framing (CRLF, multi-line data, `retry:`), this does the resuming. */
async function followEvents(
  raw: (path: string, init?: RequestInit) => Promise<Response>,
  requestId: string,
  onEvent: (...event: SseEventArgs) => unknown,
): Promise<Schemas['RequestSummary']> {
  let lastId: string | undefined;
  let retryMs = 500;
  let ended: Schemas['RequestSummary'] | undefined;
  for (let attempt = 0; ; attempt++) {
    let result: { stopped: true } | undefined;
    try {
      const res = await raw(`/v1/requests/${requestId}/events`, {
        headers: lastId ? { 'last-event-id': lastId } : {},
      });
      const parser = createParser({
        onRetry: (ms) => {
          retryMs = ms;
        },
        onEvent: (e) => {
          if (result !== undefined) return;
          if (e.id !== undefined) lastId = e.id;
          if (e.data === '') return;
          const event = e.event ?? 'message';
          // hono ends a stream whose server side failed (its database restarting, say) with an `error` event whose
          // data is plain text: the stream was dropped, so resume after the last event like any other drop
          if (event === 'error')
            throw new VeritasError('SERVER_UNREACHABLE', `the API ended the event stream: ${e.data.slice(0, 200)}`);
          const typed = sseEventOf(event, JSON.parse(e.data));
          if (typed === undefined) return;
          if (typed[0] === 'end') ended = typed[1];
          if (onEvent(...typed) === 'stop' || typed[0] === 'end') result = { stopped: true };
        },
      });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      try {
        while (result === undefined) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } finally {
        await reader.cancel().catch(() => {});
      }
      if (result !== undefined) return ended ?? (await summaryOf(raw, requestId));
      attempt = 0;
    } catch (e) {
      // an API restart drops the stream (or a database restart answers 503): resume from the last event seen, a
      // few times, then give up
      if (
        attempt >= MAX_RECONNECTS ||
        e instanceof CliExit ||
        (e instanceof VeritasError && !e.retryable) ||
        e instanceof SyntaxError
      )
        throw e;
    }
    await sleep(Math.min(retryMs * (attempt + 1), MAX_BACKOFF_MS));
  }
}

/** The request as it stands, for a follower stopped before the `end` event (a failed stage). */
async function summaryOf(
  raw: (path: string, init?: RequestInit) => Promise<Response>,
  requestId: string,
): Promise<Schemas['RequestSummary']> {
  const data: unknown = await (await raw(`/v1/requests/${requestId}`)).json();
  if (!isObject(data) || !isRequestSummary(data))
    throw new VeritasError('INTERNAL', `the API answered /v1/requests/${requestId} with something else than a request`);
  return data;
}

/** The two flags of every command that talks to the API; their defaults come from VERITAS_API_URL / VERITAS_API_KEY. */
export const withApiOptions = (cmd: Command): Command =>
  cmd
    .option('--api <url>', 'the Veritas API (default: VERITAS_API_URL, else http://127.0.0.1:8080)')
    .option('--api-key <key>', 'API key for writes (default: VERITAS_API_KEY, else the first of VERITAS_API_KEYS)');

/** The body of a typed call that succeeded (a failed one has already thrown, see the client's fetch). */
export function body<T>(result: { data?: T; response: Response }): T {
  if (result.data === undefined)
    throw new VeritasError('INTERNAL', `the API answered ${result.response.status} without a body`, {
      field: result.response.url,
    });
  return result.data;
}

export type ApiFlags = { api?: string; apiKey?: string };

export const clientFromFlags = (flags: ApiFlags, cli: { apiUrl: string; apiKey: string | undefined }): ApiClient =>
  apiClient(flags.api ?? cli.apiUrl, flags.apiKey ?? cli.apiKey);
