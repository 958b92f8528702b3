import { Admission, ApiOverloadedError, MerchantConcurrencyLimitError } from './admission';

const limits = { maxInFlight: 16, maxInFlightPerMerchant: 2, maxQueueMs: 0, targetLatencyMs: 100 };

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
  for (let i = 0; i < 8; i++) {
    const leave = await admission.enter('mer_0');
    now += 10;
    leave();
  }
  expect(admission.currentLimit).toBe(16);
});
