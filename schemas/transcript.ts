// The revealed transcript and THE encoding of its hash (sentHash / recvHash of the attestation).
//
// Encoding, fixed for every party (notary, aggregator, verify CLI, contracts if ever needed):
//   transcriptHash = keccak256(abi.encode(bytes data, uint64[2][] ranges))
// where `data` is the whole direction of the transcript with every byte outside `ranges` set to 0x00, and `ranges`
// are the revealed half-open [start, end) byte ranges, sorted, non-overlapping, non-adjacent (merged), within data.
// abi.encode was chosen over a home-made framing because Solidity can reproduce it byte for byte.
// Test vectors: schemas/vectors/transcript-hash.json (checked by test/schemas/transcript.test.ts).
import { z } from 'zod';
import { VeritasError } from './errors.ts';
import { Base64, Range } from './common.ts';

export type { Range };

/** Sorts and merges ranges (touching ranges become one) — the canonical form hashed and stored. */
export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].filter((r) => r.end > r.start).sort((a, b) => a.start - b.start);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ start: r.start, end: r.end });
  }
  return out;
}

/** Checks `ranges` are canonical and within `length`; throws naming `field`. */
export function assertCanonicalRanges(ranges: readonly Range[], length: number, field: string): void {
  ranges.forEach((r, i) => {
    if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.end > r.start))
      throw new VeritasError('BUNDLE_INVALID', `${field}[${i}] is not a non-empty range`, { field: `${field}[${i}]` });
    if (r.end > length)
      throw new VeritasError('BUNDLE_INVALID', `${field}[${i}] ends past the transcript (${length} bytes)`, {
        field: `${field}[${i}]`,
      });
    const prev = ranges[i - 1];
    if (prev && r.start <= prev.end)
      throw new VeritasError('BUNDLE_INVALID', `${field}[${i}] overlaps or touches the previous range (not merged)`, {
        field: `${field}[${i}]`,
      });
  });
}

/** A copy of `data` with every byte outside `ranges` zeroed. */
export function redact(data: Uint8Array, ranges: readonly Range[]): Uint8Array {
  const out = new Uint8Array(data.length);
  for (const r of ranges) out.set(data.subarray(r.start, Math.min(r.end, data.length)), r.start);
  return out;
}

/** True when every byte outside `ranges` is zero (what a redacted transcript must look like). */
export function isRedacted(data: Uint8Array, ranges: readonly Range[]): boolean {
  let cursor = 0;
  for (const r of [...ranges, { start: data.length, end: data.length + 1 }]) {
    for (let i = cursor; i < Math.min(r.start, data.length); i++) if (data[i] !== 0) return false;
    cursor = r.end;
  }
  return true;
}

/**
 * The bytes the transcript hash is taken over: abi.encode(bytes data, uint64[2][] ranges) of the redacted data. The
 * hash itself is `transcriptHash` in core/transcript-hash.ts (schemas/ defines encodings; core/ owns the hashing).
 * Redacts while encoding, so a caller cannot hash hidden bytes by mistake.
 */
export function transcriptEncoding(data: Uint8Array, ranges: readonly Range[]): Uint8Array {
  const canonical = normalizeRanges(ranges);
  // abi.encode(bytes data, uint64[2][] ranges) written directly (viem's encoder round-trips the data through hex):
  // two head offsets, the data's length and its bytes padded to 32, the ranges' count and each [start, end] pair.
  const padded = Math.ceil(data.length / 32) * 32;
  const out = Buffer.alloc(64 + 32 + padded + 32 + 64 * canonical.length);
  const word = (at: number, n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`not a uint64 in a transcript range: ${n}`);
    out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 24);
    out.writeUInt32BE(n >>> 0, at + 28);
  };
  word(0, 64);
  word(32, 64 + 32 + padded);
  word(64, data.length);
  for (const r of canonical) out.set(data.subarray(r.start, Math.min(r.end, data.length)), 96 + r.start);
  const at = 96 + padded;
  word(at, canonical.length);
  canonical.forEach((r, i) => {
    word(at + 32 + 64 * i, r.start);
    word(at + 64 + 64 * i, r.end);
  });
  return out;
}

/** Both directions of a revealed transcript as carried in a bundle (bytes base64, unrevealed bytes zeroed). */
export const RevealedTranscript = z
  .object({
    sent: Base64,
    recv: Base64,
    sentRanges: z.array(Range).max(4096),
    recvRanges: z.array(Range).max(4096),
  })
  .strict();
export type RevealedTranscript = z.infer<typeof RevealedTranscript>;

export type TranscriptBytes = { sent: Uint8Array; recv: Uint8Array; sentRanges: Range[]; recvRanges: Range[] };

export const encodeTranscript = (t: TranscriptBytes): RevealedTranscript => ({
  sent: Buffer.from(redact(t.sent, t.sentRanges)).toString('base64'),
  recv: Buffer.from(redact(t.recv, t.recvRanges)).toString('base64'),
  sentRanges: normalizeRanges(t.sentRanges),
  recvRanges: normalizeRanges(t.recvRanges),
});

export const decodeTranscript = (t: RevealedTranscript): TranscriptBytes => ({
  sent: new Uint8Array(Buffer.from(t.sent, 'base64')),
  recv: new Uint8Array(Buffer.from(t.recv, 'base64')),
  sentRanges: t.sentRanges,
  recvRanges: t.recvRanges,
});
