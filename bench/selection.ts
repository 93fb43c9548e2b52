/** Feature selection on the shared data (fixed split): features kept, test AUC and time, against the fit on every feature in the same run. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { frameOf, labelsOf, splitOf } from '../lab/data/columns';
import { loadJoined } from '../lab/train';
import { takeLabels, takeRows } from '../models/frame';
import { logisticRegression } from '../models/logistic-regression';
import { auc } from '../models/metrics';
import { scorecard } from '../models/scorecard';
import { SELECTION_DEFAULTS, SelectionOptions, keepColumns, selectFeatures, selectionContext } from '../models/selection';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

async function main(): Promise<void> {
  const files = ['default_credit_hetero_guest.csv', 'default_credit_hetero_host.csv', 'default_credit_split.csv'].map((f) => join(SHARED, f));
  if (!files.every(existsSync)) {
    console.log(`selection benchmark skipped: ${SHARED} not found`);
    return;
  }
  const joined = loadJoined(files, 'id');
  const frame = frameOf(joined, joined.names.filter((n) => n !== 'y' && n !== 'split'), new Set());
  const labels = labelsOf(joined, 'y');
  const parts = splitOf(joined, 'split');
  const train = { frame: takeRows(frame, parts.train), y: takeLabels(labels, parts.train) };
  const test = { frame: takeRows(frame, parts.test), y: takeLabels(labels, parts.test) };
  console.log(`feature selection on the shared data (${parts.train.length} / ${parts.test.length} rows, ${frame.columns.length} features)`);
  const cases: [string, Partial<SelectionOptions>][] = [
    ['stepwise by AIC, IV >= 0.02, VIF <= 10', { method: 'stepwise', criterion: 'aic', ivMin: 0.02, maxVif: 10 }],
    ['forward by validation AUC', { method: 'forward', criterion: 'auc' }],
    ['forward by validation AUC, |r| <= 0.8', { method: 'forward', criterion: 'auc', maxCorrelation: 0.8 }],
  ];
  for (const family of [logisticRegression, scorecard]) {
    const kind = family.kind as 'lr' | 'scorecard';
    const params = family.defaults as unknown as Record<string, unknown>;
    let started = process.hrtime.bigint();
    const all = await family.fit(train.frame, train.y, params as never, { seed: 1 });
    const reference = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(`  ${kind}, every feature: test AUC ${auc(test.y, await all.predict(test.frame)).toFixed(4)}, fit ${reference.toFixed(2)} s (reference)`);
    for (const [name, options] of cases) {
      started = process.hrtime.bigint();
      const selection = selectFeatures(train.frame, train.y, { ...SELECTION_DEFAULTS, ...options }, selectionContext(kind, params, 1));
      const model = await family.fit(keepColumns(train.frame, selection.features), train.y, params as never, { seed: 1 });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const score = auc(test.y, await model.predict(keepColumns(test.frame, selection.features)));
      console.log(`  ${kind}, ${name}: ${selection.features.length} features, test AUC ${score.toFixed(4)}, selection and fit ${seconds.toFixed(2)} s (${(seconds / reference).toFixed(1)}x the reference)`);
    }
  }
}

void main();
