import { strict as assert } from 'node:assert';
import { parseCsv } from '../../lab/data/csv';
import { frameOf, labelsOf, splitOf } from '../../lab/data/columns';
import { innerJoin } from '../../lab/data/join';
import { JointlabError } from '../../lab/errors';

const guest = parseCsv('id,y,x0\n1,0,0.5\n2,1,1.5\n3,0,\n4,1,2\n', 'data/guest.csv');
const host = parseCsv('id,x0,grade\n4,9,A\n2,8,B\n1,7,NA\n', 'host.csv');

function errorOf(f: () => unknown): JointlabError {
  try {
    f();
  } catch (e) {
    if (e instanceof JointlabError) return e;
    throw e;
  }
  assert.fail('expected an error');
}

describe('joining and typing columns', () => {
  const joined = innerJoin(
    [
      { source: 'data/guest.csv', table: guest },
      { source: 'host.csv', table: host },
    ],
    'id',
  );

  it('keeps ids found in every file, in the first file\'s order, and prefixes clashing names with the file base name', () => {
    assert.deepEqual(joined.ids, ['1', '2', '4']);
    assert.deepEqual(joined.names, ['y', 'guest.x0', 'host.x0', 'grade']);
    assert.deepEqual(joined.cells.get('host.x0'), ['7', '8', '9']);
  });

  it('types numeric and categorical columns, with NA and empty cells missing', () => {
    const frame = frameOf(joined, ['guest.x0', 'grade'], new Set());
    assert.equal(frame.columns[0].kind, 'numeric');
    assert.deepEqual(Array.from(frame.columns[0].values as Float64Array), [0.5, 1.5, 2]);
    assert.deepEqual(frame.columns[1], { name: 'grade', kind: 'categorical', values: [null, 'B', 'A'] });
    assert.equal(frameOf(joined, ['host.x0'], new Set(['host.x0'])).columns[0].kind, 'categorical');
  });

  it('refuses a join with no rows, an unknown column, a bad label and a bad split mark', () => {
    const other = parseCsv('id,z\n99,1\n', 'other.csv');
    assert.equal(errorOf(() => innerJoin([{ source: 'g.csv', table: guest }, { source: 'other.csv', table: other }], 'id')).code, 'empty_join');
    assert.equal(errorOf(() => innerJoin([{ source: 'g.csv', table: guest }], 'key')).code, 'unknown_column');
    assert.equal(errorOf(() => frameOf(joined, ['nope'], new Set())).code, 'unknown_column');
    assert.equal(errorOf(() => labelsOf(joined, 'guest.x0')).code, 'bad_label');
    assert.deepEqual(Array.from(labelsOf(joined, 'y')), [0, 1, 1]);
    const split = innerJoin([{ source: 's.csv', table: parseCsv('id,split\n1,train\n2,test\n3,valid\n', 's.csv') }], 'id');
    assert.equal(errorOf(() => splitOf(split, 'split')).code, 'bad_split_value');
  });

  it('refuses a non-number in a numeric column, naming the line and not the value', () => {
    const rows = Array.from({ length: 20 }, (_, i) => `${i},${i === 7 ? 'ABC123' : i}`).join('\n');
    const t = innerJoin([{ source: 'n.csv', table: parseCsv(`id,v\n${rows}\n`, 'n.csv') }], 'id');
    const e = errorOf(() => frameOf(t, ['v'], new Set()));
    assert.equal(e.code, 'non_numeric_value');
    assert.match(e.message, /line 9/);
    assert.doesNotMatch(e.message, /ABC123/);
  });

  it('refuses duplicate ids without echoing them', () => {
    const e = errorOf(() => innerJoin([{ source: 'd.csv', table: parseCsv('id,v\nX9,1\nX9,2\n', 'd.csv') }], 'id'));
    assert.equal(e.code, 'duplicate_id');
    assert.doesNotMatch(e.message, /X9/);
  });
});
