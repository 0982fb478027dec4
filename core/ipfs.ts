// The node's IPFS store: a Helia node on a filesystem blockstore/datastore, with explicit networking (none,
// loopback-only, or configured listen/bootstrap addresses): add/get bytes and JSON, pin, CAR export/import, dial.
//
// Helia's default `createHelia()` listens on 0.0.0.0, runs mDNS, dials public bootstrap peers, UPnP and public
// HTTP gateways/routers; none of that is used here. Every network capability is chosen explicitly below.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight } from '@helia/libp2p';
import { unixfs, type UnixFS } from '@helia/unixfs';
import { car } from '@helia/car';
import { CarReader } from '@ipld/car';
import { bootstrap } from '@libp2p/bootstrap';
import { identify } from '@libp2p/identify';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { FsBlockstore } from 'blockstore-fs';
import { FsDatastore } from 'datastore-fs';
import { createHeliaLight, type Helia } from 'helia';
import type { Libp2p } from '@libp2p/interface';
import { createUnsafe } from 'multiformats/block';
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import { canonicalBytes } from './canonical.ts';
import { VeritasError, isVeritasError } from './errors.ts';
import type { Logger } from './log.ts';

/**
 * - `none`: no libp2p at all; only what is on disk can be read.
 * - `loopback`: TCP on 127.0.0.1 (random port), dials refused to anything but loopback; the devnet connects
 *   its nodes with `dial()`.
 * - `{ listen, bootstrap }`: production: the given listen addresses, and the given peers dialled at start.
 */
export type IpfsNetwork = 'none' | 'loopback' | { listen: string[]; bootstrap?: string[] };

export type CreateIpfsOptions = {
  /** Directory of this node's blocks (`<dir>/blocks`) and datastore, including its peer key (`<dir>/datastore`). */
  dir: string;
  network: IpfsNetwork;
  log: Logger;
};

export type AddOptions = {
  /** Pin what is added so it is kept; default true (a node's bundles, specs and reports must stay available). */
  pin?: boolean;
};

export type GetOptions = {
  /** Give up after this long when the block is neither on disk nor sent by a connected peer; default 30 s. */
  timeoutMs?: number;
  /** Refuse content larger than this (untrusted CIDs); default 64 MiB. */
  maxBytes?: number;
  signal?: AbortSignal;
};

export type IpfsNode = {
  /** This node's libp2p peer id (stable across restarts: its key is kept in the datastore); undefined when `none`. */
  readonly peerId: string | undefined;
  /** Listening addresses, each ending in `/p2p/<peerId>`; empty when `none`. */
  readonly multiaddrs: string[];
  addBytes(bytes: Uint8Array, options?: AddOptions): Promise<string>;
  /** Stores the RFC 8785 canonical JSON bytes of `value`, so equal values get equal CIDs on every node. */
  addJson(value: unknown, options?: AddOptions): Promise<string>;
  /** A UnixFS directory of `files` (paths may have `/`), no mtime or mode: the same files always give the same CID. */
  addDirectory(files: readonly { path: string; bytes: Uint8Array }[], options?: AddOptions): Promise<string>;
  getBytes(cid: string, options?: GetOptions): Promise<Uint8Array>;
  getJson<T = unknown>(cid: string, options?: GetOptions): Promise<T>;
  /** True when every block of `cid` is already on disk (never touches the network). */
  has(cid: string): Promise<boolean>;
  /** Pins `cid` recursively, fetching missing blocks from connected peers; idempotent. */
  pin(cid: string, options?: GetOptions): Promise<void>;
  isPinned(cid: string): Promise<boolean>;
  /** A CARv1 of the DAG under `cid` (for pinning services and offline transfer). */
  exportCar(cid: string, options?: GetOptions): Promise<Uint8Array>;
  exportCarStream(cid: string, options?: GetOptions): AsyncIterable<Uint8Array>;
  /** Imports a CAR after checking every block against its CID; pins and returns its roots. */
  importCar(bytes: Uint8Array, options?: AddOptions): Promise<string[]>;
  /** Connects to a peer (loopback or configured networks only); returns its peer id. */
  dial(address: string, options?: { timeoutMs?: number }): Promise<string>;
  stop(): Promise<void>;
};

