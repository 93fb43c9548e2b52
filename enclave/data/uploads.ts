/** A bank's own tables (ids, labels, its features): joined to platform data inside the enclave, never returned, deletable by the bank. */
import { randomUUID } from 'node:crypto';
import { JointlabError } from '../../lab/errors';
import { appendAudit } from '../audit/log';
import type { Principal } from '../../lab/api/principals';
import { Db, Queries } from '../store/db';
import { CsvSource, ImportLimits, insertRows, scanUpload } from './csv-import';
import { DATASET_NAME } from './datasets';
import type { UploadMeta } from '../../lab/api/uploads';
import type { PsiUploadGuard } from '../psi/psi-service';

interface UploadRow {
  id: string;
  name: string;
  org: string;
  owner: string;
  id_column: string;
  columns: string;
  row_count: number;
  created_at: string;
  network: number;
}

function toMeta(r: UploadRow): UploadMeta {
  return { id: r.id, name: r.name, org: r.org, idColumn: r.id_column, columns: JSON.parse(r.columns), rows: r.row_count, createdAt: r.created_at, network: r.network === 1 };
}

/** `psi`: the upload is bound to a matched PSI session, and its ids must be that session's intersection exactly. */
export async function createUpload(db: Db, input: { name: string; idColumn: string; body: CsvSource | unknown; limits?: Partial<ImportLimits> }, actor: Principal, psi?: PsiUploadGuard): Promise<UploadMeta> {
  if (!DATASET_NAME.test(input.name)) throw new JointlabError('bad_name', 'upload names are 1-64 letters, digits, . _ -', 'usage');
  const scanned = await scanUpload(input.body as CsvSource, input.idColumn, { limits: input.limits, keepIds: psi !== undefined });
  const id = `u_${randomUUID()}`;
  try {
    psi?.assertIds(scanned.ids!);
    const columns = scanned.names.map((name) => ({ name, type: scanned.types.get(name)! }));
    await db.transaction(async (q) => {
      if (await q.get('SELECT 1 FROM uploads WHERE org = ? AND name = ?', [actor.org, input.name])) {
        throw new JointlabError('upload_exists', `your organization has an upload named "${input.name}" already; delete it first`, 'conflict');
      }
      await q.run('INSERT INTO uploads (id, name, org, owner, id_column, columns, row_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        id,
        input.name,
        actor.org,
        actor.id,
        input.idColumn,
        JSON.stringify(columns),
        scanned.rows,
        new Date().toISOString(),
      ]);
      await insertRows(q, 'upload_rows', id, scanned, scanned.names);
      await appendAudit(q, { actor: actor.id, action: 'upload.create', object: `upload:${id}`, detail: { columns: columns.length, ...psi?.detail } });
      await psi?.record(q, id);
    });
  } finally {
    await scanned.dispose();
  }
  psi?.done();
  return (await getUpload(db, id))!;
}

/** The owner opens an upload to network jobs (jointlab upload --network): a network job may join it only then. */
export async function grantNetworkUse(db: Db, id: string, actor: Principal): Promise<UploadMeta> {
  const upload = await getUpload(db, id);
  if (!upload || upload.org !== actor.org) throw new JointlabError('not_found', 'no such upload', 'not_found');
  await db.transaction(async (q) => {
    await q.run('UPDATE uploads SET network = 1 WHERE id = ?', [id]);
    await appendAudit(q, { actor: actor.id, action: 'upload.network-granted', object: `upload:${id}`, detail: { name: upload.name } });
  });
  return (await getUpload(db, id))!;
}

export async function getUpload(q: Queries, id: string): Promise<UploadMeta | undefined> {
  const row = await q.get<UploadRow>('SELECT * FROM uploads WHERE id = ?', [id]);
  return row && toMeta(row);
}

export async function uploadByName(q: Queries, org: string, name: string): Promise<UploadMeta | undefined> {
  const row = await q.get<UploadRow>('SELECT * FROM uploads WHERE org = ? AND name = ?', [org, name]);
  return row && toMeta(row);
}

/** A bank sees its organization's uploads; a steward sees every upload's metadata. */
export async function listUploads(db: Db, viewer: Principal): Promise<UploadMeta[]> {
  const rows =
    viewer.role === 'steward'
      ? await db.all<UploadRow>('SELECT * FROM uploads ORDER BY created_at')
      : await db.all<UploadRow>('SELECT * FROM uploads WHERE org = ? ORDER BY created_at', [viewer.org]);
  return rows.map(toMeta);
}

/** Looks an upload up for a viewer; another organization's upload is "not found", so its existence does not leak. */
export async function visibleUpload(db: Db, id: string, viewer: Principal): Promise<UploadMeta> {
  const upload = await getUpload(db, id);
  if (!upload || (viewer.role === 'bank' && upload.org !== viewer.org)) throw new JointlabError('not_found', 'no such upload', 'not_found');
  return upload;
}

/**
 * The upload's enterprise ids in row order, for the bank that uploaded them (its own ids, nothing
 * from the platform): its client pairs labels with rows by id before encrypted-label training.
 * Stewards read uploads' metadata, never their rows.
 */
export async function uploadIds(db: Db, id: string, viewer: Principal): Promise<string[]> {
  const upload = await visibleUpload(db, id, viewer);
  if (viewer.role !== 'bank') throw new JointlabError('forbidden', "an upload's rows are read by the bank that uploaded it only", 'forbidden');
  return (await db.all<{ entity_id: string }>('SELECT entity_id FROM upload_rows WHERE upload = ? ORDER BY row', [upload.id])).map((r) => r.entity_id);
}

export async function deleteUpload(db: Db, id: string, actor: Principal): Promise<void> {
  await visibleUpload(db, id, actor);
  await db.transaction(async (q) => {
    await q.run('DELETE FROM upload_rows WHERE upload = ?', [id]);
    await q.run('DELETE FROM uploads WHERE id = ?', [id]);
    await appendAudit(q, { actor: actor.id, action: 'upload.delete', object: `upload:${id}` });
  });
}
