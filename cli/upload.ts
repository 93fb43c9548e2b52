/** `jointlab upload FILE`: a bank puts its own table (ids, label, features) into the enclave; `list` and `delete` manage them. */
import { Command } from 'commander';
import { JointlabError } from '../lab/errors';
import { printJson, table } from './output';
import { RemoteFlags, assertIdColumn, clientOf, readFileArg, remote } from './remote';
import { columnsBesidesId } from '../lab/text';
import type { UploadList, UploadMeta } from '../lab/api/uploads';
import { psiLine, psiUpload } from './psi-upload';

interface UploadFlags extends RemoteFlags {
  name?: string;
  idColumn: string;
  /** False with --no-psi. */
  psi: boolean;
  dataset?: string;
  workers?: string;
  network?: boolean;
}

export function register(program: Command): void {
  const upload = remote(
    program
      .command('upload')
      .argument('[file]', 'CSV file with an id column, the label and any bank features')
      .description("bank: upload your own table into the enclave, where it is joined to platform data and never returned. By default the ids are first aligned by private set intersection (ECDH-PSI), and only the rows of enterprises on the platform are sent")
      .option('--name <name>', 'upload name, used in specs')
      .option('--id-column <column>', 'enterprise id column', 'id')
      .option('--dataset <name>', 'platform dataset to align ids with by PSI (default: the only one)')
      .option('--no-psi', 'upload every row as it is, without private set intersection (small tests, old enclaves)')
      .option('--workers <n>', 'worker threads for the PSI crypto (default: one per core)')
      .option('--network', "open the upload to network jobs from the hub (the national network's jobs join only uploads their owner opened)")
      // `upload list --json`: options after a subcommand's name belong to the subcommand.
      .enablePositionalOptions(),
  ).action(async (file: string | undefined, flags: UploadFlags) => {
    if (!file || !flags.name) throw new JointlabError('usage', 'usage: jointlab upload FILE --name NAME (or: upload list, upload delete ID)', 'usage');
    const csv = readFileArg(file);
    assertIdColumn(file, csv, flags.idColumn, '--id-column');
    const client = clientOf(flags);
    if (flags.psi) {
      const workers = flags.workers === undefined ? undefined : Number(flags.workers);
      if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new JointlabError('usage', '--workers takes a whole number from 1 to 64', 'usage');
      const { meta: uploaded, psi } = await psiUpload(client, { file, csv, name: flags.name, idColumn: flags.idColumn, dataset: flags.dataset, workers, progress: !flags.json });
      const meta = flags.network ? await client.request<UploadMeta>('POST', `v1/uploads/${encodeURIComponent(uploaded.id)}/network`) : uploaded;
      if (flags.json) printJson({ ...meta, psi });
      else {
        console.log(psiLine(psi));
        console.log(`uploaded ${meta.rows} rows as "${meta.name}" (${meta.id}): ${columnsBesidesId(meta.columns.length, meta.idColumn)}`);
      }
      return;
    }
    const meta = await client.request<UploadMeta>('POST', 'v1/uploads', { csv, query: { name: flags.name, idColumn: flags.idColumn, ...(flags.network ? { network: '1' } : {}) } });
    if (flags.json) printJson(meta);
    // An upload's columns exclude its id column already, as a dataset's count does once the id is set aside.
    else console.log(`uploaded ${meta.rows} rows as "${meta.name}" (${meta.id}): ${columnsBesidesId(meta.columns.length, meta.idColumn)}`);
  });
  remote(upload.command('list').description('your organization\'s uploads')).action(async (flags: RemoteFlags) => {
    const { uploads } = await clientOf(flags).request<UploadList>('GET', 'v1/uploads');
    if (flags.json) printJson({ uploads });
    else if (!uploads.length) console.log('no uploads');
    else console.log(table([['id', 'name', 'rows', 'columns', 'id column'], ...uploads.map((u) => [u.id, u.name, String(u.rows), String(u.columns.length), u.idColumn])]));
  });
  remote(upload.command('delete <id>').description('delete an upload and every row of it')).action(async (id: string, flags: RemoteFlags) => {
    await clientOf(flags).request('DELETE', `v1/uploads/${encodeURIComponent(id)}`);
    if (flags.json) printJson({ id, deleted: true });
    else console.log(`deleted upload ${id}`);
  });
}
