import type { IncomingMessage } from 'node:http';

/** What the request stream is given at a time, at least, when a body arrives in small chunks. */
const BLOCK_BYTES = 16 * 1024;

/**
 * Gathers a request body's chunks into blocks of 16 KiB before the request stream hands them on.
 * Chunked encoding lets a client send a body one byte per chunk. Node gives each chunk its own
 * Buffer, and body-parser keeps every one until the body ends, at ~190 bytes of heap per byte.
 * 256 KiB sent that way is ~50 MB, and a few such requests at once filled the API's 128 MB heap
 * (the fuzz tool, 2026-12-04: the API died out of memory). With this, a body costs about its own
 * size however it was cut. The first middleware calls this before anything reads the body.
 */
export function gatherBodyChunks(req: IncomingMessage): void {
  const push = req.push.bind(req);
  let block: Buffer | null = null;
  let filled = 0;

  const flush = (): boolean => {
    if (!block || filled === 0) return true;
    const full = filled === block.length ? block : block.subarray(0, filled);
    block = null;
    filled = 0;
    return push(full);
  };

  // The HTTP parser gives the stream each chunk through push(), and push(null) at the end.
  req.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (!Buffer.isBuffer(chunk)) {
      // The end (null), or anything else: what was gathered goes first, in order.
      flush();
      return push(chunk, encoding);
    }
    if (chunk.length >= BLOCK_BYTES) {
      flush();
      return push(chunk);
    }
    let copied = 0;
    let answer = true;
    while (copied < chunk.length) {
      block ??= Buffer.allocUnsafe(BLOCK_BYTES);
      const n = chunk.copy(block, filled, copied);
      filled += n;
      copied += n;
      if (filled === block.length) answer = flush();
    }
    // Gathered and not yet handed on: the stream's own backpressure answers on the next block.
    return answer;
  };
}
