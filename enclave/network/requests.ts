/** Checks of what the hub sends a member: a stable 400 for any body that is not a job, a round, an outcome or a stop. */
import { JointlabError } from '../../lab/errors';
import { assertValid } from '../../lab/spec/problems';
import { validateNetworkJobSpec } from '../../lab/network/job-spec';
import { assertProvinceCode } from '../../lab/network/province';
import { assertPublicKey } from '../../lab/secagg';
import type { Layout } from '../../lab/network/layout';
import type { MemberFinish, MemberJobRequest, MemberStop, RoundRequest } from '../../lab/api/network';
import type { Encoder } from '../../models/encoding';
import type { FeatureBinning } from '../../models/binning';

const ID = /^nj_[A-Za-z0-9-]{1,64}$/;
const ROUND = /^[A-Za-z0-9_-]{8,80}$/;

function bad(what: string): never {
  throw new JointlabError('bad_network_request', `the hub's request is malformed: ${what}`, 'usage');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const numbers = (v: unknown, what: string, length?: number): number[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x)) || (length !== undefined && v.length !== length)) bad(`${what} must be ${length ?? 'a list of'} finite numbers`);
  return v as number[];
};

export function assertLayout(v: unknown): Layout {
  if (!isObject(v) || !Array.isArray(v.features) || v.features.length === 0 || v.features.length > 200) bad('layout');
  for (const f of v.features as unknown[]) {
    if (!isObject(f) || typeof f.name !== 'string') bad('layout feature');
    if (f.kind === 'categorical') {
      if (!Array.isArray(f.levels) || f.levels.length === 0 || f.levels.length > 64 || f.levels.some((l) => typeof l !== 'string')) bad('layout levels');
    } else if (f.kind !== 'numeric') bad('layout feature kind');
  }
  return v as unknown as Layout;
}

export function assertMemberJob(body: unknown): MemberJobRequest {
  if (!isObject(body) || typeof body.id !== 'string' || !ID.test(body.id)) bad('id');
  if (typeof body.org !== 'string' || typeof body.owner !== 'string') bad('org and owner');
  const spec = assertValid(validateNetworkJobSpec, body.spec, 'network job');
  if (!Array.isArray(body.members) || body.members.length < 2) bad('members (at least two)');
  for (const m of body.members as unknown[]) {
    if (!isObject(m) || typeof m.province !== 'string' || typeof m.publicKey !== 'string') bad('member');
    assertProvinceCode(m.province);
    assertPublicKey(m.publicKey);
  }
  return { id: body.id, org: body.org, owner: body.owner, spec, members: body.members as MemberJobRequest['members'], layout: assertLayout(body.layout) };
}

function assertEncoder(v: unknown): Encoder {
  if (!isObject(v) || !Array.isArray(v.features) || !Array.isArray(v.columns) || v.columns.length !== v.features.length) bad('encoder');
  for (const c of v.columns as unknown[]) {
    if (!isObject(c) || typeof c.name !== 'string') bad('encoder column');
    if (c.kind === 'numeric') {
      numbers([c.mean, c.scale], 'mean and scale');
      if ((c.scale as number) <= 0 || typeof c.missingIndicator !== 'boolean') bad('encoder scale');
    } else if (c.kind !== 'categorical' || !Array.isArray(c.levels) || c.levels.some((l) => typeof l !== 'string')) bad('encoder levels');
  }
  return v as unknown as Encoder;
}

function assertBinnings(v: unknown): FeatureBinning[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > 200) bad('binnings');
  for (const b of v as unknown[]) {
    if (!isObject(b) || typeof b.name !== 'string' || !Array.isArray(b.bins) || !isObject(b.missing)) bad('binning');
    numbers([...(b.bins as unknown[]).map((bin) => (isObject(bin) ? bin.woe : NaN)), b.missing.woe], 'bin WOE');
    if (b.kind === 'numeric') numbers(b.edges, 'binning edges', (b.bins as unknown[]).length - 1);
    else if (b.kind !== 'categorical' || !Array.isArray(b.levelBins) || typeof b.otherBin !== 'number' || b.otherBin < 0 || b.otherBin >= (b.bins as unknown[]).length) bad('categorical binning');
    else if ((b.levelBins as unknown[]).some((lb) => !Array.isArray(lb) || typeof lb[0] !== 'string' || typeof lb[1] !== 'number' || lb[1] < 0 || lb[1] >= (b.bins as unknown[]).length)) bad('level bins');
  }
  return v as FeatureBinning[];
}

export function assertRound(body: unknown): RoundRequest {
  if (!isObject(body) || typeof body.round !== 'string' || !ROUND.test(body.round)) bad('round id');
  const round = body.round;
  switch (body.phase) {
    case 'moments':
      return { round, phase: 'moments' };
    case 'spread': {
      const centers = numbers(body.centers, 'centers');
      const spreads = numbers(body.spreads, 'spreads', centers.length);
      if (spreads.some((s) => s <= 0)) bad('spreads must be positive');
      return { round, phase: 'spread', centers, spreads };
    }
    case 'grid': {
      if (!Array.isArray(body.grids)) bad('grids');
      const grids = (body.grids as unknown[]).map((g) => {
        if (!isObject(g)) bad('grid');
        const [lo, width] = numbers([g.lo, g.width], 'grid bounds');
        if (width <= 0) bad('grid width');
        return { lo, width };
      });
      return { round, phase: 'grid', grids };
    }
    case 'bins': {
      if (!Array.isArray(body.edges)) bad('edges');
      const edges = (body.edges as unknown[]).map((e) => numbers(e, 'edges'));
      if (edges.some((e) => e.length > 256 || e.some((x, i) => i > 0 && x <= e[i - 1]))) bad('edges must be increasing, at most 256');
      return { round, phase: 'bins', edges };
    }
    case 'newton':
    case 'evaluate': {
      const beta = numbers(body.beta, 'coefficients');
      if (body.binnings !== undefined) return { round, phase: body.phase, binnings: assertBinnings(body.binnings), beta };
      return { round, phase: body.phase, encoder: assertEncoder(body.encoder), beta };
    }
    default:
      return bad('phase');
  }
}

export function assertFinish(body: unknown): MemberFinish {
  if (!isObject(body) || !isObject(body.outcome) || !isObject(body.outcome.released) || !Array.isArray(body.outcome.withheld) || typeof body.outcome.k !== 'number') bad('outcome');
  return { outcome: body.outcome as unknown as MemberFinish['outcome'], seconds: typeof body.seconds === 'number' ? body.seconds : 0 };
}

/** The hub's word that it stopped a job; the reason is the hub's own wording, kept short. */
export function assertStop(body: unknown): MemberStop {
  if (!isObject(body) || (body.outcome !== 'interrupted' && body.outcome !== 'refused')) bad('outcome (interrupted or refused)');
  if (typeof body.reason !== 'string' || body.reason.length === 0 || body.reason.length > 300) bad('reason');
  return { outcome: body.outcome, reason: body.reason };
}
