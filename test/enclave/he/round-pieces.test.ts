/**
 * A round's label-free pieces: at zero weights, the ones the session's opening computed for its check
 * (the bank's first round is there), equal to a fresh computation; anywhere else, and at another l2,
 * computed afresh.
 */
import { strict as assert } from 'node:assert';
import { roundPieces } from '../../../enclave/he/round-noise';
import type { TrainingDesign } from '../../../enclave/he/design';
import { newtonPieces } from '../../../models/logistic-core';
import { Random } from '../../../models/random';

describe('round pieces: the first round takes what the opening computed', () => {
  const random = new Random(11);
  const rows = 500;
  const matched = Array.from({ length: 3 }, () => Float64Array.from({ length: rows }, () => random.normal()));
  // Only the fields the pieces read.
  const design = { matched, matchedRows: rows } as unknown as TrainingDesign;

  it('hands out the zero-weight pieces once computed, equal to a fresh computation', () => {
    const zero = [0, 0, 0, 0];
    const first = roundPieces(design, zero, 1);
    assert.equal(roundPieces(design, zero, 1), first);
    const fresh = newtonPieces(matched, rows, zero, 1);
    assert.deepEqual(Array.from(first.hessian), Array.from(fresh.hessian));
    assert.deepEqual(Array.from(first.gradient), Array.from(fresh.gradient));
  });

  it('computes afresh at other weights and at another l2', () => {
    const zero = [0, 0, 0, 0];
    const kept = roundPieces(design, zero, 1);
    const other = roundPieces(design, zero, 4);
    assert.notEqual(other, kept);
    assert.deepEqual(Array.from(other.hessian), Array.from(newtonPieces(matched, rows, zero, 4).hessian));
    const w = [0.1, -0.2, 0.3, 0.05];
    const at = roundPieces(design, w, 1);
    assert.deepEqual(Array.from(at.gradient), Array.from(newtonPieces(matched, rows, w, 1).gradient));
    assert.notDeepEqual(Array.from(at.gradient), Array.from(kept.gradient));
  });
});
