/**
 * Private-model scoring over an open HE session: the bank's encrypted coefficients and the plaintext
 * shape of its model's terms in once, then any number of scoring requests, each answered with
 * encrypted scores for the consented enterprises, one per slot.
 */
import { createHash } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import { decodeFrames } from '../../lab/he/frames';
import { ParamSetName, slotsOf } from '../../lab/he/params';
import { JobSpec } from '../../lab/spec/job-spec';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { checkConsent } from '../data/consents';
import { ScoreLimiter } from '../scoring/limits';
import { scoringPolicyOf } from '../scoring/policy-store';
import { perturbedCells } from '../scoring/perturbed-rows';
import { chargeModelBudget } from '../release/model-budget';
import { flagColumns } from '../release/score-bounds';
import { Db } from '../store/db';
import { BasisTerm, platformAbsence, platformTable, scoreStats } from './design';
import { snapshotKey } from '../data/datasets';
import { BasisRows } from './basis-rows';
import { DEFAULT_FLOOD } from './enclave-crypto';
import { ScoreModel, scoreBatch, scoreModel } from './seal-pool';
import { OpenSession, SessionHead, countTraffic, onSessionClosed } from './session-store';
import { countScoringRequest, timed } from './scoring-steps';
import type { FloodReport, ScoreStats } from '../../lab/api/he-sessions';

/**
 * A session's model as its scoring requests use it: the terms, the bytes checked once and shared with
 * the workers (which keep it loaded), and the rounded column figures the `z` terms use. Kept in
 * memory per session (rebuilt from the store after a restart), dropped when the session closes.
 */
interface SessionModel {
  terms: BasisTerm[];
  model: ScoreModel;
  stats: ScoreStats;
  /** Every coefficient upload is a new model: the enclave cannot see what it computes, only that it changed. */
  name: string;
  basis: BasisRows;
}

const models = new Map<string, Promise<SessionModel>>();
onSessionClosed((id) => models.delete(id));

async function sessionModel(db: Db, paramSet: ParamSetName, publicKey: Uint8Array, spec: JobSpec, body: Buffer, stats?: ScoreStats): Promise<SessionModel> {
  const { header, blobs } = decodeFrames<{ terms?: unknown }>(body);
  stats ??= await scoreStats(db, await platformTable(db, spec, []));
  const terms = assertTerms(header.terms, spec, stats);
  if (blobs.length !== terms.length + 1) throw new JointlabError('bad_ciphertext_count', `send ${terms.length + 1} coefficient ciphertexts (one per term, then the constant)`, 'usage');
  const model = await scoreModel(paramSet, publicKey, blobs, flagColumns(terms));
  return { terms, model, stats, name: `he:${createHash('sha256').update(body).digest('hex').slice(0, 32)}`, basis: new BasisRows(terms, stats) };
}

/** The bank's encrypted coefficients and the plaintext shape of its model's terms, checked and kept for the session. */
export async function receiveModel(db: Db, session: OpenSession, body: Buffer): Promise<{ terms: number }> {
  const { row, spec } = session;
  const loaded = await sessionModel(db, row.param_set, row.public_key!, spec, body);
  // Written once, in a table of its own: nothing a scoring request updates rewrites it. A session
  // closed meanwhile keeps no model.
  await db.transaction(async (q) => {
    await q.run(
      'INSERT INTO he_score_models (session, coefficients) SELECT id, ? FROM he_sessions WHERE id = ? AND closed_at IS NULL ON CONFLICT (session) DO UPDATE SET coefficients = excluded.coefficients',
      [body, row.id],
    );
    await countTraffic(q, row.id, body.length, 0);
  });
  models.set(row.id, Promise.resolve(loaded));
  return { terms: loaded.terms.length };
}

/** The session's model: in memory while the session is open, read back from the store after a restart. */
async function modelOf(db: Db, session: OpenSession<SessionHead>): Promise<SessionModel> {
  const { row, spec } = session;
  let loading = models.get(row.id);
  if (!loading) {
    loading = (async () => {
      const stored = await db.get<{ coefficients: Buffer; public_key: Buffer | null }>('SELECT m.coefficients, s.public_key FROM he_score_models m JOIN he_sessions s ON s.id = m.session WHERE m.session = ?', [row.id]);
      if (!stored?.public_key) throw new JointlabError('no_model', 'send the encrypted model first', 'conflict');
      return sessionModel(db, row.param_set, stored.public_key, spec, stored.coefficients);
    })();
    models.set(row.id, loading);
    loading.catch(() => models.delete(row.id));
  }
  return loading;
}

export interface EncryptedScores {
  ids: string[];
  refused: { id: string; reason: string }[];
  flood: FloodReport | undefined;
  ciphers: Uint8Array[];
}

