/** The spec's `monitor` block (mode "monitor"): which released job's model to watch and which two snapshots of its dataset to compare. */
import type { Problem } from '../errors';

export const monitorSchema = {
  $id: 'Monitor',
  type: 'object',
  additionalProperties: false,
  required: ['job'],
  description:
    "mode monitor: the PSI of a released model's score and the CSI of each platform feature it uses, between two snapshots of its dataset, on the platform's whole population; bins of at least k rows, shares to three decimals",
  properties: {
    job: { type: 'string', minLength: 1, maxLength: 64, description: "a released plaintext job of the bank's organization (lr, scorecard, mlp, gbdt on platform features only; the platform part of a joint lr or scorecard)" },
    base: { type: 'integer', minimum: 1, maximum: 1_000_000, description: 'snapshot version to compare from; default: the one the job trained on (the earliest for jobs trained before snapshots were recorded)' },
    current: { type: 'integer', minimum: 1, maximum: 1_000_000, description: "snapshot version to compare with; default: the dataset's latest" },
  },
} as const;

/** What monitor mode refuses: everything that belongs to training, and the platform block, which the enclave fills from the monitored model. */
export function monitorModeProblems(spec: { monitor?: unknown; bank?: unknown; label?: unknown; platform?: unknown; privacy?: unknown; he?: unknown; selection?: unknown }): Problem[] {
  const problems: Problem[] = [];
  if (!spec.monitor) problems.push({ pointer: '/monitor', message: 'is required in monitor mode' });
  for (const key of ['bank', 'label', 'privacy', 'he', 'selection'] as const) if (spec[key]) problems.push({ pointer: `/${key}`, message: 'is not used in monitor mode; leave it out' });
  if (spec.platform) problems.push({ pointer: '/platform', message: "is filled in by the enclave in monitor mode (the monitored model's platform features); leave it out" });
  return problems;
}
