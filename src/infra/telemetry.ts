import { Runtime, type MetricsExporterConfig } from '@temporalio/worker';
import { UserError } from './errors';

/** Where a worker's metrics go: a Prometheus scrape endpoint, or an OpenTelemetry collector it pushes to. */
export interface MetricsExport {
  /** host:port to serve `/metrics` on, e.g. 0.0.0.0:9464 */
  prometheus?: string;
  /** OTLP collector URL: grpc(s)://host:4317, or http(s)://host:4318/v1/metrics for OTLP/HTTP */
  otlp?: string;
}

/**
 * Installs the process's Temporal runtime with a metrics exporter: the SDK's own metrics (`temporal_*`: task
 * latencies, slots, polls) and Planwright's (`planwright_*`: model requests, tokens, credits, tasks, decisions) go
 * out together. Must run before the first connection of the process; there is one runtime per process.
 */
export function installMetricsExport(config: MetricsExport): void {
  if (!config.prometheus && !config.otlp) return;
  if (config.prometheus && config.otlp) {
    throw new UserError('--prometheus and --otlp cannot be combined: a worker exports its metrics one way');
  }
  // The SDK's default buckets stop at 10 s; model calls take minutes and tasks hours.
  const histogramBucketOverrides = {
    planwright_model_request_latency: [250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 120_000, 300_000],
    planwright_task_duration: [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000],
  };
  let metrics: MetricsExporterConfig;
  if (config.prometheus) {
    const bindAddress = checkBindAddress(config.prometheus);
    metrics = { prometheus: { bindAddress, countersTotalSuffix: true, histogramBucketOverrides } };
  } else {
    const { url, http } = checkOtlpUrl(config.otlp!);
    metrics = { otel: { url, http, metricsExportInterval: '10 seconds', histogramBucketOverrides } };
  }
  try {
    Runtime.install({ telemetryOptions: { metrics } });
  } catch (err) {
    const where = config.prometheus ? `--prometheus ${config.prometheus}` : `--otlp ${config.otlp}`;
    throw new UserError(
      `cannot start the metrics exporter (${(err as Error).message}); check ${where}, e.g. a free port`,
    );
  }
}

function checkBindAddress(address: string): string {
  const match = /^(.+):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65_535) {
    throw new UserError(`--prometheus "${address}" is not host:port; use e.g. 0.0.0.0:9464`);
  }
  return address;
}

function checkOtlpUrl(raw: string): { url: string; http: boolean } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(
      `--otlp "${raw}" is not a URL; use e.g. grpc://localhost:4317 or http://localhost:4318/v1/metrics`,
    );
  }
  if (!['grpc:', 'grpcs:', 'http:', 'https:'].includes(url.protocol)) {
    throw new UserError(`--otlp "${raw}" must start with grpc://, grpcs://, http:// or https://`);
  }
  // OTLP/HTTP endpoints are addressed by their metrics path; anything else is taken as OTLP/gRPC.
  const http = url.pathname.endsWith('/v1/metrics');
  if (http && url.protocol.startsWith('grpc')) {
    throw new UserError(`--otlp "${raw}": a /v1/metrics path is OTLP/HTTP; use http:// or https://`);
  }
  return { url: raw, http };
}