const DEFAULT_TIMEOUT_MS = 30_000;

// Two Helia nodes on one directory would race on the blockstore and share a peer key: one node per directory
// per process (share the handle).
const openDirs = new Set<string>();
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export async function createIpfs(options: CreateIpfsOptions): Promise<IpfsNode> {
  const log = options.log.child({ component: 'ipfs' });
  const network = options.network;
  const offline = network === 'none';
  const dir = resolve(options.dir);
  if (openDirs.has(dir))
    throw new VeritasError('IPFS_ERROR', `an IPFS node is already running on ${dir} in this process; share it`, {
      field: 'dir',
    });
  openDirs.add(dir);
  const blockstore = new FsBlockstore(join(options.dir, 'blocks'));
  const datastore = new FsDatastore(join(options.dir, 'datastore'));
  let helia: Helia | undefined;
  try {
    await mkdir(options.dir, { recursive: true });
    await blockstore.open();
    await datastore.open();
    const light = createHeliaLight({ blockstore, datastore });
    helia = network === 'none' ? light : withBitswap(withLibp2pLight(light, libp2pOptions(network)));
    await helia.start();
  } catch (e) {
    await helia?.stop().catch(() => {});
    await blockstore.close().catch(() => {});
    await datastore.close().catch(() => {});
    openDirs.delete(dir);
    throw ipfsError(`cannot start the IPFS node in ${options.dir}`, e);
  }
  const node = helia;
  const libp2p = offline ? undefined : (node as Helia & { libp2p: Libp2p }).libp2p;
  const fs: UnixFS = unixfs(node);
  const cars = car(node);

  const peerId = libp2p?.peerId.toString();
  const multiaddrs = libp2p?.getMultiaddrs().map((m) => m.toString()) ?? [];
  log.info({ dir: options.dir, network: offline ? 'none' : options.network, peerId, multiaddrs }, 'ipfs node started');

  // Helia's own DAG walker (used by pins and CAR export) lets a missing block escape as an unhandled rejection,
  // so every DAG is first made complete on disk by `fetchDag`, and pinning and export then run offline.
  const pinCid = async (cid: CID, get: GetOptions = {}) => {
    if (await node.pins.isPinned(cid)) return;
    await withDeadline(cid, get, (signal) => fetchDag(node, cid, { signal, offline }));
    for await (const _ of node.pins.add(cid, { offline: true } as Parameters<typeof node.pins.add>[1])) {
      // draining the generator records every block of the DAG as pinned
    }
  };

  const add = async (bytes: Uint8Array, opts: AddOptions = {}): Promise<string> => {
    try {
      // CIDv1 with raw leaves: content up to one chunk (1 MiB) gets the raw CID of its own sha256, which
      // anyone can recompute from the bytes alone.
      const cid = await fs.addBytes(bytes, { cidVersion: 1, rawLeaves: true });
      if (opts.pin ?? true) await pinCid(cid);
      return cid.toString();
    } catch (e) {
      throw isVeritasError(e) ? e : ipfsError('cannot add content', e);
    }
  };

  const addDirectory = async (
    files: readonly { path: string; bytes: Uint8Array }[],
    opts: AddOptions = {},
  ): Promise<string> => {
    try {
      const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      let root: CID | undefined;
      // wrapWithDirectory: the importer yields the wrapping directory last
      for await (const entry of fs.addAll(
        sorted.map((f) => ({ path: f.path, content: f.bytes })),
        { cidVersion: 1, rawLeaves: true, wrapWithDirectory: true },
      ))
        root = entry.cid;
      if (root === undefined) throw new VeritasError('INPUT_INVALID', 'a directory needs at least one file');
      if (opts.pin ?? true) await pinCid(root);
      return root.toString();
    } catch (e) {
      throw isVeritasError(e) ? e : ipfsError('cannot add the directory', e);
    }
  };

  const getBytes = async (cidText: string, opts: GetOptions = {}): Promise<Uint8Array> => {
    const cid = parseCid(cidText);
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    return withDeadline(cid, opts, async (signal) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of fs.cat(cid, { signal, offline })) {
        size += chunk.byteLength;
        if (size > maxBytes)
          throw new VeritasError('IPFS_ERROR', `content ${cidText} is larger than ${maxBytes} bytes`, {
            field: 'cid',
            details: { cid: cidText, maxBytes },
          });
        chunks.push(chunk);
      }
      return concat(chunks, size);
    });
  };

  const exportCarStream = async function* (cidText: string, opts: GetOptions = {}): AsyncGenerator<Uint8Array> {
    const cid = parseCid(cidText);
    await withDeadline(cid, opts, (signal) => fetchDag(node, cid, { signal, offline }));
    try {
      yield* cars.export(cid, { offline: true });
    } catch (e) {
      throw ipfsError(`cannot export ${cid}`, e);
    }
  };

  let stopping: Promise<void> | undefined;
  return {
    peerId,
    multiaddrs,
    addBytes: add,
    addJson: async (value, opts) => add(canonicalBytes(value), opts),
    addDirectory,
    getBytes,
    async getJson<T>(cid: string, opts?: GetOptions): Promise<T> {
      const bytes = await getBytes(cid, opts);
      try {
        return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as T;
      } catch (e) {
        throw new VeritasError('INPUT_INVALID', `content ${cid} is not UTF-8 JSON`, { field: 'cid', cause: e });
      }
    },
    async has(cidText) {
      try {
        await fetchDag(node, parseCid(cidText), { offline: true });
        return true;
      } catch (e) {
        if (isVeritasError(e, 'INPUT_INVALID')) throw e;
        return false;
      }
    },
    pin: async (cid, opts) => pinCid(parseCid(cid), opts),
    isPinned: (cid) => node.pins.isPinned(parseCid(cid)),
    exportCarStream,
    async exportCar(cid, opts) {
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of exportCarStream(cid, opts)) {
        chunks.push(chunk);
        size += chunk.byteLength;
      }
      return concat(chunks, size);
    },
    async importCar(bytes, opts = {}) {
      let reader: CarReader;
      try {
        reader = await CarReader.fromBytes(bytes);
      } catch (e) {
        throw new VeritasError('INPUT_INVALID', `not a CAR file: ${messageOf(e)}`, { field: 'car', cause: e });
      }
      const blocks: Array<{ cid: CID; bytes: Uint8Array }> = [];
      for await (const block of reader.blocks()) {
        await assertBlockMatchesCid(block.cid, block.bytes);
        blocks.push(block);
      }
      try {
        await cars.import({
          blocks: async function* () {
            yield* blocks;
          },
        });
        const roots = await reader.getRoots();
        if (opts.pin ?? true) for (const root of roots) await pinCid(root, { timeoutMs: 10_000 });
        return roots.map((r) => r.toString());
      } catch (e) {
        throw isVeritasError(e) ? e : ipfsError('cannot import the CAR', e);
      }
    },
    async dial(address, opts = {}) {
      if (libp2p === undefined)
        throw new VeritasError('IPFS_ERROR', 'this IPFS node has networking off (network: none); it cannot dial', {
          field: 'network',
        });
      let ma: Multiaddr;
      try {
        ma = multiaddr(address);
      } catch (e) {
        throw new VeritasError('INPUT_INVALID', `not a multiaddr: ${address}`, { field: 'multiaddr', cause: e });
      }
      try {
        const connection = await libp2p.dial(ma, { signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
        return connection.remotePeer.toString();
      } catch (e) {
        throw ipfsError(`cannot dial ${address}`, e);
      }
    },
    stop: () =>
      (stopping ??= (async () => {
        try {
          await node.stop();
          await blockstore.close();
          await datastore.close();
          log.info('ipfs node stopped');
        } finally {
          openDirs.delete(dir);
        }
      })()),
  };
}

