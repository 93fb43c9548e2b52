/** Seeded, stratified row splits: both parts keep the label rate of the whole. */
import { Random } from './random';

export function stratifiedSplit(labels: ArrayLike<number>, fraction: number, seed: number): { rest: Int32Array; held: Int32Array } {
  const random = new Random(seed);
  const rest: number[] = [];
  const held: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    random.shuffle(rows);
    const cut = Math.round(rows.length * fraction);
    held.push(...rows.slice(0, cut));
    rest.push(...rows.slice(cut));
  }
  // Back in file order, so that the split does not reorder rows for anything downstream.
  return { rest: Int32Array.from(rest).sort(), held: Int32Array.from(held).sort() };
}
