// Reads a JSON Lines body line by line as it arrives, so a request with many records is printed to the end without
// sitting whole in memory (no page size, no cap).
export async function* jsonLines(res: Response): AsyncGenerator<unknown> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      for (let cut = buf.indexOf('\n'); cut >= 0; cut = buf.indexOf('\n')) {
        const line = buf.slice(0, cut).trim();
        buf = buf.slice(cut + 1);
        if (line !== '') yield JSON.parse(line) as unknown;
      }
    }
    if (buf.trim() !== '') yield JSON.parse(buf) as unknown;
  } finally {
    await reader.cancel().catch(() => {});
  }
}
