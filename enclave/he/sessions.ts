/**
 * HE sessions: opening one on an approved HE job (keys checked, job moved to running), what a
 * session tells its bank, and closing it. Each protocol's use cases live in their own module
 * (`training-session.ts`, `scoring-session.ts`); the cryptography is in `enclave-crypto.ts`.
 */
import { randomUUID } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import { decodeFrames } from '../../lab/he/frames';
import { ParamSetName, rotationSteps, slotsOf } from '../../lab/he/params';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { ScoreLimiter } from '../scoring/limits';
import { jobMode, visibleJob } from '../jobs/jobs';
import { assertHeSessionMayOpen, failHeJob, finishHeSession, startHeSession } from '../jobs/decisions';
import { assertHeTrainingFits } from '../jobs/submit';
import { getDatasetMeta } from '../data/datasets';
import { Db, Queries } from '../store/db';
import { differencingCheck, recordPopulation } from '../release/differencing';
import { noisyValue } from '../release/population';
import { platformTable, scoreStats, trainingDesign } from './design';
import { asCaller, checkKeyBytes, checkKeys, inSharedMemory } from './seal-pool';
import { EncryptedScores, receiveModel, scoreEncrypted } from './scoring-session';
import { timed } from './scoring-steps';
import { HeSettings, OpenSession, SessionHead, forgetSession, keepGaloisKeys, openSession, openSessionHead, sessionHeadRow, sessionTraffic } from './session-store';
import { deleteTotals } from './training-totals';
import { firstRoundFlood } from './round-noise';
import { trainingTimed } from './training-steps';
import { clippedDesign, newtonRoundOf, prepareLabelZeros, receiveLabels, rememberDesign, roundPrivacy, sessionDesign, sessionRounds, trainingL2 } from './training-session';
import type { FloodReport, LabelsAnswer, ModelAnswer, SessionInfo } from '../../lab/api/he-sessions';
import { decodeJob } from '../jobs/decode';
import { assertValid } from '../../lab/spec/problems';
import { validators } from '../../lab/spec/requests';

export { DEFAULT_HE_SETTINGS, closeSessionsOfJob } from './session-store';
export type { HeSettings } from './session-store';

export class HeSessions {
  constructor(
    private readonly db: Db,
    private readonly settings: HeSettings,
    private readonly limiter: ScoreLimiter,
  ) {}

  /** The open session, if its job runs the protocol asked for; `head`: without reading its keys and ciphertexts. */
  private async inMode(id: string, viewer: Principal, mode: 'he-train' | 'he-score'): Promise<OpenSession>;
  private async inMode(id: string, viewer: Principal, mode: 'he-score', head: true): Promise<OpenSession<SessionHead>>;
  private async inMode(id: string, viewer: Principal, mode: 'he-train' | 'he-score', head = false): Promise<OpenSession<SessionHead>> {
    const session = head ? await openSessionHead(this.db, id, viewer) : await openSession(this.db, id, viewer);
    if (jobMode(session.job) !== mode) {
      throw new JointlabError('wrong_mode', mode === 'he-train' ? 'labels and rounds belong to encrypted-label training sessions' : 'models and scores belong to private-scoring sessions', 'conflict');
    }
    return session;
  }

  async info(id: string, viewer: Principal): Promise<SessionInfo> {
    const row = await sessionHeadRow(this.db, id, viewer);
    const job = await visibleJob(this.db, row.job, viewer);
    const { spec, mode: decodedMode } = decodeJob(job);
    // A session is only ever opened on an HE job (create() refuses the others).
    const mode = decodedMode as 'he-train' | 'he-score';
    const base: SessionInfo = {
      id: row.id,
      job: row.job,
      mode,
      paramSet: row.param_set,
      slots: slotsOf(row.param_set),
      rotationSteps: rotationSteps(row.param_set),
      rounds: row.rounds,
      maxRounds: sessionRounds(spec, this.settings.maxRounds),
      bytes: await sessionTraffic(this.db, row),
      closed: row.closed_at !== null,
    };
    if (row.closed_at) return base;
    if (mode === 'he-train') {
      const design = await sessionDesign(this.db, row, spec);
      return {
        ...base,
        training: { uploadRows: design.uploadRows, uploadIds: design.uploadIds, design: design.names, l2: trainingL2(spec), encoder: design.encoder, privacy: roundPrivacy(spec, design.names.length, this.settings.maxRounds) },
      };
    }
    // The column figures come from the dataset's aggregates: no row of the table is read here.
    return { ...base, scoring: await scoreStats(this.db, await platformTable(this.db, spec, [])) };
  }

