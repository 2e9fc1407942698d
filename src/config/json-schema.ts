import { z } from "zod";
import { configSchema } from "./schema.js";

/**
 * The JSON Schema (draft 2020-12) of `vigil.config.json`, generated from the one zod schema so
 * editors get completion and descriptions. Published as docs/vigil.config.schema.json.
 */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: "input" }) as Record<string, unknown>;
}
