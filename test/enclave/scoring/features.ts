/** Platform features shared by the scoring tests. */

/** None of these carries half of a fitted model's score on the synthetic data: models on them pass the scoring rule. */
export const SPREAD = ['tax_arrears', 'court_cases_3y', 'enforcement_records', 'years_established', 'utility_arrears_months', 'admin_penalties_3y', 'electricity_yoy'];
