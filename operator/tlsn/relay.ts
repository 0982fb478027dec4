// The MPC relay: joins a prover and a verifier WebSocket (both are clients) in a room, buffering until both are present.
//
// URL: ws://HOST:PORT<path>?room=ROOM&role=prover|verifier. A room holds one socket per role; whatever one side
// sends before the other arrives is buffered (bounded) and flushed on arrival; when either side closes, the
// other is closed too. The room id is the only access control: the notary service must make it unguessable.
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { componentLogger } from '../../core/log.ts';

export type RelayRole = 'prover' | 'verifier';
export type RoomStats = {
  room: string;
  /** Bytes each role sent through the relay. */
  bytes: Record<RelayRole, number>;
  messages: Record<RelayRole, number>;
  openedAt: number;
  closedAt?: number;
};

export type RelayOptions = {
  /** URL path the relay answers on (default "/relay"). */
  path?: string;
  /** Max bytes buffered for a side that has not joined yet (default 64 MiB). */
  maxBufferedBytes?: number;
  /** A room whose second party does not arrive within this time is closed (default 60 s). */
  joinTimeoutMs?: number;
  onRoomClosed?: (stats: RoomStats) => void;
};

export type Relay = {
  path: string;
  /** Handles an HTTP upgrade if it is for the relay's path; returns false (socket untouched) otherwise. */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Live or last-known stats of a room (kept for closed rooms until `forget`). */
  stats(room: string): RoomStats | undefined;
  forget(room: string): void;
  close(): Promise<void>;
};

type Room = {
  stats: RoomStats;
  peers: Partial<Record<RelayRole, WebSocket>>;
  pending: Record<RelayRole, Array<{ data: RawData; isBinary: boolean }>>;
  pendingBytes: number;
  joinTimer: NodeJS.Timeout | undefined;
  closed: boolean;
};

const other = (r: RelayRole): RelayRole => (r === 'prover' ? 'verifier' : 'prover');
const size = (d: RawData): number =>
  Array.isArray(d) ? d.reduce((n, b) => n + b.length, 0) : (d as Buffer | ArrayBuffer).byteLength;

export function createRelay(options: RelayOptions = {}): Relay {
  const path = options.path ?? '/relay';
  const maxBuffered = options.maxBufferedBytes ?? 64 * 1024 * 1024;
  const joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
  const log = componentLogger('tlsn-relay');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const rooms = new Map<string, Room>();
  const finished = new Map<string, RoomStats>();

  const closeRoom = (room: Room, code: number, reason: string) => {
    if (room.closed) return;
    room.closed = true;
    clearTimeout(room.joinTimer);
    room.stats.closedAt = Date.now();
    rooms.delete(room.stats.room);
    finished.set(room.stats.room, room.stats);
    // Bounded memory: the oldest finished rooms are forgotten first.
    if (finished.size > 1000) finished.delete(finished.keys().next().value as string);
    for (const ws of Object.values(room.peers)) if (ws.readyState <= 1) ws.close(code, reason);
    log.debug({ room: room.stats.room, bytes: room.stats.bytes, reason }, 'room closed');
    options.onRoomClosed?.(room.stats);
  };

  const join = (ws: WebSocket, roomId: string, role: RelayRole) => {
    let room = rooms.get(roomId);
    if (!room) {
      if (finished.has(roomId)) return ws.close(1008, 'room already used');
      room = {
        stats: {
          room: roomId,
          bytes: { prover: 0, verifier: 0 },
          messages: { prover: 0, verifier: 0 },
          openedAt: Date.now(),
        },
        peers: {},
        pending: { prover: [], verifier: [] },
        pendingBytes: 0,
        joinTimer: undefined,
        closed: false,
      };
      rooms.set(roomId, room);
      const r = room;
      r.joinTimer = setTimeout(() => closeRoom(r, 1008, 'peer did not join in time'), joinTimeoutMs);
    }
    if (room.peers[role]) return ws.close(1008, `role ${role} already taken in this room`);
    const r = room;
    r.peers[role] = ws;
    ws.on('message', (data, isBinary) => {
      const n = size(data);
      r.stats.bytes[role] += n;
      r.stats.messages[role]++;
      const peer = r.peers[other(role)];
      if (peer && peer.readyState === 1) return peer.send(data, { binary: isBinary });
      r.pendingBytes += n;
      if (r.pendingBytes > maxBuffered) return closeRoom(r, 1009, 'relay buffer limit exceeded');
      r.pending[other(role)].push({ data, isBinary });
    });
    ws.on('close', () => closeRoom(r, 1000, `${role} closed`));
    ws.on('error', () => closeRoom(r, 1011, `${role} errored`));
    for (const m of r.pending[role]) ws.send(m.data, { binary: m.isBinary });
    r.pending[role] = [];
    r.pendingBytes = r.pending[other(role)].reduce((n, m) => n + size(m.data), 0);
    if (r.peers.prover && r.peers.verifier) clearTimeout(r.joinTimer);
  };

  return {
    path,
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'ws://relay');
      if (url.pathname !== path) return false;
      const room = url.searchParams.get('room');
      const role = url.searchParams.get('role');
      if (!room || (role !== 'prover' && role !== 'verifier')) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nexpected ?room=…&role=prover|verifier\n');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => join(ws, room, role));
      return true;
    },
    stats: (room) => rooms.get(room)?.stats ?? finished.get(room),
    forget: (room) => void finished.delete(room),
    async close() {
      for (const room of [...rooms.values()]) closeRoom(room, 1001, 'relay shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Routes a server's upgrades to the relay; others are left to other listeners (or refused if none). */
export function attachRelay(server: http.Server, relay: Relay): () => void {
  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!relay.handleUpgrade(req, socket, head) && server.listenerCount('upgrade') === 1) socket.destroy();
  };
  server.on('upgrade', onUpgrade);
  return () => void server.off('upgrade', onUpgrade);
}

export type StandaloneRelay = Relay & { url: string; port: number };

/** A relay on its own HTTP server (loopback by default). */
export async function startRelay(
  options: RelayOptions & { host?: string; port?: number } = {},
): Promise<StandaloneRelay> {
  const relay = createRelay(options);
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  attachRelay(server, relay);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    ...relay,
    port,
    url: `ws://${host}:${port}${relay.path}`,
    async close() {
      await relay.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The URL a party connects to. */
export const relayUrl = (base: string, room: string, role: RelayRole): string =>
  `${base}?room=${encodeURIComponent(room)}&role=${role}`;
