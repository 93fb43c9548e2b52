/**
 * The scoring rule: a released model may score named enterprises in the clear only when its score
 * spreads over several platform features, none of which carries most of it; a model driven by one
 * feature turns every score into a lookup of that feature's value.
 */
import { Frame } from '../../models/frame';
import { FittedModel } from '../../models/model';
import type { ScoringRule, ScoringVerdict } from '../../lab/api/scoring';

export const DEFAULT_SCORING_RULE: ScoringRule = { minFeatures: 3, maxShare: 0.5 };

const logit = (p: number): number => {
  const q = Math.min(Math.max(p, 1e-12), 1 - 1e-12);
  return Math.log(q / (1 - q));
};

/** The frame with one column set to "missing" on every row: the model's answer without that feature. */
function without(frame: Frame, name: string): Frame {
  return {
    rows: frame.rows,
    columns: frame.columns.map((c) => {
      if (c.name !== name) return c;
      return c.kind === 'numeric' ? { ...c, values: new Float64Array(frame.rows).fill(NaN) } : { ...c, values: new Array<string | null>(frame.rows).fill(null) };
    }),
  };
}

function variance(xs: Float64Array): number {
  let mean = 0;
  for (const x of xs) mean += x;
  mean /= xs.length || 1;
  let s = 0;
  for (const x of xs) s += (x - mean) ** 2;
  return s / (xs.length || 1);
}

/**
 * A feature's part of the score is what the log-odds lose when the feature is set to missing on a
 * row: for logistic regression and scorecards (additive in the log-odds) that is exactly the
 * feature's term up to a constant; for an MLP it is the same question asked of a non-additive model.
 * Shares are each part's variance over the sum of the parts' variances on the platform population,
 * so that a feature whose part varies most cannot hide behind others that are nearly constant.
 */
export async function scoringVerdict(model: FittedModel, population: Frame, platformColumns: readonly string[], rule: ScoringRule = DEFAULT_SCORING_RULE): Promise<ScoringVerdict> {
  const platform = new Set(platformColumns);
  const used = model.features.filter((f) => platform.has(f.name)).map((f) => f.name);
  const full = Array.from(await model.predict(population), logit);
  const parts: { name: string; variance: number }[] = [];
  for (const name of used) {
    const reduced = await model.predict(without(population, name));
    parts.push({ name, variance: variance(Float64Array.from(full, (v, i) => v - logit(reduced[i]))) });
  }
  const total = parts.reduce((s, p) => s + p.variance, 0);
  const features = parts
    .map((p) => ({ name: p.name, share: total > 0 ? Math.round((p.variance / total) * 100) / 100 : 0, exact: total > 0 ? p.variance / total : 0 }))
    .sort((a, b) => b.exact - a.exact);
  // Features whose part never varies do not spread the score: they do not count towards the minimum.
  const effective = features.filter((f) => f.exact > 1e-9).length;
  let reason: string | undefined;
  if (effective < rule.minFeatures) reason = `the model's score varies with ${effective} platform feature${effective === 1 ? '' : 's'}; scoring needs at least ${rule.minFeatures}`;
  else if (features[0].exact > rule.maxShare) reason = `platform feature "${features[0].name}" carries ${Math.round(features[0].exact * 100)}% of the score's variance; scoring allows at most ${Math.round(rule.maxShare * 100)}%`;
  return { passes: reason === undefined, ...(reason ? { reason } : {}), rule, features: features.map(({ name, share }) => ({ name, share })) };
}
