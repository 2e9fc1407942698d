import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.js";
import { makeTempDir, TEST_PASSWORD } from "../helpers/temp-home.js";

const env = { VAULT_MASTER_PASSWORD: TEST_PASSWORD };

function gitInit(dir: string): void {
  spawnSync("git", ["init", "-q"], { cwd: dir });
}

describe("vigil init", () => {
  it("creates a 0700 data directory, a 0600 vault, a starter config and a .gitignore entry", async () => {
    const dir = makeTempDir();
    const result = await runCli(["init"], { cwd: dir, env });
    expect(result.code).toBe(0);
    expect(statSync(join(dir, ".vigil")).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, ".vigil", "vault")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toContain("/.vigil/");
    expect(readFileSync(join(dir, "vigil.config.json"), "utf8")).toContain('"$schema"');

    const validate = await runCli(["config", "validate"], { cwd: dir });
    expect(validate.code).toBe(0);
  });

  it("does not add a second .gitignore entry or overwrite an existing config", async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, ".gitignore"), "node_modules/\n.vigil/\n");
    writeFileSync(join(dir, "vigil.config.json"), '{ "vault": { "maxBackupVersions": 4 } }');
    expect((await runCli(["init"], { cwd: dir, env })).code).toBe(0);
    expect(readFileSync(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n.vigil/\n");
    expect(readFileSync(join(dir, "vigil.config.json"), "utf8")).toContain("maxBackupVersions");
  });

  it("refuses a weak master password with exit code 7, and accepts it when told to", async () => {
    const dir = makeTempDir();
    const weak = { VAULT_MASTER_PASSWORD: "password123" };
    const refused = await runCli(["init"], { cwd: dir, env: weak });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain("E_WEAK_PASSWORD");
    expect(refused.stderr).not.toContain("password123");
    expect(existsSync(join(dir, ".vigil", "vault"))).toBe(false);

    const allowed = await runCli(["init", "--allow-weak-password"], { cwd: dir, env: weak });
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain("weak master password was accepted");
  });
});

describe("vigil config", () => {
  it("names a bad key and exits 8", async () => {
    const dir = makeTempDir();
    writeFileSync(join(dir, "vigil.config.json"), '{ "vault": { "maxBackupVersions": "three" } }');
    const result = await runCli(["config", "validate"], { cwd: dir });
    expect(result.code).toBe(8);
    expect(result.stderr).toContain("vault.maxBackupVersions");
  });

  it("shows the effective settings as JSON", async () => {
    const dir = makeTempDir();
    const result = await runCli(["--json", "config", "show"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).vault.maxBackupVersions).toBe(3);
  });
});

describe("vigil doctor", () => {
  it("passes a freshly initialised project", async () => {
    const dir = makeTempDir();
    gitInit(dir);
    expect((await runCli(["init"], { cwd: dir, env })).code).toBe(0);
    const result = await runCli(["--json", "doctor"], { cwd: dir });
    const report = JSON.parse(result.stdout);
    expect(report.findings.filter((f: { severity: string }) => f.severity !== "info")).toEqual([]);
    expect(result.code).toBe(0);
  });

  it("finds each planted problem and says how to fix it, never quoting a secret", async () => {
    const dir = makeTempDir();
    gitInit(dir);
    expect((await runCli(["init"], { cwd: dir, env })).code).toBe(0);

    mkdirSync(join(dir, "config"));
    const secretPassword = "plain-linkedin-pw-9913";
    const secretKey = `sk-proj-${"Q".repeat(40)}`;
    writeFileSync(
      join(dir, "config", "secrets.py"),
      `username = "me@example.com"\npassword = "${secretPassword}"\nllm_api_key = "${secretKey}"\n`,
    );
    writeFileSync(join(dir, ".env"), "GEMINI_API_KEY=gm-plain-value-1234\n");
    writeFileSync(join(dir, ".gitignore"), "");
    // A secret under a policy but without a value is due at once.
    const register = ["secrets", "register", "openai_api_key", "--days", "90"];
    expect((await runCli(register, { cwd: dir, env })).code).toBe(0);
    for (let i = 0; i < 4; i++) {
      await runCli(["monitor", "record", "login", "me@example.com", "--failed"], { cwd: dir });
    }
    const auditFile = readdirSync(join(dir, ".vigil", "audit")).find((f) => f.endsWith(".jsonl"));
    const auditPath = join(dir, ".vigil", "audit", auditFile as string);
    const lines = readFileSync(auditPath, "utf8").split("\n");
    const edited = lines.findIndex((line) => line.includes('"description":"'));
    lines[edited] = (lines[edited] ?? "").replace('"description":"', '"description":"edited ');
    writeFileSync(auditPath, lines.join("\n"));
    writeFileSync(join(dir, "vigil.config.json"), '{ "vault": { "nope": 1 } }');

    const result = await runCli(["--json", "doctor"], { cwd: dir, env });
    expect(result.code).toBe(1);
    const findings: { check: string; severity: string; location?: string; fix?: string }[] =
      JSON.parse(result.stdout).findings;
    const checks = findings.map((finding) => finding.check);
    expect(checks).toContain("config");
    expect(checks).toContain("git-ignore");
    expect(checks).toContain("rotations");
    const severityOf = (check: string) => findings.find((finding) => finding.check === check);
    expect(severityOf("audit-chain")?.severity).toBe("error");
    expect(severityOf("account-health")?.severity).not.toBe("info");
    expect(severityOf("rotations")?.severity).toBe("warning");
    const plain = findings.filter((finding) => finding.check === "plain-secret");
    expect(plain.map((finding) => finding.location).sort()).toEqual([
      ".env:1",
      "config/secrets.py:2",
      "config/secrets.py:3",
    ]);
    for (const finding of findings) {
      if (finding.severity !== "info") expect(finding.fix).toBeTruthy();
    }
    for (const secret of [secretPassword, secretKey, "gm-plain-value-1234"]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it("reports a data directory others can read, with the chmod that fixes it", async () => {
    const dir = makeTempDir();
    expect((await runCli(["init", "--no-starter-config"], { cwd: dir, env })).code).toBe(0);
    chmodSync(join(dir, ".vigil"), 0o755);
    const result = await runCli(["--json", "doctor"], { cwd: dir, env });
    expect(result.code).toBe(1);
    const findings: { check: string; fix?: string }[] = JSON.parse(result.stdout).findings;
    const finding = findings.find((f) => f.check === "data-directory-permissions");
    expect(finding?.fix).toBe(`chmod 700 ${join(dir, ".vigil")}`);
  });

  it("reports a damaged vault as an integrity error", async () => {
    const dir = makeTempDir();
    expect((await runCli(["init", "--no-starter-config"], { cwd: dir, env })).code).toBe(0);
    const vaultPath = join(dir, ".vigil", "vault");
    const bytes = readFileSync(vaultPath);
    bytes[30] = (bytes[30] ?? 0) ^ 0xff;
    writeFileSync(vaultPath, bytes);
    const result = await runCli(["--json", "doctor"], { cwd: dir });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).findings.map((f: { check: string }) => f.check)).toContain(
      "vault-integrity",
    );
  });
});
