/** `jointlab dataset ...`: a steward imports platform tables and sets column policies; anyone signed in reads schemas. */
import { Command } from 'commander';
import { list, positiveInteger } from './options';
import { fixed, printJson, table } from './output';
import { RemoteFlags, assertIdColumn, clientOf, readHead, remote } from './remote';
import { columnsBesidesId } from '../lab/text';
import type { ColumnAggregate, DatasetDetail, DatasetList, DatasetMeta, SnapshotList } from '../lab/api/datasets';
import type { DatasetUsage } from '../lab/api/usage';
import { writeFileSync } from 'node:fs';

interface ImportFlags extends RemoteFlags {
  name: string;
  idColumn: string;
  k?: number;
  sensitive?: string[];
  forbidden?: string[];
  label?: string[];
}

interface PolicyFlags extends RemoteFlags {
  feature?: string[];
  sensitive?: string[];
  forbidden?: string[];
  label?: string[];
  k?: number;
}

function printMeta(meta: DatasetMeta & { aggregates?: ColumnAggregate[] }): void {
  console.log(`dataset ${meta.name}: ${meta.rows} rows, ${columnsBesidesId(meta.columns.length - 1, meta.idColumn)}, k = ${meta.k}${meta.snapshot > 1 ? `, snapshot ${meta.snapshot} (jointlab dataset snapshots ${meta.name})` : ''}`);
  const aggregates = new Map((meta.aggregates ?? []).map((a) => [a.name, a]));
  const show = (n: number | null | undefined): string => (n === null ? `<${meta.k}` : n === undefined ? '' : String(n));
  console.log(
    table([
      ['column', 'type', 'policy', 'present', 'missing', 'mean', 'sd'],
      ...meta.columns.map((c) => {
        const a = aggregates.get(c.name);
        const numeric = a?.type === 'numeric' ? a : undefined;
        return [c.name, c.type, c.policy, show(a?.present), show(a?.missing), numeric?.mean != null ? fixed(numeric.mean, 3) : '', numeric?.sd != null ? fixed(numeric.sd, 3) : ''];
      }),
    ]),
  );
}

