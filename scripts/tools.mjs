// The Go programs the stack needs: the Temporal CLI (its dev server) and Ory Kratos, and, only
// for a stack whose Temporal runs on PostgreSQL (`--temporal=postgres`), the Temporal server, its
// SQL schema tool and the Web UI server. None is downloaded as a prebuilt binary: each is built
// from the Go module proxy once, cached per user, and reused by every later run.
//
//   node scripts/tools.mjs                 builds what is missing and prints the paths
//   node scripts/tools.mjs --postgres      the same, with the three programs of the postgres mode
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { capture, runCommand } from './lib/processes.mjs';
import { repoRoot, toolCacheDir } from './lib/paths.mjs';
import { createLog } from './lib/log.mjs';

export const TEMPORAL_CLI_VERSION = '1.5.1';
/** The server the CLI embeds; this is what the code depends on, so it is what we check. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
export const KRATOS_VERSION = 'v1.3.1';
/** The Web UI the CLI v1.5.1 embeds (its go.mod): the standalone server gets the same one. */
export const TEMPORAL_UI_VERSION = '2.42.1';

const TEMPORAL_MODULE = 'github.com/temporalio/cli/cmd/temporal';
const TEMPORAL_SERVER_PACKAGES = ['go.temporal.io/server/cmd/server', 'go.temporal.io/server/cmd/tools/sql'];
const TEMPORAL_UI_PACKAGE = 'github.com/temporalio/ui-server/v2/cmd/server';
// The CLI's release builds set this variable (see its .goreleaser.yml); a plain
// `go install` leaves it at 0.0.0-DEV, which makes `temporal --version` misleading.
const TEMPORAL_VERSION_FLAG = `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`;
// Same for Kratos (driver/config/buildinfo.go); otherwise `kratos version` says "master".
const KRATOS_VERSION_FLAG = `-X github.com/ory/kratos/driver/config.Version=${KRATOS_VERSION}`;
/** The Temporal CLI v1.5.1 module says `go 1.25.0`; Kratos' wrapper needs less. */
const GO_NEEDED = '1.25';
const KRATOS_MODULE_DIR = path.join(repoRoot, 'kratos');
const KRATOS_MODULE_FILES = ['go.mod', 'go.sum', 'main.go'];

/**
 * Finds or builds the tools and returns their absolute paths: `temporal` and `kratos` always,
 * and with `postgres` also `temporalServer`, `temporalSqlTool` and `temporalUi` (see
 * ensureTemporalServer). A suitable binary on PATH wins; otherwise the per-user cache, built
 * when missing.
 */
export async function ensureTools({ log, postgres = false }) {
  const temporal = await ensureTemporal({ log });
  const kratos = await ensureKratos({ log });
  return { temporal, kratos, ...(postgres ? await ensureTemporalServer({ log }) : {}) };
}

