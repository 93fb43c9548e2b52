/**
 * `node dist/bench/scoring-noise.js`: what the score noise (enclave/release/score-noise.ts) costs an
 * honest bank and what it leaves an attacker, on the shared default-credit data. The platform holds
 * the host's 10 features, the bank the guest's labels; a platform-only model is fitted on the fixed
 * training split and scores the test split from perturbed rows. For each setting it prints the test
 * AUC beside the noise-free AUC of the same run, and the error of an attacker who reads each column
 * off a unit-vector model's score (its best case: one score per column, decoded to the nearest value
 * the column takes), in the column's standard deviations, for the worst column and on average.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { frameOf, labelsOf, splitOf } from '../lab/data/columns';
import { JoinedTable } from '../lab/data/join';
import { loadJoined } from '../lab/train';
import { families } from '../models';
import { takeLabels } from '../models/frame';
import { auc } from '../models/metrics';
import { NoiseColumn, perturbCells } from '../enclave/release/score-noise';
import { DEFAULT_SCORING_POLICY } from '../enclave/release/scoring-policy';
import type { ScoringPolicy } from '../lab/api/scoring';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');
const SWAPS = [0, 0.1, 0.2, 0.25, 0.3];
const SDS = [0, 0.1, 0.25, 0.5];

async function main(): Promise<void> {
  const host = join(SHARED, 'default_credit_hetero_host.csv');
  const files = [host, join(SHARED, 'default_credit_hetero_guest.csv'), join(SHARED, 'default_credit_split.csv')];
  if (!files.every(existsSync)) {
    console.log(`scoring-noise bench: the shared data is not in ${SHARED}; skipped`);
    return;
  }
  const population = loadJoined([host], 'id');
  const columns = population.names;
  const joined = loadJoined(files, 'id');
  const labels = labelsOf(joined, 'y');
  const parts = splitOf(joined, 'split');
  const rowOf = new Map(population.ids.map((id, i) => [id, i]));
  const cellsOf = (i: number) => columns.map((c) => (population.cells.get(c) as string[])[i]);
  const values = columns.map((c) => (population.cells.get(c) as string[]).map(Number));
  const sd = values.map((xs) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
  });
  const levels = values.map((xs) => [...new Set(xs)].sort((a, b) => a - b));
  const noiseColumns: NoiseColumn[] = columns.map((name, j) => ({ name, type: 'numeric', sd: sd[j] }));
  const frameFor = (ids: string[], cells: string[][]) => {
    const table: JoinedTable = { ids, names: columns, cells: new Map(columns.map((c, j) => [c, cells.map((r) => r[j])])), lines: ids.map((_, i) => i + 2) };
    return frameOf(table, columns, new Set());
  };
  const idsOf = (rows: Int32Array) => Array.from(rows, (i) => joined.ids[i]);
  const trainIds = idsOf(parts.train);
  const testIds = idsOf(parts.test);
  const testLabels = takeLabels(labels, parts.test);
  const trainFrame = frameFor(trainIds, trainIds.map((id) => cellsOf(rowOf.get(id)!)));
  const key = randomBytes(32);
  const nearest = (j: number, x: number): number => {
    const ls = levels[j];
    if (ls.length > 20) return x;
    let best = ls[0];
    for (const l of ls) if (Math.abs(l - x) < Math.abs(best - x)) best = l;
    return best;
  };
  console.log(`scoring noise on the shared data: platform = host's ${columns.length} features, labels = guest's, ${trainIds.length} training / ${testIds.length} test rows (fixed split)`);
  console.log(`default setting: swap ${DEFAULT_SCORING_POLICY.noiseSwap}, sd ${DEFAULT_SCORING_POLICY.noiseSd}`);
  for (const kind of ['lr', 'scorecard'] as const) {
    const family = families[kind];
    const model = await family.fit(trainFrame, takeLabels(labels, parts.train), family.defaults, { seed: 42 });
    const reference = auc(testLabels, await model.predict(frameFor(testIds, testIds.map((id) => cellsOf(rowOf.get(id)!)))));
    console.log(`\n${kind}: noise-free test AUC ${reference.toFixed(4)} (reference, same run)`);
    console.log('swap   sd     test AUC   change    attack error / sd: worst column, mean');
    for (const noiseSwap of SWAPS) {
      for (const noiseSd of SDS) {
        const policy: ScoringPolicy = { ...DEFAULT_SCORING_POLICY, noiseSwap, noiseSd };
        const noisy = testIds.map((id) => perturbCells(key, policy, id, cellsOf(rowOf.get(id)!), noiseColumns, population.ids.length, cellsOf));
        const score = auc(testLabels, await model.predict(frameFor(testIds, noisy)));
        const errors = columns.map((_, j) => {
          let s = 0;
          testIds.forEach((id, i) => (s += (nearest(j, Number(noisy[i][j])) - values[j][rowOf.get(id)!]) ** 2));
          return Math.sqrt(s / testIds.length) / sd[j];
        });
        const mark = noiseSwap === DEFAULT_SCORING_POLICY.noiseSwap && noiseSd === DEFAULT_SCORING_POLICY.noiseSd ? '  <- default' : '';
        console.log(
          `${noiseSwap.toFixed(2)}   ${noiseSd.toFixed(2)}   ${score.toFixed(4)}     ${(score - reference >= 0 ? '+' : '') + (score - reference).toFixed(4)}   ${Math.min(...errors).toFixed(3)}, ${(errors.reduce((a, b) => a + b, 0) / errors.length).toFixed(3)}${mark}`,
        );
      }
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
