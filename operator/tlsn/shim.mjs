// Browser globals for tlsn-wasm's wasm-bindgen *web* target under Node: `self`, Worker over worker_threads,
// worker-side message events / postMessage / close, the worker's wasm re-load answered from memory, and a
// WebSocket that remembers why a peer closed it (the proxy states refusals in its close reason).
//
// Installed in the party's main thread AND, through worker-boot.mjs, in every worker thread the wasm spawns.
// Plain JavaScript on purpose (types in shim.d.mts): ~40 worker threads load it per session, and a .ts file
// would make each of them load Node's TypeScript stripper (~15 MB per thread). No heavy imports either.
import { Worker as NodeWorker, isMainThread, parentPort } from 'node:worker_threads';

/** @type {Array<{url: string, code: number, reason: string, wasOpen: boolean}>} */
export const socketCloses = [];
/** Called on every WebSocket close in this thread (the wasm itself may wait forever on a dead socket). */
export const socketCloseListeners = new Set();

/** Messages received on WebSockets in this thread: the session's liveness signal (MPC setup is long but never silent). */
// `bytes`: both directions, for the MPC progress hook (operator/progress.ts)
export const socketTraffic = { received: 0, bytes: 0 };

/**
 * Options applied to every worker thread the wasm spawns (set by the party before initialize()), and the
 * process-wide [live, peak] worker counters, shared by all threads so the party can report its peak.
 */
export const workerOptions =
  /** @type {{resourceLimits?: import('node:worker_threads').ResourceLimits, counters?: Int32Array}} */ ({});

/** Peak number of wasm worker threads alive at once in this process. */
export const peakWorkers = () => (workerOptions.counters ? Atomics.load(workerOptions.counters, 1) : 0);

function countWorker(delta) {
  workerOptions.counters ??= new Int32Array(new SharedArrayBuffer(8));
  const c = workerOptions.counters;
  const live = Atomics.add(c, 0, delta) + delta;
  for (let peak = Atomics.load(c, 1); live > peak; peak = Atomics.load(c, 1)) Atomics.compareExchange(c, 1, peak, live);
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

/** The web Worker API over worker_threads: every thread first runs worker-boot.mjs (this shim), then the target. */
class WebWorker extends EventTarget {
  onmessage = null;
  onerror = null;
  #w;

  constructor(url, opts = {}) {
    super();
    const href = url instanceof URL ? url.href : String(url);
    countWorker(1);
    this.#w = new NodeWorker(BOOT, {
      workerData: { url: href, workerOptions },
      ...(opts.name === undefined ? {} : { name: opts.name }),
      ...(workerOptions.resourceLimits ? { resourceLimits: workerOptions.resourceLimits } : {}),
    });
    this.#w.once('exit', () => countWorker(-1));
    this.#w.on('message', (data) => {
      const ev = new MessageEvent('message', { data });
      this.dispatchEvent(ev);
      this.onmessage?.(ev);
    });
    this.#w.on('error', (err) => {
      // A crashed wasm worker leaves the session stuck: report loudly; the session's stage timeout ends it.
      process.stderr.write(`[tlsn worker error] ${opts.name ?? href}: ${String(err?.stack ?? err)}\n`);
      const ev = Object.assign(new Event('error'), { error: err });
      this.dispatchEvent(ev);
      this.onerror?.(ev);
    });
  }

  postMessage(data, transfer) {
    this.#w.postMessage(data, transfer);
  }

  terminate() {
    return this.#w.terminate();
  }
}

/**
 * Node 22's WebSocket, recording close codes (so a refusal by the proxy can be told apart from a crash) and
 * counting messages. Created lazily and only where used (the party's main thread): touching
 * `globalThis.WebSocket` or `fetch` loads undici, several MB in each of the ~40 worker threads.
 */
const byteSize = (d) => (typeof d === 'string' ? Buffer.byteLength(d) : (d?.byteLength ?? d?.size ?? 0));

function observedWebSocket() {
  const NativeWebSocket = globalThis.WebSocket;
  return class ObservedWebSocket extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      const u = String(url);
      let wasOpen = false;
      let reported = false;
      const report = (code, reason) => {
        if (reported) return;
        reported = true;
        const c = { url: u, code, reason, wasOpen };
        socketCloses.push(c);
        for (const l of socketCloseListeners) l(c);
      };
      this.addEventListener('open', () => {
        wasOpen = true;
      });
      this.addEventListener('close', (e) => report(e.code, e.reason));
      // A failed connection may fire 'error' without any 'close' reaching us (seen with undici + the wasm).
      this.addEventListener('error', () => {
        if (!wasOpen) report(1006, 'connection failed');
      });
      this.addEventListener('message', (e) => {
        socketTraffic.received++;
        socketTraffic.bytes += byteSize(e.data);
      });
    }

    // progress hook: bytes this party sends, beside those it receives
    send(data) {
      socketTraffic.bytes += byteSize(data);
      super.send(data);
    }
  };
}

let installed = false;

export function installShim() {
  if (installed) return;
  installed = true;
  const g = globalThis;
  g.Worker = WebWorker;
  // spawn.js (imported by tlsn_wasm.js at top level, hence also in the main thread) calls
  // self.addEventListener('message', …) when loaded.
  g.self = globalThis;
  if (isMainThread || !parentPort) {
    g.WebSocket = observedWebSocket();
    if (typeof g.addEventListener !== 'function') {
      g.addEventListener = () => {};
      g.removeEventListener = () => {};
    }
    return;
  }
  const port = parentPort;
  const listeners = new Set();
  let attached = false;
  let receivedModule = null;
  g.addEventListener = (type, fn) => {
    if (type !== 'message') return;
    listeners.add(fn);
    if (attached) return;
    attached = true;
    port.on('message', (data) => {
      // Keep the compiled module the parent sends: the fetch below hands it back.
      if (
        data &&
        typeof data.type === 'string' &&
        data.type.startsWith('web_spawn_start_') &&
        Array.isArray(data.data) &&
        data.data[0] instanceof WebAssembly.Module
      )
        receivedModule = data.data[0];
      const ev = { data };
      for (const l of [...listeners]) l(ev);
    });
  };
  g.removeEventListener = (_type, fn) => listeners.delete(fn);
  // spawn.js calls pkg.default({module, memory}), but this wasm-bindgen version only reads `module_or_path`,
  // so each worker falls back to fetch(new URL('tlsn_wasm_bg.wasm', import.meta.url)), which Node's fetch
  // refuses for file: URLs. Answering with the Module from the message also guarantees every thread runs the
  // very same (possibly patched) module, whatever file sits next to tlsn_wasm.js.
  const realFetch = Object.getOwnPropertyDescriptor(globalThis, 'fetch'); // the descriptor, not the (undici-loading) value
  Object.defineProperty(globalThis, 'fetch', {
    configurable: true,
    writable: true,
    value: async (input, init) => {
      const href = input instanceof URL ? input.href : typeof input === 'string' ? input : '';
      if (href.startsWith('file:') && href.endsWith('.wasm') && receivedModule) return receivedModule;
      const f = realFetch?.get ? realFetch.get.call(globalThis) : realFetch?.value;
      return f(input, init);
    },
  });
  g.postMessage = (data, transfer) => port.postMessage(data, transfer);
  // spawn.js calls close() when the worker's job returns.
  g.close = () => {
    port.close();
    process.exit(0);
  };
}
