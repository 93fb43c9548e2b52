/** The selection context a family's hyper-parameters imply: the scorecard's binning for IV, the fit's own l2. */
import { BinningOptions } from '../binning';
import { Encoder } from '../encoding';
import { scorecard } from '../scorecard';
import { SelectionContext } from './select';

export function selectionContext(
  family: 'lr' | 'scorecard',
  params: Record<string, unknown>,
  seed: number,
  extra: { encoder?: Encoder; countNoise?: (tag: string) => number; minBinCount?: number } = {},
): SelectionContext {
  // Logistic regression has no binning of its own: IV is measured with the scorecard's defaults.
  const source = family === 'scorecard' ? (params as unknown as typeof scorecard.defaults) : scorecard.defaults;
  const binning: BinningOptions = {
    initialBins: source.initialBins,
    minBinShare: source.minBinShare,
    minBinCount: Math.max(source.minBinCount, extra.minBinCount ?? 0),
    monotonic: source.monotonic,
    ...(extra.countNoise ? { countNoise: extra.countNoise } : {}),
  };
  return {
    family,
    binning,
    l2: Number(params.l2 ?? 1),
    seed,
    ...(extra.encoder ? { encoder: extra.encoder } : {}),
    ...(typeof params.minLevelCount === 'number' ? { minLevelCount: params.minLevelCount } : {}),
  };
}
