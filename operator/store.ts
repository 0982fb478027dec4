// A small durable key → JSON store on disk (atomic write-then-rename), for what must survive a crash exactly:
// the notary's signed attestations and the prover's finished sessions (see OracleHub: sign at most once).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export type FileStore = {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
};

export function createFileStore(dir: string): FileStore {
  const file = (key: string) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(key)) throw new RangeError(`bad store key ${key}`);
    return path.join(dir, `${key}.json`);
  };
  return {
    async get<T>(key: string) {
      try {
        return JSON.parse(await readFile(file(key), 'utf8')) as T;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async put(key, value) {
      await mkdir(dir, { recursive: true });
      const tmp = `${file(key)}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify(value));
      await rename(tmp, file(key));
    },
  };
}
