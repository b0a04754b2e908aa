import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics';
import type { StoreStatus } from '../store/kv';

export interface HealthStatus {
  ready: boolean;
  shards: number[];
  jobsInFlight: number;
  store: StoreStatus;
}

/** `/healthz`'s answer: 200 only when the gateway is ready and the store answers; a 503 says which is not. */
export function healthReport(s: HealthStatus): { code: 200 | 503; body: Record<string, unknown> } {
  const status = !s.store.ok ? 'store unavailable' : !s.ready ? 'starting' : 'ok';
  const store = s.store.ok ? { kind: s.store.kind, ok: true } : { kind: s.store.kind, ok: false, since: new Date(s.store.since).toISOString(), error: s.store.error };
  return { code: status === 'ok' ? 200 : 503, body: { status, ready: s.ready, shards: s.shards, jobsInFlight: s.jobsInFlight, store } };
}

/**
 * `/healthz` and Prometheus `/metrics` on 127.0.0.1 (HEALTH_PORT). Loopback only: metrics name guilds' load
 * and are for the operator's scraper on the same host, not the internet.
 */
export function startHealthServer(port: number, metrics: Metrics, status: () => HealthStatus): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') {
        const report = healthReport(status());
        res.writeHead(report.code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(report.body));
      } else if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': metrics.registry.contentType });
        res.end(await metrics.registry.metrics());
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
