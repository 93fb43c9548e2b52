/**
 * A light load generator for request-rate benchmarks: `clients` keep-alive connections, each sending
 * its next GET as soon as the last answer arrived, over Node's http client (fetch costs the client
 * several times more CPU per request, which on a shared machine would cap what is measured).
 */
import { Agent, request } from 'node:http';

export interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
}

export async function load(url: string, headers: Record<string, string>, clients: number, total: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  const get = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = request(url, { agent, headers }, (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${url}: status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
  const latencies: number[] = [];
  let sent = 0;
  const started = process.hrtime.bigint();
  try {
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (sent < total) {
          sent++;
          const t0 = process.hrtime.bigint();
          await get();
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { perSecond: total / elapsed, p50: pct(0.5), p99: pct(0.99) };
}
