/**
 * Synthetic SME credit data: a platform table (the enclave's side), a bank table (its customers'
 * loan features and 12-month default label) and a consent table. A hidden "health" factor drives both
 * the platform's records and the default, so the platform's features carry signal the bank lacks.
 */
import { Random } from '../../models/random';
import { sigmoid } from '../../models/linalg';
import { generateUscc } from './uscc';
import { PROVINCES, assertProvinceCode } from '../network/province';

export interface SynthOptions {
  enterprises: number;
  bankCustomers: number;
  seed: number;
  /** The bank the bank table and most consents belong to. */
  bank: string;
  /** Two-digit province code: every enterprise registers there (a provincial platform of the network); default all of China. */
  province?: string;
}

export const SYNTH_DEFAULTS: SynthOptions = { enterprises: 20_000, bankCustomers: 10_000, seed: 7, bank: 'bank-a' };

export interface SynthTable {
  header: string[];
  rows: (string | number)[][];
}

export interface SynthTables {
  platform: SynthTable;
  bank: SynthTable;
  consent: SynthTable;
}

/** Real district codes, one per province, with a weight for how many SMEs register there. */
const DIVISIONS: [string, string, number][] = [
  ['440305', 'Guangdong', 16],
  ['330106', 'Zhejiang', 12],
  ['320505', 'Jiangsu', 12],
  ['370202', 'Shandong', 9],
  ['310115', 'Shanghai', 7],
  ['110105', 'Beijing', 6],
  ['410105', 'Henan', 7],
  ['510107', 'Sichuan', 6],
  ['420106', 'Hubei', 5],
  ['350203', 'Fujian', 6],
  ['430104', 'Hunan', 5],
  ['340104', 'Anhui', 5],
  ['620102', 'Gansu', 2],
  ['650102', 'Xinjiang', 2],
];

/** GB/T 4754 industry sections with SME shares and a baseline risk shift. */
const INDUSTRIES: [string, number, number][] = [
  ['A', 5, 0.3], // agriculture
  ['C', 22, 0.1], // manufacturing
  ['E', 8, 0.35], // construction
  ['F', 30, 0.05], // wholesale and retail
  ['G', 6, 0.1], // transport
  ['H', 7, 0.4], // accommodation and catering
  ['I', 8, -0.2], // information technology
  ['L', 9, 0.0], // leasing and business services
  ['M', 5, -0.25], // research and technical services
];

const SIZES: [string, number, number][] = [
  ['micro', 62, 0],
  ['small', 30, 1],
  ['medium', 8, 2],
];


export const PLATFORM_COLUMNS = [
  'id', 'province', 'industry', 'size_class', 'years_established', 'registered_capital_10k', 'si_headcount',
  'tax_grade', 'vat_paid_12m_10k', 'tax_arrears', 'electricity_kwh_12m', 'electricity_yoy', 'utility_arrears_months',
  'court_cases_3y', 'enforcement_records', 'dishonest_debtor', 'admin_penalties_3y', 'customs_import_12m_10k',
  'customs_export_12m_10k', 'certifications', 'high_tech', 'legal_rep_changes_3y', 'shareholder_changes_3y',
  'green_flag', 'agri_flag',
];

export const BANK_COLUMNS = [
  'id', 'loan_amount_10k', 'relationship_months', 'account_turnover_12m_10k', 'worst_overdue_days_12m',
  'existing_loans', 'collateral', 'default_12m',
];

export const CONSENT_COLUMNS = ['enterprise_id', 'bank', 'purpose', 'granted', 'expires'];

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
const missingIf = (random: Random, p: number, value: number | string): number | string => (random.bernoulli(p) ? '' : value);

interface Enterprise {
  id: string;
  size: number;
  health: number;
  /** Log-odds of default from what the platform sees and the bank does not. */
  platformRisk: number;
  row: (string | number)[];
}

/** The districts enterprises register in: the whole list, or one province's (a district of its capital where the list has none). */
function divisionsOf(province: string | undefined): [string, string, number][] {
  if (province === undefined) return DIVISIONS;
  const listed = DIVISIONS.filter((d) => d[0].startsWith(province));
  return listed.length ? listed : [[`${province}0102`, PROVINCES[province] ?? province, 1]];
}

