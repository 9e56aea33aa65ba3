"""Synthetic administrative geography for the national benchmark package.

For each of the 34 provinces after the 2025 merger: the provinces it absorbed (historical units
valid until 30 June 2025), a handful of districts per former province (some merged on 1 March
2020, one reusing its predecessor's code, as Cao Bằng's Quảng Hòa did), and a 2025 commune
layer; the crosswalk links every former unit to its successors. Small (about 1,500 units), so
plain loops are fine here; the large tables are built vectorised in `pipeline/synth.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.synth_tables import PLACE_SYLLABLES, PROVINCES, Province

DISTRICTS_END = "2025-06-30"
COMMUNES_START = "2025-07-01"
MERGER_2020 = "2020-03-01"
BEFORE_2020 = "2020-02-29"
NQ_2020 = "Nghị quyết 897/NQ-UBTVQH14"
NQ_2025 = "Nghị quyết 1657/NQ-UBTVQH15"
UNIT_COLUMNS = ["unit_id", "code", "level", "type_vi", "name_vi", "name_en", "parent_id",
                "province_code", "valid_from", "valid_to"]
CROSSWALK_COLUMNS = ["from_unit_id", "to_unit_id", "relation", "effective_date", "legal_basis"]
# Periods a project year falls in, each with its own set of valid units.
PERIODS = ("before-2020", "2020-2024", "from-2025")


def period_of(years: np.ndarray) -> np.ndarray:
    """0 for years before the 2020 district mergers, 1 until the 2025 reform, 2 after."""
    return np.where(years < 2020, 0, np.where(years < 2025, 1, 2))


@dataclass
class Geography:
    """Unit and crosswalk rows, and per province the unit ids valid in each period."""

    provinces: tuple[Province, ...] = PROVINCES
    units: list[dict] = field(default_factory=list)
    crosswalk: list[dict] = field(default_factory=list)
    pools: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    commune_names: dict[str, str] = field(default_factory=dict)

    def unit(self, **row) -> None:
        self.units.append({c: row.get(c, "") for c in UNIT_COLUMNS})

    def link(self, source: str, target: str, relation: str, date: str, basis: str) -> None:
        self.crosswalk.append(dict(zip(CROSSWALK_COLUMNS,
                                       (source, target, relation, date, basis), strict=True)))

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        return (pd.DataFrame(self.units, columns=UNIT_COLUMNS),
                pd.DataFrame(self.crosswalk, columns=CROSSWALK_COLUMNS))


def place_names(rng: np.random.Generator, count: int) -> list[str]:
    """``count`` distinct two-syllable place names (Yên Bình, Phú Lộc ...)."""
    n = len(PLACE_SYLLABLES)
    picks = rng.choice(n * n, size=count, replace=False)
    return [f"{PLACE_SYLLABLES[p // n]} {PLACE_SYLLABLES[p % n]}" for p in picks]


def english_type(type_vi: str) -> str:
    return {"Tỉnh": "Province", "Thành phố": "City", "Huyện": "District", "Xã": "Commune",
            "Phường": "Ward"}[type_vi]


def add_province(geo: Geography, province: Province) -> None:
    """The province as it is today, and the provinces it absorbed on 1 July 2025."""
    geo.unit(unit_id=province.code, code=province.code, level="province",
             type_vi=province.kind, name_vi=f"{province.kind} {province.name}",
             name_en=f"{province.name} {english_type(province.kind)}",
             province_code=province.code)
    for code, name in province.absorbed:
        geo.unit(unit_id=code, code=code, level="province", type_vi="Tỉnh",
                 name_vi=f"Tỉnh {name}", name_en=f"{name} Province",
                 province_code=province.code, valid_to=DISTRICTS_END)
        geo.link(code, province.code, "merged", COMMUNES_START,
                 "Nghị quyết 202/2025/QH15")


def add_districts(geo: Geography, rng: np.random.Generator, parent: str, province: str,
                  names: list[str]) -> list[str]:
    """Districts of one former province; returns those still valid on 30 June 2025.

    Half the former provinces merged districts on 1 March 2020: one district absorbed by
    its neighbour, and sometimes two districts forming a new one that reuses the first code.
    """
    ids = []
    for k, name in enumerate(names):
        kind = "Thành phố" if k == 0 else "Huyện"
        geo.unit(unit_id=f"{parent}{k}", code=f"{parent}{k}", level="district", type_vi=kind,
                 name_vi=f"{kind} {name}", name_en=f"{name} {english_type(kind)}",
                 parent_id=parent, province_code=province, valid_to=DISTRICTS_END)
        ids.append(f"{parent}{k}")
    if len(ids) >= 6 and rng.random() < 0.5:
        absorb(geo, ids.pop(), ids[-1])
    if len(ids) >= 5 and rng.random() < 0.3:
        ids = reuse_code(geo, ids, parent, province, place_names(rng, 1)[0])
    return ids


def end_in_2020(geo: Geography, unit_id: str) -> None:
    next(u for u in geo.units if u["unit_id"] == unit_id)["valid_to"] = BEFORE_2020


def absorb(geo: Geography, gone: str, into: str) -> None:
    """A district that ended on 29 February 2020, wholly merged into a neighbour."""
    end_in_2020(geo, gone)
    geo.link(gone, into, "merged", MERGER_2020, NQ_2020)


def reuse_code(geo: Geography, ids: list[str], parent: str, province: str,
               name: str) -> list[str]:
    """Districts 1 and 2 become a new district from 2020 that keeps district 1's code."""
    first, second = ids[1], ids[2]
    new_id = f"{first}-2020"
    for old in (first, second):
        end_in_2020(geo, old)
        geo.link(old, new_id, "merged", MERGER_2020, NQ_2020)
    geo.unit(unit_id=new_id, code=first, level="district", type_vi="Huyện",
             name_vi=f"Huyện {name}", name_en=f"{name} District", parent_id=parent,
             province_code=province, valid_from=MERGER_2020, valid_to=DISTRICTS_END)
    return [ids[0], new_id, *ids[3:]]


