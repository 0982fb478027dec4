// The MPC relay: rooms and roles, buffering until both sides are present, byte counters, close propagation.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { WebSocketServer } from 'ws';
import {
  attachRelay,
  createRelay,
  relayUrl,
  startRelay,
  type RoomStats,
  type StandaloneRelay,
} from '../../operator/tlsn/relay.ts';

type Client = {
  ws: WebSocket;
  messages: string[];
  next(): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
};

function connect(url: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const messages: string[] = [];
    const waiters: Array<(m: string) => void> = [];
    ws.onmessage = (e) => {
      const m = Buffer.from(e.data as ArrayBuffer).toString();
      const w = waiters.shift();
      if (w) w(m);
      else messages.push(m);
    };
    const closed = new Promise<{ code: number; reason: string }>((r) =>
      ws.addEventListener('close', (e) => r({ code: e.code, reason: e.reason })),
    );
    ws.onopen = () =>
      resolve({
        ws,
        messages,
        closed,
        next: () =>
          messages.length ? Promise.resolve(messages.shift() as string) : new Promise((r) => waiters.push(r)),
      });
    ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
  });
}

describe('relay', () => {
  let relay: StandaloneRelay;
  const closedRooms: RoomStats[] = [];
  before(async () => {
    relay = await startRelay({ onRoomClosed: (s) => closedRooms.push(s) });
  });
  after(() => relay.close());

  test('buffers what the first side sends until the second joins, then pipes both ways and counts bytes', async () => {
    const verifier = await connect(relayUrl(relay.url, 'room-1', 'verifier'));
    verifier.ws.send(new TextEncoder().encode('hello from verifier'));
    verifier.ws.send(new TextEncoder().encode('second'));
    const prover = await connect(relayUrl(relay.url, 'room-1', 'prover'));
    assert.equal(await prover.next(), 'hello from verifier');
    assert.equal(await prover.next(), 'second');
    prover.ws.send(new TextEncoder().encode('pong'));
    assert.equal(await verifier.next(), 'pong');
    assert.deepEqual(relay.stats('room-1')?.bytes, { prover: 4, verifier: 25 });
    assert.deepEqual(relay.stats('room-1')?.messages, { prover: 1, verifier: 2 });

    // Closing one side closes the other and records the room.
    prover.ws.close();
    await verifier.closed;
    assert.equal(closedRooms.at(-1)?.room, 'room-1');
    assert.ok(relay.stats('room-1')?.closedAt);
  });

  test('rejects a second socket for a taken role, a reused room and a missing role', async () => {
    const a = await connect(relayUrl(relay.url, 'room-2', 'prover'));
    const b = await connect(relayUrl(relay.url, 'room-2', 'prover'));
    assert.equal((await b.closed).code, 1008);
    a.ws.close();
    await a.closed;
    const c = await connect(relayUrl(relay.url, 'room-2', 'verifier'));
    assert.match((await c.closed).reason, /already used/);
    await assert.rejects(connect(`${relay.url}?room=x`));
  });

  test('closes a room whose peer never arrives', async () => {
    const short = await startRelay({ joinTimeoutMs: 50 });
    try {
      const lone = await connect(relayUrl(short.url, 'r', 'verifier'));
      assert.equal((await lone.closed).code, 1008);
    } finally {
      await short.close();
    }
  });

  test('attaches to an existing HTTP server next to another WebSocket endpoint', async () => {
    const server = http.createServer();
    const other = new WebSocketServer({ noServer: true });
    const hosted = createRelay({ path: '/tlsn/relay' });
    attachRelay(server, hosted);
    server.on('upgrade', (req, socket, head) => {
      if (new URL(req.url ?? '/', 'ws://x').pathname === '/notary')
        other.handleUpgrade(req, socket, head, (ws) => ws.send('notary here'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `ws://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const n = await connect(`${base}/notary`);
      assert.equal(await n.next(), 'notary here');
      n.ws.close();
      const v = await connect(relayUrl(`${base}/tlsn/relay`, 'r', 'verifier'));
      const p = await connect(relayUrl(`${base}/tlsn/relay`, 'r', 'prover'));
      p.ws.send(new TextEncoder().encode('x'));
      assert.equal(await v.next(), 'x');
      p.ws.close();
      await v.closed;
    } finally {
      await hosted.close();
      await new Promise<void>((r) => other.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
