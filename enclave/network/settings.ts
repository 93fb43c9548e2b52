/** What makes an enclave a network member: its province and, when the network has one, the standard its datasets follow. */
import type { NetworkStandard } from '../../lab/network/standard';

export interface NetworkSettings {
  /** Two-digit province code (GB/T 2260). */
  province: string;
  standard?: NetworkStandard;
}
