// The MPC relay: joins a prover and a verifier WebSocket (both are clients) in a room, buffering until both are present.
//
// URL: ws://HOST:PORT<path>?room=ROOM&role=prover|verifier. A room holds one socket per role; whatever one side
// sends before the other arrives is buffered (bounded) and flushed on arrival; when either side closes, the
// other is closed too.
//
// Bounded (issue 13): with `reservedOnly` (the notary's relay) a room exists only once `reserve` was called for it —
// the notary does so after it accepted a session (assigned prover, signed fresh hello) — and an upgrade to any other
// room is refused with HTTP 403 before a WebSocket exists. Open rooms (reserved or live) are capped (HTTP 503 beyond),
// and so are the bytes buffered per room and in total (the room that crosses either cap is closed with 1009).
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
  /** Max bytes buffered for a side that has not joined yet, per room (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Max bytes buffered over all rooms (default 256 MiB). */
  maxTotalBufferedBytes?: number;
  /** Max rooms open at once, reserved or live (default 64). */
  maxRooms?: number;
  /** Only rooms created by `reserve` can be joined (default false: any room id opens a room, for tests). */
  reservedOnly?: boolean;
  /** A room whose second party does not arrive within this time is closed (default 60 s). */
  joinTimeoutMs?: number;
  onRoomClosed?: (stats: RoomStats) => void;
};

export type RelayUsage = {
  /** Rooms open now, reserved or live. */
  rooms: number;
  /** Reserved rooms nobody has joined yet. */
  reserved: number;
  /** Bytes buffered over all rooms. */
  bufferedBytes: number;
  /** Closed rooms whose stats are kept (at most 1000). */
  finished: number;
};

export type Relay = {
  path: string;
  /** Opens `room` for its two parties (they must join within the join timeout); false when at the room cap. */
  reserve(room: string): boolean;
  usage(): RelayUsage;
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
  const maxTotalBuffered = options.maxTotalBufferedBytes ?? 256 * 1024 * 1024;
  const maxRooms = options.maxRooms ?? 64;
  const joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
  const log = componentLogger('tlsn-relay');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  const rooms = new Map<string, Room>();
  const finished = new Map<string, RoomStats>();
  let totalBuffered = 0;
  const setPending = (room: Room, bytes: number) => {
    totalBuffered += bytes - room.pendingBytes;
    room.pendingBytes = bytes;
  };

  const closeRoom = (room: Room, code: number, reason: string) => {
    if (room.closed) return;
    room.closed = true;
    clearTimeout(room.joinTimer);
    setPending(room, 0);
    room.pending = { prover: [], verifier: [] };
    room.stats.closedAt = Date.now();
    rooms.delete(room.stats.room);
    finished.set(room.stats.room, room.stats);
    // Bounded memory: the oldest finished rooms are forgotten first.
    if (finished.size > 1000) finished.delete(finished.keys().next().value as string);
    for (const ws of Object.values(room.peers)) if (ws.readyState <= 1) ws.close(code, reason);
    log.debug({ room: room.stats.room, bytes: room.stats.bytes, reason }, 'room closed');
    options.onRoomClosed?.(room.stats);
  };

  const open = (roomId: string): Room => {
    const room: Room = {
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
    room.joinTimer = setTimeout(() => closeRoom(room, 1008, 'peer did not join in time'), joinTimeoutMs);
    return room;
  };

  const join = (ws: WebSocket, roomId: string, role: RelayRole) => {
    let room = rooms.get(roomId);
    if (!room) {
      if (finished.has(roomId)) return ws.close(1008, 'room already used');
      // a reserved room closed (timed out) between the upgrade check and now
      if (options.reservedOnly || rooms.size >= maxRooms) return ws.close(1008, 'no such room');
      room = open(roomId);
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
      setPending(r, r.pendingBytes + n);
      if (r.pendingBytes > maxBuffered) return closeRoom(r, 1009, 'relay buffer limit exceeded');
      if (totalBuffered > maxTotalBuffered) return closeRoom(r, 1009, 'relay total buffer limit exceeded');
      r.pending[other(role)].push({ data, isBinary });
    });
    ws.on('close', () => closeRoom(r, 1000, `${role} closed`));
    ws.on('error', () => closeRoom(r, 1011, `${role} errored`));
    for (const m of r.pending[role]) ws.send(m.data, { binary: m.isBinary });
    r.pending[role] = [];
    setPending(
      r,
      r.pending[other(role)].reduce((n, m) => n + size(m.data), 0),
    );
    if (r.peers.prover && r.peers.verifier) clearTimeout(r.joinTimer);
  };

  const refuse = (socket: Duplex, status: string, why: string) =>
    void socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\n\r\n${why}\n`);

  return {
    path,
    reserve(room) {
      if (rooms.has(room) || finished.has(room) || rooms.size >= maxRooms) return false;
      open(room);
      return true;
    },
    usage: () => ({
      rooms: rooms.size,
      reserved: [...rooms.values()].filter((r) => !r.peers.prover && !r.peers.verifier).length,
      bufferedBytes: totalBuffered,
      finished: finished.size,
    }),
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'ws://relay');
      if (url.pathname !== path) return false;
      const room = url.searchParams.get('room');
      const role = url.searchParams.get('role');
      if (!room || (role !== 'prover' && role !== 'verifier')) {
        refuse(socket, '400 Bad Request', 'expected ?room=…&role=prover|verifier');
        return true;
      }
      if (!rooms.has(room)) {
        if (options.reservedOnly) {
          refuse(socket, '403 Forbidden', 'no such relay room: rooms exist only for sessions the notary accepted');
          return true;
        }
        if (rooms.size >= maxRooms && !finished.has(room)) {
          refuse(socket, '503 Service Unavailable', 'the relay is at its room limit; try again later');
          return true;
        }
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
