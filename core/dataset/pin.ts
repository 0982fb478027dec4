// Pins a snapshot as one IPFS directory and exports it as a CAR: what a pinning service or another node imports.
import type { IpfsNode } from '../ipfs.ts';
import type { Snapshot } from './snapshot.ts';

/** The directory CID of the snapshot: a pure function of its files, so any node that rebuilds it gets the same. */
export const pinSnapshot = (ipfs: IpfsNode, snapshot: Snapshot): Promise<string> => ipfs.addDirectory(snapshot.files);

export const snapshotCar = (ipfs: IpfsNode, cid: string): Promise<Uint8Array> => ipfs.exportCar(cid);
