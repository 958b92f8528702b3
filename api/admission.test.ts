import { Admission, ApiOverloadedError, MerchantConcurrencyLimitError, RETRY_WAIT_MS } from './admission';

const limits = { maxInFlight: 16, maxInFlightPerMerchant: 2, maxQueueMs: 0, targetLatencyMs: 100 };

/** `count` requests, one at a time (below the limit), each answered after `ms` on the test's clock. */
async function answerAlone(admission: Admission, count: number, ms: number, advance: (ms: number) => void) {
  for (let i = 0; i < count; i++) {
    const leave = await admission.enter('mer_0');
    advance(ms);
    leave();
  }
}

test('a merchant past its bound is refused 429 at once, and its turns handed back let it in again', async () => {
  const admission = new Admission(limits);
  const first = await admission.enter('mer_a');
  await admission.enter('mer_a');
  await expect(admission.enter('mer_a')).rejects.toBeInstanceOf(MerchantConcurrencyLimitError);
  // Another merchant is not held back by this one.
  (await admission.enter('mer_b'))();
  first();
  first(); // handing a turn back twice changes nothing
  (await admission.enter('mer_a'))();
  expect(admission.inFlight).toBe(1);
});

test('a process past its bound refuses 503, saying how many are in flight', async () => {
  const admission = new Admission({ ...limits, maxInFlight: 2, maxInFlightPerMerchant: 2 });
  expect(admission.currentLimit).toBe(2);
  await admission.enter('mer_a');
  await admission.enter('mer_a');
  const refused = admission.enter('mer_b');
  await expect(refused).rejects.toBeInstanceOf(ApiOverloadedError);
  await expect(refused).rejects.toMatchObject({ status: 503, retryAfterSeconds: 1, code: 'api_overloaded' });
});

test('answers given at the limit steer it: slow ones lower it in proportion, fast ones raise it, between its floor and its bound', async () => {
  let now = 0;
  const admission = new Admission(limits, () => now);
  /** One request admitted while the others fill the limit, answered after `ms`. */
  async function atLimit(ms: number) {
    const others = [];
    for (let i = 1; i < admission.currentLimit; i++) others.push(await admission.enter(`mer_${i}`));
    const leave = await admission.enter('mer_0');
    now += ms;
    leave();
    for (const other of others) other();
  }
  expect(admission.currentLimit).toBe(16);
  // Alone, even a slow answer says nothing of how many at once.
  const alone = await admission.enter('mer_0');
  now += 1000;
  alone();
  expect(admission.currentLimit).toBe(16);

  await atLimit(150); // 1.5 × the target: two thirds as many
  expect(admission.currentLimit).toBe(10);
  for (let i = 0; i < 20; i++) await atLimit(1000); // far past the target, and past the time between two lowerings
  expect(admission.currentLimit).toBe(2); // 16 / 8: never down to one
  for (let i = 0; i < 200; i++) await atLimit(10);
  expect(admission.currentLimit).toBe(16);
});

test("one merchant at its own bound steers the process's limit too: it is the crowd", async () => {
  let now = 0;
  const admission = new Admission(limits, () => now);
  const first = await admission.enter('mer_a');
  const second = await admission.enter('mer_a'); // the merchant's bound of 2 is reached
  now += 400;
  second();
  first();
  expect(admission.currentLimit).toBe(8);
});

test('after the crowd has gone, fast answers below the limit bring it back to its bound', async () => {
  let now = 0;
  const admission = new Admission(limits, () => now);
  const held = [];
  for (let i = 0; i < 16; i++) held.push(await admission.enter(`mer_${i}`));
  now += 1000; // ten times the target, at the limit: halved
  held.forEach((leave) => leave());
  expect(admission.currentLimit).toBe(8);
  // Alone and slow: nothing changes.
  const slow = await admission.enter('mer_0');
  now += 1000;
  slow();
  expect(admission.currentLimit).toBe(8);
  await answerAlone(admission, 8, 10, (ms) => (now += ms));
  expect(admission.currentLimit).toBe(16);
});

