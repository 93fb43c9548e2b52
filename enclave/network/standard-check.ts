/**
 * A member enclave's dataset import checked against the network standard and the enclave's province:
 * every standard column present with its type and levels, no column outside the standard, every id a
 * USCC registered in this province. Errors name the column and the row, never a value.
 */
import { JointlabError } from '../../lab/errors';
import { provinceOfUscc } from '../../lab/network/province';
import type { NetworkStandard } from '../../lab/network/standard';
import type { ParsedUpload } from '../data/csv-import';
import { isMissingCell } from '../../lab/data/columns';

export function assertFollowsStandard(standard: NetworkStandard, province: string, idColumn: string, parsed: ParsedUpload): void {
  const where = `network standard ${standard.name} v${standard.version}`;
  if (idColumn !== standard.idColumn.name) throw new JointlabError('network_id_column', `the ${where} names the id column "${standard.idColumn.name}", not "${idColumn}"`);
  const names = new Set(parsed.joined.names);
  for (const column of standard.columns) {
    if (!names.has(column.name)) throw new JointlabError('network_column_missing', `column "${column.name}" of the ${where} is missing`);
    const type = parsed.types.get(column.name)!;
    const cells = parsed.joined.cells.get(column.name) as string[];
    if (column.type === 'numeric' && type !== 'numeric') throw new JointlabError('network_column_type', `column "${column.name}" must be numeric (${column.unit ?? 'no unit'}) under the ${where}`);
    if (column.type === 'categorical' && column.levels) {
      const levels = new Set(column.levels);
      const row = cells.findIndex((v) => !isMissingCell(v) && !levels.has(v));
      if (row >= 0) throw new JointlabError('network_column_level', `column "${column.name}" holds a level outside the ${where} (data row ${row + 1}); allowed: ${column.levels.join(', ')}`);
    }
  }
  const known = new Set([standard.idColumn.name, ...standard.columns.map((c) => c.name)]);
  const extra = parsed.joined.names.find((name) => !known.has(name));
  if (extra) throw new JointlabError('network_column_unknown', `column "${extra}" is not in the ${where}`);
  const foreign = parsed.joined.ids.findIndex((id) => provinceOfUscc(id) !== province);
  if (foreign >= 0) {
    const count = parsed.joined.ids.filter((id) => provinceOfUscc(id) !== province).length;
    throw new JointlabError('network_wrong_province', `${count} id(s) are not USCCs registered in province ${province} (first at data row ${foreign + 1}); each enclave holds its own province's enterprises`);
  }
}
