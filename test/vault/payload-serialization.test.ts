import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  emptyPayload,
  markEntryChanged,
  parsePayload,
  type StoredCredential,
  serializePayload,
  type VaultPayload,
} from "../../src/vault/vault-payload.js";

/** What the payload serialises to without any caching: the format's definition. */
function reference(payload: VaultPayload): string {
  return JSON.stringify({
    format: 1,
    createdAt: payload.createdAt,
    entries: Object.fromEntries(payload.entries),
    sections: Object.fromEntries(payload.sections),
  });
}

function entry(value: string): StoredCredential {
  return {
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    tags: [],
    metadata: {},
    nextVersion: 2,
    versions: [{ version: 1, value, createdAt: "2026-01-01T00:00:00.000Z" }],
  };
}

const operation = fc.oneof(
  fc.record({
    kind: fc.constant("set" as const),
    name: fc.constantFrom("a", "b", "__proto__"),
    value: fc.string(),
  }),
  fc.record({
    kind: fc.constant("change" as const),
    name: fc.constantFrom("a", "b", "__proto__"),
    value: fc.string(),
  }),
  fc.record({ kind: fc.constant("delete" as const), name: fc.constantFrom("a", "b", "__proto__") }),
  fc.record({ kind: fc.constant("section" as const), value: fc.string() }),
);

describe("payload serialisation with cached entries", () => {
  it("writes exactly what plain JSON.stringify writes, after any sequence of changes", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 30 }), (operations) => {
        const payload = emptyPayload("2026-01-01T00:00:00.000Z");
        for (const op of operations) {
          if (op.kind === "set") payload.entries.set(op.name, entry(op.value));
          else if (op.kind === "delete") payload.entries.delete(op.name);
          else if (op.kind === "section") payload.sections.set("secrets", { note: op.value });
          else {
            const existing = payload.entries.get(op.name);
            if (existing === undefined) continue;
            markEntryChanged(existing);
            existing.versions.push({
              version: existing.nextVersion,
              value: op.value,
              createdAt: "x",
            });
            existing.nextVersion += 1;
          }
          // Serialise after every step, so stale cache entries would show.
          expect(serializePayload(payload).toString("utf8")).toBe(reference(payload));
        }
        const roundTrip = parsePayload(serializePayload(payload), "test");
        expect(reference(roundTrip)).toBe(reference(payload));
      }),
      { numRuns: 300 },
    );
  });
});
