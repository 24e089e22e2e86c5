#include "datastructs/geohash.h"

#include <cmath>
#include <cstdio>

namespace sable::geo {

namespace {

// Mercator's half width in metres: EstimateStepsByRadius doubles the radius up to it.
constexpr double kMercatorMax = 20037726.37;
constexpr double kDegToRad = M_PI / 180.0;

double DegRad(double deg) { return deg * kDegToRad; }
double RadDeg(double rad) { return rad / kDegToRad; }

// Spreads the 32 bits of v to the even bit positions of a 64-bit word.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bits of x into 32 bits (the inverse of Spread).
uint32_t Squash(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(x);
}

// Latitude in the even bits, longitude in the odd ones.
uint64_t Interleave(uint32_t lat, uint32_t lon) { return Spread(lat) | (Spread(lon) << 1); }

bool RangeIsZero(const Range& r) { return r.max == 0 && r.min == 0; }

// Moves a cell by dlon / dlat cells (-1, 0, +1), wrapping around modulo 2^step. A coordinate
// that does not move keeps its bits untouched (even the bit past the grid that encoding the
// upper limit sets).
Hash Move(Hash h, int dlon, int dlat) {
  const uint64_t mask = h.step >= 32 ? 0xFFFFFFFFULL : (1ULL << h.step) - 1;
  uint64_t lat = Squash(h.bits);
  uint64_t lon = Squash(h.bits >> 1);
  if (dlon != 0) lon = (lon + static_cast<uint64_t>(static_cast<int64_t>(dlon))) & mask;
  if (dlat != 0) lat = (lat + static_cast<uint64_t>(static_cast<int64_t>(dlat))) & mask;
  h.bits = Interleave(static_cast<uint32_t>(lat), static_cast<uint32_t>(lon));
  return h;
}

}  // namespace

Range LonRange() { return {kLonMin, kLonMax}; }
Range LatRange() { return {kLatMin, kLatMax}; }

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step,
            Hash* out) {
  if (step > 32 || step <= 0 || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  out->bits = 0;
  out->step = static_cast<uint8_t>(step);
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  // To fixed point: the offsets in [0, 1] become step-bit integers (truncated; the upper limit
  // itself maps to 2^step, one past the last cell, as in Redis).
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  out->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset));
  return true;
}

bool Encode(double lon, double lat, int step, Hash* out) {
  return Encode(LonRange(), LatRange(), lon, lat, step, out);
}

bool Decode(const Range& lon_range, const Range& lat_range, Hash hash, Area* out) {
  if (hash.IsZero() || RangeIsZero(lat_range) || RangeIsZero(lon_range)) return false;
  out->hash = hash;
  const uint32_t ilat = Squash(hash.bits);
  const uint32_t ilon = Squash(hash.bits >> 1);
  const double lat_scale = lat_range.max - lat_range.min;
  const double lon_scale = lon_range.max - lon_range.min;
  const auto cells = static_cast<double>(1ULL << hash.step);
  // The "+ 1" is 32-bit arithmetic as in Redis: it wraps for the all-ones cell, which only
  // scores outside the 52-bit range (written by ZADD) reach.
  const uint32_t ilat_next = ilat + 1U;
  const uint32_t ilon_next = ilon + 1U;
  out->lat.min = lat_range.min + (ilat * 1.0 / cells) * lat_scale;
  out->lat.max = lat_range.min + (ilat_next * 1.0 / cells) * lat_scale;
  out->lon.min = lon_range.min + (ilon * 1.0 / cells) * lon_scale;
  out->lon.max = lon_range.min + (ilon_next * 1.0 / cells) * lon_scale;
  return true;
}

bool Decode(Hash hash, Area* out) { return Decode(LonRange(), LatRange(), hash, out); }

