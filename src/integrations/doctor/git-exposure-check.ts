import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { relative } from "node:path";
import type { DoctorScope, Finding } from "./finding.js";

/**
 * Checks whether the data directory could be committed: tracked files inside it, or a vault
 * that `.gitignore` does not cover.
 */
export function checkGitExposure(scope: DoctorScope): Finding[] {
  const top = git(scope.projectDir, ["rev-parse", "--show-toplevel"]);
  if (top.status !== 0) return [];
  const findings: Finding[] = [];

  const tracked = git(scope.projectDir, ["ls-files", "--", scope.home]).stdout.trim();
  if (tracked !== "") {
    findings.push({
      check: "git-tracked-data",
      severity: "error",
      message: `files of the data directory are tracked by git: ${tracked.split("\n").length}`,
      fix: `git rm -r --cached ${relative(scope.projectDir, scope.home) || scope.home}`,
      location: scope.home,
    });
  }
  if (existsSync(scope.vaultPath)) {
    const ignored = git(scope.projectDir, ["check-ignore", "-q", scope.vaultPath]).status === 0;
    const insideRepo = !relative(top.stdout.trim(), scope.vaultPath).startsWith("..");
    if (insideRepo && !ignored) {
      findings.push({
        check: "git-ignore",
        severity: "error",
        message:
          "the vault is inside a git repository and not ignored: 'git add -A' would commit it",
        fix: "add the data directory to .gitignore ('vigil init' does this)",
        location: scope.vaultPath,
      });
    }
  }
  return findings;
}

function git(cwd: string, args: string[]) {
  const result = spawnSync("git", args, { cwd, encoding: "utf8" });
  return { status: result.status ?? 1, stdout: result.stdout ?? "" };
}
