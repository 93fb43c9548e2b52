/** A CSV request body read as a stream (dataset imports), and what is left of it dropped after a refusal so the client hears the answer. */
import { PassThrough } from 'node:stream';
import type { Request } from 'express';
import { JointlabError } from '../../lab/errors';

/**
 * The body as chunks, through a pass-through: when the import stops early (a bad row), only the
 * pass-through is destroyed, not the request, whose socket must carry the refusal back.
 */
export function csvStream(req: Request): AsyncIterable<Uint8Array> {
  if (!req.is('text/csv')) throw new JointlabError('wrong_content_type', 'send the table as text/csv', 'media');
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw new JointlabError('unsupported_encoding', 'send the table uncompressed (no Content-Encoding)', 'media');
  const pass = new PassThrough({ highWaterMark: 1 << 20 });
  req.pipe(pass);
  // pipe() forwards no error: a client gone mid-body would leave the import waiting for the rest forever.
  req.once('error', (e) => pass.destroy(e));
  req.once('close', () => {
    if (!req.complete) pass.destroy(new JointlabError('body_incomplete', 'the table ended before the whole body came (the connection closed)', 'usage'));
  });
  return pass;
}

/**
 * Reads and drops the rest of a body the import stopped reading, up to `maxBytes` more (past it the
 * connection is closed): a client still sending would otherwise meet a reset instead of the 4xx.
 */
export async function dropRest(req: Request, maxBytes: number): Promise<void> {
  if (req.complete || req.destroyed) return;
  req.unpipe();
  await new Promise<void>((resolve) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        req.destroy();
        resolve();
      }
    });
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', () => resolve());
    req.resume();
  });
}
