// Where things live on disk: the repository, the tool cache, the stack's data.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (scripts/lib/ is two levels below it). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Built tools are cached per user, not per checkout, because building Temporal
 * and Kratos takes minutes and every clone of the repo can share them.
 */
export function toolCacheDir() {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tongbao', 'bin');
}
