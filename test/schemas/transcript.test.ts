import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { keccak256, type Hex } from 'viem';
import {
  assertCanonicalRanges,
  decodeTranscript,
  encodeTranscript,
  isRedacted,
  normalizeRanges,
  redact,
  type Range,
} from '../../schemas/transcript.ts';
import { transcriptHash } from '../../core/transcript-hash.ts';
import { isVeritasError } from '../../core/errors.ts';

type Vector = { name: string; text: string; ranges: Range[]; redactedHex: Hex; hash: Hex };
const { vectors } = JSON.parse(
  readFileSync(new URL('../../schemas/vectors/transcript-hash.json', import.meta.url), 'utf8'),
) as {
  vectors: Vector[];
};
const utf8 = (s: string) => new TextEncoder().encode(s);

// A second, independent implementation of abi.encode(bytes, uint64[2][]) written from the Solidity ABI spec,
// so the committed vectors are checked by something other than the code that produced them.
function abiEncodeByHand(data: Uint8Array, ranges: Range[]): Uint8Array {
  const word = (n: number | bigint) => Buffer.from(BigInt(n).toString(16).padStart(64, '0'), 'hex');
  const padded = Buffer.concat([Buffer.from(data), Buffer.alloc((32 - (data.length % 32)) % 32)]);
  const bytesPart = Buffer.concat([word(data.length), padded]);
  const rangesPart = Buffer.concat([word(ranges.length), ...ranges.flatMap((r) => [word(r.start), word(r.end)])]);
  return Buffer.concat([word(64), word(64 + bytesPart.length), bytesPart, rangesPart]);
}

for (const v of vectors) {
  test(`transcript hash vector: ${v.name}`, () => {
    const data = utf8(v.text);
    assert.equal(`0x${Buffer.from(redact(data, v.ranges)).toString('hex')}`, v.redactedHex);
    assert.equal(transcriptHash(data, v.ranges), v.hash);
    assert.equal(keccak256(abiEncodeByHand(redact(data, v.ranges), v.ranges)), v.hash);
  });
}

test('hidden bytes do not influence the hash; revealed ones do', () => {
  const a = utf8('Authorization: Bearer aaaa\r\n');
  const b = utf8('Authorization: Bearer bbbb\r\n');
  const ranges = [{ start: 0, end: 15 }];
  assert.equal(transcriptHash(a, ranges), transcriptHash(b, ranges));
  assert.notEqual(transcriptHash(a, [{ start: 0, end: 28 }]), transcriptHash(b, [{ start: 0, end: 28 }]));
});

test('the ranges are committed: same bytes, different ranges, different hash', () => {
  const d = utf8('\0\0abc');
  assert.notEqual(transcriptHash(d, [{ start: 2, end: 5 }]), transcriptHash(d, [{ start: 0, end: 5 }]));
});

test('normalizeRanges sorts and merges touching and overlapping ranges', () => {
  assert.deepEqual(
    normalizeRanges([
      { start: 5, end: 7 },
      { start: 0, end: 2 },
      { start: 2, end: 3 },
      { start: 6, end: 9 },
    ]),
    [
      { start: 0, end: 3 },
      { start: 5, end: 9 },
    ],
  );
});

test('assertCanonicalRanges names the bad range', () => {
  assert.throws(
    () =>
      assertCanonicalRanges(
        [
          { start: 0, end: 3 },
          { start: 3, end: 4 },
        ],
        10,
        'transcript.recvRanges',
      ),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && e.field === 'transcript.recvRanges[1]',
  );
  assert.throws(
    () => assertCanonicalRanges([{ start: 0, end: 11 }], 10, 'transcript.sentRanges'),
    (e) => isVeritasError(e, 'BUNDLE_INVALID') && /past the transcript/.test(e.message),
  );
  assertCanonicalRanges(
    [
      { start: 0, end: 3 },
      { start: 4, end: 10 },
    ],
    10,
    'x',
  );
});

test('encode/decode round-trips and zeroes hidden bytes', () => {
  const t = {
    sent: utf8('secret!public'),
    recv: utf8('{"a":1}'),
    sentRanges: [{ start: 7, end: 13 }],
    recvRanges: [{ start: 0, end: 7 }],
  };
  const decoded = decodeTranscript(encodeTranscript(t));
  assert.equal(Buffer.from(decoded.sent).toString('latin1'), '\0\0\0\0\0\0\0public');
  assert.ok(isRedacted(decoded.sent, decoded.sentRanges));
  assert.ok(!isRedacted(t.sent, t.sentRanges));
  assert.deepEqual(decoded.recv, t.recv);
});

test('the direct ABI encoding hashes as viem’s encodeAbiParameters(bytes, uint64[2][]) on random transcripts', async () => {
  const { encodeAbiParameters, keccak256, toHex } = await import('viem');
  let seed = 3;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let i = 0; i < 200; i++) {
    const data = Uint8Array.from({ length: rnd(300) }, () => rnd(256));
    const ranges = Array.from({ length: rnd(4) }, () => {
      const start = rnd(data.length + 1);
      return { start, end: start + 1 + rnd(40) };
    });
    const canonical = normalizeRanges(ranges);
    const viaViem = keccak256(
      encodeAbiParameters(
        [{ type: 'bytes' }, { type: 'uint64[2][]' }],
        [toHex(redact(data, canonical)), canonical.map((r) => [BigInt(r.start), BigInt(r.end)] as const)],
      ),
    );
    assert.equal(transcriptHash(data, ranges), viaViem);
  }
});