void AreaCenter(const Area& area, double* xy) {
  xy[0] = (area.lon.min + area.lon.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (area.lat.min + area.lat.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
}

uint64_t ScoreOf(double lon, double lat) {
  Hash h;
  Encode(lon, lat, kStepMax, &h);
  return Align52(h);
}

uint64_t ScoreBits(double score) {
  constexpr double k2p63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 1ULL << 63;  // what cvttsd2si gives out of range
  // Below 2^63 (negative values included): one signed truncation.
  if (!(score >= k2p63)) {
    if (score >= -k2p63) return static_cast<uint64_t>(static_cast<int64_t>(score));
    return kIndefinite;
  }
  // At or above 2^63: truncate score - 2^63 and flip the top bit back (>= 2^64 gives 0).
  double rest = score - k2p63;
  uint64_t t = rest < k2p63 ? static_cast<uint64_t>(static_cast<int64_t>(rest)) : kIndefinite;
  return t ^ (1ULL << 63);
}

bool DecodeScore(double score, double* xy) {
  Hash h{ScoreBits(score), kStepMax};
  Area area;
  if (!Decode(h, &area)) return false;
  AreaCenter(area, xy);
  return true;
}

Neighbors NeighborsOf(Hash h) {
  Neighbors n;
  n.east = Move(h, 1, 0);
  n.west = Move(h, -1, 0);
  n.south = Move(h, 0, -1);
  n.north = Move(h, 0, 1);
  n.north_west = Move(h, -1, 1);
  n.north_east = Move(h, 1, 1);
  n.south_east = Move(h, 1, -1);
  n.south_west = Move(h, -1, -1);
  return n;
}

int EstimateStepsByRadius(double range_m, double lat) {
  if (range_m == 0) return kStepMax;
  int step = 1;
  while (range_m < kMercatorMax) {
    range_m *= 2;
    step++;
  }
  step -= 2;  // so that the range fits in most cases
  // Cells are narrower towards the poles: coarser there.
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > kStepMax) step = kStepMax;
  return step;
}

void BoundingBox(const Shape& shape, double* bounds) {
  const double lon = shape.xy[0];
  const double lat = shape.xy[1];
  const double height =
      shape.conversion * (shape.type == Shape::kCircle ? shape.radius : shape.height / 2);
  const double width =
      shape.conversion * (shape.type == Shape::kCircle ? shape.radius : shape.width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusM);
  const double lon_delta_top = RadDeg(width / kEarthRadiusM / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom = RadDeg(width / kEarthRadiusM / std::cos(DegRad(lat - lat_delta)));
  // Meridians converge towards the pole: the box's wider edge is the one nearer the equator.
  const bool southern = lat < 0;
  bounds[0] = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
  bounds[2] = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
  bounds[1] = lat - lat_delta;
  bounds[3] = lat + lat_delta;
}

SearchArea AreasFor(Shape* shape) {
  BoundingBox(*shape, shape->bounds);
  const double min_lon = shape->bounds[0];
  const double min_lat = shape->bounds[1];
  const double max_lon = shape->bounds[2];
  const double max_lat = shape->bounds[3];
  const double lon = shape->xy[0];
  const double lat = shape->xy[1];
  // A box is sized by the distance from its centre to a corner.
  double radius_m = shape->type == Shape::kCircle
                        ? shape->radius
                        : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                    (shape->height / 2) * (shape->height / 2));
  radius_m *= shape->conversion;

  int steps = EstimateStepsByRadius(radius_m, lat);
  SearchArea sa;
  Encode(lon, lat, steps, &sa.hash);
  sa.neighbors = NeighborsOf(sa.hash);
  Decode(sa.hash, &sa.area);

  // Near the edge of its cell the estimated step can leave part of the shape outside the 9
  // cells: one step coarser then.
  bool decrease = false;
  {
    Area north, south, east, west;
    Decode(sa.neighbors.north, &north);
    Decode(sa.neighbors.south, &south);
    Decode(sa.neighbors.east, &east);
    Decode(sa.neighbors.west, &west);
    if (north.lat.max < max_lat) decrease = true;
    if (south.lat.min > min_lat) decrease = true;
    if (east.lon.max < max_lon) decrease = true;
    if (west.lon.min > min_lon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    Encode(lon, lat, steps, &sa.hash);
    sa.neighbors = NeighborsOf(sa.hash);
    Decode(sa.hash, &sa.area);
  }

  // Neighbours entirely outside the bounding box cannot hold a match.
  if (steps >= 2) {
    Neighbors& n = sa.neighbors;
    if (sa.area.lat.min < min_lat) n.south = n.south_west = n.south_east = Hash{};
    if (sa.area.lat.max > max_lat) n.north = n.north_east = n.north_west = Hash{};
    if (sa.area.lon.min < min_lon) n.west = n.south_west = n.north_west = Hash{};
    if (sa.area.lon.max > max_lon) n.east = n.south_east = n.north_east = Hash{};
  }
  return sa;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusM * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  const double lon1r = DegRad(lon1);
  const double lon2r = DegRad(lon2);
  const double v = std::sin((lon2r - lon1r) / 2);
  // Same meridian: the haversine reduces to the latitude difference.
  if (v == 0.0) return LatDistance(lat1, lat2);
  const double lat1r = DegRad(lat1);
  const double lat2r = DegRad(lat2);
  const double u = std::sin((lat2r - lat1r) / 2);
  const double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusM * std::asin(std::sqrt(a));
}

bool WithinShape(const Shape& shape, double lon, double lat, double* distance) {
  if (shape.type == Shape::kCircle) {
    *distance = Distance(shape.xy[0], shape.xy[1], lon, lat);
    return !(*distance > shape.radius * shape.conversion);
  }
  const double width_m = shape.width * shape.conversion;
  const double height_m = shape.height * shape.conversion;
  // The latitude test is the cheaper one.
  if (LatDistance(lat, shape.xy[1]) > height_m / 2) return false;
  if (Distance(lon, lat, shape.xy[0], lat) > width_m / 2) return false;
  *distance = Distance(shape.xy[0], shape.xy[1], lon, lat);
  return true;
}

void GeohashString(double lon, double lat, char* buf) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  Hash h;
  Encode(Range{-180, 180}, Range{-90, 90}, lon, lat, kStepMax, &h);
  for (int i = 0; i < 10; ++i) buf[i] = kAlphabet[(h.bits >> (52 - (i + 1) * 5)) & 0x1f];
  buf[10] = '0';  // 55 bits would be needed; the 11th character's 3 missing bits are zero
}

int FormatDistance(double d, char* buf) {
  if (d == 0) return std::snprintf(buf, 32, "0.0000");
  const long long v = std::llrint(d * 10000.0);
  const bool negative = v < 0;
  const unsigned long long mag =
      negative ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  return std::snprintf(buf, 32, "%s%llu.%04llu", negative ? "-" : "", mag / 10000, mag % 10000);
}

}  // namespace sable::geo
