/**
 * The binary envelope HE requests and answers travel in: "JLHE", a JSON header, then length-prefixed
 * blobs (serialized keys or ciphertexts). The header carries the SHA-256 of every blob. Decoding
 * checks every length and every digest, so a truncated, padded or altered envelope is refused before
 * any blob reaches SEAL (whose decompressor reacts to damaged input by aborting, not by an error).
 * With `"packed": true` in the header the blobs are bit-packed SEAL objects, unpacked here; a list of
 * booleans instead marks which are.
 */
import { createHash } from 'node:crypto';
import { JointlabError } from '../errors';
import { exceedsJsonDepth } from '../json-depth';
import { unpackSeal } from './seal-pack';

const MAGIC = Buffer.from('JLHE');
export const FRAME_TYPE = 'application/vnd.jointlab.he';
const MAX_BLOBS = 4096;
const MAX_HEADER = 1 << 20;

const digest = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export function encodeFrames(header: object, blobs: Uint8Array[]): Buffer {
  const head = Buffer.from(JSON.stringify({ ...header, sha256: blobs.map(digest) }));
  const parts: Buffer[] = [MAGIC, u32(head.length), head, u32(blobs.length)];
  for (const b of blobs) parts.push(u32(b.length), Buffer.from(b.buffer, b.byteOffset, b.byteLength));
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function decodeFrames<H = Record<string, unknown>>(body: Buffer): { header: H; blobs: Uint8Array[] } {
  const bad = (): never => {
    throw new JointlabError('bad_envelope', 'the HE envelope is malformed or truncated', 'usage');
  };
  if (!Buffer.isBuffer(body) || body.length < 12 || !body.subarray(0, 4).equals(MAGIC)) bad();
  let at = 4;
  const read32 = (): number => {
    if (at + 4 > body.length) bad();
    const n = body.readUInt32BE(at);
    at += 4;
    return n;
  };
  const headLength = read32();
  if (headLength > MAX_HEADER || at + headLength > body.length) bad();
  let header: H;
  try {
    header = JSON.parse(body.subarray(at, at + headLength).toString('utf8')) as H;
  } catch {
    return bad();
  }
  // Callers read the header's fields and validators recurse, so its depth is bounded like any JSON body's.
  if (!header || typeof header !== 'object' || Array.isArray(header) || exceedsJsonDepth(header)) bad();
  at += headLength;
  const count = read32();
  if (count > MAX_BLOBS) bad();
  const blobs: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const n = read32();
    if (at + n > body.length) bad();
    blobs.push(new Uint8Array(body.buffer, body.byteOffset + at, n));
    at += n;
  }
  if (at !== body.length) bad();
  const digests = (header as { sha256?: unknown }).sha256;
  if (!Array.isArray(digests) || digests.length !== blobs.length || !digests.every((d) => typeof d === 'string')) bad();
  blobs.forEach((b, k) => {
    if (digest(b) !== (digests as unknown[])[k]) throw new JointlabError('digest_mismatch', `blob ${k} of the HE envelope does not match its SHA-256`, 'usage');
  });
  // Packed blobs (lab/he/seal-pack.ts) are SEAL's bytes again before anyone reads them: all of them
  // (true), or those marked true in a list with one entry per blob.
  const packed = (header as { packed?: unknown }).packed;
  const each = Array.isArray(packed) && packed.length === blobs.length && packed.every((p) => typeof p === 'boolean') ? (packed as boolean[]) : undefined;
  if (packed !== undefined && packed !== true && !each) bad();
  if (packed) return { header, blobs: blobs.map((b, k) => (each && !each[k] ? b : unpackSeal(b, 'bad_envelope', `blob ${k} of the HE envelope`))) };
  return { header, blobs };
}
