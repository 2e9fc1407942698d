import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { afterEach } from "vitest";
import { makeTempDir } from "./temp-home.js";

const mounted: string[] = [];
afterEach(() => {
  for (const dir of mounted.splice(0)) spawnSync("umount", ["-l", dir]);
});

/**
 * Mounts a tmpfs of `sizeKiB` on a fresh folder, so a test can fill a real disk. Returns
 * undefined where the machine does not allow mounting (not root, or no mount namespace rights);
 * tests then skip with that reason.
 */
export function mountSmallDisk(sizeKiB: number): string | undefined {
  const dir = makeTempDir("vigil-small-disk-");
  const result = spawnSync("mount", [
    "-t",
    "tmpfs",
    "-o",
    `size=${sizeKiB}k,mode=0700`,
    "tmpfs",
    dir,
  ]);
  if (result.status !== 0) return undefined;
  mounted.push(dir);
  mkdirSync(`${dir}/home`, { mode: 0o700 });
  return dir;
}

/** True when this process may mount filesystems (checked once, by trying). */
export const canMount: boolean = (() => {
  if (process.getuid?.() !== 0) return false;
  const probe = mountSmallDisk(64);
  if (probe === undefined) return false;
  spawnSync("umount", ["-l", probe]);
  mounted.splice(mounted.indexOf(probe), 1);
  return true;
})();
