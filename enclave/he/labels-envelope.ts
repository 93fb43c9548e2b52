/**
 * The envelope of an encrypted-label training's labels request: the relinearization keys first (the
 * label check needs them), then the public key and the Galois keys when the session's opening did not
 * carry them (each flagged in the header), then the label ciphertexts.
 */
import { JointlabError } from '../../lab/errors';

export interface LabelsEnvelope {
  relinKeys: Uint8Array;
  publicKey?: Uint8Array;
  galoisKeys?: Uint8Array;
  labels: Uint8Array[];
}

const flag = (value: unknown, name: string): boolean => {
  if (value !== undefined && value !== true) throw new JointlabError('bad_envelope', `"${name}" in the header is true or absent`, 'usage');
  return value === true;
};

export function labelsEnvelope(header: { relinKeys?: unknown; publicKey?: unknown; galoisKeys?: unknown }, blobs: Uint8Array[]): LabelsEnvelope {
  // The label check is not optional: without relinearization keys there are no rounds.
  if (header.relinKeys !== true || blobs.length < 1) {
    throw new JointlabError('label_check_keys', 'send the relinearization keys as the first blob, marked "relinKeys": true in the header, then the label ciphertexts', 'usage');
  }
  const withPublic = flag(header.publicKey, 'publicKey');
  const withGalois = flag(header.galoisKeys, 'galoisKeys');
  const keys = 1 + Number(withPublic) + Number(withGalois);
  if (blobs.length < keys) throw new JointlabError('bad_envelope', 'send the relinearization keys, then the public key and the Galois keys the header flags, in that order, then the labels', 'usage');
  return {
    relinKeys: blobs[0],
    ...(withPublic ? { publicKey: blobs[1] } : {}),
    ...(withGalois ? { galoisKeys: blobs[keys - 1] } : {}),
    labels: blobs.slice(keys),
  };
}
