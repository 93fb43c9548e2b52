/** The network standard the synthetic platform tables follow (`jointlab synth`; datasets-sample/README.md is its dictionary). */
import type { NetworkStandard } from './standard';
import { PROVINCES } from './province';

const n = (name: string, unit: string, meaning: string) => ({ name, type: 'numeric' as const, unit, meaning });
const c = (name: string, levels: string[], meaning: string) => ({ name, type: 'categorical' as const, levels, meaning });

export const SME_NETWORK_STANDARD: NetworkStandard = {
  name: 'jointlab-sme',
  version: '1',
  idColumn: { name: 'id', meaning: 'Unified Social Credit Code (GB 32100-2015) of an enterprise registered in the province' },
  columns: [
    c('province', Object.values(PROVINCES), 'province of registration'),
    c('industry', ['A', 'C', 'E', 'F', 'G', 'H', 'I', 'L', 'M'], 'GB/T 4754 industry section'),
    c('size_class', ['micro', 'small', 'medium'], 'enterprise size class'),
    n('years_established', 'years', 'years since registration'),
    n('registered_capital_10k', '10k CNY', 'registered capital'),
    n('si_headcount', 'persons', 'employees paying social insurance'),
    c('tax_grade', ['A', 'B', 'M', 'C', 'D'], 'tax credit grade (M: under one year)'),
    n('vat_paid_12m_10k', '10k CNY', 'VAT paid in the last 12 months'),
    n('tax_arrears', '0/1', 'overdue tax on record'),
    n('electricity_kwh_12m', 'kWh', 'electricity used in 12 months'),
    n('electricity_yoy', 'ratio', 'year-on-year change in electricity use (0.05 = +5%)'),
    n('utility_arrears_months', 'months', 'months with unpaid utility bills'),
    n('court_cases_3y', 'cases', 'civil cases as defendant in 3 years'),
    n('enforcement_records', 'records', 'court enforcement records'),
    n('dishonest_debtor', '0/1', 'on the list of dishonest judgment debtors'),
    n('admin_penalties_3y', 'penalties', 'administrative penalties in 3 years'),
    n('customs_import_12m_10k', '10k CNY', 'customs-declared imports in 12 months'),
    n('customs_export_12m_10k', '10k CNY', 'customs-declared exports in 12 months'),
    n('certifications', 'count', 'qualifications and certifications held'),
    n('high_tech', '0/1', 'recognized high-tech enterprise'),
    n('legal_rep_changes_3y', 'changes', 'changes of legal representative in 3 years'),
    n('shareholder_changes_3y', 'changes', 'changes of shareholders in 3 years'),
    n('green_flag', '0/1', 'green-credit enterprise'),
    n('agri_flag', '0/1', 'agriculture-related enterprise'),
  ],
};
