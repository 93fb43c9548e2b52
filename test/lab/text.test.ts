import { strict as assert } from 'node:assert';
import { didYouMean, nearestName } from '../../lab/text';

describe('nearest name for "did you mean"', () => {
  const columns = ['tax_grade', 'tax_arrears', 'loan_amount_10k', 'id', 'court_cases_3y'];
  it('finds case-only differences, small typos, swapped letters and a missing suffix', () => {
    assert.equal(nearestName('ID', columns), 'id');
    assert.equal(nearestName('tax_grde', columns), 'tax_grade');
    assert.equal(nearestName('tax_gared', columns), 'tax_grade');
    assert.equal(nearestName('loan_amount', columns), 'loan_amount_10k');
    assert.equal(nearestName('court_cases', columns), 'court_cases_3y');
  });
  it('suggests nothing for names that are not close', () => {
    assert.equal(nearestName('electricity', columns), undefined);
    assert.equal(nearestName('x', columns), undefined);
    assert.equal(didYouMean('zzz', columns), '');
    assert.equal(didYouMean('tax_grde', columns), '; did you mean "tax_grade"?');
  });
});
