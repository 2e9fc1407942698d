import { configJsonSchema } from "./json-schema.js";

const SECTION_TITLES: Readonly<Record<string, string>> = {
  vault: "Encrypted vault (the design's VAULT_CONFIG)",
  secretsRotation: "Secrets rotation (SECRETS_ROTATION)",
  auditLogging: "Audit trail (AUDIT_LOGGING)",
  accountMonitoring: "Account monitor and pacing (ACCOUNT_MONITORING)",
  integration: "What vigil run injects and which modules are on (SECURITY_INTEGRATION)",
  session: "Agent session policy",
};

interface SchemaNode {
  type?: string;
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
}

/**
 * A commented starter `vigil.config.json`: every section present and empty, each setting shown
 * as a commented-out line with its default and description, so the file documents itself
 * without pinning today's defaults.
 *
 * @example
 * const schema = "./node_modules/vigil/docs/vigil.config.schema.json";
 * writeFileSync("vigil.config.json", renderStarterConfig(schema));
 */
export function renderStarterConfig(schemaPath: string): string {
  const schema = configJsonSchema() as SchemaNode;
  const lines = [
    "// vigil configuration: JSON with comments. Uncomment a line to change a default.",
    "// 'vigil config show' prints the effective settings; the schema below documents each one.",
    "{",
    `  "$schema": ${JSON.stringify(schemaPath)},`,
  ];
  const sections = Object.entries(schema.properties ?? {}).filter(
    ([, node]) => node.properties !== undefined,
  );
  sections.forEach(([name, node], index) => {
    lines.push("", `  // ${SECTION_TITLES[name] ?? name}`, `  ${JSON.stringify(name)}: {`);
    lines.push(...renderFields(node, "    "));
    lines.push(index === sections.length - 1 ? "  }" : "  },");
  });
  lines.push("}", "");
  return lines.join("\n");
}

function renderFields(node: SchemaNode, indent: string): string[] {
  const out: string[] = [];
  for (const [key, field] of Object.entries(node.properties ?? {})) {
    if (field.description !== undefined) out.push(`${indent}// ${field.description}`);
    const value =
      field.default === undefined
        ? JSON.stringify(`<${field.type ?? "value"}>`)
        : JSON.stringify(field.default);
    out.push(`${indent}// ${JSON.stringify(key)}: ${value},`);
  }
  return out;
}
