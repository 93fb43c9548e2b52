import { strict as assert } from 'node:assert';
import { linearForm } from '../../../lab/he/model-terms';
import { PARAM_SETS, classSumPasses, rotationSteps, slotsOf } from '../../../lab/he/params';
import { MISSING_LEVEL } from '../../../models/encoding';
import { ModelFile } from '../../../models/model';

describe('HE parameter sets', () => {
  it('stay within the 128-bit bound on the coefficient modulus for their ring', () => {
    const bound: Record<number, number> = { 8192: 218, 16384: 438 };
    for (const set of Object.values(PARAM_SETS)) assert.ok(set.coeffBits.reduce((a: number, b: number) => a + b, 0) <= bound[set.polyModulusDegree]);
  });

  it('fold columns into 16 interleaved classes (step 1), sum within a class (steps 16 and 512), and declare conjugation (step 0) for the label check', () => {
    assert.equal(slotsOf('n8192'), 4096);
    assert.deepEqual(rotationSteps('n8192'), [1, 16, 512, 0]);
    assert.deepEqual(rotationSteps('n16384'), [1, 16, 512, 0]);
    // Each pass's copies times the class count cover every slot once: 16 x 32 x 16 = 8192, 16 x 32 x 8 = 4096.
    assert.deepEqual(classSumPasses(8192).map((p) => p.copies), [32, 16]);
    assert.deepEqual(classSumPasses(4096).map((p) => p.copies), [32, 8]);
  });
});

describe('a model as a linear form over platform terms', () => {
  it('rewrites logistic regression for platform-wide standardization, by hand', () => {
    // Fitted on mean 10, scale 2 with weight 0.5 and missing weight 0.3; the platform has mean 12, sd 4.
    const model = {
      kind: 'lr',
      features: [{ name: 'x', kind: 'numeric' }, { name: 'c', kind: 'categorical' }],
      state: {
        encoder: {
          features: [{ name: 'x', kind: 'numeric' }, { name: 'c', kind: 'categorical' }],
          columns: [
            { kind: 'numeric', name: 'x', mean: 10, scale: 2, missingIndicator: true },
            { kind: 'categorical', name: 'c', levels: ['a', MISSING_LEVEL] },
          ],
        },
        weights: [0.5, 0.3, -0.7, 0.2],
        intercept: -1,
      },
    } as unknown as ModelFile;
    const form = linearForm(model, { numeric: { x: { mean: 12, sd: 4 } } });
    assert.deepEqual(form.terms, [
      { feature: 'x', kind: 'z' },
      { feature: 'x', kind: 'missing' },
      { feature: 'c', kind: 'level', level: 'a' },
      { feature: 'c', kind: 'missing' },
    ]);
    // shift = 0.5 * (12 - 10) / 2 = 0.5; z coefficient = 0.5 * 4 / 2 = 1.
    assert.deepEqual(form.coefficients, [1, 0.3 - 0.5, -0.7, 0.2]);
    assert.equal(form.constant, -0.5);
    // At x = 14 (z = 0.5), c = a: the model's logit is -1 + 0.5 * (14 - 10) / 2 - 0.7 = -0.7.
    assert.ok(Math.abs(form.constant + form.coefficients[0] * 0.5 + form.coefficients[2] - -0.7) < 1e-12);
  });

  it('refuses a family it cannot write as a sum of terms', () => {
    assert.throws(() => linearForm({ kind: 'mlp', features: [], state: {} } as unknown as ModelFile, { numeric: {} }), /logistic regression and scorecard/);
  });
});
