/**
 * A network job's layout, decided by the hub from what the members registered: every platform column
 * present with one type in every province, categorical levels from the network standard they share.
 */
import { JointlabError, Problem, ProblemsError } from '../lab/errors';
import type { Layout, LayoutFeature } from '../lab/network/layout';
import type { NetworkJobSpec } from '../lab/network/job-spec';
import type { StoredMember } from './members';

export function layoutOf(spec: NetworkJobSpec, members: readonly StoredMember[]): Layout {
  const standards = new Set(members.map((m) => (m.info.standard ? `${m.info.standard.name} v${m.info.standard.version}` : 'none')));
  if (standards.size > 1) throw new JointlabError('network_standard_mismatch', `the provinces follow different standards (${[...standards].join(', ')})`, 'conflict');
  const problems: Problem[] = [];
  const features: LayoutFeature[] = (spec.bank.columns ?? []).map((name) => ({ name, kind: 'numeric' }));
  spec.platform.columns.forEach((name, i) => {
    const pointer = `/platform/columns/${i}`;
    const types = new Set<string>();
    for (const m of members) {
      const dataset = m.info.datasets.find((d) => d.name === spec.platform.dataset);
      if (!dataset) {
        problems.push({ pointer: '/platform/dataset', message: `province ${m.province} has no dataset of that name` });
        return;
      }
      const column = dataset.columns.find((c) => c.name === name);
      if (!column) problems.push({ pointer, message: `province ${m.province} has no such column` });
      else if (column.policy === 'forbidden' || column.policy === 'id' || column.policy === 'label') problems.push({ pointer, message: `is ${column.policy} in province ${m.province}` });
      else types.add(column.type);
    }
    if (types.size > 1) problems.push({ pointer, message: 'has different types in different provinces' });
    if (types.size !== 1) return;
    if (types.has('numeric')) features.push({ name, kind: 'numeric' });
    else {
      const levels = members[0].info.standard?.columns.find((c) => c.name === name)?.levels;
      if (!levels) problems.push({ pointer, message: 'is categorical but the network standard agrees no levels for it' });
      else features.push({ name, kind: 'categorical', levels: [...levels] });
    }
  });
  if (problems.length) throw new ProblemsError('network_spec_references', 'the network job names data the provinces cannot use', problems, 'validation');
  return { features };
}
