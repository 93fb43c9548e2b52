/**
 * The monitoring disclosure rule (enclave/release/monitoring-bins.ts) on populations small enough to
 * force merging: no released bin holds fewer than k rows of either snapshot, rare levels pool into an
 * "other" that is always there, a population too small to bin is withheld, and the noise follows the
 * snapshot and the bin's members (not the model or the question).
 */
import { strict as assert } from 'node:assert';
import { MonitoredSide, memberHashes, releasedCategoricalFigure, releasedNumericFigure } from '../../../enclave/release/monitoring-bins';
import { keyedNoise } from '../../../enclave/release/population';
import { Random } from '../../../models/random';
import type { StabilityFigure } from '../../../lab/api/monitor';
import { rowsInBin } from '../monitor/hand-data';

const SECRET = Buffer.alloc(32, 7);
const side = (ids: string[], snapshot: string): MonitoredSide => ({ members: memberHashes(SECRET, ids), noise: keyedNoise(SECRET, snapshot) });
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `E${i + from}`);
const released = (o: ReturnType<typeof releasedNumericFigure>): StabilityFigure => {
  assert.ok('released' in o, 'withheld' in o ? o.withheld : '');
  return o.released;
};

describe('k-safe monitoring bins', () => {
  const k = 10;

  it('merges deciles of small populations until every bin holds k rows of both snapshots', () => {
    let checked = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rng = new Random(seed);
      const n = 40 + rng.int(0, 80);
      const base = Array.from({ length: n }, () => (rng.bernoulli(0.1) ? NaN : Math.round(rng.normal() * 100) / 10));
      const current = Array.from({ length: n + rng.int(-10, 10) }, () => (rng.bernoulli(0.1) ? NaN : Math.round((rng.normal() + 0.5) * 100) / 10));
      const figure = releasedNumericFigure('x', [side(ids(base.length), `b${seed}`), side(ids(current.length), `c${seed}`)], [base, current], k);
      if ('withheld' in figure) continue;
      const nullable = (xs: number[]) => xs.map((v) => (Number.isNaN(v) ? null : v));
      for (const bin of figure.released.bins) {
        assert.ok(rowsInBin(bin.label, nullable(base)) >= k, `seed ${seed}: ${bin.label} holds ${rowsInBin(bin.label, nullable(base))} base rows`);
        assert.ok(rowsInBin(bin.label, nullable(current)) >= k, `seed ${seed}: ${bin.label} current`);
      }
      assert.ok(figure.released.bins.length < 10, 'deciles of fewer than 120 rows had to merge');
      checked++;
    }
    assert.ok(checked >= 15, `${checked} of 20 populations released`);
  });

  it('pools levels under k into "other", which is always there, and never shows a level standing for fewer than k rows', () => {
    const counts: [string, number, number][] = [['A', 60, 50], ['B', 40, 45], ['C', 25, 30], ['D', 3, 4], ['E', 1, 0], ['F', 0, 1]];
    const values = (side: 1 | 2) => counts.flatMap((c) => new Array<string>(c[side]).fill(c[0]));
    const [b, c] = [values(1), values(2)];
    const figure = released(releasedCategoricalFigure('grade', [side(ids(b.length), 'b'), side(ids(c.length), 'c')], [b, c], k));
    const shown = figure.bins.flatMap((bin) => bin.label.split(' + '));
    assert.ok(shown.includes('other'));
    for (const level of ['D', 'E', 'F']) assert.ok(!shown.includes(level), `${level} is named`);
    // Every shown level holds at least k rows on both sides.
    for (const level of shown.filter((l) => l !== 'other')) assert.ok(counts.find((x) => x[0] === level)!.slice(1).every((n) => (n as number) >= k));
    // Without a rare level, "other" is still formed (empty: noise only) and joins the smallest kept level.
    const common = released(releasedCategoricalFigure('grade', [side(ids(100), 'b2'), side(ids(100), 'c2')], [new Array(100).fill('A'), new Array(100).fill('A')], k));
    assert.deepEqual(common.bins.map((bin) => bin.label), ['A + other']);
  });

  it('withholds a figure whose population cannot fill a bin of k rows', () => {
    const o = releasedNumericFigure('x', [side(ids(12), 'b'), side(ids(12), 'c')], [Array.from({ length: 12 }, (_, i) => i), Array.from({ length: 12 }, (_, i) => i)], k);
    assert.ok('withheld' in o);
    assert.match(o.withheld, /too few rows for bins of at least 10/);
  });

  it('draws the same noise for the same snapshot and members whatever asks: asking again changes nothing, a snapshot against itself shows PSI 0', () => {
    const rng = new Random(3);
    const x = Array.from({ length: 2000 }, () => rng.normal());
    const y = Array.from({ length: 2000 }, () => rng.normal() + 0.3);
    const sides: [MonitoredSide, MonitoredSide] = [side(ids(2000), 'v1'), side(ids(2000), 'v2')];
    const a = released(releasedNumericFigure('score', sides, [x, y], k, false));
    // Another model's score, or another job asking: the same figures, so there is nothing to average away.
    assert.deepEqual(released(releasedNumericFigure('score', sides, [x, y], k, false)), a);
    // A monotone transform orders the rows alike; only rows at the (rounded) edges change bins, and the shares hardly move.
    const b = released(releasedNumericFigure('score', sides, [x.map((v) => 2 * v + 1), y.map((v) => 2 * v + 1)], k, false));
    a.bins.forEach((bin, i) => assert.ok(Math.abs(bin.base - b.bins[i].base) <= 0.01 && Math.abs(bin.current - b.bins[i].current) <= 0.01));
    const same = released(releasedNumericFigure('score', [sides[0], sides[0]], [x, x], k, false));
    assert.equal(same.index, 0);
    assert.ok(a.index > 0.05, `a shift of 0.3 sd shows: ${a.index}`);
  });
});
