/** A trained job as its model report draws it: the released results alone, with the job's own words around them. */
import { DP_NO_TRAIN } from '../../lab/report/overfitting';
import { ReportInput } from '../../lab/report/page';
import { StabilityReportInput } from '../../lab/report/stability-page';
import { JobRow } from '../jobs/jobs';
import { jobResults } from '../jobs/results';
import { decodeJob } from '../jobs/decode';

export function reportJob(row: JobRow): ReportInput {
  const { spec, mode } = decodeJob(row);
  const r = jobResults(row);
  const privacy = spec.privacy ? `, differential privacy ε = ${spec.privacy.epsilon}` : '';
  return {
    id: row.id,
    name: spec.name,
    intro: `Job ${row.id}: ${spec.model.family} model of ${spec.label ?? ''}, ${mode}${privacy}; state ${r.state}; every released figure stands for at least k = ${r.k} rows.`,
    metricsCaption: 'Released metrics',
    rowsName: 'test rows',
    testPart: 'test',
    metrics: r.released.metrics,
    curves: r.released.curves,
    description: r.released.parameters?.description,
    withheld: r.withheld,
    k: r.k,
    ...(r.released.selection ? { selection: r.released.selection } : {}),
    ...(spec.privacy ? { noTrainMetrics: DP_NO_TRAIN } : {}),
    footer: `Drawn by jointlab from released aggregates only. Job backend ${r.backend}, trained in ${r.seconds.toFixed(2)} s.`,
  };
}

/** A monitor job as its stability report draws it: the released figures alone. */
export function stabilityReportJob(row: JobRow): StabilityReportInput {
  const { spec } = decodeJob(row);
  const r = jobResults(row);
  return {
    id: row.id,
    name: spec.name,
    state: r.state,
    ...(r.released.stability ? { stability: r.released.stability } : {}),
    withheld: r.withheld,
    footer: `Drawn by jointlab from released aggregates only. Computed in the enclave in ${r.seconds.toFixed(2)} s.`,
  };
}
