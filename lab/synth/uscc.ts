/**
 * Unified Social Credit Codes (GB 32100-2015): 18 characters = registration authority, entity type,
 * 6-digit administrative division, 9-character organization code (GB 11714, with its own check
 * character), and a final check character over the first 17 (weights 3^i mod 31).
 */
import { Random } from '../../models/random';

/** The 31 characters a code may use: digits and capitals without I, O, S, V, Z. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

function orgValue(ch: string): number {
  // GB 11714 reads letters as 10..35 in their plain alphabet order.
  return /[0-9]/.test(ch) ? Number(ch) : ch.charCodeAt(0) - 55;
}

export function orgCheckChar(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += orgValue(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i]);
    if (v < 0) return '?';
    sum += v * WEIGHTS[i];
  }
  return ALPHABET[(31 - (sum % 31)) % 31];
}

export function isValidUscc(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  if (usccCheckChar(code.slice(0, 17)) !== code[17]) return false;
  return orgCheckChar(code.slice(8, 16)) === code[16];
}

/** A fresh valid code for an enterprise ("9" = market regulator, "1" = enterprise) in `division`. */
export function generateUscc(random: Random, division: string): string {
  let body = '';
  // Organization codes use digits and capitals; I, O, S, V, Z are avoided so the code stays in ALPHABET.
  for (let i = 0; i < 8; i++) body += ALPHABET[random.int(0, i === 0 ? 9 : ALPHABET.length - 1)];
  // The organization check character is a digit or X, both in ALPHABET.
  const first17 = `91${division}${body}${orgCheckChar(body)}`;
  return first17 + usccCheckChar(first17);
}
