import { existsSync } from "node:fs";
import { SecretsManager } from "../../secrets/index.js";
import { EncryptedVault } from "../../vault/index.js";
import type { DoctorScope, Finding } from "./finding.js";

/** Lists secrets due for rotation; needs the master password (policies are encrypted). */
export async function checkDueRotations(scope: DoctorScope): Promise<Finding[]> {
  if (!existsSync(scope.vaultPath)) return [];
  if (scope.masterPassword === undefined) {
    return [
      {
        check: "rotations",
        severity: "info",
        message: "rotation due dates not checked: they are encrypted and no master password is set",
      },
    ];
  }
  const vault = new EncryptedVault({
    home: scope.home,
    file: scope.vaultPath,
    config: scope.config,
    masterPassword: scope.masterPassword,
    create: false,
  });
  try {
    const due = await new SecretsManager(vault, { config: scope.config }).dueRotations({
      includeSoon: true,
    });
    return due.map((item) => ({
      check: "rotations",
      severity: item.state === "due" ? "warning" : "info",
      message: `${item.name} is ${item.state === "due" ? "due for rotation" : "due soon"}`,
      fix: `vigil secrets rotate ${item.name}`,
    }));
  } finally {
    vault.close();
  }
}