export function register(program: Command): void {
  const dataset = program.command('dataset').description('platform datasets in the enclave (rows never come back out)');
  remote(
    dataset
      .command('import <file>')
      .description('steward: import a CSV from the platform\'s disk; every column but the id starts as "feature". Importing an existing name adds a snapshot (same id column, columns and types; the policy and k stay); jobs use the latest snapshot')
      .requiredOption('--name <name>', 'dataset name')
      .requiredOption('--id-column <column>', 'enterprise id column')
      .option('--k <n>', 'minimum rows behind every released figure (default: the enclave\'s)', positiveInteger)
      .option('--sensitive <list>', 'columns usable only with the steward\'s explicit approval per job', list)
      .option('--forbidden <list>', 'columns never usable', list)
      .option('--label <list>', 'label columns', list),
  ).action(async (file: string, flags: ImportFlags) => {
    const client = clientOf(flags);
    // The file is streamed to the enclave as it is read: only its first line is read here, for the id column.
    assertIdColumn(file, readHead(file), flags.idColumn, '--id-column');
    const meta = await client.request<DatasetMeta>('POST', 'v1/datasets', {
      csvFile: file,
      query: { name: flags.name, idColumn: flags.idColumn, k: flags.k, sensitive: flags.sensitive?.join(','), forbidden: flags.forbidden?.join(','), label: flags.label?.join(',') },
    });
    if (flags.json) printJson(meta);
    else {
      const count = (policy: string) => meta.columns.filter((c) => c.policy === policy).length;
      const policies = (['feature', 'sensitive', 'forbidden', 'label'] as const).map((p) => `${count(p)} ${p}`).join(', ');
      if (meta.snapshot > 1) console.log(`imported ${meta.rows} rows as snapshot ${meta.snapshot} of dataset "${meta.name}" (${policies}, k = ${meta.k}); jobs now use this snapshot`);
      else console.log(`imported ${meta.rows} rows as dataset "${meta.name}": ${columnsBesidesId(meta.columns.length - 1, meta.idColumn)} (${policies})`);
    }
  });
  remote(dataset.command('list').description('datasets with their columns and policies')).action(async (flags: RemoteFlags) => {
    const { datasets } = await clientOf(flags).request<DatasetList>('GET', 'v1/datasets');
    if (flags.json) printJson({ datasets });
    else if (!datasets.length) console.log('no datasets');
    // "columns" counts as everywhere else: the columns besides the id column.
    else console.log(table([['name', 'rows', 'columns', 'id column', 'k'], ...datasets.map((d) => [d.name, String(d.rows), String(d.columns.length - 1), d.idColumn, String(d.k)])]));
  });
  remote(dataset.command('show <name>').description('schema, policy and aggregates that at least k rows stand behind')).action(async (name: string, flags: RemoteFlags) => {
    const meta = await clientOf(flags).request<DatasetDetail>('GET', `v1/datasets/${encodeURIComponent(name)}`);
    if (flags.json) printJson(meta);
    else printMeta(meta);
  });
  remote(dataset.command('snapshots <name>').description('the dataset\'s snapshots (each import of the name): version, import date, rows (rounded); jobs use the latest, monitor jobs compare two')).action(
    async (name: string, flags: RemoteFlags) => {
      const list = await clientOf(flags).request<SnapshotList>('GET', `v1/datasets/${encodeURIComponent(name)}/snapshots`);
      if (flags.json) printJson(list);
      else console.log(table([['version', 'imported', 'rows', ''], ...list.snapshots.map((s) => [String(s.version), s.importedAt, s.rows === null ? '<k' : String(s.rows), s.latest ? 'latest' : ''])]));
    },
  );
  remote(
    dataset
      .command('policy <name>')
      .description('steward: set column policies and k')
      .option('--feature <list>', 'columns usable as features', list)
      .option('--sensitive <list>', 'columns usable only with explicit approval', list)
      .option('--forbidden <list>', 'columns never usable', list)
      .option('--label <list>', 'label columns', list)
      .option('--k <n>', 'minimum rows behind every released figure', positiveInteger)
      .option('--require-training-consent', "joint training uses only the bank's customers with a training consent")
      .option('--no-require-training-consent', 'joint training uses every matched customer'),
  ).action(async (name: string, flags: PolicyFlags & { requireTrainingConsent?: boolean }) => {
    const columns = Object.fromEntries((['feature', 'sensitive', 'forbidden', 'label'] as const).filter((p) => flags[p]).map((p) => [p, flags[p]]));
    const meta = await clientOf(flags).request<DatasetMeta>('PUT', `v1/datasets/${encodeURIComponent(name)}/policy`, { json: { columns, ...(flags.k ? { k: flags.k } : {}), ...(flags.requireTrainingConsent !== undefined ? { requireTrainingConsent: flags.requireTrainingConsent } : {}) } });
    if (flags.json) printJson(meta);
    else printMeta(meta);
  });
  remote(
    dataset
      .command('usage <name>')
      .description('steward: how each column was used over a period (jobs, banks, information value, share of the joint models\' lift), to pass on to data providers')
      .option('--from <date>', 'first day of the period (YYYY-MM-DD; default: the start)')
      .option('--to <date>', 'day after the period (YYYY-MM-DD; default: today)')
      .option('--out <file>', 'also write the HTML report here (self-contained, opens offline)'),
  ).action(async (name: string, flags: RemoteFlags & { from?: string; to?: string; out?: string }) => {
    const client = clientOf(flags);
    const query = { from: flags.from, to: flags.to };
    const usage = await client.request<DatasetUsage>('GET', `v1/datasets/${encodeURIComponent(name)}/usage`, { query });
    if (flags.out) writeFileSync(flags.out, await client.send('GET', `v1/datasets/${encodeURIComponent(name)}/usage`, { query: { ...query, format: 'html' } }));
    if (flags.json) {
      printJson({ ...usage, ...(flags.out ? { out: flags.out } : {}) });
      return;
    }
    const show = (n: number | null): string => (n === null ? `<${usage.k}` : String(n));
    console.log(`dataset ${usage.dataset}: ${show(usage.jobs)} trained jobs for ${show(usage.banks)} banks${usage.from || usage.to ? ` from ${usage.from ?? 'the start'} to ${usage.to ?? 'today'}` : ''}`);
    if (usage.lift) console.log(`${usage.lift.models} released joint models with a bank-only twin: test AUC +${fixed(usage.lift.meanAuc)} on average`);
    console.log(
      table([
        ['column', 'policy', 'jobs', 'banks', 'mean IV', 'share of lift', 'AUC lift'],
        ...usage.columns.map((c) => [c.column, c.policy, show(c.jobs), show(c.banks), c.iv === null ? '-' : fixed(c.iv, 3), c.liftShare === null ? '-' : `${fixed(c.liftShare * 100, 1)}%`, c.liftAuc === null ? '-' : fixed(c.liftAuc)]),
      ]),
    );
    console.log(`IV and lift are shown where released models of at least ${usage.minBanks} banks stand behind them; counts under k = ${usage.k} are not shown${flags.out ? `; wrote the HTML report to ${flags.out}` : ''}`);
  });
}
