import { mkdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { VigilError } from "../errors.js";

/** The default data directory, relative to the working directory. */
export const DEFAULT_HOME = ".vigil";

/**
 * The data directory: `explicit` (from `--home` or an option), else `VIGIL_HOME`, else `./.vigil`.
 * Always returned absolute.
 */
export function resolveHome(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  const chosen = explicit ?? (env.VIGIL_HOME || undefined) ?? DEFAULT_HOME;
  return resolve(cwd, chosen);
}

/**
 * Creates the data directory (0700) when missing, and refuses one that group or others can
 * read, as ssh refuses a private key with loose permissions.
 *
 * @throws {VigilError} `E_INSECURE_PERMISSIONS` with the chmod command that fixes it.
 */
export function ensurePrivateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertPrivate(dir, "directory");
}

/**
 * Refuses a file or folder whose mode grants anything to group or others, or that belongs to
 * another user.
 *
 * @throws {VigilError} `E_INSECURE_PERMISSIONS`
 */
export function assertPrivate(path: string, kind: "file" | "directory" = "file"): void {
  const stats = statSync(path);
  const loose = stats.mode & 0o077;
  if (loose !== 0) {
    const wanted = kind === "directory" ? "700" : "600";
    throw new VigilError(
      "E_INSECURE_PERMISSIONS",
      `${kind} ${path} is accessible by other users (mode ${(stats.mode & 0o777).toString(8)}); ` +
        `run: chmod ${wanted} ${path}`,
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    throw new VigilError(
      "E_INSECURE_PERMISSIONS",
      `${kind} ${path} belongs to user ${stats.uid}, not to you (${uid}); run: chown ${uid} ${path}`,
    );
  }
}
