/**
 * Reading a trained job's released outputs in other shapes: the model report (self-contained HTML)
 * and the released model as a file (the model's own JSON or PMML 4.4). Each is built from the
 * released results alone, so nothing the release check withheld can appear in them.
 */
import { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { MODEL_FORMATS, ModelFormat, toPmml } from '../../../lab/export/pmml';
import { visibleJob } from '../../jobs/jobs';
import { jobResults } from '../../jobs/results';
import { renderReport } from '../../../lab/report/page';
import { comparisonFor } from '../../report/comparison';
import { reportJob, stabilityReportJob } from '../../report/job-report';
import { renderStability } from '../../../lab/report/stability-page';
import { allow, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import { decodeJob } from '../../jobs/decode';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../../../../package.json') as { version: string };

/** The report has no scripts and loads nothing: its policy says so, for a browser that opens it from the enclave. */
const REPORT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

export function reportRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.get('/jobs/:id/report', allow('bank', 'steward'), async (req, res) => {
    const viewer = principalOf(res);
    const row = await visibleJob(ctx.db, String(req.params.id), viewer);
    if (decodeJob(row).mode === 'monitor') {
      res.type('html').set('content-security-policy', REPORT_POLICY).send(renderStability(stabilityReportJob(row)));
      return;
    }
    const job = reportJob(row);
    const other = await comparisonFor(ctx.db, row, viewer, req.query.compare);
    const html = renderReport(job, other ? reportJob(other) : undefined);
    res.type('html').set('content-security-policy', REPORT_POLICY).send(html);
  });

  r.get('/jobs/:id/model', allow('bank', 'steward'), async (req, res) => {
    const format = req.query.format ?? 'json';
    if (!MODEL_FORMATS.includes(format as ModelFormat)) {
      throw new JointlabError('bad_format', `format must be one of ${MODEL_FORMATS.join(', ')}`, 'usage');
    }
    const row = await visibleJob(ctx.db, String(req.params.id), principalOf(res));
    const results = jobResults(row);
    const parameters = results.released.parameters;
    if (!parameters) {
      const held = results.withheld.find((w) => w.part === 'parameters');
      throw new JointlabError('not_released', held ? `the release check withheld the parameters: ${held.reason}` : 'the job did not ask for its parameters', 'conflict');
    }
    if (format === 'json') {
      res.json(parameters.model);
      return;
    }
    const { spec } = decodeJob(row);
    const pmml = toPmml(parameters.model, { target: spec.label ?? 'default', modelName: spec.name, version });
    res.type('application/xml').set('content-disposition', `attachment; filename="${row.id}.pmml"`).send(pmml);
  });
  return r;
}
