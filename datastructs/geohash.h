// Geohashes as Redis's GEO commands use them: a point is a 52-bit interleaved hash (26 bits of
// longitude in the odd positions, 26 of latitude in the even ones) stored as a sorted-set score,
// so a cell of the grid at any coarser step is one contiguous score range.
//
// The grid spans longitude [-180, 180] and latitude [-85.05112878, 85.05112878] (the Web
// Mercator limits; GEOADD refuses anything outside). Decoding gives the centre of the cell,
// clamped to those limits. Searches cover the query shape with a cell sized from the radius plus
// its 8 neighbours, then filter by the exact shape (haversine distance on a sphere of radius
// 6372797.560856 m).
//
// Every computation is done in the same order and with the same libm calls as Redis 7.0's
// geohash.c / geohash_helper.c / geo.c, so coordinates, distances and the sets of matches are
// bit for bit Redis's (on x86-64 without FMA contraction, as Debian builds both).
#pragma once

#include <cstdint>

namespace sable::geo {

inline constexpr int kStepMax = 26;  // 26 * 2 = 52 bits: exact in a double score
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kEarthRadiusM = 6372797.560856;  // quadratic mean radius of WGS-84

struct Range {
  double min = 0, max = 0;
};

// A cell: `step` bits of each coordinate, interleaved. The all-zero value (step 0) is "no cell"
// (a neighbour excluded from a search).
struct Hash {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool IsZero() const { return bits == 0 && step == 0; }
  bool operator==(const Hash&) const = default;
};

struct Area {
  Hash hash;
  Range lon, lat;
};

struct Neighbors {
  Hash north, south, east, west, north_east, north_west, south_east, south_west;
};

// The ranges of the GEO grid (kLon*, kLat*).
Range LonRange();
Range LatRange();

// Encodes a point at `step` (1..32) bits per coordinate within the given ranges. False if the
// point is outside the ranges or outside the GEO limits (longitude +-180, latitude +-85.05...).
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, int step,
            Hash* out);
bool Encode(double lon, double lat, int step, Hash* out);  // GEO ranges
// The cell's bounds. False for the zero hash.
bool Decode(const Range& lon_range, const Range& lat_range, Hash hash, Area* out);
bool Decode(Hash hash, Area* out);  // GEO ranges
// Centre of a cell, clamped to the GEO limits: xy[0] longitude, xy[1] latitude.
void AreaCenter(const Area& area, double* xy);

// The cell left-aligned to 52 bits: the score of a point (step 26) or the lowest score of all
// points in a coarser cell.
inline uint64_t Align52(Hash h) { return h.bits << (52 - h.step * 2); }
// GEOADD's score for a point. REQUIRES: the point is within the GEO limits.
uint64_t ScoreOf(double lon, double lat);
// A sorted-set score as the 52-bit hash Redis reads it: C's (uint64_t) conversion as x86-64
// code does it, including for the scores C leaves undefined (negative, >= 2^64), which members
// can have when a geo set is also written with ZADD.
uint64_t ScoreBits(double score);
// decodeGeohash: the centre of the step-26 cell a score denotes.
bool DecodeScore(double score, double* xy);

// The 8 cells around `h` at the same step (wrapping around at the grid's edges).
Neighbors NeighborsOf(Hash h);

// geohashEstimateStepsByRadius: the step whose cells are about as large as the radius, one or
// two coarser near the poles; 1..26.
int EstimateStepsByRadius(double range_m, double lat);

// A search shape: a circle (radius) or an axis-aligned box (width x height) around xy, its
// sizes in a unit that is `conversion` metres.
struct Shape {
  enum Type { kCircle, kBox };
  Type type = kCircle;
  double xy[2] = {0, 0};
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat (AreasFor fills it)
};

// The longitude/latitude bounding box of a shape (bounds as Shape::bounds).
void BoundingBox(const Shape& shape, double* bounds);

// The 9 cells covering a shape: the centre cell and its neighbours, those that cannot hold a
// match zeroed. Fills shape->bounds.
struct SearchArea {
  Hash hash;
  Neighbors neighbors;
  Area area;
};
SearchArea AreasFor(Shape* shape);

// Great-circle distance in metres between two points (degrees).
double Distance(double lon1, double lat1, double lon2, double lat2);
// Distance along a meridian.
double LatDistance(double lat1, double lat2);
// Whether the point (lon, lat) is inside the shape; *distance gets its distance to the centre
// (in metres) when it is.
bool WithinShape(const Shape& shape, double lon, double lat, double* distance);

// The standard 11-character base32 geohash of a point (latitude range +-90, as GEOHASH prints
// it; the 11th character is always '0' since only 52 bits exist). buf gets 11 bytes, no NUL.
void GeohashString(double lon, double lat, char* buf);

// fixedpoint_d2string with 4 decimals: distances as GEODIST and WITHDIST print them
// (llrint(d * 10^4), so ties round to even). buf must hold 32 bytes; returns the length.
int FormatDistance(double d, char* buf);

}  // namespace sable::geo
