/** The compact table `npm run bench` prints at the end, from the run's raw figures (missing phases are skipped). */

/* eslint-disable @typescript-eslint/no-explicit-any -- the raw figures are read back as plain JSON */
type Figures = Record<string, any>;

const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : '–');
const goal = (met: boolean | null) => (met === null ? '' : met ? '  ok' : '  MISSED');

export function summaryTable(r: Figures): string {
  const lines: string[] = [];
  const row = (what: string, measured: string, target = '', met: boolean | null = null) =>
    lines.push(`${what.padEnd(34)} ${measured.padEnd(44)} ${target}${goal(met)}`);
  const m = r.machine ?? {};
  lines.push('');
  lines.push(
    `Tongbao bench ${r.at} · Temporal store: ${r.temporal_store} · ${m.cpus} × ${m.cpu_model} · node ${m.node}`,
  );
  lines.push(`load average at start ${m.load_average_at_start?.join(' ')}, at end ${m.load_average_at_end?.join(' ')}`);
  lines.push(`${'figure'.padEnd(34)} ${'measured'.padEnd(44)} goal`);

  const t = r.throughput;
  const b = r.baseline;
  if (b)
    row('trivial workflow (baseline)', `${num(b.completed_workflows_per_second)} /s (${b.completed}/${b.workflows})`);
  if (t) {
    row(
      'throughput, completed payments',
      `${num(t.completed_payments_per_second)} /s (${t.succeeded}/${t.payments}, c=${t.concurrency})`,
      '≥ 40 /s',
      t.completed_payments_per_second >= 40,
    );
    row('ratio to baseline', num(r.ratio_to_baseline), '≥ 0.8', r.ratio_to_baseline >= 0.8);
    const c = t.cpu_ms_per_payment;
    row(
      'CPU ms/payment API + worker',
      `${num(c.api_plus_worker)} (api ${num(c.api)}, worker ${num(c.worker)})`,
      '≤ 40 ms',
      c.api_plus_worker <= 40,
    );
    row('CPU ms/payment others', `temporal ${num(c.temporal)}, sandbox ${num(c.sandbox)}, postgres ${num(c.postgres)}`);
    row('CPU ms/payment all components', `${num(c.all_components)} (bench client ${num(c.bench_client)})`);
    const p = t.peak_rss_mb;
    row(
      'peak RSS MB worker + API',
      `${num(p.worker_plus_api)} (worker ${num(p.worker)}, api ${num(p.api)}, temporal ${num(p.temporal)})`,
      '≤ 300 MB',
      p.worker_plus_api <= 300,
    );
  }
  const h = r.history_per_payment;
  if (h)
    row(
      'history per payment',
      `${num(h.mean_events)} events, ${num(h.mean_workflow_tasks)} workflow tasks, ${num(h.mean_activities)} activities, ${num(h.mean_local_activities)} local`,
    );
  const l = r.create_latency;
  if (l) {
    const ms = l.latency_ms;
    row(
      `create latency at ${num(l.target_rate_per_second)}/s (½ cap.)`,
      `p50 ${num(ms.p50)} p90 ${num(ms.p90)} p99 ${num(ms.p99)} max ${num(ms.max)} ms`,
      'p50 ≤ 40, p99 ≤ 150',
      ms.p50 <= 40 && ms.p99 <= 150,
    );
  }
  const o = r.overload;
  if (o) {
    const s = o.statuses;
    row(
      `overload at ${num(o.target_rate_per_second)}/s (3× cap.)`,
      `201 ×${s['201']}, 429 ×${s['429']}, 503 ×${s['503']}, other ×${s.other}`,
    );
    row(
      '  accepted p99 / refused p99, max',
      `${num(o.accepted_latency_ms.p99)} / ${num(o.refused_latency_ms.p99)}, ${num(o.refused_latency_ms.max)} ms`,
      'accepted p99 ≤ 1 s, refused ≤ 100 ms',
      o.accepted_latency_ms.p99 <= 1000 && !(o.refused_latency_ms.max > 100),
    );
    row(
      '  Retry-After on every refusal',
      `${o.every_refusal_had_retry_after ? 'yes' : 'no'}; requests over 1 s: ${o.requests_over_1_s}`,
      'yes; none',
      o.every_refusal_had_retry_after && o.requests_over_1_s === 0,
    );
  }
  const a = r.abandonment;
  if (a) {
    row(
      `abandoned payments open`,
      `${a.created} (created at ${num(a.creates_per_second)}/s, ${a.retried_after_refusal} retries)`,
    );
    row(
      'throughput with them open',
      `${num(a.throughput_with_abandoned_open)} /s vs ${num(a.throughput_before)} /s: drop ${num(a.drop_percent)} %`,
      'drop ≤ 10 %',
      a.drop_percent <= 10,
    );
    const all = a.all_abandoned_at_end;
    if (all)
      row(
        '  all abandoned at the end',
        `${JSON.stringify(all.statuses)}; ${num(all.provider_queries_per_payment)} provider queries each`,
      );
    for (const p of a.abandoned_payments ?? [])
      row(
        `  abandoned, ${p.status} at ${num(p.age_seconds)} s`,
        `${p.history.events} events, ${p.history.timers} timers, ${p.provider_calls.total} provider calls (${p.provider_calls.queries} queries, ${p.provider_calls.closes} closes)${p.history.closed ? ' (closed)' : ''}`,
      );
  }
  const e = r.expiry;
  if (e) {
    const parts = Object.entries(e.cpu_ms_per_expiry ?? {})
      .map(([name, ms]) => `${name} ${num(ms)}`)
      .join(', ');
    row('CPU ms per expiry (idle stack)', `${num(e.cpu_ms_per_expiry_total)}: ${parts}`, '');
    row(
      '  expiries measured',
      `${e.expiries_measured} at ${num(e.expiries_per_second)}/s; ${e.sample?.history?.events ?? '–'} events, ${e.sample?.history?.workflow_tasks ?? '–'} workflow tasks, ${e.sample?.provider_calls?.total ?? '–'} provider calls`,
    );
  }
  if (Array.isArray(r.scaling) && r.scaling.length > 0) {
    lines.push('scaling     workers  API processes  completed/s  CPU ms/payment API+worker (all)');
    for (const s of r.scaling)
      lines.push(
        `            ${String(s.workers).padEnd(8)} ${String(s.api_processes).padEnd(14)} ${num(s.completed_payments_per_second).padEnd(12)} ${num(s.api_plus_worker_cpu_ms_per_payment)} (${num(s.all_components_cpu_ms_per_payment)})`,
      );
  }
  const f = r.refunds;
  if (f)
    row(
      'refund create, c=8',
      `p50 ${num(f.create_latency_ms.p50)} p99 ${num(f.create_latency_ms.p99)} ms; 20 on one payment: ${f.twenty_at_once_on_one_payment.accepted} accepted`,
    );
  const w = r.webhooks;
  if (w)
    row(
      'succeeded → webhook delivered',
      `p50 ${num(w.succeeded_to_delivered_ms.p50)} p99 ${num(w.succeeded_to_delivered_ms.p99)} ms (${w.delivered}/${w.payments})`,
    );
  return lines.join('\n');
}
