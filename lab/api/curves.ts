/**
 * The released curves of a trained job, coarsened so that every figure stands for at least k test
 * rows. Their shapes are declared with the coarsening itself, in models/curves.ts (pure, so the
 * local lab draws the same curves); this module is where the API contract names them.
 */
export type { CalibrationBin, CurvePoint, Curves, ScoreBand } from '../../models/curves';
