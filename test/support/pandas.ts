// Debian's pandas as a real consumer of the exports. It is a documented extra (PyPI is not reachable here, and
// `npm install` cannot bring it): CI installs it (`.ci/run`), and a fresh machine's `npm test` passes without it.
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

const INSTALL = 'apt-get install -y python3-pandas';

// Debian's interpreter first: a pyenv shim earlier on PATH has no pandas.
const found = ['/usr/bin/python3', 'python3'].find(
  (py) => spawnSync(py, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0,
);

/**
 * The python3 that has pandas. Where it is missing, CI fails the test (its `.ci/run` installs pandas, so a missing
 * one is a broken CI); anywhere else the test is skipped with the command that installs it, never silently.
 */
export function pandasPython(t: TestContext): string | undefined {
  if (found) return found;
  if (process.env.CI === 'true') throw new Error(`python3 with pandas is missing in CI: ${INSTALL} (see .ci/run)`);
  t.skip(`python3-pandas is not installed (a documented extra): ${INSTALL}`);
  return undefined;
}
