// Keystore decryption against the Web3 Secret Storage spec's own test vectors (scrypt and pbkdf2), and the ways a
// keystore file can be wrong: a wrong password, a tampered ciphertext, KDF parameters that would exhaust memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decryptKeystore } from '../../core/chain/keystore.ts';
import { isVeritasError } from '../../core/errors.ts';

// https://ethereum.org/developers/docs/data-structures-and-encoding/web3-secret-storage (test vectors)
const KEY = '0x7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d';
const PASSWORD = 'testpassword';
const scryptVector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '83dbcc02d8ccb40e466191a123791e0e' },
    ciphertext: 'd172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c',
    kdf: 'scrypt',
    kdfparams: {
      dklen: 32,
      n: 262144,
      p: 8,
      r: 1,
      salt: 'ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19',
    },
    mac: '2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};
const pbkdf2Vector = {
  crypto: {
    cipher: 'aes-128-ctr',
    cipherparams: { iv: '6087dab2f9fdbbfaddc31a909735c1e6' },
    ciphertext: '5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46',
    kdf: 'pbkdf2',
    kdfparams: {
      c: 262144,
      dklen: 32,
      prf: 'hmac-sha256',
      salt: 'ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd',
    },
    mac: '517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2',
  },
  id: '3198bc9c-6672-5ab3-d995-4942343ae5b6',
  version: 3,
};

test('the spec’s scrypt and pbkdf2 vectors decrypt to the spec’s key', () => {
  assert.equal(decryptKeystore(JSON.stringify(scryptVector), PASSWORD), KEY);
  assert.equal(decryptKeystore(JSON.stringify(pbkdf2Vector), PASSWORD), KEY);
});

test('a wrong password or a tampered ciphertext fails the MAC check, naming the flag', () => {
  const invalid = (e: unknown) => isVeritasError(e, 'INPUT_INVALID') && e.field === '--keystore';
  assert.throws(() => decryptKeystore(JSON.stringify(pbkdf2Vector), 'nope'), invalid);
  const tampered = structuredClone(pbkdf2Vector);
  tampered.crypto.ciphertext = `00${tampered.crypto.ciphertext.slice(2)}`;
  assert.throws(() => decryptKeystore(JSON.stringify(tampered), PASSWORD), /wrong password/);
});

test('KDF parameters that would take gigabytes or hours are refused before any work', () => {
  const huge = structuredClone(scryptVector);
  huge.crypto.kdfparams.n = 2 ** 30;
  assert.throws(() => decryptKeystore(JSON.stringify(huge), PASSWORD), /kdfparams\.n/);
  const slow = structuredClone(pbkdf2Vector);
  slow.crypto.kdfparams.c = 10 ** 9;
  assert.throws(() => decryptKeystore(JSON.stringify(slow), PASSWORD), /kdfparams\.c/);
  assert.throws(() => decryptKeystore('not json', PASSWORD), /not JSON/);
  assert.throws(
    () => decryptKeystore(JSON.stringify({ version: 3, crypto: { cipher: 'aes-256-gcm' } }), PASSWORD),
    /v3 keystore/,
  );
});
