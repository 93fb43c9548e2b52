import { strict as assert } from 'node:assert';
import { keyedNoise } from '../../../enclave/release/population';
import { releasedSelection } from '../../../enclave/release/selection';
import { SelectionResult } from '../../../models/selection/path';

describe('released selection path', () => {
  const selection: SelectionResult = {
    features: ['b', 'c'],
    path: [
      { step: 1, action: 'filter', feature: 'a', metric: 'iv', value: 0.0123456 },
      { step: 2, action: 'filter', feature: 'd', metric: 'correlation', value: 0.87654, against: 'b' },
      { step: 3, action: 'filter', feature: 'e', metric: 'vif', value: 12.3456 },
      { step: 4, action: 'add', feature: 'b', metric: 'aic', value: 19905.3456 },
      { step: 5, action: 'add', feature: 'c', metric: 'aic', value: 19779.51 },
    ],
    start: { metric: 'aic', value: 22195.24 },
  };

  it('coarsens each figure to its grid at a keyed point: IV 3 decimals, |r| 2, VIF 2 significant digits, AIC whole units', () => {
    const noise = keyedNoise(Buffer.alloc(32, 1), 'population');
    const out = releasedSelection(selection, noise, 10);
    const [iv, r, vif, aic1, aic2] = out.path.map((s) => s.value!);
    assert.ok([0.012, 0.013].includes(iv), String(iv));
    assert.ok([0.87, 0.88].includes(r), String(r));
    assert.ok([12, 13].includes(vif), String(vif));
    assert.ok([19905, 19906].includes(aic1) && [19779, 19780].includes(aic2));
    assert.ok([22195, 22196].includes(out.start!.value!));
    assert.deepEqual(out.features, ['b', 'c']);
    assert.equal(out.path[1].against, 'b');
    // Keyed: the same population gives the same figures.
    assert.deepEqual(releasedSelection(selection, keyedNoise(Buffer.alloc(32, 1), 'population'), 10), out);
  });

  it('nulls validation AUC figures when a class of the validation slice is under k (noisy count), and never releases the slice counts', () => {
    const auc: SelectionResult = { features: ['b'], path: [{ step: 1, action: 'add', feature: 'b', metric: 'auc', value: 0.71234 }], start: { metric: 'auc', value: 0.5 }, validation: { positive: 12, negative: 500 } };
    const noise = keyedNoise(Buffer.alloc(32, 2), 'population');
    const small = releasedSelection(auc, noise, 30);
    assert.equal(small.path[0].value, null);
    assert.equal(small.start!.value, null);
    assert.match(small.note!, /fewer than about 30 rows/);
    assert.equal((small as { validation?: unknown }).validation, undefined);
    const large = releasedSelection(auc, noise, 2);
    assert.ok([0.712, 0.713].includes(large.path[0].value!));
    assert.equal(large.note, undefined);
  });
});
