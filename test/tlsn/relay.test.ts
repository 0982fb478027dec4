// The MPC relay: rooms and roles, buffering until both sides are present, byte counters, close propagation.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
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

  test('with reservedOnly, an upgrade to a room nobody reserved is refused with 403 before any WebSocket', async () => {
    const strict = await startRelay({ reservedOnly: true });
    try {
      const res = await rawUpgrade(strict.port, '/relay?room=not-reserved&role=prover');
      assert.match(res, /^HTTP\/1\.1 403 /);
      assert.equal(strict.usage().rooms, 0, 'no room was created for it');
      assert.equal(strict.reserve('accepted'), true);
      const v = await connect(relayUrl(strict.url, 'accepted', 'verifier'));
      const p = await connect(relayUrl(strict.url, 'accepted', 'prover'));
      p.ws.send(new TextEncoder().encode('x'));
      assert.equal(await v.next(), 'x');
      p.ws.close();
      await v.closed;
      // a used room cannot be reserved or joined again
      assert.match(await rawUpgrade(strict.port, '/relay?room=accepted&role=prover'), /^HTTP\/1\.1 403 /);
    } finally {
      await strict.close();
    }
  });

  test('caps: open rooms, buffered bytes per room and in total', async () => {
    const capped = await startRelay({ maxRooms: 2, maxBufferedBytes: 1000, maxTotalBufferedBytes: 1500 });
    try {
      const a = await connect(relayUrl(capped.url, 'a', 'verifier'));
      const b = await connect(relayUrl(capped.url, 'b', 'verifier'));
      assert.match(await rawUpgrade(capped.port, '/relay?room=c&role=verifier'), /^HTTP\/1\.1 503 /);
      assert.equal(capped.reserve('d'), false, 'a reservation counts against the room cap too');
      assert.equal(capped.usage().rooms, 2);
      // 800 bytes buffered in each room: under the per-room cap, over the total
      a.ws.send(new Uint8Array(800));
      await until(() => capped.usage().bufferedBytes === 800);
      b.ws.send(new Uint8Array(800));
      assert.equal((await b.closed).code, 1009, 'the room that crossed the total cap is closed');
      assert.equal(capped.usage().bufferedBytes, 800);
      a.ws.send(new Uint8Array(300));
      assert.equal((await a.closed).code, 1009, 'a room over its own cap is closed');
      assert.deepEqual(
        { rooms: capped.usage().rooms, bufferedBytes: capped.usage().bufferedBytes },
        { rooms: 0, bufferedBytes: 0 },
      );
    } finally {
      await capped.close();
    }
  });
});

/** Sends a bare WebSocket upgrade and returns the server's first response line and headers. */
function rawUpgrade(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    let data = '';
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

/** Waits for a condition the relay reaches after an event this side cannot observe (a message it buffered). */
async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setImmediate(r));
}
