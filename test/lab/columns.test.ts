import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMissingCell, typedColumn } from '../../lab/data/columns';
import { JoinedTable } from '../../lab/data/join';
import { REPO_ROOT, runCli, tempDir } from '../helpers/cli';

function joinedOf(columns: Record<string, string[]>): JoinedTable {
  const names = Object.keys(columns);
  const rows = columns[names[0]].length;
  return { ids: Array.from({ length: rows }, (_, i) => `e${i}`), lines: Array.from({ length: rows }, (_, i) => i + 2), names, cells: new Map(Object.entries(columns)) };
}

describe('missing cells do not swallow real categories', () => {
  it('reads "none" as a category in a category column and as a gap in a number column', () => {
    const t = joinedOf({ collateral: ['none', 'None', 'property', 'NA', ''], amount: ['1.5', 'None', '2', 'NA', '3'] });
    const collateral = typedColumn(t, 'collateral', new Set());
    assert.equal(collateral.kind, 'categorical');
    assert.deepEqual(collateral.values, ['none', 'None', 'property', null, null]);
    const amount = typedColumn(t, 'amount', new Set());
    assert.equal(amount.kind, 'numeric');
    assert.deepEqual([...(amount.values as Float64Array)].map((v) => (Number.isNaN(v) ? null : v)), [1.5, null, 2, null, 3]);
    assert.equal(isMissingCell('none'), false);
    assert.equal(isMissingCell(' NONE ', 'numeric'), true);
    for (const gap of ['', 'NA', 'nan', 'null', 'N/A', '-']) assert.equal(isMissingCell(gap), true, gap);
  });

  it('a scorecard on the sample bank table bins collateral "none" as a category, not as missing', () => {
    // The data dictionary lists none / guarantee / equipment / property; none is the commonest.
    assert.match(readFileSync(join(REPO_ROOT, 'datasets-sample', 'README.md'), 'utf8'), /\| `collateral` \| category \| none \/ guarantee \/ equipment \/ property \|/);
    const model = join(tempDir(), 'scorecard.json');
    const r = runCli(['train', '--data', join(REPO_ROOT, 'datasets-sample', 'bank.csv'), '--label', 'default_12m', '--model', 'scorecard', '--out', model]);
    assert.equal(r.code, 0, r.stderr);
    const binnings = JSON.parse(readFileSync(model, 'utf8')).state.binnings as { name: string; levelBins: [string, number][]; missing: { count: number } }[];
    const collateral = binnings.find((b) => b.name === 'collateral')!;
    assert.equal(collateral.missing.count, 0);
    assert.ok(collateral.levelBins.some(([level]) => level === 'none'), JSON.stringify(collateral.levelBins));
  });
});
