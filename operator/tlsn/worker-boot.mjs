// Entry of every worker thread tlsn-wasm spawns: install the browser shim, then load the requested module.
// Plain JavaScript so worker threads never load Node's TypeScript stripper (see shim.mjs).
import { workerData } from 'node:worker_threads';
import { installShim, workerOptions } from './shim.mjs';

// Nested workers (the spawner creates the MPC workers) inherit the same limits.
Object.assign(workerOptions, workerData.workerOptions ?? {});
installShim();
await import(workerData.url);
