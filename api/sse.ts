// Server-Sent Events of a request's timeline: polls request_events by id, resumes after Last-Event-ID, heartbeats.
//
// Polling the table (rather than an in-process bus) is what lets any API replica serve any stream and a client
// resume on another replica or after a restart: the event id is the table's serial id.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Database } from '../core/db/client.ts';
import type { Logger } from '../core/log.ts';
import { getRequest, eventsAfter } from './queries.ts';
import { eventJson, requestSummary } from './views.ts';

const TERMINAL = new Set(['fulfilled', 'expired', 'failed']);

export type StreamOptions = {
  db: Database;
  requestId: string;
  lastEventId: number;
  pollMs: number;
  heartbeatMs: number;
};

export function streamRequestEvents(c: Context, o: StreamOptions): Response {
  c.header('Cache-Control', 'no-cache');
  c.header('X-Accel-Buffering', 'no'); // proxies must not buffer a live stream
  return streamSSE(
    c,
    async (stream) => {
      let last = o.lastEventId;
      let lastWrite = Date.now();
      let terminalSeen = false;
      // a client that reconnects waits this long (ms) before retrying
      await stream.writeSSE({
        event: 'hello',
        data: JSON.stringify({ requestId: o.requestId, after: last }),
        retry: 1000,
      });
      while (!stream.aborted && !stream.closed) {
        const events = await eventsAfter(o.db, o.requestId, last);
        for (const e of events) {
          await stream.writeSSE({ id: String(e.id), event: 'stage', data: JSON.stringify(eventJson(e)) });
          last = e.id;
          lastWrite = Date.now();
        }
        if (events.length > 0) continue;
        const request = await getRequest(o.db, o.requestId);
        if (request && TERMINAL.has(request.status)) {
          // one more pass after seeing the final status: the event announcing it may be written just after the row
          if (terminalSeen) {
            await stream.writeSSE({ event: 'end', data: JSON.stringify(requestSummary(request)) });
            return;
          }
          terminalSeen = true;
          continue;
        }
        if (Date.now() - lastWrite >= o.heartbeatMs) {
          await stream.write(': heartbeat\n\n');
          lastWrite = Date.now();
        }
        await stream.sleep(o.pollMs);
      }
    },
    async (e) => {
      // The database went away mid-stream (a restart): end the stream, logged rather than printed to the console;
      // the client reconnects with Last-Event-ID and misses nothing.
      (c.var as { log?: Logger }).log?.warn({ err: e, requestId: o.requestId }, 'SSE stream ended by an error');
    },
  );
}
