/**
 * The dashboard and the alert rules (docs/monitoring/) name only metrics the code exports, so the
 * two cannot drift apart: renaming a metric fails here until the files follow.
 */
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { apiRegistry } from './metrics';
import { TEMPORAL_SDK_METRICS, createWorkerMetrics } from '../temporal/worker-metrics';

const DIR = path.join(__dirname, '..', 'docs', 'monitoring');

/** Every series name a metric exports: a histogram's _bucket, _sum and _count. */
function exportedNames(): Set<string> {
  const names = new Set<string>(TEMPORAL_SDK_METRICS);
  for (const registry of [apiRegistry, createWorkerMetrics().registry]) {
    for (const metric of registry.getMetricsAsArray()) {
      const { name, type } = metric as unknown as { name: string; type: string };
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  // Prometheus' own: whether a target answered its scrape.
  names.add('up');
  return names;
}

/** The metric names a PromQL expression uses: ours and the SDK's by prefix, and Prometheus' `up`. */
function metricNamesIn(expr: string): string[] {
  return [...expr.matchAll(/\b(tongbao_[a-z0-9_]+|temporal_[a-z0-9_]+|up)\b(?=\s*[{[)\s=<>!]|$)/g)].map((m) => m[1]);
}

const dashboard = JSON.parse(fs.readFileSync(path.join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
};
const alerts = yaml.load(fs.readFileSync(path.join(DIR, 'prometheus-alerts.yml'), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};

describe('the monitoring files name only metrics the code exports', () => {
  const exported = exportedNames();

  test('the dashboard parses, and each panel of it queries exported metrics', () => {
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    expect(panels.length).toBeGreaterThan(8);
    for (const panel of panels) {
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets!) {
        const names = metricNamesIn(target.expr);
        expect(names.length).toBeGreaterThan(0);
        expect({ panel: panel.title, unknown: names.filter((name) => !exported.has(name)) }).toEqual({
          panel: panel.title,
          unknown: [],
        });
      }
    }
  });

  test('the alert rules parse, and each alert queries exported metrics', () => {
    const rules = alerts.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'TongbaoRefundsNeedAttention',
        'TongbaoStuckWorkflows',
        'TongbaoNotificationSignatureFailures',
        'TongbaoWebhooksFailing',
        'TongbaoMessagesFailing',
        'TongbaoProviderErrors',
      ]),
    );
    for (const rule of rules) {
      const names = metricNamesIn(rule.expr);
      expect(names.length).toBeGreaterThan(0);
      expect({ alert: rule.alert, unknown: names.filter((name) => !exported.has(name)) }).toEqual({
        alert: rule.alert,
        unknown: [],
      });
    }
  });

  test('a name the code does not export is caught', () => {
    expect(metricNamesIn('sum(rate(tongbao_payment_total[5m]))').filter((name) => !exported.has(name))).toEqual([
      'tongbao_payment_total',
    ]);
  });
});
