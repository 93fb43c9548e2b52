/**
 * The enclave's service facade, the one module outside callers (the CLI, the demo) import from
 * enclave/: starting and stopping the service (open and migrate the store, recover jobs, serve
 * HTTP), and the operator's tasks on the database file with no server running.
 */
import { createHandler } from './http/app';
import { listen } from './http/listen';
import { DEFAULT_SETTINGS, EnclaveContext, EnclaveSettings } from './http/context';
import { Runner } from './jobs/runner';
import { Db } from './store/db';
import { openStore } from './store/schema';
import { removeStaleSpools } from './data/csv-import';
import { choosePlatformEngine } from './columnar/engine';
import { openColumnar } from './columnar/open';
import { unregisterColumnar } from './columnar/registry';
import { loadPseudonymizer } from './audit/pseudonym';
import { ScoreLimiter } from './scoring/limits';
import { addPrincipal } from './auth/principals';
import { tailAudit, verifyAudit } from './audit/log';
import type { AuditTail, AuditVerdict } from '../lab/api/audit';
import { principalsOf } from './audit/actors';
import type { Principal } from '../lab/api/principals';
import { holdSealPool, warmSealWorkers } from './he/seal-pool';
import { settleTrainingDesigns } from './he/design';
import { settleTotals } from './he/training-totals';
import { PARAM_SET_NAMES } from '../lab/he/params';
import { PsiService } from './psi/psi-service';
import { issueHubToken } from './network/membership';
import { pinPeer } from './network/peers';
import type { NetworkPeer } from '../lab/api/network-peers';

export { DEFAULT_SETTINGS } from './http/context';
export type { EnclaveSettings } from './http/context';
export type { NetworkSettings } from './network/settings';
/** The CLI checks an encrypted-label spec against the enclave's own rule before it submits (the enclave checks again). */
export { HE_TRAINING_PARAM_SETS, heTrainingProblems } from './release/he-training-fit';

export interface EnclaveOptions {
  db: string;
  port: number;
  host?: string;
  settings?: Partial<EnclaveSettings>;
  log?: (line: string) => void;
}

export interface RunningEnclave {
  url: string;
  port: number;
  db: Db;
  runner: Runner;
  /** The operator's token issuing, in process (what `jointlab admin add-principal` does on the database file). */
  issueToken(principal: { name: string; role: string; org: string }): Promise<string>;
  /** Network membership, in process (what `jointlab network join` does on the database file). */
  issueHubToken(): Promise<{ token: string; publicKey: string }>;
  /** Resolves when the dataset's next PSI session has its blinded platform set made ahead (the enclave starts that after every import). */
  psiPrepared(dataset: string): Promise<void>;
  close(): Promise<void>;
}

export async function startEnclave(options: EnclaveOptions): Promise<RunningEnclave> {
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const log = options.log ?? (() => undefined);
  const engine = choosePlatformEngine(settings.platformEngine, options.db);
  const db = await openStore(options.db);
  await removeStaleSpools();
  log(engine.line);
  const columnar = engine.engine === 'duckdb' ? await openColumnar(db, options.db, log) : undefined;
  const runner = new Runner(db, settings);
  await runner.recover();
  if (!runner.busy) runner.prepareWorker();
  const pseudonym = await loadPseudonymizer(db);
  // The SEAL workers start on the first HE request and stop when the last enclave of the process closes.
  const releaseSealPool = holdSealPool(settings.he.pool);
  // Unless the service is told to start them now (warmSeal), when an HE job is approved (jobs/decisions.ts).
  if (settings.warmSeal) warmSealWorkers(PARAM_SET_NAMES[PARAM_SET_NAMES.length - 1]);
  const psi = new PsiService(db, settings.psi);
  psi.prepareAll();
  const ctx: EnclaveContext = { db, runner, settings, log, pseudonym, limiter: new ScoreLimiter(db, settings.scoring, pseudonym), psi };
  const app = createHandler(ctx);
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await listen(app, options.port, host);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    db,
    runner,
    async issueToken(principal) {
      return (await addPrincipal(db, principal, 'operator')).token;
    },
    issueHubToken: () => issueHubToken(db, 'operator'),
    psiPrepared: (dataset) => psi.datasetChanged(dataset),
    close() {
      closing ??= (async () => {
        await runner.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await releaseSealPool();
        await psi.stop();
        await settleTrainingDesigns(db);
        await settleTotals(db);
        unregisterColumnar(db);
        await columnar?.close();
        await db.close();
      })();
      return closing;
    },
  };
}

/** The enclave's database file opened for the operator's tasks (the CLI's `admin` and `audit --db`), without a server. */
export interface OperatorStore {
  /** Issues a principal's API token: shown this once, only its hash is stored. */
  addPrincipal(input: { name: string; role: string; org: string }): Promise<{ principal: Principal; token: string }>;
  verifyAudit(): Promise<AuditVerdict>;
  /** The latest entries and who the principals they name are: what `GET /v1/audit` answers. */
  tailAudit(limit: number): Promise<AuditTail>;
  /** Network membership: the enclave's identity key (created once) and a fresh token for the hub, shown once. */
  issueHubToken(): Promise<{ token: string; publicKey: string }>;
  /** Pins another member's identity key (what a steward does with POST /v1/network-peers). */
  pinNetworkPeer(province: string, publicKey: string): Promise<NetworkPeer>;
  close(): Promise<void>;
}

/** Opens (and migrates, or creates) the database file; the caller checks the path first and closes the store. */
export async function openOperatorStore(path: string): Promise<OperatorStore> {
  const db = await openStore(path);
  return {
    addPrincipal: (input) => addPrincipal(db, input, 'operator'),
    verifyAudit: () => verifyAudit(db),
    tailAudit: async (limit) => {
      const entries = await tailAudit(db, limit);
      return { entries, principals: await principalsOf(db, entries) };
    },
    issueHubToken: () => issueHubToken(db, 'operator'),
    pinNetworkPeer: (province, publicKey) => pinPeer(db, { province, publicKey }, undefined, 'operator'),
    close: () => db.close(),
  };
}
