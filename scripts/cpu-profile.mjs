// `node scripts/cpu-profile.mjs [--from=S] [--to=S] [--top=N] [--timeline] [--callers=TEXT] <file.cpuprofile>...`:
// sums V8 CPU profiles (node --cpu-prof; TONGBAO_CPU_PROF=<dir> makes the stack's worker and API
// write them, see scripts/lib/apps.mjs) by function and by module, self and inclusive time.
// --from/--to keep the samples between those seconds of each profile (e.g. the bench's load, not
// the start); --timeline prints the busy milliseconds of each second first, to choose them.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const arg = args.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const from = option('from', 0);
const to = option('to', Infinity);
const top = option('top', 25);
const timeline = args.includes('--timeline');
// --callers=TEXT: for the functions whose name and place contain TEXT, the time under each of their callers.
const callersOf = args.find((a) => a.startsWith('--callers='))?.slice(10);
const callers = new Map();
const files = args.filter((a) => !a.startsWith('--'));
if (files.length === 0) {
  console.error(
    'usage: node scripts/cpu-profile.mjs [--from=S] [--to=S] [--top=N] [--timeline] [--callers=TEXT] <file.cpuprofile>...',
  );
  process.exit(2);
}

/** The module a script belongs to: an npm package, a project file, Node's own, or V8's. */
function moduleOf(url) {
  if (!url) return '(V8/native)';
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = clean.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = clean.indexOf('/dist/');
  if (dist >= 0) return `tongbao:${clean.slice(dist + 6)}`;
  return path.basename(clean);
}

const special = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);
const self = new Map();
const inclusive = new Map();
const selfByModule = new Map();
const inclusiveByModule = new Map();
let total = 0;
let idle = 0;
const add = (map, key, ms) => map.set(key, (map.get(key) ?? 0) + ms);

for (const file of files) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    if (special.has(functionName)) return functionName;
    return `${functionName || '(anonymous)'} ${moduleOf(url)}:${lineNumber + 1}`;
  };
  const perSecond = [];
  let time = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    const next = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : 1000;
    const ms = Math.max(0, next) / 1000;
    const second = (time - profile.startTime) / 1e6;
    const node = nodes.get(profile.samples[i]);
    const isIdle = node.callFrame.functionName === '(idle)';
    if (!isIdle) perSecond[Math.floor(second)] = (perSecond[Math.floor(second)] ?? 0) + ms;
    if (second < from || second >= to) continue;
    if (isIdle) {
      idle += ms;
      continue;
    }
    total += ms;
    add(self, keyOf(node), ms);
    add(
      selfByModule,
      special.has(node.callFrame.functionName) ? node.callFrame.functionName : moduleOf(node.callFrame.url),
      ms,
    );
    const seen = new Set();
    const seenModules = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const frame = nodes.get(id);
      if (frame.callFrame.functionName === '(root)') break;
      const key = keyOf(frame);
      if (!seen.has(key)) {
        add(inclusive, key, ms);
        seen.add(key);
      }
      if (callersOf && key.includes(callersOf) && parent.has(id))
        add(callers, `${key} ← ${keyOf(nodes.get(parent.get(id)))}`, ms);
      const mod = special.has(frame.callFrame.functionName)
        ? frame.callFrame.functionName
        : moduleOf(frame.callFrame.url);
      if (!seenModules.has(mod)) {
        add(inclusiveByModule, mod, ms);
        seenModules.add(mod);
      }
    }
  }
  if (timeline)
    console.log(
      `${path.basename(file)}: busy ms per second: ${Array.from(perSecond, (ms, s) => `${s}:${Math.round(ms ?? 0)}`).join(' ')}`,
    );
}

const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${key}`);
};
console.log(`busy ${total.toFixed(0)} ms, idle ${idle.toFixed(0)} ms (${files.length} profile(s), ${from}–${to} s)`);
print('self time by module', selfByModule);
print('inclusive time by module', inclusiveByModule);
print('self time by function', self);
print('inclusive time by function', inclusive);
if (callersOf) print(`callers of ${callersOf}`, callers);
