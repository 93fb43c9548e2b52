/** Platform features shared by the scoring tests. */

/** Platform features of which none carries half of a fitted model's score on the synthetic data (electricity_yoy and tax_grade each do when the other is absent): models on them pass the scoring rule. */
export const SPREAD = ['tax_arrears', 'court_cases_3y', 'enforcement_records', 'years_established', 'utility_arrears_months', 'admin_penalties_3y', 'electricity_yoy', 'si_headcount', 'tax_grade'];

/** Bank columns of the joint models in the joint-scoring tests. */
export const BANK_COLUMNS = ['loan_amount_10k', 'relationship_months', 'worst_overdue_days_12m', 'collateral'];