// An explicit libp2p: TCP + noise + yamux + identify (bitswap needs identify to learn a peer's protocols).
// No mDNS, no public bootstrap list, no UPnP/autoNAT, no DHT, no relay, no delegated (HTTP) routers.
function libp2pOptions(network: Exclude<IpfsNetwork, 'none'>) {
  const loopback = network === 'loopback';
  const peers = loopback ? [] : (network.bootstrap ?? []);
  return {
    addresses: { listen: loopback ? ['/ip4/127.0.0.1/tcp/0'] : network.listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: peers.length > 0 ? [bootstrap({ list: peers })] : [],
    services: { identify: identify() },
    // defence in depth for the devnet and tests: a loopback node cannot reach anything off this machine,
    // whatever address a peer advertises
    ...(loopback ? { connectionGater: { denyDialMultiaddr: (ma: Multiaddr) => !isLoopback(ma) } } : {}),
  };
}

function isLoopback(ma: Multiaddr): boolean {
  const host = ma.getComponents()[0];
  if (host === undefined) return false;
  if (host.name === 'ip4') return host.value?.startsWith('127.') ?? false;
  if (host.name === 'ip6') return host.value === '::1';
  return false;
}

// Reads every block of the DAG under `cid` (from disk, or from connected peers unless offline), a level at a time.
async function fetchDag(node: Helia, cid: CID, options: { signal?: AbortSignal; offline: boolean }): Promise<void> {
  const seen = new Set<string>();
  let level = [cid];
  while (level.length > 0) {
    const next: CID[] = [];
    await Promise.all(
      level.map(async (blockCid) => {
        const key = blockCid.toString();
        if (seen.has(key)) return;
        seen.add(key);
        if (blockCid.multihash.code === identity.code) return; // the data is inside the CID
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of node.blockstore.get(blockCid, options)) {
          chunks.push(chunk);
          size += chunk.byteLength;
        }
        const block = createUnsafe({
          cid: blockCid,
          bytes: concat(chunks, size),
          codec: await node.getCodec(blockCid.code),
        });
        for (const [, link] of block.links()) next.push(link);
      }),
    );
    level = next;
  }
}

