import { toIso } from "../../clock.js";
import type { DetectedAnomaly } from "../anomaly.js";
import { haversineKm } from "../location.js";
import { type DetectorContext, HOUR_MS } from "./detector.js";

/**
 * `unusual_location`, active for `thresholds.locationWindowHours` (default 24) after:
 * - impossible travel (severity high): two logins with coordinates whose distance (at least
 *   `impossibleTravelMinKm`, default 100) divided by the time between them exceeds
 *   `impossibleTravelKmh` (default 900, faster than an airliner);
 * - a new place (severity medium): a login from a place (GeoIP city, the caller's location, or
 *   the /24 or /48 network) never seen before, once there is a history to compare with.
 */
export function detectUnusualLocation(context: DetectorContext): DetectedAnomaly | undefined {
  const { store, nowMs, settings } = context;
  const { locationWindowHours, impossibleTravelKmh, impossibleTravelMinKm } = settings.thresholds;
  const logins = store.logins(nowMs - locationWindowHours * HOUR_MS, nowMs);

  for (const login of logins) {
    if (login.latitude === null || login.longitude === null) continue;
    const previous = store.previousLocatedLogin(login.at);
    if (previous?.latitude == null || previous.longitude == null) continue;
    const distanceKm = haversineKm(
      { latitude: previous.latitude, longitude: previous.longitude },
      { latitude: login.latitude, longitude: login.longitude },
    );
    const hours = (login.at - previous.at) / HOUR_MS;
    const speedKmh = hours === 0 ? Number.POSITIVE_INFINITY : distanceKm / hours;
    if (distanceKm < impossibleTravelMinKm || speedKmh <= impossibleTravelKmh) continue;
    return {
      type: "unusual_location",
      severity: "high",
      description: `impossible travel: ${Math.round(distanceKm)} km in ${formatHours(hours)} (over ${impossibleTravelKmh} km/h)`,
      evidence: {
        kind: "impossible_travel",
        distanceKm: Math.round(distanceKm),
        hours: Number(hours.toFixed(2)),
        speedKmh: Number.isFinite(speedKmh) ? Math.round(speedKmh) : null,
        limitKmh: impossibleTravelKmh,
        from: previous.place,
        to: login.place,
        at: toIso(login.at),
      },
    };
  }

  const fresh = logins.filter(
    (login) =>
      login.place !== null &&
      !store.placeSeenBefore(login.place, login.at) &&
      store.anyPlaceBefore(login.at),
  );
  const first = fresh[0];
  if (first === undefined) return undefined;
  const places = [...new Set(fresh.map((login) => login.place))];
  return {
    type: "unusual_location",
    severity: "medium",
    description: `login from a new place: ${places.join(", ")}`,
    evidence: { kind: "new_place", places, at: toIso(first.at), windowHours: locationWindowHours },
  };
}

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.round(hours * 60)} minutes` : `${hours.toFixed(1)} hours`;
}
