// What of an error may leave this process: the code, and a message that says what to fix but never what is inside
// (no RPC URL with its key, no resolved internal address, no secret-store contents). The full error stays in the
// local log.
import { toVeritasError, type ErrorCode } from './errors.ts';

// Any URL: an RPC endpoint (`https://…/v2/<key>`), a WebSocket, a gateway. The spec's own URL is public already,
// but telling them apart is a guess; a public message never needs one.
const URL_PATTERN = /\b(?:https?|wss?):\/\/[^\s"'<>)]+/gi;

/** The error as it may be published (timelines, SSE, notary answers): code and sanitized message only. */
export function publicError(e: unknown): { code: ErrorCode; message: string } {
  const err = toVeritasError(e);
  return { code: err.code, message: publicMessage(err.message, err.cause) };
}

/** `message` without URLs; a viem error's multi-line details (URL, request body, version) cut to its short message. */
export function publicMessage(message: string, cause?: unknown): string {
  let text = message;
  const viem = viemShort(cause);
  // viem's long message appends "URL: …", "Request body: …", "Details: …" lines: keep only the first line.
  if (viem !== undefined || /\n(?:URL|Request body|Raw Call Arguments|Version):/.test(text))
    text = text.split('\n')[0]!;
  return text.replace(URL_PATTERN, '<url>');
}

function viemShort(cause: unknown): string | undefined {
  for (let c = cause, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++)
    if (typeof (c as { shortMessage?: unknown }).shortMessage === 'string')
      return (c as { shortMessage: string }).shortMessage;
  return undefined;
}
