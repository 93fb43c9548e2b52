/** What `GET /v1/jobs/:id/results` answers: the release outcome of a trained job, and nothing the check held back. */
import type { JobState } from '../lifecycle';
import type { OUTPUTS } from '../spec/job-spec';
import type { BinaryMetrics } from '../../models/metrics';
import type { ModelFile } from '../../models/model';
import type { Curves } from './curves';
import type { ScoringVerdict } from './scoring';
import type { ReleasedSelection } from './selection';
import type { ReleasedStability } from './monitor';

export type OutputPart = (typeof OUTPUTS)[number];

export interface Released {
  parameters?: { model: ModelFile; description: Record<string, unknown> };
  /** Released with the parameters and withheld with them: the kept features in order and each step's figure. */
  selection?: ReleasedSelection;
  metrics?: { train?: BinaryMetrics; test?: BinaryMetrics; rows: { train: number; test: number } };
  curves?: Curves;
  /** Monitor jobs: PSI and CSI between two snapshots (lab/api/monitor.ts). */
  stability?: ReleasedStability;
}

/** A part the release check held back, with the reason (never a value from the data). */
export interface Withheld {
  /** A spec output, or (monitor jobs) the stability figures. */
  part: OutputPart | 'stability';
  reason: string;
}

export interface ReleaseOutcome {
  released: Released;
  withheld: Withheld[];
  k: number;
}

export interface JobResults extends ReleaseOutcome {
  id: string;
  state: JobState;
  reason: string | null;
  backend: string;
  seconds: number;
  /** Whether the released model may score enterprises in the clear. */
  scoring?: ScoringVerdict;
}
