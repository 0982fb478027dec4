// A small HTTP client of the Veritas API for the CLI: JSON calls with the API's error body, and an SSE reader.
import { VeritasError, type ErrorCode } from '../../core/errors.ts';

export type ApiClient = {
  base: string;
  json<T>(path: string, init?: RequestInit): Promise<T>;
  raw(path: string, init?: RequestInit): Promise<Response>;
  /** Follows `/v1/requests/:id/events`, reconnecting with Last-Event-ID when the connection drops, until `end`. */
  follow(requestId: string, onEvent: (event: string, data: unknown) => void): Promise<unknown>;
};

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
      throw new VeritasError('SERVER_UNREACHABLE', `cannot reach the API at ${root}: ${(e as Error).message}`, {
        field: '--api',
        cause: e,
      });
    }
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string; field?: string };
      throw new VeritasError(
        (body.code ?? 'INTERNAL') as ErrorCode,
        `${res.status}: ${body.message ?? res.statusText}`,
        {
          ...(body.field ? { field: body.field } : {}),
        },
      );
    }
    return res;
  };
  return {
    base: root,
    raw,
    json: async <T>(path: string, init?: RequestInit) => (await (await raw(path, init)).json()) as T,
    async follow(requestId, onEvent) {
      let lastId: string | undefined;
      for (let attempt = 0; ; attempt++) {
        try {
          const res = await raw(`/v1/requests/${requestId}/events`, {
            headers: lastId ? { 'last-event-id': lastId } : {},
          });
          const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
          let buf = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buf += value;
            for (let cut = buf.indexOf('\n\n'); cut >= 0; cut = buf.indexOf('\n\n')) {
              const block = buf.slice(0, cut);
              buf = buf.slice(cut + 2);
              let event = 'message';
              let data = '';
              for (const line of block.split('\n')) {
                if (line.startsWith('event:')) event = line.slice(6).trim();
                else if (line.startsWith('id:')) lastId = line.slice(3).trim();
                else if (line.startsWith('data:')) data += line.slice(5).trim();
              }
              if (data === '') continue;
              const parsed = JSON.parse(data) as unknown;
              onEvent(event, parsed);
              if (event === 'end') return parsed;
            }
          }
          attempt = 0;
        } catch (e) {
          // an API restart drops the stream (or a database restart answers 503): resume from the last event seen, a
          // few times, then give up
          if (attempt >= 5 || (e instanceof VeritasError && !e.retryable)) throw e;
        }
        await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      }
    },
  };
}