function parseCid(text: string): CID {
  try {
    return CID.parse(text);
  } catch (e) {
    throw new VeritasError('INPUT_INVALID', `not a CID: ${JSON.stringify(text)}`, { field: 'cid', cause: e });
  }
}

async function assertBlockMatchesCid(cid: CID, bytes: Uint8Array): Promise<void> {
  const hasher =
    cid.multihash.code === sha256.code ? sha256 : cid.multihash.code === identity.code ? identity : undefined;
  if (hasher === undefined)
    throw new VeritasError(
      'INPUT_INVALID',
      `CAR block ${cid} uses an unsupported hash (0x${cid.multihash.code.toString(16)})`,
      {
        field: 'car',
      },
    );
  const digest = await hasher.digest(bytes);
  if (!equalBytes(digest.digest, cid.multihash.digest))
    throw new VeritasError('INPUT_INVALID', `CAR block ${cid} does not match its CID`, {
      field: 'car',
      details: { cid: cid.toString() },
    });
}

// A signal that fires on the caller's signal or after timeoutMs, whichever first.
function deadline(opts: GetOptions): { signal: AbortSignal; done: () => void } {
  const timeout = new AbortController();
  const timer = setTimeout(
    () => timeout.abort(new VeritasError('TIMEOUT', 'timed out')),
    opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  );
  const signal = opts.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, opts.signal]);
  return { signal, done: () => clearTimeout(timer) };
}

async function withDeadline<T>(cid: CID, opts: GetOptions, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const { signal, done } = deadline(opts);
  try {
    return await work(signal);
  } catch (e) {
    throw retrievalError(cid, opts, signal, e);
  } finally {
    done();
  }
}

function retrievalError(cid: CID, opts: GetOptions, signal: AbortSignal, e: unknown): VeritasError {
  if (isVeritasError(e)) return e;
  const details = { cid: cid.toString() };
  if (signal.aborted && opts.signal?.aborted !== true)
    return new VeritasError(
      'IPFS_ERROR',
      `${cid} was not found within ${opts.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms (not on disk, no connected peer sent it)`,
      { field: 'cid', details, cause: e },
    );
  if (e instanceof Error && (e.name === 'NotFoundError' || e.name === 'BlockNotFoundWhileOfflineError'))
    return new VeritasError('NOT_FOUND', `${cid} is not on this node's disk and this node has networking off`, {
      field: 'cid',
      details,
      cause: e,
    });
  return ipfsError(`cannot read ${cid}`, e);
}

const ipfsError = (message: string, cause: unknown): VeritasError =>
  new VeritasError('IPFS_ERROR', `${message}: ${messageOf(cause)}`, { cause });

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
