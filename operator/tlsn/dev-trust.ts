// Devnet trust anchor: a fresh CA posing as "Amazon Root CA 3", a *.veritas.test leaf, and a wasm patched to trust it.
//
// tlsn-wasm checks server certificates against its built-in Mozilla roots on both sides, and no local server
// can present such a chain. So a devnet/test run generates a CA whose subject DN is byte-identical to one
// built-in root, with a fresh P-256 key, and writes a copy of the wasm in which that root's public key is
// replaced by ours (same length, found by byte search). Keys live only in memory and the data directory;
// a proof made with this wasm must say trust "devnet" and is rejected in production.
import 'reflect-metadata'; // @peculiar/x509's DI container (tsyringe) needs it loaded first
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { VeritasError } from '../../core/errors.ts';
import { defaultWasmPath } from './wasm.ts';

export const DEVNET_ROOT_SUBJECT = 'C=US, O=Amazon, CN=Amazon Root CA 3';
export const DEVNET_HOSTS = ['*.veritas.test', 'veritas.test'] as const;

export type DevTrust = { caCertPem: string; leafCertPem: string; leafKeyPem: string; wasmPath: string };

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);
const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** Content of a DER TLV (the outer tag and length stripped). */
export function derContent(der: Uint8Array): Uint8Array {
  const len0 = der[1] ?? 0;
  const headerLength = len0 < 0x80 ? 2 : 2 + (len0 & 0x7f);
  return der.subarray(headerLength);
}

function genuineRoot(): x509.X509Certificate {
  const pem = tls.rootCertificates.find((p) => new x509.X509Certificate(p).subject === DEVNET_ROOT_SUBJECT);
  if (!pem)
    throw new VeritasError(
      'CONFIG_INVALID',
      `Node's root store has no "${DEVNET_ROOT_SUBJECT}"; cannot build the devnet trust anchor`,
    );
  return new x509.X509Certificate(pem);
}

const randomSerial = (): string =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

/** Replaces `from` with `to` in `data`, refusing unless `from` occurs exactly once and lengths match. */
export function replaceOnce(data: Uint8Array, from: Uint8Array, to: Uint8Array, what: string): void {
  if (from.length !== to.length)
    throw new VeritasError('INTERNAL', `devnet patch: ${what} length differs (${from.length} vs ${to.length})`);
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const first = buf.indexOf(from);
  const count = first === -1 ? 0 : buf.indexOf(from, first + 1) === -1 ? 1 : 2;
  if (count !== 1)
    throw new VeritasError(
      'INTERNAL',
      `devnet patch: ${what} occurs ${count === 2 ? 'more than once' : 'nowhere'} in the wasm; refusing to patch`,
    );
  buf.set(to, first);
}

export type CreateDevTrustOptions = {
  /** Directory the patched wasm is written to (created if missing). */
  dataDir: string;
  /** The wasm to patch; the installed package's by default. */
  sourceWasmPath?: string;
};

/** Generates fresh devnet keys and certificates and writes `<dataDir>/tlsn_wasm_bg.wasm` patched to trust them. */
export async function createDevTrust(options: CreateDevTrustOptions): Promise<DevTrust> {
  const root = genuineRoot();
  const caKeys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const now = Date.now();
  const ca = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: root.subjectName,
    issuer: root.subjectName,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 365 * 86400_000),
    publicKey: caKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafKeys = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=veritas.test',
    issuer: ca.subject,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 30 * 86400_000),
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(DEVNET_HOSTS.map((value) => ({ type: 'dns' as const, value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const wasm = new Uint8Array(await readFile(options.sourceWasmPath ?? defaultWasmPath()));
  const subject = (c: x509.X509Certificate) => derContent(new Uint8Array(c.subjectName.toArrayBuffer()));
  const spki = (c: x509.X509Certificate) => derContent(new Uint8Array(c.publicKey.rawData));
  // Issuers are matched by DN bytes: ours must equal the genuine root's exactly. Replacing the subject with
  // itself is then a no-op, but it checks that the root we impersonate sits there, once.
  if (!Buffer.from(subject(root)).equals(subject(ca)))
    throw new VeritasError('INTERNAL', 'devnet CA subject DN differs from the genuine root');
  replaceOnce(wasm, subject(root), subject(ca), 'root subject DN');
  replaceOnce(wasm, spki(root), spki(ca), 'root public key');
  await mkdir(options.dataDir, { recursive: true });
  const wasmPath = path.join(options.dataDir, 'tlsn_wasm_bg.wasm');
  await writeFile(wasmPath, wasm);

  const leafKeyDer = await crypto.subtle.exportKey('pkcs8', leafKeys.privateKey);
  return {
    caCertPem: ca.toString('pem'),
    leafCertPem: leaf.toString('pem'),
    leafKeyPem: x509.PemConverter.encode(leafKeyDer, 'PRIVATE KEY'),
    wasmPath,
  };
}
