import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { apiErrorsSince, markApiLog } from './api-log';

test("the API's errors for the fuzzer's requests since the mark, and no others", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tongbao-api-log-'));
  const file = path.join(dir, 'api.log');
  const line = (entry: object) => `2026-12-04T23:00:00.000Z ${JSON.stringify(entry)}\n`;
  fs.writeFileSync(file, line({ level: 50, requestId: 'req_before', msg: 'before the run' }));
  const mark = markApiLog(dir);
  expect(mark).toEqual({ file, offset: fs.statSync(file).size });
  fs.appendFileSync(
    file,
    line({ level: 50, requestId: 'req_fuzzed', msg: 'could not write the audit log', err: { message: 'bad json' } }) +
      line({ level: 40, requestId: 'req_fuzzed', msg: 'a warning' }) +
      line({ level: 60, requestId: 'req_other_test', msg: 'another test file' }) +
      '2026-12-04T23:00:00.000Z api listening on http://127.0.0.1:1\n' +
      line({ level: 60, requestId: 'req_fuzzed_too', msg: 'fatal' }),
  );
  expect(apiErrorsSince(mark!, new Set(['req_fuzzed', 'req_fuzzed_too', 'req_before']))).toEqual([
    { requestId: 'req_fuzzed', message: 'could not write the audit log: bad json' },
    { requestId: 'req_fuzzed_too', message: 'fatal' },
  ]);
  expect(markApiLog(null)).toBeNull();
  fs.rmSync(dir, { recursive: true });
});
