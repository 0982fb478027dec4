// Types of shim.mjs (kept in JavaScript so worker threads skip TypeScript stripping).
import type { ResourceLimits } from 'node:worker_threads';

export type SocketClose = { url: string; code: number; reason: string; wasOpen: boolean };
/** Close codes/reasons seen on WebSockets in this thread (read by the party to classify wasm errors). */
export declare const socketCloses: SocketClose[];
/** Called on every WebSocket close in this thread. */
export declare const socketCloseListeners: Set<(close: SocketClose) => void>;
/** Options applied to every worker thread the wasm spawns. */
export declare const workerOptions: { resourceLimits?: ResourceLimits; counters?: Int32Array };
/** Peak number of wasm worker threads alive at once in this process. */
export declare function peakWorkers(): number;
export declare function installShim(): void;
/** Messages received on WebSockets in this thread (liveness signal). */
export declare const socketTraffic: { received: number; bytes: number };