function enterprise(random: Random, divisions: [string, string, number][]): Enterprise {
  const [division, province] = divisions[random.weighted(divisions.map((d) => d[2]))];
  const [industry, , industryRisk] = INDUSTRIES[random.weighted(INDUSTRIES.map((d) => d[1]))];
  const [sizeClass, , size] = SIZES[random.weighted(SIZES.map((d) => d[1]))];
  const years = round(Math.min(40, 0.3 + -Math.log(1 - random.uniform()) * 7), 1);
  // Hidden health: better for older, larger firms; what the platform's records are noisy readings of.
  const health = random.normal() + 0.25 * Math.log1p(years) + 0.15 * size - industryRisk;
  const capital = round(Math.exp(3 + 1.1 * size + 0.8 * random.normal()), 1);
  const headcount = Math.max(1, Math.round(Math.exp(1.2 + 1.3 * size + 0.25 * health + 0.5 * random.normal())));
  const gradeScore = health + 0.8 * random.normal();
  const grade = years < 1 ? 'M' : gradeScore > 1.2 ? 'A' : gradeScore > -0.3 ? 'B' : gradeScore > -1.3 ? 'C' : 'D';
  const vat = round(Math.exp(1.5 + 1.2 * size + 0.35 * health + 0.6 * random.normal()), 2);
  const taxArrears = random.bernoulli(sigmoid(-2.6 - 1.1 * health)) ? 1 : 0;
  const hasMeter = !random.bernoulli(0.1);
  const kwh = Math.round(Math.exp(9 + 1.3 * size + 0.2 * health + 0.7 * random.normal()));
  const yoy = round(0.02 + 0.09 * health + 0.12 * random.normal(), 3);
  const utilityArrears = random.poisson(Math.exp(-1.6 - 0.8 * health));
  const courtCases = random.poisson(Math.exp(-1.3 - 0.7 * health + 0.2 * size));
  const enforcement = random.poisson(Math.exp(-2.6 - 1.0 * health));
  const dishonest = random.bernoulli(sigmoid(-4.6 - 1.4 * health)) ? 1 : 0;
  const penalties = random.poisson(Math.exp(-1.9 - 0.4 * health));
  const trader = random.bernoulli(industry === 'C' || industry === 'F' ? 0.35 : 0.08);
  const imports = trader ? round(Math.exp(3 + size + 0.9 * random.normal()), 1) : 0;
  const exports = trader ? round(Math.exp(3.2 + size + 0.2 * health + 0.9 * random.normal()), 1) : 0;
  const certifications = random.poisson(0.4 + 0.8 * size + (health > 0.5 ? 0.5 : 0));
  const highTech = random.bernoulli(industry === 'I' || industry === 'M' ? 0.35 : 0.04) ? 1 : 0;
  const repChanges = random.poisson(Math.exp(-1.5 - 0.5 * health));
  const holderChanges = random.poisson(0.35);
  const green = random.bernoulli(0.07) ? 1 : 0;
  const agri = industry === 'A' || random.bernoulli(0.02) ? 1 : 0;
  const platformRisk =
    -1.15 * health + 0.9 * dishonest + 0.35 * Math.min(enforcement, 3) + 0.3 * taxArrears + (grade === 'D' ? 0.5 : 0) - 0.15 * highTech;
  const row = [
    generateUscc(random, division),
    province,
    industry,
    sizeClass,
    years,
    missingIf(random, 0.02, capital),
    missingIf(random, 0.06, headcount),
    grade,
    missingIf(random, years < 1 ? 0.6 : 0.04, vat),
    taxArrears,
    hasMeter ? kwh : '',
    hasMeter ? missingIf(random, years < 1 ? 1 : 0.03, yoy) : '',
    utilityArrears,
    courtCases,
    enforcement,
    dishonest,
    penalties,
    imports,
    exports,
    certifications,
    highTech,
    repChanges,
    holderChanges,
    green,
    agri,
  ];
  return { id: row[0] as string, size, health, platformRisk, row };
}

