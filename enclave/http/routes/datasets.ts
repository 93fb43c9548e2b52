/** Platform datasets: stewards import and set policy; everyone signed in reads schema, policy and k-safe aggregates. No route returns rows. */
import { Router } from 'express';
import { JointlabError } from '../../../lab/errors';
import { assertValid } from '../../../lab/spec/problems';
import { validators } from '../../../lab/spec/requests';
import { DEFAULT_K, datasetAggregates, getDatasetMeta, importDataset, listDatasets, setPolicy } from '../../data/datasets';
import { datasetUsage } from '../../report/usage';
import { renderUsage } from '../../../lab/report/usage-page';
import { allow, jsonBody, principalOf } from '../auth';
import { EnclaveContext } from '../context';
import type { DatasetDetail, DatasetList, SnapshotList } from '../../../lab/api/datasets';
import { listSnapshots } from '../../data/snapshots';
import { standardCheck } from '../../network/standard-check';
import { csvStream, dropRest } from '../csv-stream';

const list = (value: unknown): string[] => (typeof value === 'string' && value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

function queryString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new JointlabError('missing_parameter', `query parameter "${name}" is required`, 'usage');
  return value;
}

export function datasetRoutes(ctx: EnclaveContext): Router {
  const r = Router();
  r.get('/datasets', allow('bank', 'steward', 'researcher', 'admin'), async (_req, res) => {
    res.json({ datasets: await listDatasets(ctx.db) } satisfies DatasetList);
  });
  // The body is streamed into the import (enclave/data/csv-import.ts), never held whole: a table of
  // millions of rows, bounded by settings.import (rows and bytes) rather than a body size.
  r.post('/datasets', allow('steward'), async (req, res) => {
    // A first import without k takes the enclave's default; a new snapshot keeps the dataset's.
    const k = req.query.k === undefined ? undefined : Number(req.query.k);
    const network = ctx.settings.network;
    try {
      const idColumn = queryString(req.query.idColumn, 'idColumn');
      const meta = await importDataset(
        ctx.db,
        {
          name: queryString(req.query.name, 'name'),
          idColumn,
          k,
          defaultK: ctx.settings.defaultK ?? DEFAULT_K,
          body: csvStream(req),
          limits: ctx.settings.import,
          policy: { sensitive: list(req.query.sensitive), forbidden: list(req.query.forbidden), label: list(req.query.label) },
          ...(network?.standard ? { check: standardCheck(network.standard, network.province, idColumn) } : {}),
        },
        principalOf(res),
      );
      // The next PSI session on this dataset finds its blinded set made from the new rows.
      void ctx.psi.datasetChanged(meta.name);
      res.status(201).json(meta);
    } catch (e) {
      await dropRest(req, ctx.settings.import.maxBytes);
      throw e;
    }
  });
  r.get('/datasets/:name', allow('bank', 'steward', 'researcher', 'admin'), async (req, res) => {
    const meta = await getDatasetMeta(ctx.db, String(req.params.name));
    if (!meta) throw new JointlabError('not_found', 'no such dataset', 'not_found');
    res.json({ ...meta, aggregates: await datasetAggregates(ctx.db, meta), snapshots: await listSnapshots(ctx.db, meta) } satisfies DatasetDetail);
  });
  // Every import of the name, oldest first: what a monitor job may compare.
  r.get('/datasets/:name/snapshots', allow('bank', 'steward', 'researcher', 'admin'), async (req, res) => {
    const meta = await getDatasetMeta(ctx.db, String(req.params.name));
    if (!meta) throw new JointlabError('not_found', 'no such dataset', 'not_found');
    res.json({ dataset: meta.name, snapshots: await listSnapshots(ctx.db, meta) } satisfies SnapshotList);
  });
  // For the steward to pass on to data providers: how each column was used and what it added.
  r.get('/datasets/:name/usage', allow('steward'), async (req, res) => {
    const format = req.query.format ?? 'json';
    if (format !== 'json' && format !== 'html') throw new JointlabError('bad_format', 'format must be one of json, html', 'usage');
    const optional = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);
    const usage = await datasetUsage(ctx.db, String(req.params.name), { from: optional(req.query.from), to: optional(req.query.to) });
    if (format === 'json') res.json(usage);
    else res.type('html').set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(renderUsage(usage));
  });
  r.put('/datasets/:name/policy', allow('steward'), async (req, res) => {
    const body = assertValid(validators.policy, jsonBody(req), 'policy');
    res.json(await setPolicy(ctx.db, String(req.params.name), body.columns ?? {}, body.k, principalOf(res), body.requireTrainingConsent));
  });
  return r;
}