/** Encrypted scores for the consented enterprises among `ids`; the others are refused by id. */
export async function scoreEncrypted(db: Db, limiter: ScoreLimiter, session: OpenSession<SessionHead>, ids: string[], actor: Principal): Promise<EncryptedScores> {
  const { row, spec } = session;
  if (!models.has(row.id) && !(await db.get('SELECT 1 AS one FROM he_score_models WHERE session = ?', [row.id]))) {
    throw new JointlabError('no_model', 'send the encrypted model first', 'conflict');
  }
  // One per-request limit for scoring in the clear and under encryption.
  limiter.assertIdCount(ids.length);
  limiter.takeRequest(actor.id);
  const { model, name, basis: basisRows } = await modelOf(db, session);
  const consent = await timed('consent', () => checkConsent(db, actor.org, 'scoring', ids));
  // Which consented ids the platform holds, from the id index: cells are read below, for the enterprises the controls let through and only once per session.
  const { meta, absent } = await timed('rows', () => platformAbsence(db, spec, consent.allowed));
  const found = consent.allowed.filter((id) => !absent.has(id));
  const missing = consent.allowed.filter((id) => absent.has(id));
  await timed('quota', () => limiter.chargeEnterprises(actor.id, found));
  const dataset = spec.platform!.dataset;
  const policy = await scoringPolicyOf(db, dataset);
  const budget = await timed('budget', () => chargeModelBudget(db, limiter.pseudonym, policy, { bank: actor.org, dataset, model: name, ids: found }));
  const scored = budget.allowed;
  const slots = slotsOf(row.param_set);
  const batchBases = await timed('basis', () =>
    basisRows.batches(meta, policy, scored, slots, async (fresh) => {
      const table = await platformTable(db, spec, fresh);
      if (snapshotKey(table.meta) !== snapshotKey(meta) || fresh.some((id) => !table.byId.has(id))) {
        throw new JointlabError('dataset_changed', 'the dataset was imported again during this request; send it again', 'conflict');
      }
      // The basis is plaintext in the enclave: the score noise goes there, the same as for scoring in the clear.
      return { ...table, byId: await timed('noise', () => perturbedCells(db, policy, dataset, table.columns, table.byId, fresh)) };
    }),
  );
  // Batches go to the pool at once, so a request of several batches keeps every worker busy.
  const answers = await timed('seal', () => Promise.all(batchBases.map((basis) => scoreBatch(model, basis, DEFAULT_FLOOD))));
  const ciphers = answers.map((a) => a.cipher);
  const flood = answers.reduce<FloodReport | undefined>((least, a) => (!least || a.flood.bits < least.bits ? a.flood : least), undefined);
  await timed('store', () =>
    db.transaction(async (q) => {
      await appendAudit(q, { actor: actor.id, action: 'he.score', object: `he:${row.id}`, detail: { scored: scored.length, refused: ids.length - scored.length, overBudget: budget.refused.length } });
      await countTraffic(q, row.id, 0, ciphers.reduce((s, c) => s + c.length, 0));
    }),
  );
  countScoringRequest();
  return {
    ids: scored,
    refused: [...consent.refused, ...missing.map((m) => ({ id: m, reason: 'no platform record' })), ...budget.refused],
    flood,
    ciphers,
  };
}

const MAX_TERMS = 512;

function assertTerms(value: unknown, spec: JobSpec, stats: ScoreStats): BasisTerm[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TERMS) throw new JointlabError('schema_violation', `"terms" must list 1 to ${MAX_TERMS} terms`, 'usage');
  const columns = new Set(spec.platform!.columns);
  return value.map((t, i) => {
    const term = t as Record<string, unknown>;
    const bad = (why: string): never => {
      throw new JointlabError('schema_violation', `term ${i}: ${why}`, 'usage');
    };
    if (typeof term?.feature !== 'string' || !columns.has(term.feature)) bad('names no platform column of the job');
    const feature = term.feature as string;
    const numeric = feature in stats.numeric || stats.withheld.includes(feature);
    switch (term.kind) {
      case 'z':
        if (stats.withheld.includes(feature)) bad(`"z" needs the mean and sd of "${feature}", which the dataset's policy withholds; use "bin" and "missing" terms`);
        if (!numeric) bad('"z" needs a numeric feature');
        return { feature: term.feature as string, kind: 'z' };
      case 'missing':
        return { feature: term.feature as string, kind: 'missing' };
      case 'level':
        if (numeric || typeof term.level !== 'string') bad('"level" needs a categorical feature and a level');
        return { feature: term.feature as string, kind: 'level', level: term.level as string };
      case 'bin': {
        const bound = (b: unknown) => b === null || (typeof b === 'number' && Number.isFinite(b));
        if (!numeric || !bound(term.lower) || !bound(term.upper)) bad('"bin" needs a numeric feature and finite or null bounds');
        return { feature: term.feature as string, kind: 'bin', lower: term.lower as number | null, upper: term.upper as number | null };
      }
      default:
        return bad('kind must be z, missing, level or bin');
    }
  });
}
