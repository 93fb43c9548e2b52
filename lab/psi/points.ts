/** Blinded points on the wire: a binary body of 32-byte u-coordinates, its length a whole positive number of points under a limit. */
import { JointlabError } from '../errors';
import { POINT_BYTES } from './x25519';

export const POINTS_TYPE = 'application/octet-stream';

/** Checks a body of blinded points and answers how many it holds; `bad_points` (400) otherwise. */
export function assertPoints(body: unknown, maxPoints: number): number {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new JointlabError('bad_points', `send the points as ${POINTS_TYPE}: ${POINT_BYTES} bytes each`, 'usage');
  if (body.length % POINT_BYTES !== 0) throw new JointlabError('bad_points', `the body is ${body.length} bytes, not a whole number of ${POINT_BYTES}-byte points`, 'usage');
  const count = body.length / POINT_BYTES;
  if (count > maxPoints) throw new JointlabError('bad_points', `${count} points in one request; at most ${maxPoints}`, 'usage');
  return count;
}

/** The i-th point of a packed buffer, without copying. */
export function pointAt(packed: Uint8Array, i: number): Uint8Array {
  return packed.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES);
}

/** Ranges of at most `size` items covering 0..count, for chunked requests and worker tasks. */
export function chunkRanges(count: number, size: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  for (let from = 0; from < count; from += size) out.push({ from, to: Math.min(count, from + size) });
  return out;
}
