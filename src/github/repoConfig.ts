import { CONFIG_PATH, parseConfigBytes, type ConfigResult } from '../config/loadConfig.js';
import { defaultConfig } from '../config/schema.js';
import { describeError } from './publish/secrets.js';
import type { GitHub } from './types.js';

/**
 * The `pr` command's stand-in for Probot's `context.config`: the config file of
 * the repository's default branch (never the pull request's head), or the defaults.
 */
export async function loadRepoConfig(github: GitHub, owner: string, repo: string): Promise<ConfigResult> {
  try {
    const { data } = await github.request('GET /repos/{owner}/{repo}/contents/{path}', { owner, repo, path: CONFIG_PATH });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return { error: `${CONFIG_PATH}: not a file` };
    return parseConfigBytes(Buffer.from(data.content, 'base64'), `${CONFIG_PATH} (default branch)`);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return { config: defaultConfig() };
    return { error: `${CONFIG_PATH}: could not be read: ${describeError(e)}` };
  }
}
