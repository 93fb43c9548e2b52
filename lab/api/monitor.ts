/** What a monitor job releases (`released.stability` in GET /v1/jobs/:id/results): PSI of a model's score and CSI of its platform features between two snapshots. */
import type { StabilityLevel } from '../../models/stability';

/** One bin as released: its label (edges to three significant digits, or category levels) and its share of each snapshot, to SHARE_DIGITS decimals. */
export interface ReleasedStabilityBin {
  label: string;
  base: number;
  current: number;
}

/** A score's or a feature's index on k-safe bins, computed from the released shares (anyone can recompute it from them). */
export interface StabilityFigure {
  name: string;
  index: number;
  level: StabilityLevel;
  bins: ReleasedStabilityBin[];
}

export interface MonitoredSnapshot {
  version: number;
  importedAt: string;
  /** Rows under the disclosure rule: rounded, null under k. */
  rows: number | null;
}

export interface ReleasedStability {
  /** The monitored job and its model's family. */
  job: string;
  family: string;
  dataset: string;
  base: MonitoredSnapshot;
  current: MonitoredSnapshot;
  /** full: the whole score (probability of default) of a platform-only model; platform: the platform part of a joint model (log-odds or points). */
  score: StabilityFigure & { part: 'full' | 'platform'; unit: 'probability' | 'logit' | 'points' };
  features: StabilityFigure[];
  /** The usual reading: stable under `watch`, a shift from `shift` on. */
  thresholds: { watch: number; shift: number };
  /** Every bin stands for at least this many rows in both snapshots. */
  k: number;
}
