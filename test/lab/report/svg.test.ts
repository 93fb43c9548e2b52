/** The report's SVG charts: round axis ticks, a zero line, every category labelled, suppressed bars explained. */
import { strict as assert } from 'node:assert';
import { barChart, lineChart, niceScale } from '../../../lab/report/svg';

const tickTexts = (svg: string): string[] => [...svg.matchAll(/class="tick"[^>]*>([^<]*)</g)].map((m) => m[1]);

/** A round tick has at most two significant digits (0.15, 30, 0.4), where 0.0783 or 0.157 have three. */
const isRound = (text: string): boolean => text.replace(/^-/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length <= 2;

describe('report charts', () => {
  it('puts axis ticks at round values (1-2-5 steps) and widens the axis to the tick above the data', () => {
    assert.deepEqual(niceScale([0, 0.3915]).ticks, [0, 0.1, 0.2, 0.3, 0.4]);
    assert.deepEqual(niceScale([0, 0.21]).ticks, [0, 0.05, 0.1, 0.15, 0.2, 0.25]);
    assert.deepEqual(niceScale([0, 1]).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(niceScale([-12.4, 31]).ticks, [-20, -10, 0, 10, 20, 30, 40]);
    assert.deepEqual(niceScale([0, 0]).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    // Calibration runs to the highest observed rate (0.3915 here): ticks 0, 0.1, ... 0.4, not 0.0783, 0.157.
    const line = lineChart({ title: 'calibration', x: 'predicted', y: 'observed', xDomain: [0, 0.3915], yDomain: [0, 0.3915] }, [{ name: 'deciles', points: [[0.1, 0.12], [0.3915, 0.35]], style: 'dots' }]);
    const bars = barChart({ title: 'shares', x: 'band', y: 'share' }, ['good', 'bad'], [{ label: 'a', values: [0.0783, 0.157] }, { label: 'b', values: [0.2, 0.011] }]);
    for (const svg of [line, bars]) {
      const ticks = tickTexts(svg).filter((t) => /^-?[\d.]+$/.test(t));
      assert.ok(ticks.length >= 4, `too few numeric ticks: ${ticks.join(' ')}`);
      for (const t of ticks) assert.ok(isRound(t), `tick ${t} is not a round value (all: ${ticks.join(' ')})`);
      const values = ticks.map(Number);
      for (let i = 2; i < values.length && values[i] > values[i - 1]; i++) assert.ok(Math.abs(values[i] - values[i - 1] - (values[1] - values[0])) < 1e-9, 'ticks are evenly spaced');
    }
    assert.deepEqual(tickTexts(line).slice(0, 5), ['0.0', '0.1', '0.2', '0.3', '0.4']);
  });
});

describe('report bar charts', () => {
  const zeroLineY = (svg: string): number | undefined => {
    const m = /<line class="zero-line"[^>]*y1="([\d.]+)"/.exec(svg);
    return m ? Number(m[1]) : undefined;
  };
  const tickY = (svg: string, text: string): number | undefined => {
    const m = new RegExp(`<text x="[\\d.]+" y="([\\d.]+)" text-anchor="end" class="tick">${text}</text>`).exec(svg);
    return m ? Number(m[1]) - 4 : undefined;
  };

  it('draws a zero line on points-by-bin charts, at the 0 tick, whether points are mixed or all positive', () => {
    for (const points of [[-14.2, 3.5, 21], [4, 12, 30]]) {
      const svg = barChart({ title: `tax_grade: points by bin ${points[0]}`, x: 'Bin', y: 'Points' }, ['points'], points.map((p, i) => ({ label: `bin ${i}`, values: [p] })));
      const y = zeroLineY(svg);
      assert.ok(y !== undefined, 'no zero line');
      assert.ok(Math.abs(y - tickY(svg, '0')!) < 0.01, 'the zero line sits at the 0 tick');
    }
  });
});

describe('report category axes', () => {
  const labels = (svg: string): string[] => [...svg.matchAll(/class="tick">([^<]*)/g)].map((m) => m[1]).filter((t) => !/^-?[\d.]+$/.test(t));

  it('writes every feature name of an information-value chart, turned upwards and in a taller, wider chart when they do not fit side by side', () => {
    const names = Array.from({ length: 30 }, (_, i) => `feature_number_${i}${i === 7 ? '_with_a_very_long_name_indeed' : ''}`);
    const svg = barChart({ title: 'Information value by feature', x: 'Feature', y: 'IV' }, ['IV'], names.map((name, i) => ({ label: name, values: [0.3 - i * 0.01] })));
    const written = labels(svg);
    assert.equal(written.length, 30, 'one label per feature');
    names.forEach((name, i) => {
      if (name.length <= 24) assert.equal(written[i], name);
      // A cut name keeps its full text as a tooltip.
      else assert.ok(written[i].endsWith('…') && svg.includes(`<title>${name}</title>`), `${name} is neither written nor given in full`);
    });
    assert.match(svg, /rotate\(-90\)" dy="4" text-anchor="end" class="tick">feature_number_0/);
    const [, width, height] = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg)!.map(Number);
    assert.ok(width >= 560 && height > 340 + 100, `${width} x ${height}`);
    // Few short labels stay level in the standard size.
    const small = barChart({ title: 'few', x: 'Bin', y: 'Points' }, ['points'], ['A', 'B', 'C'].map((label) => ({ label, values: [1] })));
    assert.deepEqual(labels(small), ['A', 'B', 'C']);
    assert.match(small, /viewBox="0 0 560 340"/);
  });
});

describe('report legends', () => {
  it('explains the hatched marker of a suppressed bar in the legend, with the same hatching', () => {
    const svg = barChart({ title: 'Score distribution by class', x: 'band', y: 'share' }, ['good', 'bad'], [{ label: '≤ 0.1', values: [0.4, null] }, { label: '≤ 0.9', values: [0.6, 1] }]);
    const hatch = /<pattern id="([^"]+)"/.exec(svg)![1];
    const legend = /<rect x="[\d.]+" y="[\d.]+" width="12" height="10" fill="url\(#([^)]+)\)"[^>]*\/><text[^>]*class="legend">suppressed: fewer than k rows<\/text>/.exec(svg);
    assert.ok(legend, 'no legend entry for suppressed bars');
    assert.equal(legend[1], hatch);
    assert.match(svg, /class="legend">good</);
    // The legend sits above the plot, so no bar can run under it.
    const plotTop = Number(/<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="[\d.]+" fill="none" stroke="#888"\/>/.exec(svg)![1]);
    for (const m of svg.matchAll(/<text x="[\d.]+" y="([\d.]+)" class="legend">/g)) assert.ok(Number(m[1]) < plotTop, `legend at ${m[1]} inside the plot from ${plotTop}`);
    // A one-series chart with nothing suppressed has no legend; with a suppressed bar it has one.
    assert.doesNotMatch(barChart({ title: 'pts', x: 'Bin', y: 'Points' }, ['points'], [{ label: 'a', values: [1] }]), /class="legend"/);
    assert.match(barChart({ title: 'pts', x: 'Bin', y: 'Points' }, ['points'], [{ label: 'a', values: [null] }, { label: 'b', values: [2] }]), /class="legend">suppressed: fewer than k rows</);
  });
});
