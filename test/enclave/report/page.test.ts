/** The model report page of a job: a real fitted scorecard passed through the real release check, as the enclave stores it. */
import { strict as assert } from 'node:assert';
import { TrainingOutcome, releaseCheck } from '../../../enclave/release/check';
import { keyedNoise } from '../../../enclave/release/population';
import { JobRow } from '../../../enclave/jobs/jobs';
import { reportJob } from '../../../enclave/report/job-report';
import { ReportInput, renderReport } from '../../../lab/report/page';
import { JobSpec } from '../../../lab/spec/job-spec';
import { Frame } from '../../../models/frame';
import { binaryMetrics } from '../../../models/metrics';
import { Random } from '../../../models/random';
import { scorecard } from '../../../models/scorecard';
import { gradientBoosting } from '../../../models/gradient-boosting';

const noise = keyedNoise(Buffer.alloc(32, 3), 'report-page-test');
const rules = { k: 10, minTrainingRows: 100, outputs: ['parameters', 'metrics', 'curves'] as const, noise };

/** 4,000 rows: a numeric risk driver with no gaps, and a 0/1 flag that doubles the default rate. */
function data(n = 4000, seed = 5): { frame: Frame; labels: Uint8Array } {
  const random = new Random(seed);
  const x = new Float64Array(n);
  const flag = new Float64Array(n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = random.uniform() * 10;
    flag[i] = random.bernoulli(0.3) ? 1 : 0;
    labels[i] = random.bernoulli((0.04 + 0.025 * x[i]) * (1 + flag[i])) ? 1 : 0;
  }
  return { frame: { rows: n, columns: [{ name: 'turnover', kind: 'numeric', values: x }, { name: 'tax_arrears', kind: 'numeric', values: flag }] }, labels };
}

async function releasedScorecardJob(epsilon?: number, family: 'scorecard' | 'gbdt' = 'scorecard'): Promise<ReportInput> {
  const { frame, labels } = data();
  const fitted = family === 'scorecard' ? await scorecard.fit(frame, labels, { ...scorecard.defaults, minBinCount: rules.k }, { seed: 1 }) : await gradientBoosting.fit(frame, labels, { ...gradientBoosting.defaults, minChildRows: rules.k, rounds: 40 }, { seed: 1 });
  const scores = await fitted.predict(frame);
  const metrics = binaryMetrics(labels, scores);
  let positive = 0;
  for (const y of labels) positive += y;
  const classes = { positive, negative: labels.length - positive };
  const outcome: TrainingOutcome = {
    model: fitted.toJSON(),
    description: fitted.describe(),
    rows: { train: frame.rows, test: frame.rows },
    classes: { train: classes, test: classes },
    metrics: { train: metrics, test: metrics },
    test: { labels, scores },
  };
  const spec = { name: 'page-test', purpose: 'test', bank: { upload: 'u', columns: ['turnover', 'tax_arrears'] }, label: 'default_12m', model: { family }, ...(epsilon ? { privacy: { epsilon } } : {}) } as JobSpec;
  const now = new Date().toISOString();
  const row: JobRow = { id: 'job-1', owner: 'alice', org: 'bank-a', spec: JSON.stringify(spec), state: 'released', flags: '[]', approved_sensitive: '[]', reason: null, progress: 1, progress_note: null, result: JSON.stringify({ release: releaseCheck(outcome, { ...rules, epsilon }), backend: 'js', seconds: 1 }), created_at: now, updated_at: now };
  return reportJob(row);
}

const tableOf = (html: string, feature: string): string => new RegExp(`<caption>${feature} \\(IV[\\s\\S]*?</table>`).exec(html)?.[0] ?? '';

