import { countHistory, type HistoryEvent } from './histories';

describe('counting a payment’s history', () => {
  it('counts workflow tasks, activities, local activities and timers, and each activity type’s attempts', () => {
    const events: HistoryEvent[] = [
      { eventId: 1 },
      { eventId: 2, workflowTaskCompletedEventAttributes: {} },
      { eventId: 3, markerRecordedEventAttributes: {} },
      { eventId: 4, activityTaskScheduledEventAttributes: { activityType: { name: 'queryProviderPayment' } } },
      { eventId: 5, timerStartedEventAttributes: {} },
      // A retried activity keeps one Started event, with the attempt it got to.
      { eventId: 6, activityTaskStartedEventAttributes: { scheduledEventId: 4, attempt: 3 } },
      { eventId: 7, workflowTaskCompletedEventAttributes: {} },
      { eventId: 8, activityTaskScheduledEventAttributes: { activityType: { name: 'recordPaymentTransition' } } },
      { eventId: 9, activityTaskStartedEventAttributes: { scheduledEventId: 8, attempt: 1 } },
    ];
    expect(countHistory(events, true)).toEqual({
      events: 9,
      workflow_tasks: 2,
      activities: 2,
      local_activities: 1,
      timers: 1,
      closed: true,
      activity_attempts: { queryProviderPayment: 3, recordPaymentTransition: 1 },
    });
  });

  it('counts local activities by their marker’s type and attempt, and no patch marker as one', () => {
    const data = (json: object) => ({ payloads: [{ data: Buffer.from(JSON.stringify(json)).toString('base64') }] });
    const events: HistoryEvent[] = [
      { eventId: 1, markerRecordedEventAttributes: { markerName: 'core_patch', details: {} } },
      {
        eventId: 2,
        markerRecordedEventAttributes: {
          markerName: 'core_local_activity',
          details: { data: data({ seq: 1, attempt: 2, activity_type: 'closeAndCommitPayment' }) },
        },
      },
    ];
    expect(countHistory(events, true)).toMatchObject({
      local_activities: 1,
      activity_attempts: { closeAndCommitPayment: 2 },
    });
  });

  it('counts an activity scheduled but not yet started as no attempt', () => {
    const events: HistoryEvent[] = [
      { eventId: 1, activityTaskScheduledEventAttributes: { activityType: { name: 'closeProviderPayment' } } },
    ];
    expect(countHistory(events, false).activity_attempts).toEqual({ closeProviderPayment: 0 });
  });
});
