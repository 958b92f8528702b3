import fs from 'node:fs';
import path from 'node:path';

/** The API's log file of a stack that keeps one (a test stack), and where a run began in it. */
export interface ApiLogMark {
  file: string;
  offset: number;
}

export function markApiLog(logsDir: string | null | undefined): ApiLogMark | null {
  if (!logsDir) return null;
  const file = path.join(logsDir, 'api.log');
  return { file, offset: fs.existsSync(file) ? fs.statSync(file).size : 0 };
}

export interface LoggedError {
  requestId: string;
  message: string;
}

/**
 * The errors (pino's level 50 and up) the API logged since the mark for the given requests: a
 * request answered well may still have lost something on the way (an audit entry PostgreSQL
 * refused was one). Other requests' errors are left out: the suite's stack is shared.
 */
export function apiErrorsSince(mark: ApiLogMark, requestIds: ReadonlySet<string>): LoggedError[] {
  if (!fs.existsSync(mark.file)) return [];
  const handle = fs.openSync(mark.file, 'r');
  let text: string;
  try {
    const length = Math.max(fs.fstatSync(handle).size - mark.offset, 0);
    const buffer = Buffer.alloc(length);
    fs.readSync(handle, buffer, 0, length, mark.offset);
    text = buffer.toString('utf8');
  } finally {
    fs.closeSync(handle);
  }
  const errors: LoggedError[] = [];
  for (const line of text.split('\n')) {
    // The stack's runner puts a timestamp before each line the API writes.
    const json = line.indexOf('{');
    if (json < 0) continue;
    let entry: { level?: number; requestId?: string; msg?: string; err?: { message?: string } };
    try {
      entry = JSON.parse(line.slice(json)) as typeof entry;
    } catch {
      continue;
    }
    if ((entry.level ?? 0) < 50 || !entry.requestId || !requestIds.has(entry.requestId)) continue;
    const cause = entry.err?.message ? `: ${entry.err.message.slice(0, 300)}` : '';
    errors.push({ requestId: entry.requestId, message: `${entry.msg ?? 'error'}${cause}` });
  }
  return errors;
}
