/** Answer and request types of the national network: hub members, network jobs, and the hub-to-enclave protocol. */
import type { Grid, Layout } from '../network/layout';
import type { FeatureBinning } from '../../models/binning';
import type { NetworkJobSpec } from '../network/job-spec';
import type { Encoder } from '../../models/encoding';
import type { JobState } from '../lifecycle';
import type { ReleaseOutcome } from './results';

/** `GET /v1/network/info` on a member enclave (hub token). */
export interface MemberInfo {
  province: string;
  publicKey: string;
  standard: { name: string; version: string; columns: { name: string; type: 'numeric' | 'categorical'; unit?: string; meaning: string; levels?: string[] }[] } | null;
  datasets: { name: string; columns: { name: string; type: 'numeric' | 'categorical'; policy: string }[] }[];
}

/** A member as the hub lists it (`GET /v1/members`): never its token. */
export interface HubMember {
  province: string;
  name: string;
  url: string;
  publicKey: string;
  standard: { name: string; version: string } | null;
  datasets: MemberInfo['datasets'];
  addedAt: string;
}

export interface RosterEntry {
  province: string;
  publicKey: string;
}

/** `POST /v1/network/jobs` on a member (hub token): the province's part of a network job. */
export interface MemberJobRequest {
  id: string;
  org: string;
  owner: string;
  spec: NetworkJobSpec;
  members: RosterEntry[];
  layout: Layout;
}

/** `GET /v1/network/jobs/:id` on a member: its steward's decision and its own k. */
export interface MemberJobState {
  id: string;
  province: string;
  state: JobState;
  reason: string | null;
  k: number;
  minTrainingRows: number;
}

export type RoundPhase = 'moments' | 'spread' | 'grid' | 'bins' | 'newton' | 'evaluate';

export type RoundParams =
  | { phase: 'moments' }
  | { phase: 'spread'; centers: number[]; spreads: number[] }
  | { phase: 'grid'; grids: Grid[] }
  | { phase: 'bins'; edges: number[][] }
  | ({ phase: 'newton' | 'evaluate'; beta: number[] } & ({ encoder: Encoder } | { binnings: FeatureBinning[] }));

/** `POST /v1/network/jobs/:id/rounds` body. */
export type RoundRequest = { round: string } & RoundParams;

/** A province's masked statistic: 8-byte little-endian entries modulo 2^64, base64. */
export interface MaskedShare {
  province: string;
  round: string;
  length: number;
  masked: string;
}

/** `POST /v1/network/jobs/:id/finish` body: the network's checked outcome, the same for every province. */
export interface MemberFinish {
  outcome: ReleaseOutcome;
  seconds: number;
}

/** `POST /v1/network/jobs/:id/stop` body: the hub stopped the job, for a retry (interrupted) or for good (refused). */
export interface MemberStop {
  outcome: 'interrupted' | 'refused';
  reason: string;
}

/**
 * interrupted: a province dropped out of a round (retry with `run`); refused: a province declined the
 * job for good under one of its rules (its code in `refusal`), so running it again would not help.
 */
export type HubJobState = 'submitted' | 'training' | 'interrupted' | 'refused' | 'released' | 'withheld' | 'rejected' | 'failed';

/** Which province declined a refused job and the stable code of its rule: never the province's figures. */
export interface HubRefusal {
  province: string;
  code: string;
}

/** `GET /v1/jobs/:id` on the hub. */
export interface HubJobView {
  id: string;
  name: string;
  org: string;
  state: HubJobState;
  reason: string | null;
  /** Set when the job is `refused`. */
  refusal: HubRefusal | null;
  spec: NetworkJobSpec;
  /** `absent`: the province never took the job (it refused it at submission). */
  provinces: { province: string; state: JobState | 'unreachable' | 'absent'; reason: string | null }[];
  rounds: { completed: number; aborted: number };
  result: (ReleaseOutcome & { seconds: number; iterations: number; converged: boolean }) | null;
  createdAt: string;
  updatedAt: string;
}
