import type { IncomingMessage } from 'node:http';

/**
 * GitHub caps webhook payloads at 25 MB and does not deliver larger ones
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#payload-cap),
 * so nothing larger can be a genuine delivery.
 */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body larger than ${limit} bytes`);
  }
}

/**
 * Reads a request body, refusing it as soon as it passes `limit` bytes: a
 * declared Content-Length over the limit is refused before a byte is read,
 * and a chunked body is dropped the moment it crosses the limit, so an
 * unsigned 200 MiB POST costs at most `limit` bytes of memory.
 */
export function readBody(req: IncomingMessage, limit: number = MAX_WEBHOOK_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        // Stop reading; the caller answers 413 and closes the connection.
        req.pause();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
