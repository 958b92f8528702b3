import { ConcurrencyLimit, LimitReachedError } from './concurrency-limit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('at most max run at once, the others in order, and a failure passes the turn on', async () => {
  const limit = new ConcurrencyLimit(2);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const work = (i: number) => async () => {
    started.push(i);
    running++;
    most = Math.max(most, running);
    await sleep(5);
    running--;
    if (i === 1) throw new Error('refused');
    return i;
  };
  const results = await Promise.allSettled([0, 1, 2, 3, 4, 5].map((i) => limit.run(work(i))));
  expect(most).toBe(2);
  expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'refused'))).toEqual([0, 'refused', 2, 3, 4, 5]);
  expect(limit.inFlight).toBe(0);
});

test('with a bounded wait, a caller whose turn does not come in time is refused after that wait, and leaves the queue', async () => {
  const limit = new ConcurrencyLimit(1, 30);
  const release = await limit.acquire();
  const startedAt = Date.now();
  await expect(limit.acquire()).rejects.toBeInstanceOf(LimitReachedError);
  expect(Date.now() - startedAt).toBeGreaterThanOrEqual(25);
  release();
  expect(limit.inFlight).toBe(0);
  // The refused caller is gone: the next one gets the turn at once.
  (await limit.acquire())();
});

test('a caller waiting within the bound gets the turn handed back', async () => {
  const limit = new ConcurrencyLimit(1, 1_000);
  const release = await limit.acquire();
  const waiting = limit.acquire();
  setTimeout(release, 10);
  const next = await waiting;
  expect(limit.inFlight).toBe(1);
  next();
  next(); // handing a turn back twice changes nothing
  expect(limit.inFlight).toBe(0);
});

test('once turns are known to last longer than the bound, a caller is refused at once rather than after waiting', async () => {
  let now = 0;
  const limit = new ConcurrencyLimit(1, 50, () => now);
  const first = await limit.acquire();
  now += 200; // this turn lasted 200 ms
  first();
  const second = await limit.acquire();
  expect(limit.expectedWaitMs()).toBe(200);
  const startedAt = Date.now();
  await expect(limit.acquire()).rejects.toBeInstanceOf(LimitReachedError);
  expect(Date.now() - startedAt).toBeLessThan(20);
  second();
});