/** The absolute path of `name` on PATH, or null. */
function findOnPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/** "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)" → "1.29.1"; null if it doesn't run. */
async function temporalServerVersion(bin) {
  try {
    const out = await capture(bin, ['--version']);
    return /\(Server ([^,)\s]+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

/** "Version:	v1.3.1" → "v1.3.1"; null if it doesn't run. */
async function kratosVersion(bin) {
  try {
    const out = await capture(bin, ['version']);
    return /Version:\s*(\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}

async function ensureTemporal({ log }) {
  const onPath = findOnPath('temporal');
  if (onPath && (await temporalServerVersion(onPath)) === TEMPORAL_SERVER_VERSION) {
    log(`temporal: using ${onPath} (server ${TEMPORAL_SERVER_VERSION})`);
    return onPath;
  }
  const cached = path.join(toolCacheDir(), 'temporal');
  const version = fs.existsSync(cached) ? await temporalServerVersion(cached) : null;
  if (version === TEMPORAL_SERVER_VERSION) return cached;
  if (onPath) log(`temporal: ignoring ${onPath}, it is not server ${TEMPORAL_SERVER_VERSION}`);
  await goBuild({
    log,
    what: 'temporal',
    announce: `building CLI v${TEMPORAL_CLI_VERSION} into ${toolCacheDir()} (takes a few minutes, once)`,
    args: ['install', '-ldflags', TEMPORAL_VERSION_FLAG, `${TEMPORAL_MODULE}@v${TEMPORAL_CLI_VERSION}`],
    cwd: repoRoot,
    // CGO off, as in the CLI's release builds: its SQLite driver is pure Go.
    env: { GOBIN: toolCacheDir(), CGO_ENABLED: '0' },
  });
  const built = await temporalServerVersion(cached);
  if (built !== TEMPORAL_SERVER_VERSION) {
    throw new Error(`temporal: the build at ${cached} reports server ${built}, expected ${TEMPORAL_SERVER_VERSION}`);
  }
  return cached;
}

/** "temporal version 1.29.1" (the server, its SQL tool), "Temporal UI version 2.42.1" → the version. */
async function urfaveVersion(bin) {
  try {
    return /version (\S+)/.exec(await capture(bin, ['--version']))?.[1] ?? null;
  } catch {
    return null;
  }
}

/**
 * The Temporal server (`temporal-server`, go.temporal.io/server's cmd/server), its SQL schema tool
 * (`temporal-sql-tool`, which embeds the schemas it applies) and the Web UI server
 * (`temporal-ui-server`, github.com/temporalio/ui-server, which embeds the UI's built assets, as the
 * CLI does): what a stack needs to run Temporal on PostgreSQL. Each is found on PATH by that name
 * at the pinned version, else in the cache, else built (about 2 minutes each, once).
 */
export async function ensureTemporalServer({ log }) {
  const server = { name: 'temporal-server', version: TEMPORAL_SERVER_VERSION };
  const sqlTool = { name: 'temporal-sql-tool', version: TEMPORAL_SERVER_VERSION };
  const ui = { name: 'temporal-ui-server', version: TEMPORAL_UI_VERSION };
  const serverPaths = await findOrBuild({
    log,
    tools: [
      { ...server, built: 'server' },
      { ...sqlTool, built: 'sql' },
    ],
    announce: `building temporal-server and temporal-sql-tool v${TEMPORAL_SERVER_VERSION}`,
    packages: TEMPORAL_SERVER_PACKAGES.map((pkg) => `${pkg}@v${TEMPORAL_SERVER_VERSION}`),
  });
  const uiPaths = await findOrBuild({
    log,
    tools: [{ ...ui, built: 'server' }],
    announce: `building temporal-ui-server v${TEMPORAL_UI_VERSION}`,
    packages: [`${TEMPORAL_UI_PACKAGE}@v${TEMPORAL_UI_VERSION}`],
  });
  return {
    temporalServer: serverPaths['temporal-server'],
    temporalSqlTool: serverPaths['temporal-sql-tool'],
    temporalUi: uiPaths['temporal-ui-server'],
  };
}

/**
 * Each tool ({ name, version, built }) on PATH or in the cache at its version, or all of them built
 * by one `go install` of `packages` (one module at one version), which names each binary after its
 * package's directory (`built`): two of them are called "server", so they are installed into a
 * directory of their own and renamed into the cache, which also means an interrupted build never
 * leaves a broken binary there.
 */
async function findOrBuild({ log, tools, announce, packages }) {
  const found = {};
  for (const tool of tools) {
    const onPath = findOnPath(tool.name);
    const cached = path.join(toolCacheDir(), tool.name);
    if (onPath && (await urfaveVersion(onPath)) === tool.version) found[tool.name] = onPath;
    else if (fs.existsSync(cached) && (await urfaveVersion(cached)) === tool.version) found[tool.name] = cached;
  }
  if (tools.every((tool) => found[tool.name])) return found;

  const gobin = path.join(toolCacheDir(), `.building-${process.pid}`);
  fs.rmSync(gobin, { recursive: true, force: true });
  try {
    await goBuild({
      log,
      what: tools.map((tool) => tool.name).join(' + '),
      announce: `${announce} into ${toolCacheDir()} (takes a few minutes, once)`,
      args: ['install', ...packages],
      cwd: repoRoot,
      // Pure Go, as the CLI: the server's PostgreSQL and SQLite drivers need no cgo.
      env: { GOBIN: gobin, CGO_ENABLED: '0' },
    });
    for (const tool of tools) {
      const cached = path.join(toolCacheDir(), tool.name);
      fs.renameSync(path.join(gobin, tool.built), cached);
      const version = await urfaveVersion(cached);
      if (version !== tool.version)
        throw new Error(`${tool.name}: the build reports ${version}, expected ${tool.version}`);
      found[tool.name] = cached;
    }
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
  return found;
}

/** A hash of the wrapper module's files: when any of them changes, Kratos is rebuilt. */
function kratosSourceHash() {
  const hash = crypto.createHash('sha256');
  for (const file of KRATOS_MODULE_FILES) {
    hash.update(`${file}\0`);
    hash.update(fs.readFileSync(path.join(KRATOS_MODULE_DIR, file)));
  }
  return hash.digest('hex');
}

async function ensureKratos({ log }) {
  const onPath = findOnPath('kratos');
  if (onPath && (await kratosVersion(onPath)) === KRATOS_VERSION) {
    log(`kratos: using ${onPath} (${KRATOS_VERSION})`);
    return onPath;
  }
  const cached = path.join(toolCacheDir(), 'kratos');
  const hashFile = `${cached}.sha256`;
  const wanted = kratosSourceHash();
  if (fs.existsSync(cached) && !fs.existsSync(hashFile) && (await kratosVersion(cached))) {
    // A binary cached before hash files existed was built from the wrapper module as it
    // was then; adopt it once rather than spend minutes rebuilding the same thing.
    fs.writeFileSync(hashFile, `${wanted}\n`);
    log(`kratos: adopted ${cached} (no build hash recorded yet)`);
  }
  const recorded = fs.existsSync(hashFile) ? fs.readFileSync(hashFile, 'utf8').trim() : null;
  if (fs.existsSync(cached) && recorded === wanted) return cached;

  // One temporary name per process: two checkouts building at once (a helper's tests beside a
  // stack starting) must not rename each other's output away.
  const tmp = `${cached}.building-${process.pid}`;
  await goBuild({
    log,
    what: 'kratos',
    announce: `building ${KRATOS_VERSION} from kratos/ into ${toolCacheDir()} (takes a few minutes)`,
    args: ['build', '-trimpath', '-ldflags', KRATOS_VERSION_FLAG, '-o', tmp, '.'],
    cwd: KRATOS_MODULE_DIR,
    env: {},
  });
  // Rename only after success, so an interrupted build never leaves a broken binary behind.
  fs.renameSync(tmp, cached);
  fs.writeFileSync(hashFile, `${wanted}\n`);
  return cached;
}

/** Go's official installer puts it in /usr/local/go, which a non-login shell's PATH may lack. */
function findGo() {
  const standard = '/usr/local/go/bin/go';
  return findOnPath('go') ?? (fs.existsSync(standard) ? standard : null);
}

async function goBuild({ log, what, announce, args, cwd, env }) {
  const go = findGo();
  if (!go) {
    throw new Error(
      `${what} must be built from source, and that needs Go ${GO_NEEDED} or newer (https://go.dev/doc/install), ` +
        'which is not on PATH. Alternatively put a suitable binary on PATH.',
    );
  }
  log(`${what}: ${announce}`);
  fs.mkdirSync(toolCacheDir(), { recursive: true });
  const { seconds } = await runCommand({
    name: `go ${what}`,
    command: go,
    args,
    cwd,
    // GOTOOLCHAIN=local: never let Go fetch a prebuilt toolchain; build with the Go we have.
    env: { ...process.env, GOTOOLCHAIN: 'local', ...env },
    // Go starts most of its own lines with "go: " (go: downloading …); prefix only the others.
    sink: (line) => log(line.startsWith('go: ') ? line : `go: ${line}`),
    heartbeat: (elapsed) => log(`${what}: still building… ${elapsed} s`),
  });
  log(`${what}: built in ${Math.round(seconds)} s`);
}

// CLI entry: print the tools' paths.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const log = createLog({ name: 'tools' });
  ensureTools({ log, postgres: process.argv.includes('--postgres') }).then(
    (tools) => {
      for (const [name, bin] of Object.entries(tools)) log(`${name}: ${bin}`);
    },
    (error) => {
      console.error(error.message);
      process.exit(1);
    },
  );
}
