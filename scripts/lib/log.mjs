// Log lines for the runner and its children: "name | line", coloured on a terminal,
// or plain lines appended to one file per process (the test stack keeps the console quiet).
import fs from 'node:fs';
import path from 'node:path';

const COLORS = [36, 35, 33, 32, 34, 96, 95, 93, 92];
const nameWidth = 9;

function colorEnabled() {
  return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
}

function paint(code, text) {
  return colorEnabled() ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Red and bold: for the few messages nobody may miss (a child died, a port is taken). */
export function loud(text) {
  return paint('1;31', text);
}

let nextColor = 0;

/**
 * A sink receives a child's output line by line. Console sinks prefix each line with
 * the process name in its own colour; file sinks write plain lines (no escape codes).
 */
export function consoleSink(name) {
  const prefix = paint(COLORS[nextColor++ % COLORS.length], `${name.padEnd(nameWidth)} |`);
  const sink = (line) => process.stdout.write(`${prefix} ${line}\n`);
  sink.shown = true; // errors need not repeat what is already on the screen
  return sink;
}

// Colour codes, from our own messages or a child's, are noise in a file.
const ANSI_CODES = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function fileSink(file) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Synchronous appends: a crash must not lose the last lines, which explain it.
  const fd = fs.openSync(file, 'a');
  const sink = (line) => fs.writeSync(fd, `${new Date().toISOString()} ${line.replace(ANSI_CODES, '')}\n`);
  sink.file = file;
  return sink;
}

/** The runner's own messages: a function, so callers can pass `log` around freely. */
export function createLog({ name = 'stack', file = null } = {}) {
  return file ? fileSink(file) : consoleSink(name);
}
