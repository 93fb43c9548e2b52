/** The worker thread behind `blind-pool.ts`: hashes ids to points and multiplies points by a scalar, answering packed bytes. */
import { parentPort } from 'node:worker_threads';
import { pointHasher } from './hash-to-point';
import { pointAt } from './points';
import { Multiplier, POINT_BYTES, SmallOrderPoint, multiplierFor } from './x25519';
import type { BlindTask, BlindAnswer } from './blind-pool';

/** Multipliers by their scalar's bytes: a session sends the same scalar with every piece, and readying one (a key import) costs as much as a multiplication. */
const multipliers = new Map<string, Multiplier>();

function multiplierOf(scalar: Uint8Array): Multiplier {
  const name = Buffer.from(scalar).toString('hex');
  let multiplier = multipliers.get(name);
  if (!multiplier) {
    if (multipliers.size >= 16) multipliers.delete(multipliers.keys().next().value!);
    multiplier = multiplierFor(scalar);
    multipliers.set(name, multiplier);
  }
  return multiplier;
}

function run(task: BlindTask): Uint8Array {
  const multiply = multiplierOf(task.scalar);
  if (task.op === 'hash') {
    const out = new Uint8Array(task.ids.length * POINT_BYTES);
    const hash = pointHasher(task.domain);
    const point = new Uint8Array(POINT_BYTES);
    for (let i = 0; i < task.ids.length; i++) {
      hash(task.ids[i], point);
      multiply(point, out, i * POINT_BYTES);
    }
    return out;
  }
  const count = task.points.length / POINT_BYTES;
  const out = new Uint8Array(task.points.length);
  for (let i = 0; i < count; i++) {
    try {
      multiply(pointAt(task.points, i), out, i * POINT_BYTES);
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