describe('report page', () => {
  it('leaves out a missing bin that holds no rows, in the chart and in the table', async () => {
    const job = await releasedScorecardJob();
    const features = job.description!.features as { name: string; bins: { label: string }[] }[];
    // The released description still has the empty missing bin: the page is what leaves it out.
    assert.ok(features.find((f) => f.name === 'turnover')!.bins.some((b) => b.label === 'missing'));
    const html = renderReport(job);
    const table = tableOf(html, 'turnover');
    assert.ok(table, 'no bin table for turnover');
    assert.doesNotMatch(table, /<td>missing<\/td>/);
    assert.doesNotMatch(html, /turnover: points by bin[\s\S]*?missing, points[\s\S]*?<\/svg>/);
  });

  it('keeps a missing bin that has rows, or that stands for 1 to k-1 rows (no evidence)', async () => {
    const job = await releasedScorecardJob();
    const description = job.description! as { features: { name: string; bins: { label: string; count: number | null; woe: number; noEvidence?: true }[] }[] };
    const turnover = description.features.find((f) => f.name === 'turnover')!;
    turnover.bins[turnover.bins.length - 1] = { ...turnover.bins[turnover.bins.length - 1], count: null, noEvidence: true };
    assert.match(tableOf(renderReport(job), 'turnover'), /<td>missing<\/td><td>fewer than k<\/td>/);
  });

  it('never writes -0.0: a figure that rounds to zero is written 0.0', async () => {
    const job = await releasedScorecardJob();
    const description = job.description! as { features: { name: string; bins: { points: number; woe: number }[] }[] };
    const bins = description.features.find((f) => f.name === 'turnover')!.bins;
    bins[0] = { ...bins[0], points: -0.04, woe: -0.00004 };
    bins[1] = { ...bins[1], points: -0 };
    const html = renderReport(job);
    assert.doesNotMatch(html, /-0\.0+(?!\d*[1-9])|>-0</);
    assert.match(tableOf(html, 'turnover'), /<td>0\.0000<\/td><td>0\.0<\/td>/);
  });
});

describe('report page, flags', () => {
  it('labels the bins of a 0/1 flag 0 and 1, not (-inf, 0] and (0, inf)', async () => {
    const html = renderReport(await releasedScorecardJob());
    const table = tableOf(html, 'tax_arrears');
    assert.match(table, /<tbody><tr><td>0<\/td>.*<tr><td>1<\/td>/);
    assert.doesNotMatch(html, /\(-inf, 0\]/);
  });
});

describe('report page, overfitting', () => {
  it('flags a model whose train AUC is more than 0.05 above its test AUC, and states the rule either way', async () => {
    const job = await releasedScorecardJob();
    job.metrics = { ...job.metrics!, train: { auc: 0.868, ks: 0.6, gini: 0.736 }, test: { auc: 0.753, ks: 0.4, gini: 0.506 } };
    const flagged = renderReport(job);
    assert.match(flagged, /<p class="overfit" role="alert"><strong>Warning.<\/strong> Overfitting: train AUC 0.868 is 0.115 above test AUC 0.753 \(flagged when the train AUC exceeds the test AUC by more than 0.05\)/);
    job.metrics = { ...job.metrics, train: { auc: 0.79, ks: 0.5, gini: 0.58 } };
    const fine = renderReport(job);
    assert.doesNotMatch(fine, /class="overfit"/);
    assert.match(fine, /No sign of overfitting: train AUC 0.790, test AUC 0.753 \(flagged when/);
  });

  it('says it cannot judge overfitting under differential privacy, where train metrics are not released', async () => {
    const job = await releasedScorecardJob(2);
    assert.ok(job.metrics?.test && !job.metrics.train, 'the release check keeps train metrics back under DP');
    const html = renderReport(job);
    assert.doesNotMatch(html, /class="overfit"/);
    assert.match(html, /Overfitting not checked: train metrics are not released under differential privacy/);
  });

  it('draws boosted trees: feature importance by share of split gain, and a line on the trees', async () => {
    const html = renderReport(await releasedScorecardJob(undefined, 'gbdt'));
    assert.match(html, /<title[^>]*>Feature importance \(largest 20 by share of split gain\)/);
    assert.match(html, /Gradient-boosted trees: \d+ trees of depth at most 4/);
    assert.doesNotMatch(html, /Scorecard bins/);
  });
});
