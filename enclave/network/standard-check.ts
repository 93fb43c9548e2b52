/**
 * A member enclave's dataset import checked against the network standard and the enclave's province:
 * every standard column present with its type and levels, no column outside the standard, every id a
 * USCC registered in this province. Errors name the column and the row, never a value.
 */
import { JointlabError } from '../../lab/errors';
import { provinceOfUscc } from '../../lab/network/province';
import type { NetworkStandard } from '../../lab/network/standard';
import type { UploadCheck } from '../data/csv-import';
import { isMissingCell } from '../../lab/data/columns';

/**
 * The check, applied as the import reads the file: the columns at the header, levels and provinces
 * row by row (a wrong province is counted to the end, to say how many), types at the end.
 */
export function standardCheck(standard: NetworkStandard, province: string, idColumn: string): UploadCheck {
  const where = `network standard ${standard.name} v${standard.version}`;
  let levelled: { name: string; at: number; levels: Set<string>; allowed: string[] }[] = [];
  let foreign = 0;
  let firstForeign = 0;
  return {
    header(names) {
      if (idColumn !== standard.idColumn.name) throw new JointlabError('network_id_column', `the ${where} names the id column "${standard.idColumn.name}", not "${idColumn}"`);
      const present = new Set(names);
      for (const column of standard.columns) {
        if (!present.has(column.name)) throw new JointlabError('network_column_missing', `column "${column.name}" of the ${where} is missing`);
      }
      const known = new Set([standard.idColumn.name, ...standard.columns.map((c) => c.name)]);
      const extra = names.find((name) => !known.has(name));
      if (extra) throw new JointlabError('network_column_unknown', `column "${extra}" is not in the ${where}`);
      levelled = standard.columns.filter((c) => c.type === 'categorical' && c.levels).map((c) => ({ name: c.name, at: names.indexOf(c.name), levels: new Set(c.levels), allowed: c.levels! }));
    },
    row(id, cells, dataRow) {
      for (const column of levelled) {
        const v = cells[column.at];
        if (!isMissingCell(v) && !column.levels.has(v)) {
          throw new JointlabError('network_column_level', `column "${column.name}" holds a level outside the ${where} (data row ${dataRow}); allowed: ${column.allowed.join(', ')}`);
        }
      }
      if (provinceOfUscc(id) !== province && foreign++ === 0) firstForeign = dataRow;
    },
    end(shape) {
      for (const column of standard.columns) {
        if (column.type === 'numeric' && shape.types.get(column.name) !== 'numeric') throw new JointlabError('network_column_type', `column "${column.name}" must be numeric (${column.unit ?? 'no unit'}) under the ${where}`);
      }
      if (foreign > 0) {
        throw new JointlabError('network_wrong_province', `${foreign} id(s) are not USCCs registered in province ${province} (first at data row ${firstForeign}); each enclave holds its own province's enterprises`);
      }
    },
  };
}
