// Decrypts an encrypted JSON keystore (Web3 Secret Storage v3: scrypt or pbkdf2, aes-128-ctr, keccak MAC) with
// node:crypto and @noble/hashes, since neither viem nor any installed package decrypts keystores: `veritas deploy --keystore <file>` and friends.
import { createDecipheriv, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { scrypt } from '@noble/hashes/scrypt';
import { type Hex, bytesToHex, hexToBytes, keccak256 } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { z } from 'zod';
import { VeritasError } from '../errors.ts';

const hex = z
  .string()
  .regex(/^(0x)?[0-9a-fA-F]*$/, 'must be hex')
  .transform((s) => hexToBytes(`0x${s.replace(/^0x/, '')}`));

// Bounds on the KDF parameters: the file is input, and n = 2^30 would ask for 1 TiB of memory.
const Scrypt = z.object({
  kdf: z.literal('scrypt'),
  kdfparams: z.object({
    n: z
      .number()
      .int()
      .min(2)
      .max(2 ** 20)
      .refine((n) => (n & (n - 1)) === 0, 'n must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    dklen: z.number().int().min(32).max(64),
    salt: hex,
  }),
});
const Pbkdf2 = z.object({
  kdf: z.literal('pbkdf2'),
  kdfparams: z.object({
    c: z
      .number()
      .int()
      .min(1)
      .max(10 ** 7),
    prf: z.literal('hmac-sha256'),
    dklen: z.number().int().min(32).max(64),
    salt: hex,
  }),
});

export const Keystore = z.object({
  version: z.literal(3),
  address: z.string().optional(),
  // some writers use `Crypto`
  crypto: z
    .object({
      cipher: z.literal('aes-128-ctr'),
      cipherparams: z.object({ iv: hex.refine((b) => b.length === 16, 'iv must be 16 bytes') }),
      ciphertext: hex,
      mac: hex.refine((b) => b.length === 32, 'mac must be 32 bytes'),
    })
    .and(z.discriminatedUnion('kdf', [Scrypt, Pbkdf2])),
});

/** The private key inside `json` (the keystore file's text); INPUT_INVALID naming the field, or a wrong password. */
export function decryptKeystore(json: string, password: string, field = '--keystore'): Hex {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new VeritasError('INPUT_INVALID', `${field}: not JSON`, { field });
  }
  if (raw && typeof raw === 'object' && 'Crypto' in raw && !('crypto' in raw))
    raw = { ...raw, crypto: (raw as { Crypto: unknown }).Crypto };
  const parsed = Keystore.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VeritasError(
      'INPUT_INVALID',
      `${field}: not a v3 keystore (scrypt or pbkdf2, aes-128-ctr): ${issue.path.join('.')}: ${issue.message}`,
      { field },
    );
  }
  const c = parsed.data.crypto;
  const pw = Buffer.from(password.normalize('NFKC'), 'utf8');
  const derived =
    c.kdf === 'scrypt'
      ? // noble's scrypt, not node's: OpenSSL refuses N ≥ 2^(16·r), which the spec's own vector (r = 1) exceeds
        Buffer.from(
          scrypt(pw, c.kdfparams.salt, {
            N: c.kdfparams.n,
            r: c.kdfparams.r,
            p: c.kdfparams.p,
            dkLen: c.kdfparams.dklen,
          }),
        )
      : pbkdf2Sync(pw, c.kdfparams.salt, c.kdfparams.c, c.kdfparams.dklen, 'sha256');
  const mac = hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), c.ciphertext])));
  if (!timingSafeEqual(mac, c.mac))
    throw new VeritasError('INPUT_INVALID', `${field}: wrong password (the keystore's MAC does not match)`, {
      field,
    });
  const decipher = createDecipheriv('aes-128-ctr', derived.subarray(0, 16), c.cipherparams.iv);
  const key = Buffer.concat([decipher.update(c.ciphertext), decipher.final()]);
  if (key.length !== 32) throw new VeritasError('INPUT_INVALID', `${field}: the key inside is not 32 bytes`, { field });
  const privateKey = bytesToHex(key);
  const address = parsed.data.address;
  if (
    address &&
    privateKeyToAccount(privateKey).address.toLowerCase() !== `0x${address.replace(/^0x/, '')}`.toLowerCase()
  )
    throw new VeritasError('INPUT_INVALID', `${field}: the key inside does not belong to its address ${address}`, {
      field,
    });
  return privateKey;
}
