/** `jointlab upload FILE`: a bank puts its own table (ids, label, features) into the enclave; `list` and `delete` manage them. */
import { Command } from 'commander';
import type { UploadMeta } from '../enclave/data/uploads';
import { JointlabError } from '../lab/errors';
import { printJson, table } from './output';
import { RemoteFlags, clientOf, readFileArg, remote } from './remote';

interface UploadFlags extends RemoteFlags {
  name?: string;
  idColumn: string;
}

export function register(program: Command): void {
  const upload = remote(
    program
      .command('upload')
      .argument('[file]', 'CSV file with an id column, the label and any bank features')
      .description("bank: upload your own table into the enclave, where it is joined to platform data and never returned")
      .option('--name <name>', 'upload name, used in specs')
      .option('--id-column <column>', 'enterprise id column', 'id')
      // `upload list --json`: options after a subcommand's name belong to the subcommand.
      .enablePositionalOptions(),
  ).action(async (file: string | undefined, flags: UploadFlags) => {
    if (!file || !flags.name) throw new JointlabError('usage', 'usage: jointlab upload FILE --name NAME (or: upload list, upload delete ID)', 'usage');
    const meta = await clientOf(flags).request<UploadMeta>('POST', 'v1/uploads', { csv: readFileArg(file), query: { name: flags.name, idColumn: flags.idColumn } });
    if (flags.json) printJson(meta);
    else console.log(`uploaded ${meta.rows} rows with ${meta.columns.length} columns as "${meta.name}" (${meta.id})`);
  });
  remote(upload.command('list').description('your organization\'s uploads')).action(async (flags: RemoteFlags) => {
    const { uploads } = await clientOf(flags).request<{ uploads: UploadMeta[] }>('GET', 'v1/uploads');
    if (flags.json) printJson({ uploads });
    else if (!uploads.length) console.log('no uploads');
    else console.log(table([['id', 'name', 'rows', 'columns'], ...uploads.map((u) => [u.id, u.name, String(u.rows), String(u.columns.length)])]));
  });
  remote(upload.command('delete <id>').description('delete an upload and every row of it')).action(async (id: string, flags: RemoteFlags) => {
    await clientOf(flags).request('DELETE', `v1/uploads/${encodeURIComponent(id)}`);
    if (flags.json) printJson({ id, deleted: true });
    else console.log(`deleted upload ${id}`);
  });
}