test('a crowd whose oldest is late lowers the limit as the next request arrives, before any of them answers', async () => {
  let now = 0;
  const admission = new Admission(limits, () => now); // floor 2: a crowd is 4 in flight
  const held = [];
  for (let i = 0; i < 3; i++) held.push(await admission.enter(`mer_${i}`));
  now += 1000;
  // Three in flight, the oldest ten times the target: a slow machine, not a crowd.
  held.push(await admission.enter('mer_3'));
  expect(admission.currentLimit).toBe(16);
  // Four in flight, the oldest late: the limit comes down to what is in flight, less in proportion
  // (at most by half), and the request that found it so waits for a turn, refused here at once.
  await expect(admission.enter('mer_4')).rejects.toBeInstanceOf(ApiOverloadedError);
  expect(admission.currentLimit).toBe(2);
  held.forEach((leave) => leave());
  expect(admission.inFlight).toBe(0);

  // Once the late ones are answered, a crowd of fresh requests is let in up to the limit again.
  await answerAlone(admission, 20, 10, (ms) => (now += ms));
  expect(admission.currentLimit).toBe(16);
  const fresh = [];
  for (let i = 0; i < 8; i++) fresh.push(await admission.enter(`mer_${i}`));
  now += 50; // half the target: not late yet
  fresh.push(await admission.enter('mer_8'));
  expect(admission.currentLimit).toBe(16);
  // The oldest 1.5 × half the target: two thirds of the nine in flight.
  now += 25;
  await expect(admission.enter('mer_9')).rejects.toBeInstanceOf(ApiOverloadedError);
  expect(admission.currentLimit).toBe(6);
  fresh.forEach((leave) => leave());
});

test('answers at the limit within a quarter of the target raise it by one each: a worker back from the dead is used again within a few answers', async () => {
  let now = 0;
  const admission = new Admission(limits, () => now);
  const held = [];
  for (let i = 0; i < 16; i++) held.push(await admission.enter(`mer_${i}`));
  now += 1000;
  held.forEach((leave) => leave()); // at the limit, ten times the target: halved
  for (let i = 0; i < 3; i++) {
    now += 100;
    const crowd = [];
    for (let j = 0; j < admission.currentLimit; j++) crowd.push(await admission.enter(`mer_${j}`));
    now += 1000;
    crowd.forEach((leave) => leave());
  }
  expect(admission.currentLimit).toBe(2);
  /** The limit filled by a request admitted earlier and one at the limit, answered after `ms`; the earlier one after the target (it moves nothing). */
  async function oneAtLimit(ms: number) {
    const earlier = [];
    for (let j = 1; j < admission.currentLimit; j++) earlier.push(await admission.enter(`mer_${j}`));
    const leave = await admission.enter('mer_0');
    now += ms;
    leave();
    now += 200;
    earlier.forEach((other) => other());
  }
  // Under the target but past its quarter: a crowd the worker keeps up with, a slow climb.
  for (let i = 0; i < 4; i++) await oneAtLimit(50);
  expect(admission.currentLimit).toBe(3);
  // Within a quarter of the target: one more each.
  for (let i = 0; i < 5; i++) await oneAtLimit(20);
  expect(admission.currentLimit).toBe(8);
});

test("a refused request's retry (its Idempotency-Key) waits for the next turn, ahead of fresh requests, which are refused", async () => {
  const admission = new Admission({ ...limits, maxInFlight: 2, maxInFlightPerMerchant: 8 });
  const first = await admission.enter('mer_a', 'key-1');
  await admission.enter('mer_a', 'key-2');
  await expect(admission.enter('mer_a', 'key-3')).rejects.toBeInstanceOf(ApiOverloadedError);
  // key-3 again: it waits, and takes the turn key-1 hands back; a fresh request meanwhile is refused.
  const retried = admission.enter('mer_a', 'key-3');
  await expect(admission.enter('mer_a', 'key-4')).rejects.toBeInstanceOf(ApiOverloadedError);
  // The same key from another merchant is another request: fresh, refused.
  await expect(admission.enter('mer_b', 'key-3')).rejects.toBeInstanceOf(ApiOverloadedError);
  first();
  const leave = await retried;
  expect(admission.inFlight).toBe(2);
  leave();
});

test('a retry waits at most RETRY_WAIT_MS, then is refused again', async () => {
  const admission = new Admission({ ...limits, maxInFlight: 1, maxInFlightPerMerchant: 8 });
  await admission.enter('mer_a', 'key-1');
  await expect(admission.enter('mer_a', 'key-2')).rejects.toBeInstanceOf(ApiOverloadedError);
  const started = performance.now();
  await expect(admission.enter('mer_a', 'key-2')).rejects.toBeInstanceOf(ApiOverloadedError);
  expect(performance.now() - started).toBeGreaterThanOrEqual(RETRY_WAIT_MS - 5);
});
