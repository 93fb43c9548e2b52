/** The enclave's database file as the CLI opens it: a missing folder, a missing file or a file that is not a database is said plainly. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OperatorStore, openOperatorStore } from '../enclave/service';
import { JointlabError } from '../lab/errors';

/**
 * Checks a --db path before anything touches it. `existing` is for verbs that only read (a typo must
 * not leave an empty database behind); `create` allows a new file but not a new folder, so a
 * mistyped folder is reported instead of becoming a fresh, empty enclave. Returns whether the file is new.
 */
export function assertDbPath(path: string, mode: 'existing' | 'create'): { created: boolean } {
  if (existsSync(path)) {
    if (!statSync(path).isFile()) throw new JointlabError('db_not_a_file', `--db ${path}: is a folder, not a database file`, 'usage');
    return { created: false };
  }
  if (mode === 'existing') throw new JointlabError('db_not_found', `--db ${path}: no such database file (nothing was created)`, 'usage');
  const folder = dirname(resolve(path));
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new JointlabError('db_folder_missing', `--db ${path}: the folder ${dirname(path)} does not exist (create it first; nothing was created)`, 'usage');
  }
  return { created: true };
}

/** SQLite's own errors for a file it cannot use, turned into messages that name the file. */
export function dbOpenError(path: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'SQLITE_NOTADB') return new JointlabError('not_a_database', `--db ${path}: is not a jointlab database (not an SQLite file)`, 'usage');
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new JointlabError('db_cannot_open', `--db ${path}: cannot be opened for writing (${code})`, 'usage');
  }
  return error;
}

export async function openDbFile(path: string, mode: 'existing' | 'create'): Promise<{ db: OperatorStore; created: boolean }> {
  const { created } = assertDbPath(path, mode);
  try {
    return { db: await openOperatorStore(path), created };
  } catch (e) {
    throw dbOpenError(path, e);
  }
}
