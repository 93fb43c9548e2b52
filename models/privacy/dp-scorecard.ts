/**
 * A differentially private scorecard, as a wrapper around the scorecard family. Half the budget buys
 * the bin counts: bins are fixed in advance on each feature's standardized scale (edges at -1.5,
 * -0.5, 0.5 and 1.5 standard deviations; category levels with at least `minBinCount` rows), so no
 * edge is learned from single rows, and every good and bad count gets discrete Laplace noise (a row
 * lands in one bin per feature, so the counts' sensitivity is the number of features). WOE comes from
 * the noisy counts. The other half buys the regression on WOE, by output perturbation (WOE clipped
 * to [-3, 3] so rows have bounded norm). The standardization comes from the rows unless the caller
 * fixes one (the enclave fixes one that does not depend on the job's population).
 */
import { Frame, featureRefs } from '../frame';
import { CategoricalBinning, FeatureBinning, NumericBinning, binAssigner, binWoe, weightOfEvidence } from '../binning';
import { fitEncoder } from '../encoding';
import { fitLogistic } from '../logistic-core';
import { FitContext, FittedModel, ModelFamily, ModelFile } from '../model';
import { scorecard, ScorecardParams, ScorecardState } from '../scorecard';
import { UniformSource, discreteLaplace, secureUniform } from './sampler';
import { perturb } from './dp-logistic';

const Z_EDGES = [-1.5, -0.5, 0.5, 1.5];
const WOE_CLIP = 3;

export function withPrivateScorecard(privacy: { epsilon: number; lambda: number }, uniform: UniformSource = secureUniform): ModelFamily<object> {
  return {
    kind: 'scorecard',
    defaults: scorecard.defaults,
    async fit(frame: Frame, labels: Uint8Array, params: object, context: FitContext): Promise<FittedModel> {
      const p = { ...scorecard.defaults, ...(params as Record<string, unknown>) } as ScorecardParams;
      const encoder = context.encoder ?? fitEncoder(frame, Math.max(1, p.minBinCount));
      const features = frame.columns.length;
      const countEpsilon = privacy.epsilon / 2;
      const noisy = (c: number) => Math.max(0, c + discreteLaplace(countEpsilon, features, uniform));
      const binnings: FeatureBinning[] = frame.columns.map((column, j) => {
        const spec = encoder.columns[j];
        const cells = (n: number) => Array.from({ length: n }, () => ({ good: 0, bad: 0 }));
        if (column.kind === 'numeric' && spec.kind === 'numeric') {
          const edges = Z_EDGES.map((z) => Number((spec.mean + z * spec.scale).toPrecision(3)));
          const counts = cells(edges.length + 1);
          const missing = { good: 0, bad: 0 };
          const assign = binAssigner({ kind: 'numeric', name: column.name, edges, bins: [], missing: { label: '', count: 0, bad: 0, woe: 0 }, iv: 0 });
          column.values.forEach((v, i) => {
            const b = assign(v);
            const cell = b < 0 ? missing : counts[b];
            if (labels[i]) cell.bad++;
            else cell.good++;
          });
          const released = [...counts, missing].map((c) => ({ good: noisy(c.good), bad: noisy(c.bad) }));
          const { woe, iv } = weightOfEvidence(released);
          const bins = released.slice(0, -1).map((c, b) => ({ label: `bin ${b + 1}`, count: c.good + c.bad, bad: c.bad, woe: woe[b] }));
          const m = released[released.length - 1];
          const binning: NumericBinning = { kind: 'numeric', name: column.name, edges, bins, missing: { label: 'missing', count: m.good + m.bad, bad: m.bad, woe: woe[released.length - 1] }, iv };
          return binning;
        }
        const levels = spec.kind === 'categorical' ? spec.levels.filter((l) => l !== '(missing)') : [];
        const counts = cells(levels.length + 1);
        const missing = { good: 0, bad: 0 };
        const index = new Map(levels.map((l, k) => [l, k]));
        (column.values as (string | null)[]).forEach((v, i) => {
          const cell = v === null ? missing : counts[index.get(v) ?? levels.length];
          if (labels[i]) cell.bad++;
          else cell.good++;
        });
        const released = [...counts, missing].map((c) => ({ good: noisy(c.good), bad: noisy(c.bad) }));
        const { woe, iv } = weightOfEvidence(released);
        const bins = released.slice(0, -1).map((c, b) => ({ label: b === levels.length ? 'other' : levels[b], count: c.good + c.bad, bad: c.bad, woe: woe[b] }));
        const m = released[released.length - 1];
        const binning: CategoricalBinning = {
          kind: 'categorical',
          name: column.name,
          levelBins: levels.map((l, k) => [l, k]),
          otherBin: levels.length,
          bins,
          missing: { label: 'missing', count: m.good + m.bad, bad: m.bad, woe: woe[released.length - 1] },
          iv,
        };
        return binning;
      });
      context.onProgress?.(1, 2, 'noisy bin counts');
      // The regression on clipped WOE, scaled so every row (with the constant) has norm at most 1.
      const n = frame.rows;
      const rowScale = 1 / (WOE_CLIP * Math.sqrt(features) * Math.SQRT2);
      const columns = binnings.map((b, j) => {
        const assign = binAssigner(b);
        const values = frame.columns[j].values;
        return Float64Array.from({ length: n }, (_, i) => Math.max(-WOE_CLIP, Math.min(WOE_CLIP, binWoe(b, assign(values[i])))) * rowScale);
      });
      const constant = new Float64Array(n).fill(Math.SQRT1_2);
      const fit = fitLogistic([...columns, constant], labels, n, { l2: n * privacy.lambda, fitIntercept: false, maxIterations: 200 });
      const noisyWeights = perturb(fit.weights, n, privacy.lambda, privacy.epsilon / 2, uniform);
      // WOE is clipped in training; binnings are clipped the same way so scoring matches.
      const clipped = binnings.map((b) => ({ ...b, bins: b.bins.map((bin) => ({ ...bin, woe: Math.max(-WOE_CLIP, Math.min(WOE_CLIP, bin.woe)) })), missing: { ...b.missing, woe: Math.max(-WOE_CLIP, Math.min(WOE_CLIP, b.missing.woe)) } }));
      const factor = p.pdo / Math.LN2;
      const state: ScorecardState = {
        features: featureRefs(frame),
        binnings: clipped,
        selected: binnings.map((_, j) => ({ feature: j, coefficient: noisyWeights[j] * rowScale })),
        intercept: noisyWeights[features] * Math.SQRT1_2,
        factor,
        offset: p.baseScore - factor * Math.log(p.baseOdds),
      };
      const file: ModelFile = {
        format: 'jointlab-model',
        version: 1,
        kind: 'scorecard',
        features: featureRefs(frame),
        params: { ...p, privacy: { ...privacy, mechanism: 'fixed bins with discrete-Laplace counts, then output perturbation on WOE (epsilon split in half)' } },
        state,
      };
      return scorecard.load(file);
    },
    load: scorecard.load,
  };
}
