import autocannon from 'autocannon';
import { cpuSeconds } from './proc';
import { Target } from './targets';

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failures: number;
  serverCpuMsPerRequest: number;
}

/**
 * POSTs JSON bodies (a new one per request) to a target for `seconds` over `connections`
 * keep-alive connections, and measures the server's CPU over the same time.
 */
export async function postLoad(
  target: Target,
  path: string,
  options: {
    seconds: number;
    connections: number;
    body: (index: number) => unknown;
    amount?: number;
  },
): Promise<LoadResult> {
  let index = 0;
  const cpu0 = cpuSeconds(target.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${target.port}`,
    connections: options.connections,
    duration: options.seconds,
    amount: options.amount,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path,
        headers: target.restHeaders,
        setupRequest: (request) => ({ ...request, body: JSON.stringify(options.body(index++)) }),
      },
    ],
  });
  const cpu = cpuSeconds(target.pid) - cpu0;
  const ok = result['2xx'];
  return {
    requests: ok,
    requestsPerSecond: ok / (result.duration || options.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    failures: result.non2xx + result.errors + result.timeouts,
    serverCpuMsPerRequest: ok > 0 ? (cpu * 1000) / ok : NaN,
  };
}
