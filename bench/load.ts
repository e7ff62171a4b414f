import { Agent, request } from 'node:http';
import { percentile } from './stats.js';

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50ms: number;
  p99ms: number;
}

/**
 * Keep-alive load: `connections` loops, each sending one request after another, until `durationMs`
 * or `maxRequests` (bounded in both time and count). Only loopback targets are used by the benches.
 */
export async function load(
  url: string,
  o: {
    connections: number;
    durationMs: number;
    maxRequests: number;
    method?: string;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<LoadResult> {
  const target = new URL(url);
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const start = Date.now();
  const deadline = start + o.durationMs;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname + target.search,
          method: o.method ?? 'GET',
          agent,
          headers: o.headers ?? {},
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 400) errors++;
            latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(o.body);
    });
  await Promise.all(
    Array.from({ length: o.connections }, async () => {
      while (Date.now() < deadline && sent < o.maxRequests) {
        sent++;
        await one();
      }
    }),
  );
  const seconds = (Date.now() - start) / 1000;
  agent.destroy();
  return {
    requests: latencies.length,
    errors,
    rps: Math.round(latencies.length / seconds),
    p50ms: Number(percentile(latencies, 50).toFixed(2)),
    p99ms: Number(percentile(latencies, 99).toFixed(2)),
  };
}
