import { createServer, type Server } from 'node:http';
import type { Metrics } from './metrics';

/**
 * `/healthz` and Prometheus `/metrics` on 127.0.0.1 (HEALTH_PORT). Loopback only: metrics name guilds' load
 * and are for the operator's scraper on the same host, not the internet.
 */
export function startHealthServer(port: number, metrics: Metrics, status: () => { ready: boolean; shards: number[]; jobsInFlight: number }): Promise<Server> {
  const server = createServer((req, res) => {
    void (async () => {
      if (req.url === '/healthz') {
        const s = status();
        res.writeHead(s.ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: s.ready ? 'ok' : 'starting', ...s }));
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
