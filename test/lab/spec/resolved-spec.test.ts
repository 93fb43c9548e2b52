/** A spec's defaults are resolved in one place, from the schema and the family's own defaults. */
import { strict as assert } from 'node:assert';
import { JointlabError, ProblemsError } from '../../../lab/errors';
import { HE_BOUNDS } from '../../../lab/spec/he-spec';
import { JobSpec, jobSpecSchema } from '../../../lab/spec/job-spec';
import { resolveSpec } from '../../../lab/spec/resolved-spec';
import { families } from '../../../models';

const base: JobSpec = { name: 'j', purpose: 'test', bank: { upload: 'u' }, label: 'y', model: { family: 'lr' } };

describe('resolveSpec', () => {
  it('fills what a spec leaves out with the schema defaults', () => {
    const r = resolveSpec(base);
    assert.equal(r.mode, 'plaintext');
    assert.deepEqual(r.outputs, ['parameters', 'metrics', 'curves']);
    assert.deepEqual(r.validation, { testFraction: 0.3, seed: 42 });
    assert.equal(r.privacy, undefined);
    assert.deepEqual(r.params(), families.lr.defaults);
  });

  it("takes the DP lambda from the schema's default, and the spec's own when it sets one", () => {
    assert.deepEqual(resolveSpec({ ...base, privacy: { epsilon: 2 } }).privacy, { epsilon: 2, lambda: jobSpecSchema.properties.privacy.properties.lambda.default });
    assert.deepEqual(resolveSpec({ ...base, privacy: { epsilon: 2, lambda: 0.01 } }).privacy, { epsilon: 2, lambda: 0.01 });
  });

  it("merges the spec's hyper-parameters over the family's and names an unknown one", () => {
    assert.deepEqual(resolveSpec({ ...base, model: { family: 'lr', params: { l2: 3 } } }).params(), { ...families.lr.defaults, l2: 3 });
    assert.throws(
      () => resolveSpec({ ...base, model: { family: 'lr', params: { l3: 3 } } }).params(),
      (e: unknown) => e instanceof JointlabError && e.code === 'unknown_param',
    );
  });

  it('resolves HE settings at use, so a stored out-of-range setting fails there and not when the job is decoded', () => {
    const he: JobSpec = { name: 'h', purpose: 'test', mode: 'he-train', bank: { upload: 'u' }, platform: { dataset: 'd', columns: ['a'] }, model: { family: 'lr' } };
    assert.deepEqual(resolveSpec(he).he(), { paramSet: undefined, rounds: HE_BOUNDS.rounds.default, epsilon: HE_BOUNDS.epsilon.default, l2: HE_BOUNDS.l2.default });
    assert.deepEqual(resolveSpec(he).params(), { l2: HE_BOUNDS.l2.default });
    const stored = resolveSpec({ ...he, he: { rounds: 1000 } });
    assert.equal(stored.mode, 'he-train');
    assert.throws(() => stored.he(), (e: unknown) => e instanceof ProblemsError && e.code === 'schema_violation');
  });
});
