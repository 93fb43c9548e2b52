/**
 * An independent reading of PMML 4.4, written from the specification for the tests: it parses the
 * XML with a general-purpose parser and evaluates RegressionModel (logit classification), Scorecard
 * and MiningModel (a sum of TreeModel segments with a transformed output) documents row by row,
 * sharing no code with the exporter or the models.
 */
import { XMLParser } from 'fast-xml-parser';

/** An XML element in document order, as the parser gives it with `preserveOrder`. */
interface Element {
  name: string;
  attrs: Record<string, string>;
  children: Element[];
  text: string;
}
export type Value = number | string | null;
export type Row = Record<string, Value>;

function toElements(nodes: any[]): Element[] {
  const out: Element[] = [];
  for (const node of nodes) {
    const name = Object.keys(node).find((k) => k !== ':@');
    if (!name || name === '#text' || name.startsWith('?')) continue;
    const kids: any[] = node[name];
    const text = kids.filter((k) => '#text' in k).map((k) => String(k['#text'])).join('');
    const attrs: Record<string, string> = {};
    for (const [k, v] of Object.entries(node[':@'] ?? {})) attrs[k.replace(/^@/, '')] = String(v);
    out.push({ name, attrs, children: toElements(kids), text });
  }
  return out;
}

const child = (e: Element, name: string): Element | undefined => e.children.find((c) => c.name === name);
const children = (e: Element, name: string): Element[] => e.children.filter((c) => c.name === name);

/** Splits a PMML string Array's content: entries separated by spaces, quoted entries may hold spaces and \" escapes. */
function splitStringArray(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return out;
}

export class PmmlDocument {
  readonly kind: 'RegressionModel' | 'Scorecard' | 'MiningModel';
  private readonly model: Element;
  private readonly types = new Map<string, string>();
  /** Values each field declares missing (DataField/Value with property="missing"). */
  private readonly missing = new Map<string, Set<string>>();

