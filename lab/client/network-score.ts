/**
 * Scoring routed across the network, on the bank's side: each id goes to the enclave of the province
 * its USCC names (characters 3-4), every province answers for its own enterprises under its own
 * consent and limits, and the answers come back together in the order asked. The hub sees no id.
 */
import { provinceOfUscc } from '../network/province';
import type { ScoreAnswer } from '../api/scoring';
import type { PlatformPartAnswer } from '../api/platform-part';
import { EnclaveClient } from './enclave-client';

export interface ProvinceEndpoint {
  province: string;
  url: string;
  /** The bank's own token at that enclave. */
  token: string;
}

export interface RoutedScores {
  /** Whole scores (part "full") or platform parts (part "platform"), each with its province. */
  scores: { id: string; province: string; score?: number; points?: number; value?: number }[];
  refused: { id: string; province: string | null; reason: string }[];
}

export async function scoreAcrossNetwork(endpoints: readonly ProvinceEndpoint[], job: string, ids: readonly string[], part: 'full' | 'platform' = 'full'): Promise<RoutedScores> {
  const byProvince = new Map<string, string[]>();
  const refused: RoutedScores['refused'] = [];
  const known = new Set(endpoints.map((e) => e.province));
  for (const id of ids) {
    const province = provinceOfUscc(id);
    if (!province) refused.push({ id, province: null, reason: 'not a valid USCC' });
    else if (!known.has(province)) refused.push({ id, province, reason: `province ${province} is not a member of the network` });
    else (byProvince.get(province) ?? byProvince.set(province, []).get(province)!).push(id);
  }
  const answers = await Promise.all(
    [...byProvince].map(async ([province, list]) => {
      const endpoint = endpoints.find((e) => e.province === province)!;
      const answer = await new EnclaveClient(endpoint.url, endpoint.token).request<ScoreAnswer | PlatformPartAnswer>('POST', 'v1/score', { json: { job, ids: list, ...(part === 'platform' ? { part } : {}) } });
      return { province, answer };
    }),
  );
  const found = new Map<string, RoutedScores['scores'][number]>();
  for (const { province, answer } of answers) {
    if ('parts' in answer) for (const p of answer.parts) found.set(p.id, { id: p.id, province, value: p.value });
    else for (const s of answer.scores) found.set(s.id, { ...s, province });
    for (const r of answer.refused) refused.push({ ...r, province });
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  return {
    scores: ids.filter((id) => found.has(id)).map((id) => found.get(id)!),
    refused: refused.sort((a, b) => order.get(a.id)! - order.get(b.id)!),
  };
}
