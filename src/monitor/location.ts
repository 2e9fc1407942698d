import { isIPv4, isIPv6 } from "node:net";
import maxmind, { type CityResponse, type Reader } from "maxmind";
import { VigilError } from "../errors.js";

/** Where a login came from, as the caller knows it (all optional). */
export interface LoginLocation {
  /** ISO country code or name. */
  readonly country?: string;
  readonly region?: string;
  readonly city?: string;
  readonly latitude?: number;
  readonly longitude?: number;
}

/** A login's place as stored: a comparable key and coordinates when known. */
export interface ResolvedPlace {
  /** "country/region/city" from a location or GeoIP, else the network prefix; absent if unknown. */
  readonly place?: string;
  readonly latitude?: number;
  readonly longitude?: number;
  readonly source: "given" | "geoip" | "network" | "none";
}

/** Coordinates in degrees. */
export interface Coordinates {
  readonly latitude: number;
  readonly longitude: number;
}

const EARTH_RADIUS_KM = 6371.0088;

/**
 * The network an address belongs to: /24 for IPv4, /48 for IPv6 (a typical home or office
 * allocation), so that a new address from the same provider block is not a "new place".
 * IPv4-mapped IPv6 addresses are treated as IPv4. Returns undefined for anything not an IP.
 *
 * @example
 * networkPrefix("203.0.113.77"); // "203.0.113.0/24"
 * networkPrefix("2001:db8:abcd:12::1"); // "2001:db8:abcd::/48"
 */
export function networkPrefix(ip: string): string | undefined {
  const address = ip.trim().replace(/^\[|\]$/g, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return networkPrefix(mapped[1]);
  if (isIPv4(address)) {
    const [a, b, c] = address.split(".");
    return `${Number(a)}.${Number(b)}.${Number(c)}.0/24`;
  }
  if (isIPv6(address)) {
    const groups = expandIpv6(address.split("%")[0] ?? address);
    return `${groups.slice(0, 3).join(":")}::/48`;
  }
  return undefined;
}

/** Great-circle distance in kilometres (haversine, mean Earth radius). */
export function haversineKm(from: Coordinates, to: Coordinates): number {
  const toRadians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = toRadians(to.latitude - from.latitude);
  const dLon = toRadians(to.longitude - from.longitude);
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(from.latitude)) * Math.cos(toRadians(to.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * An offline GeoIP database (MaxMind GeoLite2/GeoIP2 City or Country `.mmdb`), read with the
 * `maxmind` package. Nothing leaves the machine.
 */
export class GeoIpLocator {
  readonly #reader: Reader<CityResponse>;

  private constructor(reader: Reader<CityResponse>) {
    this.#reader = reader;
  }

  /**
   * Opens an `.mmdb` file.
   *
   * @throws {VigilError} `E_CONFIG` when the file is missing or not a MaxMind database.
   * @example
   * const geo = await GeoIpLocator.open("/var/lib/GeoIP/GeoLite2-City.mmdb");
   */
  static async open(path: string): Promise<GeoIpLocator> {
    try {
      return new GeoIpLocator(await maxmind.open<CityResponse>(path));
    } catch (error) {
      throw new VigilError(
        "E_CONFIG",
        `accountMonitoring.geoipDatabase ${path} could not be read as a MaxMind .mmdb file; ` +
          "fix the path or remove the setting",
        { cause: error },
      );
    }
  }

  /** The location of `ip`, or undefined when the database has no entry (or it is not an IP). */
  lookup(ip: string): LoginLocation | undefined {
    if (!isIPv4(ip) && !isIPv6(ip)) return undefined;
    const record = this.#reader.get(ip);
    if (record === null || record === undefined) return undefined;
    const country = record.country?.iso_code;
    const city = record.city?.names?.en;
    const region = record.subdivisions?.[0]?.iso_code;
    const latitude = record.location?.latitude;
    const longitude = record.location?.longitude;
    return {
      ...(country === undefined ? {} : { country }),
      ...(region === undefined ? {} : { region }),
      ...(city === undefined ? {} : { city }),
      ...(latitude === undefined || longitude === undefined ? {} : { latitude, longitude }),
    };
  }
}

/**
 * Decides a login's place: a location the caller gave wins, then GeoIP, then the network
 * prefix of the address. Coordinates come from the caller or GeoIP.
 */
export function resolvePlace(
  ip: string | undefined,
  given: LoginLocation | undefined,
  geo: GeoIpLocator | undefined,
): ResolvedPlace {
  const looked = ip !== undefined && geo !== undefined ? geo.lookup(ip) : undefined;
  const coordinates = coordinatesOf(given) ?? coordinatesOf(looked);
  const namedGiven = placeName(given);
  const namedLooked = placeName(looked);
  const prefix = ip === undefined ? undefined : networkPrefix(ip);

  const [place, source] =
    namedGiven !== undefined
      ? [namedGiven, "given" as const]
      : namedLooked !== undefined
        ? [namedLooked, "geoip" as const]
        : prefix !== undefined
          ? [prefix, "network" as const]
          : [undefined, coordinates === undefined ? ("none" as const) : ("given" as const)];
  return {
    ...(place === undefined ? {} : { place }),
    ...(coordinates ?? {}),
    source,
  };
}

function placeName(location: LoginLocation | undefined): string | undefined {
  if (location === undefined) return undefined;
  const parts = [location.country, location.region, location.city].map((part) =>
    part === undefined ? "" : part.trim().toLowerCase(),
  );
  if (parts.every((part) => part === "")) return undefined;
  return parts.join("/");
}

function coordinatesOf(location: LoginLocation | undefined): Coordinates | undefined {
  const latitude = location?.latitude;
  const longitude = location?.longitude;
  if (latitude === undefined || longitude === undefined) return undefined;
  if (!Number.isFinite(latitude) || Math.abs(latitude) > 90) return undefined;
  if (!Number.isFinite(longitude) || Math.abs(longitude) > 180) return undefined;
  return { latitude, longitude };
}

function expandIpv6(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  // An embedded IPv4 tail ("::1.2.3.4") counts as two groups.
  const last = tailGroups[tailGroups.length - 1] ?? headGroups[headGroups.length - 1];
  const ipv4Groups = last?.includes(".") ? 1 : 0;
  const missing = 8 - headGroups.length - tailGroups.length - ipv4Groups;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill("0"), ...tailGroups];
  return groups.map((group) =>
    group.includes(".") ? group : Number.parseInt(group, 16).toString(16),
  );
}