  constructor(xml: string) {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseAttributeValue: false, parseTagValue: false, preserveOrder: true, trimValues: false });
    const root = toElements(parser.parse(xml)).find((e) => e.name === 'PMML');
    if (!root || root.attrs.version !== '4.4') throw new Error('not a PMML 4.4 document');
    for (const f of children(child(root, 'DataDictionary')!, 'DataField')) {
      this.types.set(f.attrs.name, f.attrs.dataType);
      this.missing.set(f.attrs.name, new Set(children(f, 'Value').filter((v) => v.attrs.property === 'missing').map((v) => v.attrs.value)));
    }
    const model = child(root, 'RegressionModel') ?? child(root, 'Scorecard') ?? child(root, 'MiningModel');
    if (!model) throw new Error('no RegressionModel, Scorecard or MiningModel in the document');
    this.model = model;
    this.kind = model.name as PmmlDocument['kind'];
  }

  private get invalidAsMissing(): Set<string> {
    return new Set(children(child(this.model, 'MiningSchema')!, 'MiningField').filter((f) => f.attrs.invalidValueTreatment === 'asMissing').map((f) => f.attrs.name));
  }

  get inputFields(): string[] {
    return children(child(this.model, 'MiningSchema')!, 'MiningField')
      .filter((f) => (f.attrs.usageType ?? 'active') === 'active')
      .map((f) => f.attrs.name);
  }

  /** A data field's value as the model sees it: a number for double fields, a string otherwise, null when missing. */
  private input(row: Row, name: string): Value {
    const raw = row[name];
    if (raw === null || raw === undefined || raw === '' || this.missing.get(name)?.has(String(raw))) return null;
    if (this.types.get(name) === 'double') {
      const x = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isNaN(x)) return x;
      // An unparsable number is invalid: missing where the mining field says so, an error otherwise.
      if (this.invalidAsMissing.has(name)) return null;
      throw new Error(`invalid value for ${name}`);
    }
    return String(raw);
  }

  private expression(e: Element, fields: Map<string, Value>): Value {
    if (e.name === 'FieldRef') {
      const v = fields.get(e.attrs.field) ?? null;
      return v === null && e.attrs.mapMissingTo !== undefined ? e.attrs.mapMissingTo : v;
    }
    if (e.name === 'Constant') return e.attrs.dataType === 'double' ? Number(e.text) : e.text;
    if (e.name === 'Apply') return this.apply(e, fields);
    throw new Error(`unsupported expression ${e.name}`);
  }

  private apply(e: Element, fields: Map<string, Value>): Value {
    const args = e.children.map((c) => this.expression(c, fields));
    const fn = e.attrs.function;
    if (fn === 'isMissing') return args[0] === null ? 1 : 0;
    if (fn === 'if') return args[0] ? args[1] : args[2] ?? null;
    // PMML: when an argument is missing the result is mapMissingTo, or missing without it.
    if (args.some((a) => a === null)) return e.attrs.mapMissingTo !== undefined ? Number(e.attrs.mapMissingTo) : null;
    const [a, b] = args as number[];
    if (fn === '-') return a - b;
    if (fn === '/') return a / b;
    if (fn === '+') return a + b;
    if (fn === '*') return a * b;
    if (fn === 'exp') return Math.exp(a);
    throw new Error(`unsupported function ${fn}`);
  }

  private fieldsOf(row: Row): Map<string, Value> {
    const fields = new Map<string, Value>();
    for (const name of this.inputFields) fields.set(name, this.input(row, name));
    const local = child(this.model, 'LocalTransformations');
    for (const d of local ? children(local, 'DerivedField') : []) {
      const value = this.expression(d.children[0], fields);
      fields.set(d.attrs.name, value);
    }
    return fields;
  }

  /**
   * TreeModel (regression): walk from the root, entering the first child whose predicate is true; a
   * predicate on a missing field is unknown, and then the node's defaultChild is taken.
   */
  private treeScore(tree: Element, fields: Map<string, Value>): number {
    if (tree.attrs.missingValueStrategy !== 'defaultChild') throw new Error('only defaultChild missing values are read here');
    let node = child(tree, 'Node')!;
    for (;;) {
      const kids = children(node, 'Node');
      if (!kids.length) return Number(node.attrs.score);
      let next: Element | undefined;
      for (const k of kids) {
        const verdict = this.truth(k.children[0], fields);
        if (verdict === 'unknown') {
          next = kids.find((c) => c.attrs.id === node.attrs.defaultChild);
          if (!next) throw new Error(`node ${node.attrs.id} has no defaultChild for a missing value`);
          break;
        }
        if (verdict) {
          next = k;
          break;
        }
      }
      if (!next) {
        if (tree.attrs.noTrueChildStrategy === 'returnLastPrediction' && node.attrs.score !== undefined) return Number(node.attrs.score);
        throw new Error(`no child of node ${node.attrs.id} matched`);
      }
      node = next;
    }
  }

  /** A predicate's truth with PMML's third value: unknown when it reads a missing field. */
  private truth(e: Element, fields: Map<string, Value>): boolean | 'unknown' {
    if (e.name !== 'True' && e.name !== 'False' && !(e.name === 'SimplePredicate' && /^is(Not)?Missing$/.test(e.attrs.operator)) && (fields.get(e.attrs.field) ?? null) === null) return 'unknown';
    return this.predicate(e, fields);
  }

  /** MiningModel: the segments' sum plus the target's rescale constant, then the named output field. */
  private mining(row: Row): Map<string, number> {
    const fields = this.fieldsOf(row);
    const segmentation = child(this.model, 'Segmentation')!;
    if (segmentation.attrs.multipleModelMethod !== 'sum') throw new Error('only summed segments are read here');
    let total = 0;
    for (const segment of children(segmentation, 'Segment')) {
      if (segment.children[0].name !== 'True') throw new Error('only segments under <True/> are read here');
      total += this.treeScore(child(segment, 'TreeModel')!, fields);
    }
    const target = child(this.model, 'Targets') ? child(child(this.model, 'Targets')!, 'Target') : undefined;
    total = total * Number(target?.attrs.rescaleFactor ?? 1) + Number(target?.attrs.rescaleConstant ?? 0);
    const outputs = new Map<string, number>();
    for (const o of children(child(this.model, 'Output')!, 'OutputField')) {
      if (o.attrs.feature === 'predictedValue') outputs.set(o.attrs.name, total);
      else if (o.attrs.feature === 'transformedValue') {
        const scope = new Map<string, Value>([...fields, ...outputs]);
        outputs.set(o.attrs.name, Number(this.expression(o.children[0], scope)));
      }
    }
    return outputs;
  }

  /** RegressionModel: the probability of target category "1" under the logit normalization; MiningModel: its "probability" output. */
  probability(row: Row): number {
    if (this.kind === 'MiningModel') {
      const p = this.mining(row).get('probability');
      if (p === undefined) throw new Error('no "probability" output field');
      return p;
    }
    if (this.kind !== 'RegressionModel') throw new Error('not a regression model');
    if (this.model.attrs.normalizationMethod !== 'logit') throw new Error('only logit is read here');
    const fields = this.fieldsOf(row);
    const table = children(this.model, 'RegressionTable').find((t) => t.attrs.targetCategory === '1');
    if (!table) throw new Error('no regression table for category 1');
    let z = Number(table.attrs.intercept);
    for (const p of children(table, 'NumericPredictor')) {
      const v = fields.get(p.attrs.name);
      if (v === null || v === undefined) throw new Error(`predictor ${p.attrs.name} is missing`);
      z += Number(p.attrs.coefficient) * Number(v) ** Number(p.attrs.exponent ?? 1);
    }
    for (const p of children(table, 'CategoricalPredictor')) if (fields.get(p.attrs.name) === p.attrs.value) z += Number(p.attrs.coefficient);
    return 1 / (1 + Math.exp(-z));
  }

  private predicate(e: Element, fields: Map<string, Value>): boolean {
    if (e.name === 'True') return true;
    if (e.name === 'False') return false;
    const v = fields.get(e.attrs.field) ?? null;
    if (e.name === 'SimplePredicate') {
      if (e.attrs.operator === 'isMissing') return v === null;
      if (e.attrs.operator === 'isNotMissing') return v !== null;
      if (v === null) return false;
      const c = Number(e.attrs.value);
      switch (e.attrs.operator) {
        case 'lessOrEqual':
          return (v as number) <= c;
        case 'lessThan':
          return (v as number) < c;
        case 'greaterThan':
          return (v as number) > c;
        case 'equal':
          return String(v) === e.attrs.value;
        default:
          throw new Error(`unsupported operator ${e.attrs.operator}`);
      }
    }
    if (e.name === 'SimpleSetPredicate') {
      if (v === null) return false;
      const members = splitStringArray(child(e, 'Array')!.text);
      return (e.attrs.booleanOperator === 'isIn') === members.includes(String(v));
    }
    throw new Error(`unsupported predicate ${e.name}`);
  }

  /** Scorecard: total points and reason codes ranked by points below each characteristic's baseline. */
  score(row: Row): { points: number; reasons: string[] } {
    if (this.kind !== 'Scorecard') throw new Error('not a scorecard');
    const fields = this.fieldsOf(row);
    let points = Number(this.model.attrs.initialScore ?? 0);
    const below: { code: string; gap: number }[] = [];
    for (const c of children(child(this.model, 'Characteristics')!, 'Characteristic')) {
      const hit = children(c, 'Attribute').find((a) => this.predicate(a.children[0], fields));
      if (!hit) throw new Error(`no attribute of ${c.attrs.name} matched`);
      // PMML 4.4: an attribute's points are its partialScore, or the value of its ComplexPartialScore expression.
      const complex = child(hit, 'ComplexPartialScore');
      const partial = complex ? Number(this.expression(complex.children[0], fields)) : Number(hit.attrs.partialScore);
      points += partial;
      below.push({ code: hit.attrs.reasonCode ?? c.attrs.reasonCode, gap: Number(c.attrs.baselineScore) - partial });
    }
    const reasons = below
      .filter((b) => b.gap > 0)
      .sort((a, b) => b.gap - a.gap)
      .map((b) => b.code);
    return { points, reasons };
  }
}
