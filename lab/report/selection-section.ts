/** The report's feature selection section: the released path as a short table. */
import { escapeXml } from '../text';
import type { ReleasedSelection } from '../api/selection';

const METRIC_NAMES = { iv: 'information value', correlation: '|correlation| with the kept feature', vif: 'variance inflation factor', aic: 'AIC after the step', auc: 'validation AUC after the step' } as const;

export function selectionSection(selection: ReleasedSelection | undefined): string {
  if (!selection) return '';
  const rows = selection.path
    .map((s) => `<tr><td>${s.step}</td><td>${s.action}</td><td>${escapeXml(s.feature)}${s.against ? ` (kept ${escapeXml(s.against)})` : ''}</td><td>${METRIC_NAMES[s.metric]}</td><td>${s.value ?? 'withheld'}</td></tr>`)
    .join('');
  const start = selection.start ? `<p>The search started from the intercept-only model (${METRIC_NAMES[selection.start.metric].replace(' after the step', '')} ${selection.start.value ?? 'withheld'}).</p>` : '';
  const kept = `<p>Kept ${selection.features.length} feature(s), in the order chosen: ${selection.features.map((f) => `<code>${escapeXml(f)}</code>`).join(', ')}.</p>`;
  const table = rows ? `<table><thead><tr><th>step</th><th>action</th><th>feature</th><th>metric</th><th>value</th></tr></thead><tbody>${rows}</tbody></table>` : '<p>Nothing was filtered or searched.</p>';
  const note = selection.note ? `<p class="note">${escapeXml(selection.note)}</p>` : '';
  return `<h2>Feature selection</h2>${start}${table}${kept}${note}`;
}
