import { Agent, request } from 'node:http';
import { monoUs } from './proc';
import { Target } from './targets';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One JSON request to a target over a keep-alive agent; resolves with the status and body. */
export function postJson(
  target: Target,
  path: string,
  body: unknown,
  agent: Agent,
): Promise<HttpAnswer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method: 'POST',
        path,
        agent,
        headers: { ...target.restHeaders, 'Content-Length': Buffer.byteLength(payload) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`POST ${path} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * A memory as the fan-out sends it: `metadata.bench_seq` identifies it and `metadata.bench_t` is
 * the monotonic time (us) just before the request, which subscribers subtract from their own.
 */
export function benchMemory(seq: number): Record<string, unknown> {
  return {
    title: `Benchmark memory ${seq}`,
    content: `Tokens rotate every hour; this is memory number ${seq} of a fan-out benchmark run.`,
    memory_type: 'context',
    tags: ['bench', 'fanout'],
    metadata: { bench_seq: seq, bench_t: monoUs() },
  };
}
