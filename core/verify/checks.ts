// The one way verification records its findings: named checks (pass / fail / skip, a stable error code on a
// failure, a message), run by a typed runner, so bundle and record verification cannot grow a second format and a
// check name the code does not declare does not compile.
import { isVeritasError, type ErrorCode } from '../errors.ts';

export type CheckStatus = 'pass' | 'fail' | 'skip';
export type VerificationCheck<N extends string = string> = {
  name: N;
  status: CheckStatus;
  /** Stable error code of a failed check. */
  code?: ErrorCode;
  message: string;
};
export type Verification<N extends string> = {
  ok: boolean;
  checks: VerificationCheck<N>[];
  /** The first failed check: its code is the reason the document is rejected. */
  failed?: VerificationCheck<N>;
};

// Helpers throw VeritasErrors with sharper codes (e.g. EXTRACTION_FAILED): keep those, map the rest to the check's.
const SHARP_CODES: readonly ErrorCode[] = [
  'EXTRACTION_FAILED',
  'RESULT_SCHEMA_MISMATCH',
  'BAD_SIGNATURE',
  'UNSUPPORTED_VERSION',
];

export type CheckRunner<N extends string> = {
  /** Runs `body`: undefined is a pass (with `passMessage`), a string is the failure's message, a throw a failure. */
  run(name: N, code: ErrorCode, passMessage: string, body: () => string | undefined): boolean;
  skip(name: N, message: string): void;
  /** Adds a check another runner produced (e.g. a source bundle's, under a prefixed name). */
  add(check: VerificationCheck<N>): void;
  finish(): Verification<N>;
};

export function checkRunner<N extends string>(): CheckRunner<N> {
  const checks: VerificationCheck<N>[] = [];
  return {
    run(name, code, passMessage, body) {
      try {
        const failure = body();
        checks.push(
          failure === undefined
            ? { name, status: 'pass', message: passMessage }
            : { name, status: 'fail', code, message: failure },
        );
        return failure === undefined;
      } catch (e) {
        const thrown = isVeritasError(e) ? e.code : undefined;
        checks.push({
          name,
          status: 'fail',
          code: thrown !== undefined && SHARP_CODES.includes(thrown) ? thrown : code,
          message: (e as Error).message,
        });
        return false;
      }
    },
    skip(name, message) {
      checks.push({ name, status: 'skip', message });
    },
    add(check) {
      checks.push(check);
    },
    finish() {
      const failed = checks.find((c) => c.status === 'fail');
      return { ok: failed === undefined, checks, ...(failed ? { failed } : {}) };
    },
  };
}
