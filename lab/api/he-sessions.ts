/**
 * HE sessions as the API answers them (`/v1/he/sessions`): what a session tells its bank, and the
 * JSON headers of the binary envelopes (lab/he/frames.ts) the rounds and scores come back in.
 */
import type { ParamSetName } from '../he/params';
import type { Encoder } from '../../models/encoding';

/** What a session's rounds disclose; handed to the bank with the session (none of it depends on the data). */
export interface RoundPrivacy {
  epsilon: number;
  delta: number;
  rounds: number;
  /** Row norm the design is clipped to: one row's largest share of v = g - X^T y. */
  clip: number;
  /** Standard deviation of the Gaussian noise added to each coordinate of v in each round. */
  noiseStd: number;
  /** Largest |weight| a round accepts. */
  maxWeight: number;
}

export interface ScoreStats {
  /**
   * Mean and standard deviation of each numeric feature the `z` terms standardize by, rounded to 3
   * significant digits: the bank needs them to rewrite its model, and the enclave standardizes with
   * the same rounded figures, so the scores do not change.
   */
  numeric: Record<string, { mean: number; sd: number }>;
  categorical: string[];
  /** Numeric features whose figures the dataset's aggregates withhold (sensitive, label, fewer than k values): no `z` terms on them. */
  withheld: string[];
}

export interface SessionInfo {
  id: string;
  job: string;
  mode: 'he-train' | 'he-score';
  paramSet: ParamSetName;
  slots: number;
  rotationSteps: number[];
  rounds: number;
  maxRounds: number;
  bytes: { in: number; out: number };
  closed: boolean;
  /** he-train: rows of the bank's upload, in whose order labels are encrypted, and the design the weights follow. */
  training?: {
    uploadRows: number;
    /** The upload's enterprise ids in row order (the bank's own ids): labels are encrypted in this order. */
    uploadIds: string[];
    design: string[];
    l2: number;
    encoder: Encoder;
    privacy: RoundPrivacy;
  };
  /** he-score: what the `z` terms are standardized by. */
  scoring?: ScoreStats;
}

/** The flooding noise added to an answer before it leaves the enclave. */
export interface FloodReport {
  /** log2 of flooding noise over the estimated computation noise: the statistical hiding it buys. */
  bits: number;
  /** Standard deviation of the added noise in the result's value domain. */
  valueStd: number;
}

/** `POST .../labels`: how long computing Enc(X^T y) took. */
export interface LabelsAnswer {
  seconds: number;
}

/** `POST .../model`: how many terms the encrypted model has. */
export interface ModelAnswer {
  terms: number;
}

/** `POST .../rounds`: the header of the envelope whose one ciphertext is Enc(new weights). */
export interface RoundHeader {
  round: number;
  flood: FloodReport;
}

/** `POST .../score`: the header of the envelope whose ciphertexts hold the scores of `ids`, in order. */
export interface ScoresHeader {
  ids: string[];
  refused: { id: string; reason: string }[];
  flood: FloodReport | null;
}
