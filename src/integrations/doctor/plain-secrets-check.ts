import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import type { DoctorScope, Finding } from "./finding.js";

/** Known credential shapes. Each pattern is linear-time (no nested quantifiers). */
const KEY_PATTERNS: readonly { kind: string; pattern: RegExp }[] = [
  { kind: "OpenAI API key", pattern: /\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/ },
  { kind: "Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { kind: "AWS access key id", pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: "GitHub token", pattern: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { kind: "Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "private key", pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----/ },
];

/** An assignment in a Python or env file; the name is then tested on its own (linear time). */
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]\s*(["']?)([^"'\s#]{4,})\2/;
const CREDENTIAL_NAME = /pass|secret|token|api_?key|key$|auth/i;
const MAX_LINE_CHARS = 4096;

const SKIPPED_DIRS = new Set([
  "node_modules",
  ".git",
  "dist",
  "coverage",
  ".venv",
  "venv",
  "__pycache__",
]);
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 5000;
const TEXT_FILE =
  /\.(py|js|mjs|cjs|ts|json|ya?ml|toml|ini|cfg|conf|env|sh|txt|md)$|^\.env(\..*)?$|^secrets/;

/**
 * Looks for credentials lying in plain text in the project: assignments such as
 * `password = "..."` in secrets.py or .env files, and known key shapes in any text file.
 * Reports the file, line and kind, never the value.
 */
export function checkPlainSecrets(scope: DoctorScope): Finding[] {
  const findings: Finding[] = [];
  const home = resolve(scope.home);
  for (const file of walk(scope.projectDir, home)) {
    const where = relative(scope.projectDir, file) || basename(file);
    const lines = readFileSync(file, "utf8").split(/\r?\n/);
    lines.forEach((line, index) => {
      const kind = classifyLine(line, basename(file));
      if (kind === undefined) return;
      findings.push({
        check: "plain-secret",
        severity: "error",
        message: `${kind} in plain text`,
        fix: `move it into the vault ('vigil import --from ${importKind(file)} ${where}'), then delete it`,
        location: `${where}:${index + 1}`,
      });
    });
  }
  return findings;
}

function classifyLine(line: string, fileName: string): string | undefined {
  for (const { kind, pattern } of KEY_PATTERNS) if (pattern.test(line)) return kind;
  const isConfigLike = /\.(py|env)$|^\.env/.test(fileName) || fileName.startsWith("secrets");
  if (!isConfigLike) return undefined;
  const match = line.length > MAX_LINE_CHARS ? null : ASSIGNMENT.exec(line);
  if (match === null || !CREDENTIAL_NAME.test(match[1] ?? "")) return undefined;
  const value = match[3] ?? "";
  // A reference to vigil or an environment lookup is not a plain secret.
  if (/^vigil:\/\//.test(value) || /os\.(environ|getenv)|process\.env/.test(line)) return undefined;
  return `a credential assignment (${match[1]})`;
}

function importKind(file: string): string {
  return file.endsWith(".py") ? "secrets-py" : "dotenv";
}

function* walk(dir: string, skip: string): Generator<string> {
  let seen = 0;
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name) && resolve(path) !== skip) stack.push(path);
      } else if (entry.isFile() && TEXT_FILE.test(entry.name)) {
        if (statSync(path).size > MAX_FILE_BYTES) continue;
        if (++seen > MAX_FILES) return;
        yield path;
      }
    }
  }
}
