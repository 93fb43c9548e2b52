/** `jointlab report` and `jointlab export`: a job's (or a local model's) report as HTML, its released model as JSON or PMML. */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { MODEL_FORMATS, ModelFormat, PLATFORM_PART_FIELD, toPmml } from '../lab/export/pmml';
import { exportBankPart } from './export-split';
import { JointlabError } from '../lab/errors';
import { localReport } from '../lab/report/local-report';
import { collect, fraction, integer } from './options';
import { printJson } from './output';
import { RemoteFlags, clientOf, remote } from './remote';
import { readModelFile } from './score';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../package.json') as { version: string };

function writeOut(path: string | undefined, body: Buffer | string, json: boolean | undefined, what: string): void {
  if (!path) {
    // With --json the document travels inside one JSON object, so stdout stays one JSON value.
    if (json) printJson({ content: body.toString() });
    else process.stdout.write(body);
    return;
  }
  writeFileSync(path, body);
  if (json) printJson({ out: path, bytes: Buffer.byteLength(body) });
  else console.log(`wrote ${what} to ${path}`);
}

/** A local model file (from `jointlab train --out`) in the asked format, without an enclave. */
function exportLocal(path: string, format: ModelFormat, target: string): string {
  // Loaded the way `jointlab score` loads it, so a file that export accepts also scores.
  const file = readModelFile(path).toJSON();
  if (format === 'json') return `${JSON.stringify(file, null, 2)}\n`;
  return toPmml(file, { target, modelName: path.replace(/^.*[\\/]/, '').replace(/\.json$/, ''), version });
}

export function register(program: Command): void {
  remote(
    program
      .command('report [job]')
      .description("a model report: one self-contained HTML page with SVG charts (opens offline), of a job's released figures or, with --model and --data, of a local model scored on local rows")
      .option('--out <file>', 'where to write the page (default: report-<job>.html, or report-<model>.html)')
      .option('--compare <job>', 'a job to compare with, or "none" (default: the bank-only job on the same upload and label, when there is one)')
      .option('--model <file>', 'a local model file (from `jointlab train --out`) to report on instead of a job')
      .option('--data <file>', 'with --model: CSV rows holding the model\'s features and the label; repeat to inner-join several files on --id', collect)
      .option('--id <column>', 'with --model: id column to join --data files on', 'id')
      .option('--label <column>', 'with --model: the 0/1 label column (default: the only 0/1 column the model does not use)')
      .option('--test-fraction <f>', 'with --model: re-make the hold-out `jointlab train` made with this fraction (and --seed), and measure train and test rows apart', fraction)
      .option('--seed <n>', 'with --test-fraction: the seed given to `jointlab train`', integer, 42)
      .option('--split-column <column>', 'with --model: a column of train/test marks naming the hold-out'),
  ).action(async (id: string | undefined, flags: RemoteFlags & { out?: string; compare?: string; model?: string; data?: string[]; id: string; label?: string; testFraction?: number; seed: number; splitColumn?: string }) => {
    if (flags.model) {
      if (id) throw new JointlabError('bad_arguments', 'give a job id or --model, not both', 'usage');
      if (flags.compare) throw new JointlabError('bad_arguments', '--compare compares released jobs; it does not apply to --model', 'usage');
      if (!flags.data?.length) throw new JointlabError('missing_argument', '--model needs --data: CSV rows with the model\'s features and the label to score and measure', 'usage');
      if (flags.splitColumn && flags.testFraction !== undefined) throw new JointlabError('bad_arguments', 'give --split-column or --test-fraction, not both', 'usage');
      const split = flags.splitColumn ? { column: flags.splitColumn } : flags.testFraction !== undefined ? { testFraction: flags.testFraction, seed: flags.seed } : undefined;
      const report = await localReport({ model: readModelFile(flags.model), modelFile: flags.model, data: flags.data, id: flags.id, label: flags.label, split });
      const out = flags.out ?? `report-${flags.model.replace(/^.*[\\/]/, '').replace(/\.json$/, '')}.html`;
      writeFileSync(out, report.html);
      if (flags.json) printJson({ out, bytes: Buffer.byteLength(report.html), label: report.label, rows: report.rows, metrics: { ...(report.train ? { train: report.train } : {}), test: report.metrics } });
      else {
        const train = report.train ? `train AUC ${report.train.auc.toFixed(4)}, ` : '';
        console.log(`wrote the report to ${out}: label ${report.label}, ${report.rows.train !== undefined ? `${report.rows.train} train and ${report.rows.test} test rows, ${train}test` : `${report.rows.test} rows,`} AUC ${report.metrics.auc.toFixed(4)}`);
      }
      return;
    }
    if (!id) throw new JointlabError('missing_argument', 'give a job id (or --model FILE --data FILE for a local model)', 'usage');
    const html = await clientOf(flags).send('GET', `v1/jobs/${encodeURIComponent(id)}/report`, { query: { compare: flags.compare } });
    writeOut(flags.out ?? `report-${id}.html`, html, flags.json, 'the report');
  });

  remote(
    program
      .command('export [job]')
      .description("a model for decision engines: a job's released model (or a local model file) as PMML 4.4 or jointlab JSON")
      .addOption(new Option('--format <format>', 'pmml (logistic regression and scorecards) or json').choices(MODEL_FORMATS).default('pmml'))
      .option('--model <file>', 'convert this local model file instead of asking the enclave')
      .option('--target <name>', 'name of the predicted field in PMML, for --model (a job uses its label)', 'default')
      .option('--split', `joint models, PMML: the bank's part only, with an input field "${PLATFORM_PART_FIELD}" for the platform part the enclave returns (jointlab job score --json)`)
      .option('--out <file>', 'write here instead of stdout'),
  ).action(async (id: string | undefined, flags: RemoteFlags & { format: ModelFormat; model?: string; target: string; split?: boolean; out?: string }) => {
    if (flags.model && id) throw new JointlabError('bad_arguments', 'give a job id or --model, not both', 'usage');
    if (!flags.model && !id) throw new JointlabError('missing_argument', 'give a job id (or --model FILE for a local model)', 'usage');
    if (flags.split && (flags.model || flags.format !== 'pmml')) throw new JointlabError('bad_arguments', '--split takes a job id (its spec names the platform features) and --format pmml', 'usage');
    const body = flags.split
      ? await exportBankPart(clientOf(flags), id!)
      : flags.model
        ? exportLocal(flags.model, flags.format, flags.target)
        : await clientOf(flags).send('GET', `v1/jobs/${encodeURIComponent(id!)}/model`, { query: { format: flags.format } });
    writeOut(flags.out, body, flags.json, `the ${flags.format === 'pmml' ? 'PMML' : 'JSON'} model`);
  });
}
