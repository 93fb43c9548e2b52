/** The hub service facade: start and stop the hub over one SQLite file, and the operator's token issuing on that file. */
import { JointlabError } from '../lab/errors';
import { addPrincipal } from '../enclave/auth/principals';
import { listen } from '../enclave/http/listen';
import { Db } from '../enclave/store/db';
import { createHubApp } from './http/app';
import { openHubStore } from './store';
import { retryStopNotices } from './stop-notices';
import { trainingSettled } from './jobs';
import { defaultKeyFile, loadSealKey } from './token-seal';

export interface RunningHub {
  url: string;
  port: number;
  db: Db;
  close(): Promise<void>;
}

/** `keyFile`: the key members' tokens are sealed under, kept outside the database (default `<db>.key`, created on first start). */
export async function startHub(options: { db: string; port: number; host?: string; keyFile?: string; log?: (line: string) => void }): Promise<RunningHub> {
  const db = await openHubStore(options.db, loadSealKey(options.keyFile ?? defaultKeyFile(options.db)));
  const log = options.log ?? (() => undefined);
  const app = createHubApp({ db, log });
  const host = options.host ?? '127.0.0.1';
  const { server, port } = await listen(app, options.port, host);
  const stopRetrying = retryStopNotices(db);
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    db,
    close() {
      closing ??= (async () => {
        stopRetrying();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await trainingSettled();
        await db.close();
      })();
      return closing;
    },
  };
}

/** Issues a hub principal's token on the database file (admins register members; banks submit jobs). */
export async function addHubPrincipal(file: string, input: { name: string; role: string; org: string }): Promise<{ id: string; token: string }> {
  if (input.role !== 'admin' && input.role !== 'bank') throw new JointlabError('bad_role', 'hub principals are admin or bank', 'usage');
  const db = await openHubStore(file);
  try {
    const { principal, token } = await addPrincipal(db, input, 'operator');
    return { id: principal.id, token };
  } finally {
    await db.close();
  }
}
