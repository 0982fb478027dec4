// The prover's ws→TCP proxy: the only way the prover reaches a source server, and the SSRF choke point.
//
// URL: ws://HOST:PORT<path>?target=HOST:PORT (the prover's `send_request(proxyUrl, …)` opens exactly that).
// The target is checked with core/ssrf.ts (name resolved here, every address public, or an explicit devnet
// allow-list entry) and the TCP connection goes to exactly the checked address. A refused target gets no
// byte: the WebSocket is closed with code 4403 and a reason "SSRF_REFUSED: …", which the party reports.
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { VeritasError, type ErrorCode } from '../../core/errors.ts';
import { componentLogger } from '../../core/log.ts';
import { checkTarget, parseHostPort, type SsrfPolicy } from '../../core/ssrf.ts';
import { PROXY_CLOSE_CODES } from './proxy-codes.ts';

export { PROXY_CLOSE_CODES };

export type ProxyConnectionStats = {
  target: string;
  connectedTo?: string;
  toServer: number;
  fromServer: number;
  refused?: { code: ErrorCode; message: string };
};

export type ProxyOptions = {
  path?: string;
  policy?: SsrfPolicy;
  connectTimeoutMs?: number;
  /** Closes a connection idle in both directions for this long (default 120 s). */
  idleTimeoutMs?: number;
  onConnectionClosed?: (stats: ProxyConnectionStats) => void;
};

export type Proxy = {
  path: string;
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
};

const closeCodeOf = (code: ErrorCode): number =>
  Number(Object.entries(PROXY_CLOSE_CODES).find(([, c]) => c === code)?.[0] ?? 4502);

/** Close reasons are limited to 123 bytes. */
const closeReason = (code: ErrorCode, message: string): string =>
  Buffer.from(`${code}: ${message}`)
    .subarray(0, 123)
    .toString('utf8')
    .replace(/\uFFFD$/, '');

export function createProxy(options: ProxyOptions = {}): Proxy {
  const path = options.path ?? '/proxy';
  const log = componentLogger('tlsn-proxy');
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<net.Socket>();

  const serve = async (ws: WebSocket, target: string) => {
    const stats: ProxyConnectionStats = { target, toServer: 0, fromServer: 0 };
    const early: RawData[] = [];
    let tcp: net.Socket | undefined;
    let done = false;
    const finish = (code: number, reason: string) => {
      if (done) return;
      done = true;
      tcp?.destroy();
      if (ws.readyState <= 1) ws.close(code, reason);
      options.onConnectionClosed?.(stats);
    };
    const fail = (e: unknown) => {
      const err =
        e instanceof VeritasError ? e : new VeritasError('SERVER_UNREACHABLE', (e as Error).message, { cause: e });
      stats.refused = { code: err.code, message: err.message };
      log.info({ target, code: err.code, reason: err.message }, 'proxy connection refused');
      finish(closeCodeOf(err.code), closeReason(err.code, err.message));
    };
    // Frames the prover sends while the target is checked are held, never forwarded anywhere.
    ws.on('message', (data) => (tcp && !tcp.connecting ? forward(data) : early.push(data)));
    ws.on('close', () => finish(1000, 'client closed'));
    ws.on('error', () => finish(1011, 'client error'));
    const forward = (data: RawData) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
      stats.toServer += buf.length;
      tcp?.write(buf);
    };
    try {
      const { host, port } = parseHostPort(target);
      const checked = await checkTarget(host, port, options.policy);
      if (done) return;
      stats.connectedTo = `${checked.connectHost}:${checked.connectPort}`;
      tcp = net.connect({ host: checked.connectHost, port: checked.connectPort });
      sockets.add(tcp);
      const s = tcp;
      s.setTimeout(options.connectTimeoutMs ?? 10_000, () => {
        if (s.connecting) fail(new VeritasError('SERVER_UNREACHABLE', `connecting to ${target} timed out`));
        else fail(new VeritasError('TIMEOUT', `connection to ${target} idle`));
      });
      s.on('connect', () => {
        s.setTimeout(options.idleTimeoutMs ?? 120_000);
        for (const d of early.splice(0)) forward(d);
      });
      s.on('data', (d) => {
        stats.fromServer += d.length;
        ws.send(d, { binary: true });
      });
      s.on('error', (e) => fail(new VeritasError('SERVER_UNREACHABLE', `${target}: ${e.message}`, { cause: e })));
      s.on('close', () => {
        sockets.delete(s);
        finish(1000, 'server closed');
      });
    } catch (e) {
      fail(e);
    }
  };

  return {
    path,
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'ws://proxy');
      if (url.pathname !== path) return false;
      const target = url.searchParams.get('target');
      if (!target) {
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\nexpected ?target=host:port\n');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => void serve(ws, target));
      return true;
    },
    async close() {
      for (const s of sockets) s.destroy();
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

export type StandaloneProxy = Proxy & { url: string; port: number };

/** A proxy on its own loopback HTTP server (the prover's side of an operator). */
export async function startProxy(
  options: ProxyOptions & { host?: string; port?: number } = {},
): Promise<StandaloneProxy> {
  const proxy = createProxy(options);
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket, head) => {
    if (!proxy.handleUpgrade(req, socket, head)) socket.destroy();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    ...proxy,
    port,
    url: `ws://${host}:${port}${proxy.path}`,
    async close() {
      await proxy.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The URL the prover passes to send_request for a source host (port 443 unless given). */
export const proxyUrl = (base: string, serverName: string, port = 443): string =>
  `${base}?target=${encodeURIComponent(`${serverName}:${port}`)}`;
