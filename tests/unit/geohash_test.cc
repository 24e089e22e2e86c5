#include "datastructs/geohash.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

namespace sable::geo {
namespace {

// Expected values were read from Debian's redis-server 7.0.15 (GEOADD then ZSCORE, GEOPOS,
// GEOHASH, GEODIST; ZADD of arbitrary scores then GEOPOS / GEOHASH).

std::string HashString(double score) {
  double xy[2];
  REQUIRE(DecodeScore(score, xy));
  char buf[11];
  GeohashString(xy[0], xy[1], buf);
  return std::string(buf, 11);
}

std::string Dist(double d) {
  char buf[32];
  return std::string(buf, static_cast<size_t>(FormatDistance(d, buf)));
}

// Whether `score` lies in one of the (non-zero) cells of a search area.
bool Covered(const SearchArea& sa, uint64_t score) {
  const Neighbors& n = sa.neighbors;
  for (Hash h : {sa.hash, n.north, n.south, n.east, n.west, n.north_east, n.north_west,
                 n.south_east, n.south_west}) {
    if (h.IsZero()) continue;
    uint64_t min = Align52(h);
    h.bits++;
    if (score >= min && score < Align52(h)) return true;
  }
  return false;
}

TEST_CASE("geohash: known points encode to Redis's scores and strings") {
  CHECK(ScoreOf(13.361389, 38.115556) == 3479099956230698ULL);  // Palermo
  CHECK(ScoreOf(15.087269, 37.502669) == 3479447370796909ULL);  // Catania
  CHECK(HashString(3479099956230698.0) == "sqc8b49rny0");
  CHECK(HashString(3479447370796909.0) == "sqdtr74hyu0");
  // Wikipedia's example, as in the Redis suite.
  CHECK(HashString(static_cast<double>(ScoreOf(-5.6, 42.6))) == "ezs42e44yx0");
}

TEST_CASE("geohash: decoding gives the centre of the cell") {
  double xy[2];
  REQUIRE(DecodeScore(3479099956230698.0, xy));
  CHECK(xy[0] == 13.36138933897018433);
  CHECK(xy[1] == 38.11555639549629859);
  REQUIRE(DecodeScore(3479447370796909.0, xy));
  CHECK(xy[0] == 15.08726745843887329);
  CHECK(xy[1] == 37.50266842333162032);
}

TEST_CASE("geohash: encode/decode round trip stays within the cell") {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> lon_d(kLonMin, kLonMax), lat_d(kLatMin, kLatMax);
  const double lon_cell = (kLonMax - kLonMin) / (1 << kStepMax);
  const double lat_cell = (kLatMax - kLatMin) / (1 << kStepMax);
  for (int i = 0; i < 10000; ++i) {
    double lon = lon_d(rng), lat = lat_d(rng);
    uint64_t score = ScoreOf(lon, lat);
    REQUIRE(score < (1ULL << 52));
    double xy[2];
    REQUIRE(DecodeScore(static_cast<double>(score), xy));
    CHECK(std::fabs(xy[0] - lon) <= lon_cell / 2 + 1e-12);
    CHECK(std::fabs(xy[1] - lat) <= lat_cell / 2 + 1e-12);
    // Re-encoding the centre gives the same cell.
    CHECK(ScoreOf(xy[0], xy[1]) == score);
  }
}

TEST_CASE("geohash: limits") {
  Hash h;
  CHECK_FALSE(Encode(180.0001, 0, kStepMax, &h));
  CHECK_FALSE(Encode(0, 85.06, kStepMax, &h));
  CHECK_FALSE(Encode(0, 0, 0, &h));
  CHECK_FALSE(Encode(0, 0, 33, &h));
  // The upper limits map one past the last cell (a bit above the 52), as in Redis.
  CHECK(ScoreOf(180, 85.05112878) == 13510798882111488ULL);
  CHECK(ScoreOf(-180, -85.05112878) == 0);
  double xy[2];
  REQUIRE(DecodeScore(13510798882111488.0, xy));
  CHECK(xy[0] == 180);
  CHECK(xy[1] == 85.0511287799999991);
  REQUIRE(DecodeScore(0, xy));
  CHECK(xy[0] == -179.99999731779098511);
  CHECK(xy[1] == -85.05112751263942528);
}

TEST_CASE("geohash: scores outside the 52 bits read as x86-64 converts them") {
  CHECK(ScoreBits(-1) == UINT64_MAX);
  CHECK(ScoreBits(-1.5) == UINT64_MAX);
  CHECK(ScoreBits(1.5) == 1);
  CHECK(ScoreBits(1e30) == 0);
  CHECK(ScoreBits(INFINITY) == 0);
  CHECK(ScoreBits(-INFINITY) == (1ULL << 63));
  CHECK(ScoreBits(-1e20) == (1ULL << 63));
  CHECK(ScoreBits(9223372036854775808.0) == (1ULL << 63));
  CHECK(ScoreBits(18446744073709549568.0) == 18446744073709549568ULL);
  // GEOPOS / GEOHASH of members given such scores with ZADD.
  double xy[2];
  REQUIRE(DecodeScore(-1, xy));
  CHECK(xy[0] == 180);
  CHECK(xy[1] == 85.0511287799999991);
  CHECK(HashString(-1) == "bp05b5048p0");
  CHECK(HashString(1e30) == "00bh0hbj200");
}

TEST_CASE("geohash: neighbours") {
  Hash h;
  REQUIRE(Encode(13.361389, 38.115556, 10, &h));
  Neighbors n = NeighborsOf(h);
  Area c, e, w, no, s, ne, sw;
  REQUIRE(Decode(h, &c));
  REQUIRE(Decode(n.east, &e));
  REQUIRE(Decode(n.west, &w));
  REQUIRE(Decode(n.north, &no));
  REQUIRE(Decode(n.south, &s));
  REQUIRE(Decode(n.north_east, &ne));
  REQUIRE(Decode(n.south_west, &sw));
  CHECK(e.lon.min == doctest::Approx(c.lon.max));
  CHECK(e.lat.min == c.lat.min);
  CHECK(w.lon.max == doctest::Approx(c.lon.min));
  CHECK(no.lat.min == doctest::Approx(c.lat.max));
  CHECK(no.lon.min == c.lon.min);
  CHECK(s.lat.max == doctest::Approx(c.lat.min));
  CHECK(ne.lon.min == e.lon.min);
  CHECK(ne.lat.min == no.lat.min);
  CHECK(sw.lon.min == w.lon.min);
  CHECK(sw.lat.min == s.lat.min);
  for (Hash x :
       {n.north, n.south, n.east, n.west, n.north_east, n.north_west, n.south_east, n.south_west})
    CHECK(x.step == 10);

  // The grid wraps around: east of the easternmost column is the westernmost one.
  REQUIRE(Encode(179.9, 0, 4, &h));
  Area east;
  REQUIRE(Decode(NeighborsOf(h).east, &east));
  CHECK(east.lon.min == -180);
  REQUIRE(Encode(0, -85, 4, &h));
  Area south;
  REQUIRE(Decode(NeighborsOf(h).south, &south));
  CHECK(south.lat.max == kLatMax);
}

TEST_CASE("geohash: step estimation") {
  CHECK(EstimateStepsByRadius(0, 0) == 26);
  CHECK(EstimateStepsByRadius(1000, 0) == 14);
  CHECK(EstimateStepsByRadius(1000, 70) == 13);
  CHECK(EstimateStepsByRadius(1000, -85) == 12);
  CHECK(EstimateStepsByRadius(5000000, 0) == 2);
  CHECK(EstimateStepsByRadius(1e8, 0) == 1);
  CHECK(EstimateStepsByRadius(INFINITY, 0) == 1);
  CHECK(EstimateStepsByRadius(0.001, 0) == 26);
}

TEST_CASE("geohash: distances") {
  double p[2], c[2];
  REQUIRE(DecodeScore(3479099956230698.0, p));
  REQUIRE(DecodeScore(3479447370796909.0, c));
  CHECK(Dist(Distance(p[0], p[1], c[0], c[1])) == "166274.1516");
  CHECK(Dist(Distance(p[0], p[1], c[0], c[1]) / 1000) == "166.2742");
  CHECK(Dist(Distance(p[0], p[1], p[0], p[1])) == "0.0000");
  // Same meridian: the latitude difference alone.
  CHECK(Distance(10, 0, 10, 1) == LatDistance(0, 1));
  CHECK(LatDistance(0, 1) == doctest::Approx(kEarthRadiusM * M_PI / 180));
  CHECK(Distance(0, 0, 180, 0) == doctest::Approx(kEarthRadiusM * M_PI));
}

TEST_CASE("geohash: distance formatting (fixedpoint_d2string, 4 decimals)") {
  CHECK(Dist(0) == "0.0000");
  CHECK(Dist(0.775) == "0.7750");
  CHECK(Dist(0.00001) == "0.0000");
  CHECK(Dist(1.23456) == "1.2346");
  CHECK(Dist(12345.6789) == "12345.6789");
  CHECK(Dist(0.00015) == "0.0001");  // the product is rounded, not the decimal text
  CHECK(Dist(1.5) == "1.5000");
  CHECK(Dist(NAN) == "-922337203685477.5808");
}

TEST_CASE("geohash: the 9 cells cover every point of a circle or a box") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int i = 0; i < 300; ++i) {
    Shape shape;
    shape.xy[0] = -180 + 360 * u(rng);
    shape.xy[1] = -70 + 140 * u(rng);
    shape.type = i % 2 ? Shape::kBox : Shape::kCircle;
    shape.radius = 10 + 500 * u(rng);
    shape.width = 10 + 500 * u(rng);
    shape.height = 10 + 500 * u(rng);
    shape.conversion = 1000;
    SearchArea sa = AreasFor(&shape);
    for (int j = 0; j < 200; ++j) {
      double lon = shape.bounds[0] + (shape.bounds[2] - shape.bounds[0]) * u(rng);
      double lat = shape.bounds[1] + (shape.bounds[3] - shape.bounds[1]) * u(rng);
      if (lon > 180) lon -= 360;
      if (lon < -180) lon += 360;
      double dist;
      if (!WithinShape(shape, lon, lat, &dist)) continue;
      INFO("centre ", shape.xy[0], ",", shape.xy[1], " point ", lon, ",", lat);
      CHECK(Covered(sa, ScoreOf(lon, lat)));
    }
  }
}

TEST_CASE("geohash: shapes") {
  Shape circle;
  circle.xy[0] = 15;
  circle.xy[1] = 37;
  circle.radius = 200;
  circle.conversion = 1000;
  double d;
  CHECK(WithinShape(circle, 15.087269, 37.502669, &d));
  CHECK(d == doctest::Approx(56000).epsilon(0.01));
  CHECK_FALSE(WithinShape(circle, 13.361389 - 2, 38.115556, &d));

  Shape box;
  box.type = Shape::kBox;
  box.xy[0] = 15;
  box.xy[1] = 37;
  box.width = 400;
  box.height = 2;
  box.conversion = 1000;
  CHECK(WithinShape(box, 12.75, 36.995, &d));
  CHECK_FALSE(WithinShape(box, 12.75, 36.50, &d));
  double bounds[4];
  BoundingBox(box, bounds);
  CHECK(bounds[0] < 12.75);
  CHECK(bounds[2] > 17.2);
  CHECK(bounds[1] == doctest::Approx(37 - 0.009).epsilon(0.01));
}

}  // namespace
}  // namespace sable::geo
