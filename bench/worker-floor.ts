// What an MPC-TLS party's worker threads cost before any MPC: the RSS of N idle worker threads booted exactly like
// tlsn-wasm's (operator/tlsn/worker-boot.mjs: the shim, the wasm-bindgen glue, the compiled module instantiated on
// the shared memory), under each candidate setting. No session, no lock needed: it shows what the thread count
// alone costs, i.e. whether a party can fit a memory goal without fewer threads (a tlsn-wasm rebuild).
//
//   node bench/worker-floor.ts [--workers 36] [--young-mb 1] [--old-mb N] [--stack-mb N] [--glue]
//   node --max-semi-space-size=1 bench/worker-floor.ts …          (V8 flags apply to every thread)
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { defaultWasmPath, tlsnPackageDir } from '../operator/tlsn/wasm.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '36' },
    'young-mb': { type: 'string' },
    'old-mb': { type: 'string' },
    'stack-mb': { type: 'string' },
    /** also load tlsn_wasm.js and instantiate the module in each worker, as the wasm's threads do */
    glue: { type: 'boolean', default: false },
  },
});
const n = Number(values.workers);
const resourceLimits = {
  ...(values['young-mb'] ? { maxYoungGenerationSizeMb: Number(values['young-mb']) } : {}),
  ...(values['old-mb'] ? { maxOldGenerationSizeMb: Number(values['old-mb']) } : {}),
  ...(values['stack-mb'] ? { stackSizeMb: Number(values['stack-mb']) } : {}),
};
const rss = () => process.memoryUsage.rss();
const module = values.glue ? await WebAssembly.compile(await readFile(defaultWasmPath())) : undefined;
// the shared memory the wasm threads instantiate against (≥ the module's declared initial 99 pages)
const memory = module ? new WebAssembly.Memory({ initial: 128, maximum: 65536, shared: true }) : undefined;
const glue = new URL(`file://${tlsnPackageDir()}/tlsn_wasm.js`).href;
const shim = new URL('../operator/tlsn/shim.mjs', import.meta.url).href;
const code = `
  const { parentPort, workerData } = require('node:worker_threads');
  (async () => {
    const { installShim } = await import(workerData.shim);
    installShim();
    if (workerData.module) {
      const pkg = await import(workerData.glue);
      try { pkg.initSync({ module: workerData.module, memory: workerData.memory }); } catch (e) { parentPort.postMessage('init failed: ' + e.message); }
    }
    parentPort.postMessage('ready');
    setInterval(() => {}, 60_000); // stay alive, as the wasm's threads do
  })();
`;
await new Promise((r) => setTimeout(r, 200));
const before = rss();
const workers: Worker[] = [];
const notes = new Set<string>();
for (let i = 0; i < n; i++) {
  const w = new Worker(code, {
    eval: true,
    workerData: { shim, glue, module, memory },
    ...(Object.keys(resourceLimits).length ? { resourceLimits } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    w.on('message', (m: string) => {
      if (m === 'ready') resolve();
      else notes.add(m);
    });
    w.once('error', reject);
  });
  workers.push(w);
}
await new Promise((r) => setTimeout(r, 500));
const after = rss();
console.log(
  JSON.stringify({
    workers: n,
    execArgv: process.execArgv,
    resourceLimits,
    glue: values.glue,
    rssBeforeMiB: +(before / 2 ** 20).toFixed(1),
    rssAfterMiB: +(after / 2 ** 20).toFixed(1),
    perWorkerMiB: +((after - before) / n / 2 ** 20).toFixed(2),
    notes: [...notes],
  }),
);
await Promise.all(workers.map((w) => w.terminate()));
