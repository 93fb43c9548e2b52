/**
 * Province codes (GB/T 2260, the first two digits of an administrative division code) and an
 * enterprise's province from its Unified Social Credit Code: characters 3 to 8 of a USCC are the
 * division where it registered (GB 32100-2015), the first two of them the province.
 */
import { JointlabError } from '../errors';
import { isValidUscc } from '../synth/uscc';

/** The 34 province-level divisions. */
export const PROVINCES: Readonly<Record<string, string>> = {
  '11': 'Beijing', '12': 'Tianjin', '13': 'Hebei', '14': 'Shanxi', '15': 'Inner Mongolia',
  '21': 'Liaoning', '22': 'Jilin', '23': 'Heilongjiang',
  '31': 'Shanghai', '32': 'Jiangsu', '33': 'Zhejiang', '34': 'Anhui', '35': 'Fujian', '36': 'Jiangxi', '37': 'Shandong',
  '41': 'Henan', '42': 'Hubei', '43': 'Hunan', '44': 'Guangdong', '45': 'Guangxi', '46': 'Hainan',
  '50': 'Chongqing', '51': 'Sichuan', '52': 'Guizhou', '53': 'Yunnan', '54': 'Tibet',
  '61': 'Shaanxi', '62': 'Gansu', '63': 'Qinghai', '64': 'Ningxia', '65': 'Xinjiang',
  '71': 'Taiwan', '81': 'Hong Kong', '82': 'Macao',
};

export function isProvinceCode(code: string): boolean {
  return Object.hasOwn(PROVINCES, code);
}

export function assertProvinceCode(code: string, what = 'province'): string {
  if (!isProvinceCode(code)) throw new JointlabError('bad_province', `${what} must be a two-digit province code (GB/T 2260, e.g. 44 for Guangdong)`, 'usage');
  return code;
}

/** The province of a valid USCC, or undefined when the code is not a valid USCC or names no province. */
export function provinceOfUscc(code: string): string | undefined {
  if (!isValidUscc(code)) return undefined;
  const province = code.slice(2, 4);
  return isProvinceCode(province) ? province : undefined;
}