  /** Opens a session on an approved HE job: checks the keys, moves the job to running. */
  async create(body: Buffer, actor: Principal): Promise<SessionInfo> {
    const { header: raw, blobs } = decodeFrames<unknown>(body);
    const header = assertValid(validators.heSession, raw, 'session envelope header');
    if (blobs.length !== 2) throw new JointlabError('bad_envelope', 'send the public key and the Galois keys', 'usage');
    const paramSet = header.paramSet as ParamSetName;
    const job = await visibleJob(this.db, header.job, actor);
    const decoded = decodeJob(job);
    const { mode, spec } = decoded;
    assertHeSessionMayOpen(job, mode);
    const he = decoded.he();
    if (he.paramSet && he.paramSet !== paramSet) throw new JointlabError('param_set_mismatch', `the job was approved for parameter set ${he.paramSet}`, 'usage');
    // A training's keys may come here or with its labels (receiveLabels): a bank that makes them while
    // the session opens sends empty blobs (lab/he/protocols.ts heTrain), the public key or both.
    const keyed = mode !== 'he-train' || blobs[0].length > 0;
    const rotations = mode === 'he-train' && blobs[1].length > 0;
    if (rotations && !keyed) throw new JointlabError('bad_envelope', 'the Galois keys come with the public key, here or with the labels', 'usage');
    // Keys whose bytes do not even parse are refused before any platform row is read.
    if (keyed) await asCaller(actor.org, () => checkKeyBytes(paramSet, blobs[0], blobs[1], rotations));
    // Shared, not copied, with each SEAL worker that gets them (the check now, Enc(X^T y) later).
    const galoisKeys = inSharedMemory(blobs[1]);
    const keysChecked = keyed ? asCaller(actor.org, () => trainingTimed(mode === 'he-train' ? 'keys' : 'none', () => checkKeys(paramSet, blobs[0], galoisKeys, rotations))) : Promise.resolve();
    // The design is built in this thread while a SEAL worker checks the keys; the answers are taken in
    // the order the checks always ran (keys, fit, then the design), so a request fails with the same error.
    const designed = mode === 'he-train' ? trainingTimed('design', () => trainingDesign(this.db, spec, actor.org)) : undefined;
    // If an earlier check fails, the design is left to finish unobserved (it only reads).
    designed?.catch(() => undefined);
    await keysChecked;
    // Checked again at use, with the set the bank chose now: the job stays approved, to be opened with one that fits.
    if (mode === 'he-train') {
      const dataset = await getDatasetMeta(this.db, spec.platform!.dataset);
      if (!dataset) throw new JointlabError('not_found', `dataset "${spec.platform!.dataset}" no longer exists`, 'not_found');
      assertHeTrainingFits(spec, dataset, paramSet);
    }
    const id = `he_${randomUUID()}`;
    let recordPrint: ((q: Queries) => Promise<void>) | undefined;
    let uploadRows = 0;
    if (mode === 'he-train') {
      // Clipped as the rounds will use it: the first round's check below is on the rounds' own design.
      const design = clippedDesign(await designed!);
      const least = Math.max(this.settings.minTrainingRows, design.k);
      // Decided on a noisy count: a threshold at exactly `least` matched rows would say whether one more id is on the platform.
      if (noisyValue(design.matchedRows, design.noise.uniform('he.matched')) < least) {
        throw new JointlabError('too_few_rows', `fewer than about ${least} of the upload's rows are on the platform`, 'validation');
      }
      const tooClose = await differencingCheck(this.db, design.print, design.k);
      if (tooClose) throw new JointlabError('population_too_close', tooClose, 'conflict');
      try {
        firstRoundFlood(design, paramSet, trainingL2(spec));
      } catch (e) {
        // A refusal is an answer about this population's rows: recorded as a released population would
        // be, so that a neighbouring upload is refused as too close instead of asking again.
        if (e instanceof JointlabError && e.code === 'insufficient_precision') {
          await this.db.transaction(async (q) => {
            await recordPopulation(q, `he-refused:${id}`, design.print);
            await appendAudit(q, { actor: actor.id, action: 'he.session.refused', object: `job:${job.id}`, detail: { code: e.code } });
          });
        }
        throw e;
      }
      rememberDesign(id, design);
      uploadRows = design.uploadRows;
      recordPrint = (q) => recordPopulation(q, `he:${id}`, design.print);
    }
    await trainingTimed(mode === 'he-train' ? 'store' : 'none', () => startHeSession(this.db, job.id, actor, async (q) => {
      await q.run(
        'INSERT INTO he_sessions (id, job, owner, org, param_set, public_key, galois_keys, bytes_in, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        // A training session's Galois keys stay in memory until its labels (session-store.ts keepGaloisKeys);
        // its public key, when it comes with the labels, is stored then (an empty one marks an open session that waits for it).
        [id, job.id, actor.id, actor.org, paramSet, Buffer.from(blobs[0]), mode === 'he-train' ? null : Buffer.from(blobs[1]), body.length, new Date().toISOString()],
      );
      await appendAudit(q, { actor: actor.id, action: 'he.session.open', object: `he:${id}`, detail: { job: job.id, paramSet } });
      // An encrypted-label session releases weights over its population: later jobs are compared with it.
      await recordPrint?.(q);
    }));
    if (mode === 'he-train') {
      if (rotations) keepGaloisKeys(id, galoisKeys);
      // The workers are idle until the labels arrive: they make the labels' re-randomizing zeros meanwhile.
      if (keyed) void asCaller(actor.org, async () => prepareLabelZeros(id, paramSet, inSharedMemory(blobs[0]), uploadRows));
    }
    return this.info(id, actor);
  }

