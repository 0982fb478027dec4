// The notary session protocol: the messages a prover and a notary exchange over the notary's control WebSocket.
//
//   prover → notary  hello      signed by the prover's operator key, naming the request (EIP-191 over its hash)
//   notary → prover  ready      the relay room to join; sent only once the notary's Verifier is verifying
//   notary → prover  attestation | error
//
// The hello binds chain, hub, request, prover and notary, carries a fresh nonce and time, so it cannot be
// replayed to another notary, request or later session.
import { z } from 'zod';
import { recoverMessageAddress, type Hex, type LocalAccount } from 'viem';
import { hashJson } from '../core/canonical.ts';
import { VeritasError } from '../core/errors.ts';
import { Address, Hex32, HexBytes } from '../schemas/common.ts';
import { Attestation } from '../schemas/attestation.ts';

const HelloFields = z
  .object({
    type: z.literal('hello'),
    chainId: z.number().int().positive(),
    hub: Address,
    requestId: Hex32,
    prover: Address,
    notary: Address,
    nonce: z.string().regex(/^[0-9a-f]{32}$/),
    issuedAt: z.number().int().positive(),
  })
  .strict();
export const Hello = HelloFields.extend({ signature: HexBytes }).strict();
export type Hello = z.infer<typeof Hello>;
export type HelloFields = z.infer<typeof HelloFields>;

export const NotaryMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), room: z.string().regex(/^[0-9a-f]{32}$/) }).strict(),
  z.object({ type: z.literal('attestation'), attestation: Attestation, signature: HexBytes }).strict(),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }).strict(),
]);
export type NotaryMessage = z.infer<typeof NotaryMessage>;

const helloDigest = (h: HelloFields): Hex => hashJson({ purpose: 'veritas/notary-hello/v1', ...h });

export async function signHello(account: LocalAccount, fields: Omit<HelloFields, 'type'>): Promise<Hello> {
  const h: HelloFields = { type: 'hello', ...fields };
  return { ...h, signature: await account.signMessage({ message: { raw: helloDigest(h) } }) };
}

/** Checks a hello's signature, binding and freshness; throws BAD_SIGNATURE or INPUT_INVALID with the reason. */
export async function checkHello(
  hello: Hello,
  expected: { chainId: number; hub: `0x${string}`; notary: `0x${string}`; nowSeconds: number; maxSkewSeconds: number },
): Promise<void> {
  const { signature, ...fields } = hello;
  const bad = (field: string, why: string) =>
    new VeritasError('INPUT_INVALID', `hello.${field}: ${why}`, { field: `hello.${field}` });
  if (fields.chainId !== expected.chainId) throw bad('chainId', `this notary serves chain ${expected.chainId}`);
  if (fields.hub !== expected.hub.toLowerCase()) throw bad('hub', 'this notary serves another OracleHub');
  if (fields.notary !== expected.notary.toLowerCase()) throw bad('notary', 'addressed to another notary');
  if (Math.abs(expected.nowSeconds - fields.issuedAt) > expected.maxSkewSeconds)
    throw bad('issuedAt', 'too old or in the future');
  let signer: string;
  try {
    signer = await recoverMessageAddress({ message: { raw: helloDigest(fields) }, signature: signature as Hex });
  } catch (e) {
    throw new VeritasError('BAD_SIGNATURE', 'hello.signature: not a valid signature', {
      field: 'hello.signature',
      cause: e,
    });
  }
  if (signer.toLowerCase() !== fields.prover)
    throw new VeritasError(
      'BAD_SIGNATURE',
      `hello.signature: signed by ${signer}, not by the prover ${fields.prover}`,
      { field: 'hello.signature' },
    );
}
