/** The worker thread behind `blind-pool.ts`: hashes ids to points and multiplies points by a scalar, answering packed bytes. */
import { KeyObject } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { hashToPoint } from './hash-to-point';
import { pointAt } from './points';
import { POINT_BYTES, SmallOrderPoint, multiply, scalarKey } from './x25519';
import type { BlindTask, BlindAnswer } from './blind-pool';

/** Imported scalars by their bytes: a session sends the same scalar with every piece, and importing one costs as much as a multiplication. */
const keys = new Map<string, KeyObject>();

function keyOf(scalar: Uint8Array): KeyObject {
  const name = Buffer.from(scalar).toString('hex');
  let key = keys.get(name);
  if (!key) {
    if (keys.size >= 16) keys.delete(keys.keys().next().value!);
    key = scalarKey(scalar);
    keys.set(name, key);
  }
  return key;
}

function run(task: BlindTask): Uint8Array {
  const key = keyOf(task.scalar);
  if (task.op === 'hash') {
    const out = new Uint8Array(task.ids.length * POINT_BYTES);
    for (let i = 0; i < task.ids.length; i++) out.set(multiply(key, hashToPoint(task.domain, task.ids[i])), i * POINT_BYTES);
    return out;
  }
  const count = task.points.length / POINT_BYTES;
  const out = new Uint8Array(task.points.length);
  for (let i = 0; i < count; i++) {
    try {
      out.set(multiply(key, pointAt(task.points, i)), i * POINT_BYTES);
    } catch (e) {
      if (e instanceof SmallOrderPoint) throw Object.assign(e, { index: i });
      throw e;
    }
  }
  return out;
}

parentPort!.on('message', (task: BlindTask) => {
  let answer: BlindAnswer;
  try {
    const out = run(task);
    answer = { id: task.id, ok: true, out };
    parentPort!.postMessage(answer, [out.buffer as ArrayBuffer]);
  } catch (e) {
    const index = (e as { index?: number }).index;
    answer = { id: task.id, ok: false, smallOrderAt: e instanceof SmallOrderPoint ? index : undefined, message: (e as Error).message };
    parentPort!.postMessage(answer);
  }
});