  /** he-train: the bank's encrypted labels in, Enc(X^T y) computed once and kept for the rounds. */
  async labels(id: string, body: Buffer, actor: Principal): Promise<LabelsAnswer> {
    const session = await this.inMode(id, actor, 'he-train');
    return asCaller(actor.org, () => receiveLabels(this.db, session, body));
  }

  /** he-train: one Newton round at the weights the bank sends (or `average` of them, answered as their mean); answers Enc(new weights), flooded. */
  async round(id: string, weights: number[], actor: Principal, average = 1): Promise<{ cipher: Uint8Array; flood: FloodReport; round: number }> {
    const session = await this.inMode(id, actor, 'he-train');
    return asCaller(actor.org, () => newtonRoundOf(this.db, session, weights, this.settings.maxRounds, average));
  }

  /** he-score: the bank's encrypted coefficients and the plaintext shape of its model's terms. */
  async model(id: string, body: Buffer, actor: Principal): Promise<ModelAnswer> {
    return receiveModel(this.db, await this.inMode(id, actor, 'he-score'), body);
  }

  /** he-score: encrypted scores for the consented enterprises among `ids`; the others are refused by id. */
  async score(id: string, ids: string[], actor: Principal): Promise<EncryptedScores> {
    const session = await timed('session', () => this.inMode(id, actor, 'he-score', true));
    return asCaller(actor.org, () => scoreEncrypted(this.db, this.limiter, session, ids, actor));
  }

  /**
   * Closes the session: keys and ciphertexts deleted, the job finished; or, when the bank's client
   * reports that it stopped (`failure`, a stable error code), the job failed with that reason.
   */
  async close(id: string, actor: Principal, failure?: string): Promise<void> {
    const row = await sessionHeadRow(this.db, id, actor);
    if (failure !== undefined) {
      if (!/^[a-z][a-z0-9_]{0,63}$/.test(failure)) throw new JointlabError('schema_violation', '"failed" must be an error code (lower-case letters, digits and _)', 'usage');
      const job = await visibleJob(this.db, row.job, actor);
      if (job.state === 'running') await failHeJob(this.db, row.job, actor, `the HE session stopped (${failure}, reported by the bank's client)`);
      forgetSession(id);
      return;
    }
    if (row.closed_at) return forgetSession(id);
    await this.db.transaction(async (q) => {
      await q.run('UPDATE he_sessions SET public_key = NULL, galois_keys = NULL, xty = NULL, coefficients = NULL, closed_at = ? WHERE id = ?', [new Date().toISOString(), id]);
      await deleteTotals(q, id);
      await q.run('DELETE FROM he_score_models WHERE session = ?', [id]);
      await appendAudit(q, { actor: actor.id, action: 'he.session.close', object: `he:${id}`, detail: { rounds: row.rounds } });
    });
    // Forgotten once marked closed: a labels request still computing sees the mark after keeping its state, or its state goes now.
    forgetSession(id);
    await finishHeSession(this.db, row.job, actor);
  }
}
