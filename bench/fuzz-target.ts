/**
 * Puts an enclave into a state worth fuzzing, through its own API: consents, a second bank's upload,
 * jobs in several states (one trained and released), and open HE sessions of both protocols with
 * real keys. Expects the platform dataset `platform` and bank A's upload `customers` to exist.
 */
import { readFileSync } from 'node:fs';
import { EnclaveClient } from '../lab/client/enclave-client';
import { BankCrypto } from '../lab/he/bank-crypto';
import { encodeFrames } from '../lab/he/frames';
import { rotationSteps } from '../lab/he/params';
import { FuzzRole, FuzzTarget } from './fuzz-requests';
import type { UploadList, UploadMeta } from '../lab/api/uploads';
import type { JobView } from '../lab/api/jobs';
import type { SessionInfo } from '../lab/api/he-sessions';

export interface FuzzSeedFiles {
  platform: string;
  bank: string;
  consent: string;
}

const head = (path: string, lines: number): string => `${readFileSync(path, 'utf8').split('\n').slice(0, lines).join('\n')}\n`;

const PLATFORM_COLUMNS = ['tax_grade', 'vat_paid_12m_10k', 'court_cases_3y', 'years_established', 'utility_arrears_months'];

export async function prepareFuzzTarget(url: string, tokens: Record<FuzzRole, string>, files: FuzzSeedFiles): Promise<{ target: FuzzTarget; dispose: () => void }> {
  // The larger ring: on the smaller one the flooding policy refuses rounds and scores, and the fuzzer
  // would not reach them.
  const paramSet = 'n16384';
  const crypto = await BankCrypto.create(paramSet, rotationSteps(paramSet));
  const as = (who: FuzzRole) => new EnclaveClient(url, tokens[who]);
  const bank = as('bankA');
  const steward = as('steward');
  await steward.request('POST', 'v1/consents', { csv: readFileSync(files.consent) });
  const otherUpload = await as('bankB').request<UploadMeta>('POST', 'v1/uploads', { csv: head(files.bank, 300), query: { name: 'customers-b' } });
  const uploads = await bank.request<UploadList>('GET', 'v1/uploads');

  const spec = {
    name: 'fuzz-lr',
    purpose: 'fuzz',
    bank: { upload: 'customers', columns: ['loan_amount_10k', 'relationship_months', 'worst_overdue_days_12m'] },
    platform: { dataset: 'platform', columns: PLATFORM_COLUMNS },
    label: 'default_12m',
    model: { family: 'lr' },
  };
  const submit = async (body: object) => (await bank.request<JobView>('POST', 'v1/jobs', { json: body })).id;
  const approve = (id: string) => steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
  const released = await submit(spec);
  await approve(released);
  const pending = await submit({ ...spec, name: 'fuzz-pending' });
  const rejected = await submit({ ...spec, name: 'fuzz-rejected' });
  await steward.request('POST', `v1/jobs/${rejected}/reject`, { json: { reason: 'fuzz' } });

  const heTrainSpec = { name: 'fuzz-he-train', purpose: 'fuzz', mode: 'he-train', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' } };
  const heScoreSpec = { name: 'fuzz-he-score', purpose: 'fuzz', mode: 'he-score', platform: { dataset: 'platform', columns: ['years_established'] }, model: { family: 'lr' } };
  // Sessions on the first jobs of each mode (three for training: its labels are taken once); the last ones stay approved for session-opening requests.
  const heTrain = await Promise.all([1, 2, 3, 4].map((n) => submit({ ...heTrainSpec, name: `fuzz-he-train-${n}` })));
  const heScore = await Promise.all([1, 2, 3].map((n) => submit({ ...heScoreSpec, name: `fuzz-he-score-${n}` })));
  for (const id of [...heTrain, ...heScore]) await approve(id);

  const noGalois = new Uint8Array(0);
  const open = async (job: string, galois: Uint8Array) => (await bank.request<SessionInfo>('POST', 'v1/he/sessions', { frames: encodeFrames({ job, paramSet }, [crypto.publicKeyBytes, galois]) })).id;
  const trainSessions = [await open(heTrain[0], crypto.galoisKeyBytes), await open(heTrain[1], crypto.galoisKeyBytes), await open(heTrain[2], crypto.galoisKeyBytes)];
  const scoreSession = await open(heScore[0], noGalois);
  // A session the fuzzer may close.
  const spareSession = await open(heScore[1], noGalois);
  const terms = [{ feature: 'years_established', kind: 'z' }];
  const cipher = crypto.encryptReplicated(0.5);
  await bank.request('POST', `v1/he/sessions/${scoreSession}/model`, { frames: encodeFrames({ terms }, [cipher, crypto.encryptReplicated(-1)]) });
  const spareUpload = await bank.request<UploadMeta>('POST', 'v1/uploads', { csv: head(files.bank, 200), query: { name: 'customers-spare' } });

  // The released job is needed by scoring and report bodies: wait for the runner.
  for (let i = 0; i < 600; i++) {
    const { state } = await bank.request<JobView>('GET', `v1/jobs/${released}`);
    if (state !== 'approved' && state !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const enterpriseIds = readFileSync(files.platform, 'utf8').split('\n').slice(1, 61).map((l) => l.split(',')[0]).filter(Boolean);
  const target: FuzzTarget = {
    tokens,
    ids: {
      job: [released, pending, rejected, ...heTrain, ...heScore],
      upload: [...uploads.uploads.map((u) => u.id), otherUpload.id, spareUpload.id],
      dataset: ['platform'],
      session: [...trainSessions, scoreSession, spareSession],
    },
    sessions: { train: trainSessions, score: [scoreSession] },
    keep: [released, ...heTrain, ...heScore, ...trainSessions, scoreSession, ...uploads.uploads.map((u) => u.id)],
    heJobs: { train: heTrain.slice(3), score: heScore.slice(2) },
    enterpriseIds,
    json: {
      JobSpec: spec,
      Approve: { allowSensitive: [] },
      Reject: { reason: 'not this one' },
      Policy: { k: 10, requireTrainingConsent: false, columns: { sensitive: ['court_cases_3y'] } },
      NewPrincipal: { name: 'fuzz', role: 'bank', org: 'bank-c' },
      Round: { weights: [0, 0, 0] },
      Revoke: { enterprise: enterpriseIds[0], bank: 'bank-a', purpose: 'scoring' },
      PlainScore: { job: released, ids: enterpriseIds.slice(0, 20) },
      ScoreRequest: { ids: enterpriseIds.slice(0, 20) },
      ScoringPolicy: { modelsPerWindow: 3, windowDays: 30, noiseSwap: 0.1, noiseSd: 0.5 },
    },
    csv: {
      '/v1/datasets': head(files.platform, 40),
      '/v1/uploads': head(files.bank, 40),
      '/v1/consents': head(files.consent, 40),
    },
    // Session-opening requests carry no Galois keys: megabytes each, and the prepared sessions already cover training.
    he: { paramSet, publicKey: crypto.publicKeyBytes, galoisKeys: noGalois, cipher, terms },
  };
  return { target, dispose: () => crypto.dispose() };
}
