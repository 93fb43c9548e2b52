/** Labels paired with the upload's rows by id: any order is put right, and a file that does not match one to one is refused by name. */
import { strict as assert } from 'node:assert';
import { alignLabels } from '../../../lab/he/label-alignment';
import { JointlabError } from '../../../lab/errors';

describe('alignLabels', () => {
  const upload = ['a', 'b', 'c', 'd'];

  it('puts labels in any order into the upload order', () => {
    assert.deepEqual(Array.from(alignLabels(upload, { ids: ['d', 'b', 'a', 'c'], values: [1, 0, 1, 0] })), [1, 0, 0, 1]);
  });

  it('refuses missing, duplicated and foreign ids at once, with counts and the first few names', () => {
    const many = Array.from({ length: 8 }, (_, i) => `x${i}`);
    assert.throws(
      () => alignLabels(upload, { ids: ['a', 'a', 'b', ...many], values: Array(11).fill(0), source: 'labels.csv' }),
      (e: JointlabError) =>
        e.code === 'labels_misaligned' &&
        e.category === 'validation' &&
        e.message.startsWith('labels.csv: the labels must match the upload\'s 4 ids one to one') &&
        e.message.includes('2 (c, d) uploaded ids have no label') &&
        e.message.includes('1 (a) id has more than one label') &&
        e.message.includes('8 (x0, x1, x2, x3, x4, ...) labelled ids are not in the upload'),
    );
  });
});
