// The operator's own secret store: header values referenced by name in specs, never on-chain, never pinned.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { VeritasError } from '../core/errors.ts';

export type SecretStore = { get(ref: string): string | undefined };

const SecretsFile = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/),
  z.string().regex(/^[^\r\n]*$/, 'must not contain CR or LF'),
);

export const secretStoreFrom = (entries: Record<string, string>): SecretStore => {
  const map = new Map(Object.entries(SecretsFile.parse(entries)));
  return { get: (ref) => map.get(ref) };
};

/** Reads a JSON object `{ "ref": "header value" }`; errors name the file and the entry. */
export async function loadSecretStore(file: string | undefined): Promise<SecretStore> {
  if (file === undefined) return secretStoreFrom({});
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new VeritasError('CONFIG_INVALID', `VERITAS_SECRETS_FILE: cannot read ${file}: ${(e as Error).message}`, {
      field: 'VERITAS_SECRETS_FILE',
    });
  }
  const r = SecretsFile.safeParse(json);
  if (!r.success)
    throw new VeritasError(
      'CONFIG_INVALID',
      `VERITAS_SECRETS_FILE: ${r.error.issues[0]!.path.join('.')}: ${r.error.issues[0]!.message}`,
      { field: 'VERITAS_SECRETS_FILE' },
    );
  return secretStoreFrom(r.data);
}
