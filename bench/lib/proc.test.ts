import { cpuBetween, parseStatTicks, parseVmRssKb } from './proc';

describe('reading /proc', () => {
  it('takes utime+stime and the children’s times from a stat line whose command holds spaces and parentheses', () => {
    const stat = '4242 (node (worker) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 150 25 7 3 20 0 11 0 100 1 2';
    expect(parseStatTicks(stat)).toEqual({ self: 175, children: 10 });
  });

  it('refuses a line that is not a stat line rather than counting zero', () => {
    expect(() => parseStatTicks('4242 (node) S 1')).toThrow(/not a \/proc stat line/);
  });

  it('reads VmRSS in kB, and 0 for a process that has none', () => {
    expect(parseVmRssKb('Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t11\n')).toBe(123456);
    expect(parseVmRssKb('Name:\tkthreadd\nThreads:\t1\n')).toBe(0);
  });

  it('counts a process that appeared between the snapshots from zero, per group', () => {
    const start = { worker: new Map([[10, 1000]]), api: new Map<number, number>() };
    const end = {
      worker: new Map([
        [10, 1500],
        [11, 200],
      ]),
      api: new Map([[12, 300]]),
    };
    expect(cpuBetween(start, end)).toEqual({ worker: 700, api: 300 });
  });
});
