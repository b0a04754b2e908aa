import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Job } from '../jobs/record';
import type { JobEvents } from '../jobs/service';
import type { ApiOp } from '../apimart';

/** Prometheus metrics of one process (prom-client): jobs by state, API latency and errors, deliveries by route. */
export class Metrics implements JobEvents {
  readonly registry = new Registry();
  private readonly jobs = new Counter({ name: 'vidu_job_transitions_total', help: 'Jobs entering each state', labelNames: ['state'], registers: [this.registry] });
  private readonly apiLatency = new Histogram({
    name: 'vidu_apimart_request_seconds',
    help: 'APIMart request latency',
    labelNames: ['op', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [this.registry],
  });
  private readonly apiErrors = new Counter({ name: 'vidu_apimart_errors_total', help: 'APIMart errors by kind', labelNames: ['op', 'kind'], registers: [this.registry] });
  private readonly deliveries = new Counter({ name: 'vidu_deliveries_total', help: 'Finished videos by delivery route', labelNames: ['route', 'attached'], registers: [this.registry] });
  private readonly lag = new Histogram({
    name: 'vidu_delivery_lag_seconds',
    help: 'From the task completing (as seen) to the video delivered',
    buckets: [1, 2, 5, 10, 20, 30, 60, 120],
    registers: [this.registry],
  });

  constructor(jobsInFlight: () => number, apimartRate: () => number) {
    collectDefaultMetrics({ register: this.registry, prefix: 'vidu_' });
    new Gauge({
      name: 'vidu_jobs_in_flight',
      help: 'Jobs being polled by this process',
      registers: [this.registry],
      collect() {
        this.set(jobsInFlight());
      },
    });
    new Gauge({
      name: 'vidu_apimart_rate_rps',
      help: 'APIMart requests per second the request gate allows now (learnt under APIMART_MAX_RPS)',
      registers: [this.registry],
      collect() {
        this.set(apimartRate());
      },
    });
  }

  onState(job: Job): void {
    this.jobs.inc({ state: job.state });
  }

  onDelivered(job: Job, lagMs: number | undefined): void {
    this.deliveries.inc({ route: job.delivery?.route ?? 'none', attached: String(job.delivery?.attached ?? false) });
    if (lagMs !== undefined) this.lag.observe(lagMs / 1000);
  }

  observeApi(op: ApiOp, seconds: number, errorKind?: string): void {
    this.apiLatency.observe({ op, outcome: errorKind ? 'error' : 'ok' }, seconds);
    if (errorKind) this.apiErrors.inc({ op, kind: errorKind });
  }
}
