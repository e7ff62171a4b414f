import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * wrk's Lua side: every request is `METHOD PATH` (a POST carries a small body), each after a pause of
 * `pause` ms on its connection (a rate cap); each thread stops after `max` requests (wrk itself bounds
 * only time), and counts answers by status. `done` prints one line,
 * `SOAK {json}`, with the statuses summed over the threads.
 */
export const WRK_SCRIPT = `local threads = {}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  max = tonumber(args[1])
  sent = 0
  statuses = {}
  local method = args[2]
  local path = args[3]
  pause = tonumber(args[4] or "0")
  if method == "POST" then
    req = wrk.format("POST", path, { ["Content-Type"] = "text/plain" }, "soak")
  else
    req = wrk.format("GET", path)
  end
end
function delay()
  return pause
end
function request()
  sent = sent + 1
  return req
end
function response(status, headers, body)
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  if sent >= max then wrk.thread:stop() end
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local s = t:get("statuses")
    for k, v in pairs(s) do total[k] = (total[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(total) do table.insert(parts, string.format('"%s":%d', k, v)) end
  io.write(string.format('SOAK {"statuses":{%s},"p50us":%d,"p99us":%d,"requests":%d}\\n',
    table.concat(parts, ","), latency:percentile(50), latency:percentile(99), summary.requests))
end
`;

export interface WrkResult {
  requests: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Answers by HTTP status. */
  statuses: Record<string, number>;
  /** wrk's socket errors: connect, read, write, timeout. */
  socket: Record<string, number>;
}

/** Parses wrk's report and the script's `SOAK` line. */
export function parseWrk(out: string): WrkResult {
  const line = /^SOAK (\{.*\})$/m.exec(out)?.[1];
  if (!line) throw new Error(`wrk printed no SOAK line: ${out.slice(-500)}`);
  const j = JSON.parse(line) as {
    statuses: Record<string, number>;
    p50us: number;
    p99us: number;
    requests: number;
  };
  const socket: Record<string, number> = {};
  const se = /Socket errors: (.*)$/m.exec(out)?.[1];
  for (const m of se?.matchAll(/(\w+) (\d+)/g) ?? []) socket[m[1] ?? ''] = Number(m[2]);
  return {
    requests: j.requests,
    rps: Math.round(Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1] ?? '0')),
    p50ms: Number((j.p50us / 1000).toFixed(2)),
    p99ms: Number((j.p99us / 1000).toFixed(2)),
    statuses: j.statuses,
    socket,
  };
}

export async function writeWrkScript(dir: string): Promise<string> {
  const path = join(dir, 'soak.lua');
  await writeFile(path, WRK_SCRIPT);
  return path;
}

/** One wrk run against a loopback URL, bounded by `seconds` and by `maxRequests` in all. */
export async function runWrk(o: {
  script: string;
  base: string;
  method: 'GET' | 'POST';
  path: string;
  connections: number;
  seconds: number;
  maxRequests: number;
  timeoutSeconds: number;
  /** Pause before each request on a connection, in ms: caps the rate at connections * 1000 / pauseMs. */
  pauseMs?: number;
}): Promise<WrkResult> {
  const threads = Math.min(2, o.connections);
  const perThread = Math.max(1, Math.ceil(o.maxRequests / threads));
  const r = await execa(
    'wrk',
    [
      `-t${threads}`,
      `-c${o.connections}`,
      `-d${o.seconds}s`,
      `--timeout`,
      `${o.timeoutSeconds}s`,
      '-s',
      o.script,
      o.base,
      '--',
      String(perThread),
      o.method,
      o.path,
      String(Math.round(o.pauseMs ?? 0)),
    ],
    // wrk stops at -d; the kill is a backstop should it hang.
    { timeout: (o.seconds + o.timeoutSeconds + 30) * 1000 },
  );
  return parseWrk(r.stdout);
}