def is_city(district_id: str) -> bool:
    """The first district of each former province is its city (Thành phố); its communes
    become wards (Phường)."""
    return len(district_id) == 3 and district_id.endswith("0")


def add_communes(geo: Geography, rng: np.random.Generator, province: str,
                 districts: list[str], names: list[str]) -> list[str]:
    """The 2025 communes; each takes part of one district, some of a second one too."""
    ids = []
    for j, name in enumerate(names):
        primary = districts[j % len(districts)]
        kind = "Phường" if is_city(primary) else "Xã"
        code = f"{int(province) * 300 + j:05d}"
        unit_id = f"{code}-2025"
        geo.unit(unit_id=unit_id, code=code, level="commune", type_vi=kind,
                 name_vi=f"{kind} {name}", name_en=f"{name} {english_type(kind)}",
                 parent_id=province, province_code=province, valid_from=COMMUNES_START)
        geo.commune_names[unit_id] = name
        geo.link(primary, unit_id, "part", COMMUNES_START, NQ_2025)
        second = districts[rng.integers(len(districts))]
        if second != primary and rng.random() < 0.2:
            geo.link(second, unit_id, "part", COMMUNES_START, NQ_2025)
        ids.append(unit_id)
    return ids


def valid_in(geo: Geography, ids: list[str], day: str) -> list[str]:
    """The ids among ``ids`` whose validity covers ``day`` (ISO dates compare as text)."""
    rows = {u["unit_id"]: u for u in geo.units}
    return [i for i in ids if (rows[i]["valid_from"] or "0") <= day
            <= (rows[i]["valid_to"] or "9")]


def build_geography(rng: np.random.Generator,
                    provinces: tuple[Province, ...] = PROVINCES) -> Geography:
    """Every province with its former provinces, districts and 2025 communes."""
    geo = Geography(provinces=provinces)
    for index, province in enumerate(provinces):
        add_province(geo, province)
        parts = ((province.code, province.name), *province.absorbed)
        districts: list[str] = []
        all_districts: list[str] = []
        for parent, _ in parts:
            names = place_names(rng, int(rng.integers(5, 10)))
            districts += add_districts(geo, rng, parent, province.code, names)
            all_districts += [u["unit_id"] for u in geo.units
                              if u["parent_id"] == parent and u["level"] == "district"
                              and u["unit_id"] not in all_districts]
        count = min(299, len(districts) * int(rng.integers(2, 5)))
        communes = add_communes(geo, rng, province.code, districts,
                                place_names(rng, count))
        geo.pools[index, 0] = valid_in(geo, all_districts, "2019-12-31")
        geo.pools[index, 1] = districts
        geo.pools[index, 2] = communes
    return geo
