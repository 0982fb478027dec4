// A headless Chromium for page tests, taken from the npm registry (@sparticuz/chromium ships the binary inside the
// package), so `npm install && npm test` needs no apt step. Launched with our own flags, not the package's defaults:
// those disable web security, which would hide exactly what the page tests check (CSP, same-origin loads).
import sparticuz from '@sparticuz/chromium';
import { type Browser, chromium } from 'playwright-core';

const FLAGS = [
  '--headless=new',
  '--no-sandbox', // CI and the developers' machines run as root
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-zygote',
  // Without these Chromium dials out at start; this machine's closed network refuses it, many connections at a time.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Unpacks the packaged Chromium (once per machine, into the temp folder) and launches it headless. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = await sparticuz.executablePath();
  return chromium.launch({ executablePath, args: FLAGS });
}
