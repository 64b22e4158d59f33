import { CONFIG_PATH, parseConfigValue, type ConfigResult } from '../config/loadConfig.js';
import { redactSecrets } from './publish/secrets.js';

/** Probot's `context.config`: the default branch's file, `_extends` and the organisation's `.github` repository merged. */
export type ConfigReader = (fileName: string) => Promise<unknown>;

/**
 * The app's configuration, read from the default branch only: a pull request
 * cannot switch off or loosen its own gate. A file that cannot be fetched or
 * parsed is an error the check run reports, naming the key when it can.
 */
export async function loadAppConfig(read: ConfigReader): Promise<ConfigResult> {
  let value: unknown;
  try {
    value = await read('mesh-review.yml');
  } catch (e) {
    return { error: `${CONFIG_PATH}: could not be read: ${redactSecrets(e instanceof Error ? e.message : String(e))}` };
  }
  return parseConfigValue(value ?? {}, `${CONFIG_PATH} (default branch)`);
}
