/*
 * A tiny writer for MaxMind DB files (format 2.0), enough to build an IPv4 GeoIP City test
 * database without a new package: a 24-bit-record search tree, a data section of maps,
 * strings and doubles, and the metadata map. See the published MaxMind DB specification.
 */

type MmdbValue = string | number | { readonly double: number } | readonly MmdbValue[] | MmdbMap;
interface MmdbMap {
  readonly [key: string]: MmdbValue;
}

/** One network and the record a lookup in it returns. */
export interface MmdbNetwork {
  /** "203.0.113.0/24" */
  readonly cidr: string;
  readonly record: MmdbMap;
}

interface TrieNode {
  children: [TrieNode | number | undefined, TrieNode | number | undefined];
}

const RECORD_BITS = 24;

/** Builds an IPv4 `.mmdb` file holding `networks`. */
export function buildMmdb(
  networks: readonly MmdbNetwork[],
  databaseType = "GeoLite2-City",
): Buffer {
  const dataChunks: Buffer[] = [];
  let dataSize = 0;
  const root: TrieNode = { children: [undefined, undefined] };
  for (const network of networks) {
    const encoded = encodeValue(network.record);
    const offset = dataSize;
    dataChunks.push(encoded);
    dataSize += encoded.length;
    insert(root, network.cidr, offset);
  }

  const nodes: TrieNode[] = [];
  const number = new Map<TrieNode, number>();
  const queue = [root];
  while (queue.length > 0) {
    const node = queue.shift() as TrieNode;
    number.set(node, nodes.length);
    nodes.push(node);
    for (const child of node.children) if (typeof child === "object") queue.push(child);
  }
  const nodeCount = nodes.length;
  const tree = Buffer.alloc(nodeCount * 6);
  nodes.forEach((node, index) => {
    node.children.forEach((child, side) => {
      const value =
        child === undefined
          ? nodeCount
          : typeof child === "number"
            ? nodeCount + 16 + child
            : (number.get(child) as number);
      tree.writeUIntBE(value, index * 6 + side * 3, 3);
    });
  });

  const metadata = encodeValue({
    binary_format_major_version: uint(5, 2),
    binary_format_minor_version: uint(5, 0),
    build_epoch: uint(9, Math.floor(Date.parse("2026-01-01T00:00:00Z") / 1000)),
    database_type: databaseType,
    description: { en: "vigil test database" },
    ip_version: uint(5, 4),
    languages: ["en"],
    node_count: uint(6, nodeCount),
    record_size: uint(5, RECORD_BITS),
  } as unknown as MmdbMap);
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...dataChunks,
    Buffer.from("abcdef4d61784d696e642e636f6d", "hex"),
    metadata,
  ]);
}

function insert(root: TrieNode, cidr: string, dataOffset: number): void {
  const [address = "", bitsText = "32"] = cidr.split("/");
  const bits = Number(bitsText);
  const value = address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
  let node = root;
  for (let depth = 0; depth < bits; depth++) {
    const bit = Math.floor(value / 2 ** (31 - depth)) % 2;
    if (depth === bits - 1) {
      node.children[bit] = dataOffset;
      return;
    }
    let next = node.children[bit];
    if (typeof next !== "object") {
      next = { children: [undefined, undefined] };
      node.children[bit] = next;
    }
    node = next;
  }
}

// Unsigned integers carry their MaxMind type: 5 uint16, 6 uint32, 9 uint64 (extended).
const UINT_TAG = Symbol("uint");
interface TaggedUint {
  readonly [UINT_TAG]: true;
  readonly type: number;
  readonly value: number;
}
function uint(type: number, value: number): TaggedUint {
  return { [UINT_TAG]: true, type, value };
}

function encodeValue(value: MmdbValue | TaggedUint): Buffer {
  if (typeof value === "string") {
    const bytes = Buffer.from(value, "utf8");
    return Buffer.concat([control(2, bytes.length), bytes]);
  }
  if (typeof value === "number") return encodeValue({ double: value });
  if (Array.isArray(value)) {
    return Buffer.concat([control(11, value.length), ...value.map((item) => encodeValue(item))]);
  }
  if (typeof value === "object" && UINT_TAG in value) {
    const bytes: number[] = [];
    for (let rest = value.value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    return Buffer.concat([control(value.type, bytes.length), Buffer.from(bytes)]);
  }
  if (typeof value === "object" && "double" in value && typeof value.double === "number") {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value.double);
    return Buffer.concat([control(3, 8), bytes]);
  }
  const entries = Object.entries(value as MmdbMap);
  return Buffer.concat([
    control(7, entries.length),
    ...entries.flatMap(([key, inner]) => [encodeValue(key), encodeValue(inner)]),
  ]);
}

function control(type: number, size: number): Buffer {
  if (size >= 29) throw new Error("this test writer only encodes sizes under 29");
  if (type <= 7) return Buffer.from([(type << 5) | size]);
  return Buffer.from([size, type - 7]);
}

/** A GeoIP City record with the fields vigil reads. */
export function cityRecord(
  country: string,
  city: string,
  latitude: number,
  longitude: number,
): MmdbMap {
  return {
    city: { names: { en: city } },
    country: { iso_code: country },
    location: { latitude: { double: latitude }, longitude: { double: longitude } },
  };
}
