// Loads and initializes tlsn-wasm in this process (a party child process): shim, compile, init, thread pool.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { installShim } from './shim.mjs';

export type TlsnModule = typeof import('tlsn-wasm');
export type WasmLogLevel = 'Trace' | 'Debug' | 'Info' | 'Warn' | 'Error';

const require = createRequire(import.meta.url);

/** Directory of the installed tlsn-wasm package. */
export const tlsnPackageDir = (): string => path.dirname(require.resolve('tlsn-wasm/package.json'));

/** The package's own (unpatched, web PKI) wasm: the default trust anchor. */
export const defaultWasmPath = (): string => path.join(tlsnPackageDir(), 'tlsn_wasm_bg.wasm');

export type LoadTlsnOptions = { wasmPath?: string | undefined; threads: number; logLevel?: WasmLogLevel };

/** The wasm's shared linear memory once loaded (its size is what the MPC actually allocated; it never shrinks). */
export let wasmMemory: WebAssembly.Memory | undefined;

export async function loadTlsn(options: LoadTlsnOptions): Promise<TlsnModule> {
  // tlsn_wasm.js imports spawn.js, which touches `self` at load: the shim must come first.
  installShim();
  const tlsn = (await import(pathToFileURL(path.join(tlsnPackageDir(), 'tlsn_wasm.js')).href)) as TlsnModule;
  const module = await WebAssembly.compile(await readFile(options.wasmPath ?? defaultWasmPath()));
  wasmMemory = (await tlsn.default({ module_or_path: module })).memory;
  await tlsn.initialize(
    { level: options.logLevel ?? 'Warn', crate_filters: undefined, span_events: undefined },
    options.threads,
  );
  return tlsn;
}