const COLLATERAL = ['none', 'guarantee', 'equipment', 'property'];

function bankRow(random: Random, e: Enterprise): (string | number)[] {
  const relationship = random.int(1, 180);
  const collateral = COLLATERAL[random.weighted([45, 25, 12, 18])];
  const loan = round(Math.exp(4 + 0.9 * e.size + 0.7 * random.normal()), 1);
  const turnover = round(Math.exp(5 + 1.1 * e.size + 0.2 * e.health + 0.6 * random.normal()), 1);
  // The bank sees the firm's health only dimly, through its own repayment history.
  const overdueRisk = sigmoid(-1.8 - 0.45 * e.health + 0.4 * random.normal());
  const overdue = random.bernoulli(overdueRisk) ? random.pick([3, 7, 15, 30, 45, 60, 90]) : 0;
  const existing = random.poisson(1 + 0.5 * e.size);
  const bankRisk =
    0.012 * overdue - 0.004 * relationship + 0.12 * Math.max(existing - 2, 0) - (collateral === 'property' ? 0.45 : collateral === 'guarantee' ? 0.15 : 0) + 0.1 * Math.log(loan / turnover + 0.1);
  const p = sigmoid(-2.9 + e.platformRisk + bankRisk);
  return [e.id, loan, relationship, missingIf(random, 0.03, turnover), overdue, existing, collateral, random.bernoulli(p) ? 1 : 0];
}

function isoDate(dayNumber: number): string {
  return new Date(Date.UTC(2025, 0, 1) + dayNumber * 86_400_000).toISOString().slice(0, 10);
}

function consentRows(random: Random, id: string, bank: string, purposes: string[]): (string | number)[][] {
  return purposes.map((purpose) => {
    const granted = random.int(0, 640);
    // A few consents ran out already, as real authorization records do.
    const expires = granted + (random.bernoulli(0.06) ? random.int(30, 200) : random.int(365, 1095));
    return [id, bank, purpose, isoDate(granted), isoDate(expires)];
  });
}

/**
 * Platform rows one at a time with distinct ids, drawn as `synthesize` draws them, for tables too large
 * to hold in memory: the scale benchmark streams millions of them to a file.
 */
export function* enterpriseRows(count: number, seed: number, province?: string): Generator<(string | number)[]> {
  const random = new Random(seed);
  const divisions = divisionsOf(province);
  const seen = new Set<string>();
  while (seen.size < count) {
    const e = enterprise(random, divisions);
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    yield e.row;
  }
}

export function synthesize(options: SynthOptions): SynthTables {
  if (options.bankCustomers > options.enterprises) throw new RangeError('a bank cannot have more customers than there are enterprises');
  if (options.province !== undefined) assertProvinceCode(options.province, '--province');
  const divisions = divisionsOf(options.province);
  const random = new Random(options.seed);
  const enterprises: Enterprise[] = [];
  const seen = new Set<string>();
  while (enterprises.length < options.enterprises) {
    const e = enterprise(random, divisions);
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    enterprises.push(e);
  }
  const order = enterprises.map((_, i) => i);
  random.shuffle(order);
  const customers = order.slice(0, options.bankCustomers).sort((a, b) => a - b);
  const prospects = order.slice(options.bankCustomers, options.bankCustomers + Math.floor(options.bankCustomers / 5));
  const consent: (string | number)[][] = [];
  for (const i of customers) {
    const purposes = ['training', 'scoring', 'report'].filter((_, k) => random.bernoulli([0.92, 0.75, 0.5][k]));
    consent.push(...consentRows(random, enterprises[i].id, options.bank, purposes));
  }
  for (const i of prospects) consent.push(...consentRows(random, enterprises[i].id, options.bank, ['scoring']));
  return {
    platform: { header: PLATFORM_COLUMNS, rows: enterprises.map((e) => e.row) },
    bank: { header: BANK_COLUMNS, rows: customers.map((i) => bankRow(random, enterprises[i])) },
    consent: { header: CONSENT_COLUMNS, rows: consent },
  };
}
