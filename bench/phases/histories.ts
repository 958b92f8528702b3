/** What a payment costs Temporal: the events of its workflow's history and the workflow tasks among them. */
import { paymentWorkflowId } from '../../domain/workflow-ids';
import type { BenchContext } from '../lib/context';
import { round } from '../lib/stats';

/** The parts of a history event counted here; the SDK's events (ids as Long) have this shape. */
export interface HistoryEvent {
  eventId?: { toString(): string } | null;
  workflowTaskCompletedEventAttributes?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: {
    scheduledEventId?: { toString(): string } | null;
    attempt?: number | null;
  } | null;
  markerRecordedEventAttributes?: {
    markerName?: string | null;
    details?: Record<string, { payloads?: { data?: Uint8Array | string | null }[] | null }> | null;
  } | null;
  timerStartedEventAttributes?: unknown;
}

export interface HistoryCounts {
  events: number;
  workflow_tasks: number;
  activities: number;
  local_activities: number;
  timers: number;
  closed: boolean;
  /** Attempts per activity type (a retried activity keeps one Started event, with its attempt number), local ones too. */
  activity_attempts: Record<string, number>;
}

/** Counts by kind; the event attributes set on each event say its type. */
export function countHistory(events: readonly HistoryEvent[], closed: boolean): HistoryCounts {
  return {
    events: events.length,
    workflow_tasks: events.filter((e) => e.workflowTaskCompletedEventAttributes).length,
    activities: events.filter((e) => e.activityTaskScheduledEventAttributes).length,
    // The SDK records each local activity's result as a marker (and each patch as one, not counted).
    local_activities: events.filter(
      (e) => e.markerRecordedEventAttributes && e.markerRecordedEventAttributes.markerName !== 'core_patch',
    ).length,
    timers: events.filter((e) => e.timerStartedEventAttributes).length,
    closed,
    activity_attempts: activityAttempts(events),
  };
}

function activityAttempts(events: readonly HistoryEvent[]): Record<string, number> {
  const typeOf = new Map<string, string>();
  const attempts: Record<string, number> = {};
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const type = scheduled.activityType?.name ?? '?';
      typeOf.set(String(event.eventId), type);
      attempts[type] ??= 0;
    }
    const local = localActivityOf(event);
    if (local) attempts[local.type] = (attempts[local.type] ?? 0) + local.attempt;
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? '?';
      attempts[type] = (attempts[type] ?? 0) + (started.attempt ?? 1);
    }
  }
  return attempts;
}

/** A local activity's marker says its type and the attempt it succeeded at (the SDK's JSON, raw or base64). */
function localActivityOf(event: HistoryEvent): { type: string; attempt: number } | null {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return null;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return null;
  try {
    const text =
      typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8');
    const parsed = JSON.parse(text) as { activity_type?: string; attempt?: number };
    return parsed.activity_type ? { type: parsed.activity_type, attempt: parsed.attempt ?? 1 } : null;
  } catch {
    return null;
  }
}

/** A payment's workflow history, counted, as it stands now. */
export async function paymentHistory(ctx: BenchContext, paymentId: string): Promise<HistoryCounts> {
  const handle = ctx.temporal.workflow.getHandle(paymentWorkflowId(paymentId));
  const [description, history] = await Promise.all([handle.describe(), handle.fetchHistory()]);
  return countHistory(history.events ?? [], description.status.name !== 'RUNNING');
}

/** The mean counts over `sample` completed payments (spread over the list), and each one's. */
export async function historiesPerPayment(
  ctx: BenchContext,
  ids: string[],
  sample: number,
): Promise<Record<string, unknown>> {
  const step = Math.max(1, Math.floor(ids.length / sample));
  const picked = ids.filter((_, i) => i % step === 0).slice(0, sample);
  const counts = await Promise.all(picked.map((id) => paymentHistory(ctx, id)));
  const mean = (key: Exclude<keyof HistoryCounts, 'closed' | 'activity_attempts'>) =>
    round(counts.reduce((sum, c) => sum + c[key], 0) / Math.max(1, counts.length));
  return {
    payments: counts.length,
    closed: counts.filter((c) => c.closed).length,
    mean_events: mean('events'),
    mean_workflow_tasks: mean('workflow_tasks'),
    mean_activities: mean('activities'),
    mean_local_activities: mean('local_activities'),
    mean_timers: mean('timers'),
    activity_attempts_per_payment: Object.fromEntries(
      [...new Set(counts.flatMap((c) => Object.keys(c.activity_attempts)))].map((type) => [
        type,
        round(counts.reduce((sum, c) => sum + (c.activity_attempts[type] ?? 0), 0) / Math.max(1, counts.length)),
      ]),
    ),
  };
}
